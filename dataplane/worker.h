// SPDX-License-Identifier: BSD-3-Clause
// The worker lcore: burst-32 poll loop, hand-off between workers, relay rewrite and tx.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/control.h"
#include "dataplane/media.h"
#include "dataplane/owner_map.h"
#include "dataplane/session.h"
#include "dataplane/session_table.h"
#include "dataplane/stage_timing.h"
#include "dataplane/stats.h"

struct rte_ring;
struct rte_mbuf;

namespace dp {

inline constexpr unsigned burst_size = 32;
inline constexpr unsigned max_ports = 8;

struct port_ref {
  std::uint16_t port_id = 0;
  mac_addr mac{};
};

// Per-iteration tx staging: one array per port, sent once per poll iteration.
struct tx_stage {
  static constexpr unsigned capacity = 2 * burst_size;
  std::array<std::array<rte_mbuf*, capacity>, max_ports> pkts{};
  std::array<std::uint16_t, max_ports> count{};
};

// Everything a worker touches, fetched once before the loop (DPDK l3fwd's lcore_conf).
struct alignas(64) worker_context {
  std::uint8_t index = 0;  // also its rx/tx queue id on every port
  unsigned lcore = 0;
  std::uint8_t n_workers = 1;
  std::uint8_t n_ports = 0;
  std::array<port_ref, max_ports> ports{};
  session_table table;            // private: (local ip, port) -> route
  std::uint32_t media_sessions = 0;  // sessions in `table` with media state (batched relay path)
  rte_ring* handoff_in = nullptr; // MP/SC: other workers enqueue, this one dequeues
  std::array<rte_ring*, max_workers> handoff{};  // every worker's handoff_in
  rte_ring* ctl_in = nullptr;     // SP/SC from the control plane
  rte_ring* ctl_out = nullptr;    // SP/SC replies to the control plane
  const owner_map* owners = nullptr;
  const std::atomic<bool>* stop = nullptr;
  tx_stage tx;
  worker_counters stats;
  media_worker media;   // frame pools of this socket, scratch frames
  std::uint32_t timing_period = stage_sample_period;  // time 1 poll iteration in this many; 0: never
  std::uint32_t timing_countdown = stage_sample_period;
  stage_timing timing;  // cycles per stage, sampled
};

// Starts a poll iteration: decides whether its stages are timed.
inline void worker_begin_iteration(worker_context& ctx) noexcept {
  ctx.media.sampled = ctx.timing_countdown == 1;
  if (ctx.timing_countdown > 1) {
    --ctx.timing_countdown;
  } else if (ctx.timing_countdown == 1) {
    ctx.timing_countdown = ctx.timing_period;
  }
}

// Entry point for rte_eal_remote_launch: arg is a worker_context*.
int worker_main(void* arg);

// One poll iteration (rx on every port, hand-off ring, control ring, tx).
// Returns true when it did work. Exposed for benchmarks and tests that drive a worker
// from their own loop.
bool worker_poll(worker_context& ctx) noexcept;

// Applies pending control messages. Returns how many were applied.
unsigned worker_apply_control(worker_context& ctx) noexcept;

// Processes packets this worker owns (parsing, lookup, checks, rewrite) and queues
// them for tx; exposed so benchmarks can feed mbufs from memory.
void worker_process_owned(worker_context& ctx, rte_mbuf** pkts, unsigned n) noexcept;

// Transmits what worker_process_owned queued.
void worker_flush(worker_context& ctx) noexcept;

// After every worker stopped: relays what is left in ctx's hand-off ring (other
// workers may have enqueued after it stopped), so no mbuf is left behind.
void worker_drain(worker_context& ctx) noexcept;

}  // namespace dp
