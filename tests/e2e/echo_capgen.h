// SPDX-License-Identifier: BSD-3-Clause
// Capture generator for media e2e tests: calls whose leg b returns the echo of what the gateway sent it.
//
// Leg a speaks (espeak-ng speech, G.711, 20 ms packets). The gateway relays it to
// leg b, whose endpoint is modelled as an echo path (bulk delay + room or line-hybrid
// response, ITU-T G.168 §6 / Annex D in spirit) applied to exactly the audio the
// gateway sent (a's bytes, transcoded when b's law differs, decoded in b's law),
// plus white near-end noise and optional near-end speech (double talk). b's packet k
// carries the echo of a's samples up to the end of a's packet k (causal), and is
// written right after it. Every component is kept apart so tests can measure the
// echo and the near-end speech in the gateway's output exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/session.h"
#include "tests/common/echo_scenarios.h"
#include "tests/e2e/capgen.h"

namespace test {

enum class media_extra : std::uint8_t {
  telephone_event,  // RFC 4733 event packets (payload type 101), in the stream's sequence space
  odd_size,         // this audio packet carries 100 bytes (not a whole 20 ms frame)
  bad_version,      // RTP version 1 (dropped: rtp_bad_version)
  truncated_csrc,   // 15 CSRCs announced, too short (dropped: rtp_truncated)
  bad_padding,      // padding count beyond the payload (dropped: rtp_bad_padding)
};

// An extra packet (or a change of an audio packet) on one leg before its audio packet `at`.
struct media_insert {
  int leg = 0;
  unsigned at = 0;
  media_extra what = media_extra::telephone_event;
  unsigned count = 1;  // telephone events: packets in the event (the last has the end bit)
};

struct media_call_options {
  unsigned seed = 1;
  unsigned call_index = 0;              // ports, addresses and MACs of call i (as capgen's call i)
  double seconds = 12.0;
  dp::codec codec_a = dp::codec::pcmu;
  dp::codec codec_b = dp::codec::pcmu;
  unsigned packet_samples = 160;        // 20 ms packets
  echo_path_kind path = echo_path_kind::room;
  int path_ms = 64;                     // room response length (to -60 dB); hybrids are 16 ms
  float erl_db = 6.0f;                  // echo return loss for white input
  int delay_ms = 40;                    // bulk delay a -> echo, >= one packet keeps it causal with slack
  float noise_dbfs = -50.0f;            // white near-end noise on b
  bool double_talk = false;             // near-end speech on b at 40..52 % and 70..82 % of the call
  float near_speech_dbfs = -26.0f;      // its active level
  unsigned ssrc_change_at = 0;          // leg a restarts (new SSRC, seq, timestamp) at this packet; 0: never
  unsigned rtcp_every = 0;              // an RTCP receiver report per leg after every N audio packets; 0: none
  std::vector<media_insert> inserts;
};

// One generated call: the session, its packets and every signal component (one
// sample per 8 kHz tick, packets * packet_samples long).
struct media_call {
  media_call_options opt;
  dp::session_spec session;
  unsigned packets = 0;                       // audio packets per leg
  std::vector<std::int16_t> a_source;         // a's speech before encoding
  std::vector<std::int16_t> far;              // what b's endpoint hears: decode(b law, bytes sent toward b)
  std::vector<double> path;                   // echo impulse response, bulk delay included
  std::vector<float> echo;                    // echo component of b's audio (path applied to far)
  std::vector<float> near_clean;              // noise + near speech on b
  std::vector<float> near_speech;             // near speech alone
  std::vector<std::int16_t> b_source;         // echo + near_clean, rounded and saturated
  std::vector<std::uint8_t> a_payload, b_payload;  // encoded audio, concatenated
  std::uint32_t ssrc[2] = {0, 0};             // first SSRC per leg
  std::uint16_t seq0[2] = {0, 0};             // first sequence number per leg
  std::uint32_t ts0[2] = {0, 0};              // first timestamp per leg
  std::uint32_t ssrc_after_change = 0;        // leg a's SSRC from ssrc_change_at on
  std::vector<gen_packet> capture;            // in capture order; gen_packet.session is 0
};

media_call generate_media_call(const media_call_options& o);

// The calls' packets interleaved packet by packet (call order within a round) into
// one capture; gen_packet.session becomes the call's index.
capture_set merge_calls(const std::vector<media_call>& calls);

// [network] and [[session]] TOML; media_keys[i] (TOML lines such as
// "chain_b = { aec = \"advanced\" }") are added to call i's table.
std::string media_sessions_toml(const std::vector<media_call>& calls, const std::vector<std::string>& media_keys);

// An echo_scenario (tests/common/echo_scenarios.h) holding this call's components,
// so its measures (ERLE from the known echo, double-talk level) apply to gateway output.
echo_scenario as_echo_scenario(const media_call& c);

}  // namespace test
