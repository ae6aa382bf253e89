// SPDX-License-Identifier: BSD-3-Clause
// Port -> owning worker map: how a worker decides hand-off without a shared session lookup.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace dp {

inline constexpr unsigned max_workers = 64;
inline constexpr std::uint8_t no_owner = 0xFF;

// Which worker owns each local UDP port (RTP and RTCP). Written by the control
// plane before a session is published, read by every worker to decide hand-off:
// a byte load, not a shared table lookup.
class owner_map {
 public:
  std::uint8_t owner(std::uint16_t port) const noexcept { return owner_[port].load(std::memory_order_relaxed); }
  void set(std::uint16_t port, std::uint8_t w) noexcept { owner_[port].store(w, std::memory_order_relaxed); }
  void clear() noexcept {
    for (auto& o : owner_) o.store(no_owner, std::memory_order_relaxed);
  }
  owner_map() noexcept { clear(); }

 private:
  std::array<std::atomic<std::uint8_t>, 65536> owner_;
};

}  // namespace dp
