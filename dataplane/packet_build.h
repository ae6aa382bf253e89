// SPDX-License-Identifier: BSD-3-Clause
// Builds Ethernet/IPv4/UDP frames with RTP or RTCP payloads (benchmarks, generators, tests).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/session.h"

namespace dp {

struct udp_frame_spec {
  mac_addr src_mac{};
  mac_addr dst_mac{};
  std::optional<std::uint16_t> vlan;  // 802.1Q VLAN id
  endpoint src;
  endpoint dst;
  std::uint8_t ttl = 64;
  std::uint16_t ip_id = 0;
  bool udp_checksum = true;  // false: send 0 ("no checksum", RFC 768)
};

// A complete frame with valid IPv4 header checksum and UDP checksum.
std::vector<std::uint8_t> build_udp_frame(const udp_frame_spec& spec, std::span<const std::uint8_t> payload);

struct rtp_spec {
  std::uint8_t payload_type = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

// RTP fixed header (RFC 3550 §5.1, no CSRC/extension/padding) followed by payload.
std::vector<std::uint8_t> build_rtp(const rtp_spec& h, std::span<const std::uint8_t> payload);

// A minimal RTCP receiver report (RFC 3550 §6.4.2) with no report blocks.
std::vector<std::uint8_t> build_rtcp_rr(std::uint32_t ssrc);

struct udp_packet;  // dataplane/packet.h
// The UDP checksum field value the frame's bytes call for, recomputed from scratch
// over the pseudo-header and the whole datagram (what a rewrite's incremental
// update must have produced); u is the frame's parse.
std::uint16_t recomputed_udp_checksum(std::span<const std::uint8_t> frame, const udp_packet& u);

}  // namespace dp
