// SPDX-License-Identifier: BSD-3-Clause
// Hugepage frame pools: one rte_mempool per size class (10..60 ms at 8 kHz) per NUMA socket.
//
// Frames that outlive the packet they were decoded from (the far-end history an
// echo canceller reads, DESIGN.md §2) come from these pools; frames that die with
// their packet use the worker's scratch memory. Pools have per-lcore caches, so a
// worker's get/put stays on its own core. An empty pool is not an error: the
// packet is relayed unprocessed and the event is counted (worker_counters).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dsp/frame.h"

struct rte_mempool;

namespace dp {

inline constexpr std::size_t frame_class_count = 5;  // dsp::frame_size_class: 10, 20, 30, 40, 60 ms

// One pooled frame: its header, then the samples in the same element.
struct alignas(64) pooled_frame {
  std::uint32_t rtp_timestamp = 0;  // first sample, in the egress stream's clock
  std::uint16_t samples = 0;        // valid samples
  std::uint16_t capacity = 0;       // samples the element holds
  rte_mempool* pool = nullptr;      // where it goes back
  std::int16_t* data() noexcept { return reinterpret_cast<std::int16_t*>(this + 1); }
  const std::int16_t* data() const noexcept { return reinterpret_cast<const std::int16_t*>(this + 1); }
};

// The pools of one socket.
struct frame_pools {
  int socket = 0;
  std::array<rte_mempool*, frame_class_count> by_class{};

  // A frame with room for n samples, or nullptr (pool empty, or n out of range).
  pooled_frame* get(std::size_t n) noexcept;
  static void put(pooled_frame* f) noexcept;
};

struct frame_pool_usage {
  int socket = 0;
  unsigned samples = 0;  // class capacity
  unsigned size = 0;
  unsigned available = 0;  // in the ring and in lcore caches
};

// Creates the pools of a socket: frames_per_class elements each, cache per lcore.
// Throws std::runtime_error naming the pool when memory is short.
frame_pools create_frame_pools(int socket, unsigned frames_per_class, unsigned cache);
void free_frame_pools(frame_pools& p) noexcept;
std::vector<frame_pool_usage> usage_of(const frame_pools& p);

}  // namespace dp
