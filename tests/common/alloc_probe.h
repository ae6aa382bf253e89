// SPDX-License-Identifier: BSD-3-Clause
// Reads jemalloc's per-thread allocated-bytes counter: the proof that a call does not allocate.
//
// The test executable must link jemalloc (jemalloc_dep) so that it is the
// process allocator. Tests using this should first show the probe sees a real
// allocation (allocation_probe_works) so a zero can be trusted.
#pragma once

#include <jemalloc/jemalloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace test {

inline std::uint64_t thread_allocated_bytes() {
  std::uint64_t* counter = nullptr;
  std::size_t sz = sizeof(counter);
  if (mallctl("thread.allocatedp", &counter, &sz, nullptr, 0) != 0 || counter == nullptr)
    throw std::runtime_error("jemalloc thread.allocatedp unavailable: is jemalloc linked as the allocator?");
  return *counter;
}

// True when a malloc the compiler cannot elide moves the counter.
inline bool allocation_probe_works() {
  const std::uint64_t before = thread_allocated_bytes();
  void* volatile p = std::malloc(4096);
  const std::uint64_t after = thread_allocated_bytes();
  std::free(p);
  return after - before >= 4096;
}

}  // namespace test
