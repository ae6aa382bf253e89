// SPDX-License-Identifier: BSD-3-Clause
// The media path of a worker: G.711 decoded from the mbuf, the leg's chain (AEC -> VAD -> AGC), encoded back in place.
//
// DESIGN.md §2, §3. A session with media has, per leg, the state below in
// memory on its worker's socket (built by the control plane at setup, read and
// written by that worker only). Per RTP packet of the leg's audio payload type:
//   decode the payload straight from the mbuf into a frame (the worker's scratch
//   frame, or a pooled frame when the frame must outlive the packet), run the
//   chain on it in ptime frames (the AEC's far end is what this gateway sent
//   toward the same leg, aligned by RTP timestamp), encode it back into the same
//   payload bytes in the egress leg's law, map the payload type and fix the UDP
//   checksum. Frames sent toward a leg whose chain cancels echo are kept, decoded
//   from the bytes actually sent, as that leg's far-end history.
// Other payload types (RFC 4733, CN, ...) and payloads that are not whole frames
// pass with their payload untouched (byte-transcoded when the laws differ) and
// are counted; so is every packet relayed unprocessed because a pool was empty.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory_resource>
#include <span>

#include "dataplane/counter.h"
#include "dataplane/frame_pool.h"
#include "dataplane/packet.h"
#include "dataplane/session.h"
#include "dataplane/stage_timing.h"
#include "dsp/chain.h"
#include "dsp/g711.h"

namespace dp {

// What the gateway sent toward one leg, as pooled frames stamped with the egress
// RTP timestamps, and the alignment of that leg's incoming stream to them. The
// echo in a near-end frame with timestamp T is (after a bulk delay the AEC
// estimates) the far end around T + offset; offset is fixed when the first
// near-end frame meets a non-empty history, and again after a stream restart.
class far_history {
 public:
  static constexpr unsigned depth = 8;  // frames kept: 160 ms at 20 ms ptime
  // A window further than this from every kept frame re-anchors (a restart, RFC 3550 §8.2 SSRC change).
  static constexpr std::int32_t max_skew_samples = 4000;

  // Takes the frame; when full, the oldest goes back to its pool first.
  void push(pooled_frame* f) noexcept;
  // out = far-end samples aligned to the near-end frame starting at near_ts (zeros
  // where nothing was sent); frames wholly before the window go back to their pool.
  void window(std::uint32_t near_ts, std::span<std::int16_t> out) noexcept;
  void reset_alignment() noexcept { anchored_ = false; }
  void clear() noexcept;
  unsigned size() const noexcept { return count_; }

 private:
  pooled_frame* at(unsigned i) const noexcept { return frames_[(head_ + i) % depth]; }
  void pop_front() noexcept;

  std::array<pooled_frame*, depth> frames_{};
  unsigned head_ = 0;
  unsigned count_ = 0;
  bool anchored_ = false;
  std::uint32_t offset_ = 0;
};

// Sequence/SSRC bookkeeping of the stream received on a leg (RFC 3550 §8.2,
// A.1 in spirit) and, with ssrc_rewrite, the egress stream's continuity.
struct rtp_stream {
  bool seen = false;
  std::uint32_t ssrc = 0;
  std::uint16_t max_seq = 0;
  std::uint32_t out_ssrc = 0;     // egress SSRC when rewriting
  std::uint16_t seq_delta = 0;    // egress = ingress + delta (mod 2^16)
  std::uint32_t ts_delta = 0;     // egress = ingress + delta (mod 2^32)
  std::uint16_t last_out_seq = 0;
  std::uint32_t next_out_ts = 0;  // last egress timestamp + its samples
};

// Per-leg counters: one writer (the worker), read by the control plane.
struct leg_counters {
  counter processed;            // audio packets decoded (chain and/or far-end history)
  counter bypassed_frame_size;  // audio payload not a whole number of ptime frames (or > 60 ms)
  counter bypassed_pool;        // frame pool empty: relayed unprocessed
  counter other_payload;        // other payload types (RFC 4733 events, CN, ...): payload untouched
  counter frames;               // chain frames run
  counter speech_frames;        // of which the VAD called speech
  counter ssrc_changes;
  counter seq_lost;             // sequence gaps
  counter seq_late;             // duplicates and reordered packets
  counter rtcp_translated;      // RTCP packets from this leg with SSRC fields rewritten (ssrc_rewrite)
  std::atomic<float> agc_gain_db{0.0f};  // after the last frame
  std::atomic<float> erle_db{0.0f};
  std::atomic<std::uint32_t> chain_fallbacks{0};
};

struct media_leg {
  dsp::processing_chain* chain = nullptr;  // processes the audio received on this leg; nullptr: none
  far_history* reference = nullptr;        // what was sent toward this leg (the chain's AEC far end)
  far_history* egress_history = nullptr;   // the other leg's reference, when its chain cancels echo
  dsp::g711::decode_fn decode_in = nullptr;
  dsp::g711::encode_fn encode_out = nullptr;
  dsp::g711::decode_fn decode_out = nullptr;
  std::uint16_t frame_samples = 160;
  bool ssrc_rewrite = false;
  rtp_stream stream;
  const media_leg* peer = nullptr;  // the session's other leg (its stream is what this leg receives)
  leg_counters counters;
};

struct media_session {
  std::array<media_leg, 2> legs;
  std::array<far_history, 2> history;  // history[l]: what the gateway sent toward leg l
  std::array<dsp::resource_ptr<dsp::processing_chain>, 2> chains;
  ~media_session() { for (auto& h : history) h.clear(); }
};

// Control plane, at setup: the media state of a session, every byte (chains,
// FFT buffers, histories) from mr (the worker's socket). ssrc_seed gives each
// leg's egress SSRC when rewriting. Throws std::invalid_argument naming the
// chain field, or std::bad_alloc when the socket's memory is short.
dsp::resource_ptr<media_session> make_media_session(const session_spec& spec, std::uint32_t ssrc_seed,
                                                   std::pmr::memory_resource* mr);
// Points the session's RTP routes at their ingress legs' media state, and with
// ssrc_rewrite its RTCP routes too (RTCP translation).
void attach_media(session_state& s, media_session& m) noexcept;

// The worker's share of the media path.
struct alignas(64) media_worker {
  frame_pools* pools = nullptr;
  std::array<std::int16_t, 480> scratch{};  // frames that die with their packet
  std::array<std::int16_t, 480> far{};      // the AEC's far-end window
  stage_timing* timing = nullptr;           // the worker's histograms
  bool sampled = false;                     // time this poll iteration's stages
};

enum class media_outcome : std::uint8_t { processed, other_payload, bypass_frame_size, bypass_pool };

// One RTP packet (already validated by check_rtp) on a route with media state:
// stream bookkeeping and rewrite, then the payload as described above. The
// route's L2-L4 rewrite is the caller's, as for every relayed packet.
media_outcome process_rtp_media(media_worker& mw, std::uint8_t* frame, const udp_packet& u, std::size_t header_len,
                                std::size_t pad_len, const route& r) noexcept;

// One RTCP packet (already validated by valid_rtcp) on a route of a session
// with ssrc_rewrite: its SSRC fields follow the rewritten RTP streams
// (dataplane/rtcp_translate.h), the UDP checksum fixed by the delta.
void process_rtcp_media(std::uint8_t* frame, const udp_packet& u, const route& r) noexcept;

}  // namespace dp
