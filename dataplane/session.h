// SPDX-License-Identifier: BSD-3-Clause
// Sessions as the dataplane sees them: plain specs from the control plane, and the
// per-route state a worker reads per packet (allocated on the worker's socket).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/counter.h"
#include "dataplane/drop_reason.h"
#include "dsp/chain.h"
#include "dsp/g711.h"

namespace dp {

using mac_addr = std::array<std::uint8_t, 6>;

struct endpoint {
  std::uint32_t ip = 0;  // IPv4, host byte order
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

enum class codec : std::uint8_t { pcmu, pcma };

// The G.711 law a leg's codec uses (RFC 3551 §4.5.14: PCMU mu-law, PCMA A-law).
constexpr dsp::g711::law law_of(codec c) noexcept { return c == codec::pcmu ? dsp::g711::law::ulaw : dsp::g711::law::alaw; }

struct leg_spec {
  endpoint local;             // the gateway's address for this leg
  endpoint remote;            // the peer's RTP address; RTCP is port + 1 on both sides
  mac_addr remote_mac{};      // next hop toward remote
  std::uint16_t port_index = 0;  // which configured NIC port this leg uses
  codec leg_codec = codec::pcmu;
  std::uint8_t payload_type = 0;  // RTP payload type the peer uses (0 PCMU, 8 PCMA, RFC 3551)
};

// Media processing of a session (DESIGN.md §2, §3). chain[l] processes the audio
// received on leg l before it is sent on to the other leg; its AEC removes the
// echo of what the gateway sent toward leg l. A session whose chains are all off
// and that does not rewrite SSRCs is a pure relay and never decodes audio.
struct media_spec {
  std::array<dsp::chain_config, 2> chain = {off_chain(), off_chain()};
  int ptime_ms = 20;          // the chains' frame: 10..60 ms, a multiple of 10
  bool ssrc_rewrite = false;  // egress SSRC per leg; seq and timestamp continuous across ingress SSRC changes

  static dsp::chain_config off_chain() noexcept {
    dsp::chain_config c;
    c.aec.mode = dsp::grade::off;
    c.vad.mode = dsp::grade::off;
    c.agc.mode = dsp::grade::off;
    return c;
  }
  bool processes(std::size_t leg) const noexcept {
    const auto& c = chain[leg];
    return c.aec.mode != dsp::grade::off || c.vad.mode != dsp::grade::off || c.agc.mode != dsp::grade::off;
  }
  bool cancels_echo(std::size_t leg) const noexcept { return chain[leg].aec.mode != dsp::grade::off; }
  // True when packets need the media path (decode, processing, or RTP header rewrite).
  bool active() const noexcept { return processes(0) || processes(1) || ssrc_rewrite; }
  int frame_samples() const noexcept { return ptime_ms * dsp::sample_rate_hz / 1000; }
};

struct session_spec {
  std::string id;
  std::array<leg_spec, 2> legs;
  media_spec media;
};

struct media_session;  // dataplane/media.h: per-session media state in worker memory
struct media_leg;

enum class route_kind : std::uint8_t { rtp, rtcp };

// What arrives at one leg's local address (RTP or RTCP) and where it goes.
// Line 1 holds everything the relay reads and writes per packet, its two counters
// included, so a pure relay touches one cache line of route state (with 100k
// sessions the routes live in DRAM: every line is a miss, README scaling table).
// Line 2: setup data and what only payload-rewriting routes read; line 3: drops.
struct alignas(64) route {
  // match: strict source check against the leg's remote
  std::uint32_t expect_src_ip = 0;
  std::uint16_t expect_src_port = 0;
  route_kind kind = route_kind::rtp;
  // RTP payload handling, resolved at setup (DESIGN.md §3): the ingress leg's
  // payload type is mapped to the egress leg's, and G.711 is transcoded byte to
  // byte when the legs' laws differ. Other payload types (RFC 4733 events, ...)
  // pass untouched.
  bool payload_rewrite = false;  // transcode != nullptr or the payload types differ
  mac_addr dst_mac{};  // dst then src: the frame's first 12 bytes, written with one copy
  mac_addr src_mac{};
  // The egress addresses in wire order, for the rewrite's wide stores.
  std::array<std::uint8_t, 8> ip_pair_wire{};    // new source IP, new destination IP
  std::array<std::uint8_t, 4> port_pair_wire{};  // new source port, new destination port
  // RFC 1624 deltas from the (verified) ingress addresses to the egress ones,
  // folded to 16 bits (the one's-complement sum is the same).
  std::uint16_t ip_csum_delta = 0;
  std::uint16_t udp_csum_delta = 0;
  std::uint16_t out_port_index = 0;
  std::uint8_t leg = 0;  // 0 = a, 1 = b (ingress leg)
  std::uint8_t in_payload_type = 0;
  // RTP routes of a session with media processing: the ingress leg's media state
  // (decode, chain, stream continuity); nullptr on pure relay routes.
  media_leg* media = nullptr;
  counter packets;
  counter bytes;

  // --- line 2 ---
  std::uint8_t out_payload_type = 0;
  dsp::g711::transcode_fn transcode = nullptr;
  // lookup key: the leg's local address
  std::uint32_t local_ip = 0;
  std::uint16_t local_port = 0;
  // egress (the other leg), host byte order
  std::uint16_t new_src_port = 0;
  std::uint16_t new_dst_port = 0;
  std::uint32_t new_src_ip = 0;
  std::uint32_t new_dst_ip = 0;

  alignas(64) counter dropped;  // source mismatch or malformed RTP/RTCP on this route, by reason below
  std::array<counter, 5> drops_by{};  // route_drop_slot(reason)
};
static_assert(offsetof(route, bytes) + sizeof(counter) == 64, "the relay's per-packet route state is one cache line");

// The drop reasons a route can see (after its lookup), as indices into route::drops_by.
constexpr std::size_t route_drop_slot(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::source_mismatch:
      return 0;
    case drop_reason::rtp_bad_version:
      return 1;
    case drop_reason::rtp_truncated:
      return 2;
    case drop_reason::rtp_bad_padding:
      return 3;
    default:
      return 4;  // rtcp_malformed
  }
}
inline constexpr std::array<drop_reason, 5> route_drop_reasons = {
    drop_reason::source_mismatch, drop_reason::rtp_bad_version, drop_reason::rtp_truncated,
    drop_reason::rtp_bad_padding, drop_reason::rtcp_malformed};

// A session in worker memory: routes a.rtp, a.rtcp, b.rtp, b.rtcp.
struct session_state {
  std::array<route, 4> routes;
  media_session* media = nullptr;  // owned by the control plane; nullptr: pure relay
  std::uint32_t worker = 0;
  char id[64] = {};
};

}  // namespace dp

namespace dp {

// Fills a session_state from its spec: the four routes (a.rtp, a.rtcp, b.rtp,
// b.rtcp), their keys, egress rewrite data and checksum deltas. port_macs[i] is
// the MAC of configured port i.
void build_session_state(const session_spec& spec, const mac_addr* port_macs, std::size_t n_ports,
                         std::uint32_t worker, session_state& out) noexcept;

}  // namespace dp
