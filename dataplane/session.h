// SPDX-License-Identifier: BSD-3-Clause
// Sessions as the dataplane sees them: plain specs from the control plane, and the
// per-route state a worker reads per packet (allocated on the worker's socket).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "dataplane/counter.h"
#include "dsp/g711.h"

namespace dp {

using mac_addr = std::array<std::uint8_t, 6>;

struct endpoint {
  std::uint32_t ip = 0;  // IPv4, host byte order
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

enum class codec : std::uint8_t { pcmu, pcma };

struct leg_spec {
  endpoint local;             // the gateway's address for this leg
  endpoint remote;            // the peer's RTP address; RTCP is port + 1 on both sides
  mac_addr remote_mac{};      // next hop toward remote
  std::uint16_t port_index = 0;  // which configured NIC port this leg uses
  codec leg_codec = codec::pcmu;
  std::uint8_t payload_type = 0;  // RTP payload type the peer uses (0 PCMU, 8 PCMA, RFC 3551)
};

struct session_spec {
  std::string id;
  std::array<leg_spec, 2> legs;
};

enum class route_kind : std::uint8_t { rtp, rtcp };

// What arrives at one leg's local address (RTP or RTCP) and where it goes.
// One cache line of match + rewrite data, then the counters on their own line.
struct alignas(64) route {
  // lookup key: the leg's local address
  std::uint32_t local_ip = 0;
  std::uint16_t local_port = 0;
  // match: strict source check against the leg's remote
  std::uint32_t expect_src_ip = 0;
  std::uint16_t expect_src_port = 0;
  route_kind kind = route_kind::rtp;
  std::uint8_t leg = 0;  // 0 = a, 1 = b (ingress leg)
  // egress (the other leg), host byte order
  std::uint16_t out_port_index = 0;
  std::uint16_t new_src_port = 0;
  std::uint16_t new_dst_port = 0;
  std::uint32_t new_src_ip = 0;
  std::uint32_t new_dst_ip = 0;
  mac_addr dst_mac{};  // dst then src: the frame's first 12 bytes, written with one copy
  mac_addr src_mac{};
  // The same addresses in wire order, for the rewrite's wide stores.
  std::array<std::uint8_t, 8> ip_pair_wire{};    // new source IP, new destination IP
  std::array<std::uint8_t, 4> port_pair_wire{};  // new source port, new destination port
  // RFC 1624 deltas from the (verified) ingress addresses to the egress ones.
  std::uint32_t ip_csum_delta = 0;
  std::uint32_t udp_csum_delta = 0;
  // RTP payload handling, resolved at setup (DESIGN.md §3): the ingress leg's
  // payload type is mapped to the egress leg's, and G.711 is transcoded byte to
  // byte when the legs' laws differ. Other payload types (RFC 4733 events, ...)
  // pass untouched.
  bool payload_rewrite = false;  // transcode != nullptr or the payload types differ
  std::uint8_t in_payload_type = 0;
  std::uint8_t out_payload_type = 0;
  dsp::g711::transcode_fn transcode = nullptr;

  alignas(64) counter packets;
  counter bytes;
  counter dropped;  // source mismatch or malformed RTP/RTCP on this route
};

// A session in worker memory: routes a.rtp, a.rtcp, b.rtp, b.rtcp.
struct session_state {
  std::array<route, 4> routes;
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
