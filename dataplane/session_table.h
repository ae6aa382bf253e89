// SPDX-License-Identifier: BSD-3-Clause
// A worker's private session table: local UDP port -> routes, chained by local IPv4 address.
//
// Why not rte_hash (DESIGN.md §3 first said so): with rte_hash the lookup
// (jhash + bucket walk + key compare) was about a third of the relay's 145
// cycles per packet (perf record, voxgate-bench relay). A local port selects at
// most a handful of routes (one per gateway address using that port), so a
// direct 65536-slot array of chain heads costs one load in the common case and
// one compare per extra address. 512 KiB per worker, on its socket.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/session.h"

namespace dp {

class session_table {
 public:
  static constexpr std::size_t slots = 65536;
  static constexpr std::size_t memory_bytes = slots * sizeof(route*);

  // memory: memory_bytes, zeroed, owned by the caller (allocated on the worker's socket).
  explicit session_table(void* memory) noexcept : slot_(static_cast<route**>(memory)) {}

  route* find(std::uint32_t ip, std::uint16_t port) const noexcept {
    route* r = slot_[port];
    while (r != nullptr && r->local_ip != ip) r = r->next;
    return r;
  }
  // False when a route for the same (ip, port) is already present.
  bool insert(route& r) noexcept {
    if (find(r.local_ip, r.local_port) != nullptr) return false;
    r.next = slot_[r.local_port];
    slot_[r.local_port] = &r;
    ++size_;
    return true;
  }
  void erase(route& r) noexcept {
    for (route** p = &slot_[r.local_port]; *p != nullptr; p = &(*p)->next) {
      if (*p == &r) {
        *p = r.next;
        r.next = nullptr;
        --size_;
        return;
      }
    }
  }
  std::size_t size() const noexcept { return size_; }

 private:
  route** slot_;
  std::size_t size_ = 0;
};

}  // namespace dp
