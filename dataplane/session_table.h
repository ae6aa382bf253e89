// SPDX-License-Identifier: BSD-3-Clause
// A worker's private session table: (local IPv4 address, local UDP port) -> route.
//
// One 65536-slot array per local address, indexed by port: a lookup is a short
// scan of the worker's addresses (L1-resident, usually one) and one load.
// Why not rte_hash (DESIGN.md §3 first said so): its lookup (jhash + bucket
// walk + key compare) was about a third of the relay's 145 cycles per packet
// (perf record, voxgate-bench relay). A first version chained the addresses
// per port; with 100k sessions spread over 9 addresses the chain walk cost
// 390 ns per packet (voxgate-bench relay --sessions 100000), hence one array
// per address. 512 KiB per address per worker, allocated by the control plane
// on the worker's socket and handed over with the first session using it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/session.h"

namespace dp {

class session_table {
 public:
  static constexpr std::size_t slots = 65536;
  static constexpr std::size_t slot_bytes = slots * sizeof(route*);  // per local address
  static constexpr std::size_t max_addresses = 16;

  route* find(std::uint32_t ip, std::uint16_t port) const noexcept {
    route* const* s = slot_of(ip, port);
    return s != nullptr ? *s : nullptr;
  }
  // Where find() will look (to prefetch it), or nullptr for an address not served.
  route* const* slot_of(std::uint32_t ip, std::uint16_t port) const noexcept {
    for (unsigned i = 0; i < n_; ++i)
      if (ip_[i] == ip) return &slot_[i][port];
    return nullptr;
  }
  bool has_address(std::uint32_t ip) const noexcept { return slots_of(ip) != nullptr; }
  // memory: slot_bytes, zeroed, owned by the control plane. False when the
  // address is already present or the table holds max_addresses.
  bool add_address(std::uint32_t ip, void* memory) noexcept {
    if (memory == nullptr || has_address(ip) || n_ == max_addresses) return false;
    ip_[n_] = ip;
    slot_[n_] = static_cast<route**>(memory);
    ++n_;
    return true;
  }
  // False when the address is unknown or the (ip, port) is already routed.
  bool insert(route& r) noexcept {
    route** s = slots_of(r.local_ip);
    if (s == nullptr || s[r.local_port] != nullptr) return false;
    s[r.local_port] = &r;
    ++size_;
    return true;
  }
  void erase(route& r) noexcept {
    route** s = slots_of(r.local_ip);
    if (s == nullptr || s[r.local_port] != &r) return;
    s[r.local_port] = nullptr;
    --size_;
  }
  std::size_t size() const noexcept { return size_; }
  unsigned addresses() const noexcept { return n_; }

 private:
  route** slots_of(std::uint32_t ip) const noexcept {
    for (unsigned i = 0; i < n_; ++i)
      if (ip_[i] == ip) return slot_[i];
    return nullptr;
  }

  std::array<std::uint32_t, max_addresses> ip_{};
  std::array<route**, max_addresses> slot_{};
  unsigned n_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dp
