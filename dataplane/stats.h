// SPDX-License-Identifier: BSD-3-Clause
// Per-worker counters (written by the worker only) and the snapshot the control plane reads.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/counter.h"
#include "dataplane/drop_reason.h"
#include "dataplane/stage_timing.h"

namespace dp {

struct alignas(64) worker_counters {
  counter rx_packets;    // taken from this worker's NIC queues
  counter handoff_in;    // received from other workers
  counter handoff_out;   // sent to their owner
  counter relayed_rtp;
  counter relayed_rtcp;
  counter transcoded;           // RTP whose payload type was mapped / audio transcoded
  counter payload_passthrough;  // RTP on a rewriting route with another payload type (RFC 4733, ...)
  counter media_processed;            // audio decoded, processed, encoded in place
  counter media_bypassed_frame_size;  // audio not a whole number of ptime frames: relayed unprocessed
  counter media_bypassed_pool;        // frame pool empty: relayed unprocessed
  counter media_other_payload;        // non-audio payload types on media routes: untouched
  counter tx_packets;
  counter polls;
  counter busy_polls;    // polls that found work
  counter heap_bytes;    // jemalloc thread.allocated growth since the loop started
  counter heap_probe_ok; // 1 when jemalloc's per-thread counter was found (heap_bytes is meaningful)
  counter ctl_applied;   // control messages applied
  std::array<counter, drop_reason_count> drops;

  std::uint64_t total_drops() const noexcept {
    std::uint64_t t = 0;
    for (const auto& d : drops) t += d.get();
    return t;
  }
};

// A copy of one worker's counters, taken by the control plane.
struct worker_snapshot {
  unsigned index = 0;
  unsigned lcore = 0;
  std::uint64_t rx_packets = 0, handoff_in = 0, handoff_out = 0, relayed_rtp = 0, relayed_rtcp = 0, tx_packets = 0;
  std::uint64_t transcoded = 0, payload_passthrough = 0;
  std::uint64_t media_processed = 0, media_bypassed_frame_size = 0, media_bypassed_pool = 0, media_other_payload = 0;
  std::uint64_t polls = 0, busy_polls = 0, heap_bytes = 0, heap_probe_ok = 0, ctl_applied = 0;
  std::array<std::uint64_t, drop_reason_count> drops{};
  std::array<stage_summary, stage_count> stages{};  // sampled stage timing (runtime::snapshot fills it)
  std::uint64_t total_drops() const noexcept {
    std::uint64_t t = 0;
    for (auto d : drops) t += d;
    return t;
  }
};

inline worker_snapshot snapshot_of(const worker_counters& c, unsigned index, unsigned lcore) noexcept {
  worker_snapshot s;
  s.index = index;
  s.lcore = lcore;
  s.rx_packets = c.rx_packets.get();
  s.handoff_in = c.handoff_in.get();
  s.handoff_out = c.handoff_out.get();
  s.relayed_rtp = c.relayed_rtp.get();
  s.relayed_rtcp = c.relayed_rtcp.get();
  s.tx_packets = c.tx_packets.get();
  s.transcoded = c.transcoded.get();
  s.payload_passthrough = c.payload_passthrough.get();
  s.media_processed = c.media_processed.get();
  s.media_bypassed_frame_size = c.media_bypassed_frame_size.get();
  s.media_bypassed_pool = c.media_bypassed_pool.get();
  s.media_other_payload = c.media_other_payload.get();
  s.polls = c.polls.get();
  s.busy_polls = c.busy_polls.get();
  s.heap_bytes = c.heap_bytes.get();
  s.heap_probe_ok = c.heap_probe_ok.get();
  s.ctl_applied = c.ctl_applied.get();
  for (std::size_t i = 0; i < drop_reason_count; ++i) s.drops[i] = c.drops[i].get();
  return s;
}

}  // namespace dp
