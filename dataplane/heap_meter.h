// SPDX-License-Identifier: BSD-3-Clause
// Per-thread heap growth from jemalloc's thread.allocated counter (DESIGN.md §3 proof).
#pragma once

#include <jemalloc/jemalloc.h>

#include <cstddef>
#include <cstdint>

namespace dp {

class heap_meter {
 public:
  // Looks up this thread's counter (once, outside the hot loop: mallctl may
  // initialise jemalloc's thread state) and takes the baseline.
  heap_meter() noexcept {
    std::size_t sz = sizeof(counter_);
    if (mallctl("thread.allocatedp", &counter_, &sz, nullptr, 0) != 0) counter_ = nullptr;
    base_ = counter_ != nullptr ? *counter_ : 0;
  }
  bool available() const noexcept { return counter_ != nullptr; }
  // Bytes allocated by this thread since construction (one load; cheap per burst).
  std::uint64_t allocated_since_start() const noexcept { return counter_ != nullptr ? *counter_ - base_ : 0; }

 private:
  std::uint64_t* counter_ = nullptr;
  std::uint64_t base_ = 0;
};

}  // namespace dp
