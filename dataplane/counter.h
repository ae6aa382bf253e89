// SPDX-License-Identifier: BSD-3-Clause
// Single-writer counters: the worker adds with plain loads/stores, the control plane reads.
#pragma once

#include <atomic>
#include <cstdint>

namespace dp {

// Written by exactly one thread. Relaxed load + store compiles to a plain add on
// x86-64 (no lock prefix, VPP's per-thread counter habit) while keeping the
// concurrent read by the control thread free of data races.
class counter {
 public:
  void add(std::uint64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

}  // namespace dp
