// SPDX-License-Identifier: BSD-3-Clause
// Pure packet parsing (Ethernet[/802.1Q]/IPv4/UDP, RTP, RTCP): no DPDK, every length checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "dataplane/drop_reason.h"

namespace dp {

inline constexpr std::size_t eth_header_bytes = 14;
inline constexpr std::size_t vlan_tag_bytes = 4;
inline constexpr std::size_t ipv4_min_header_bytes = 20;
inline constexpr std::size_t udp_header_bytes = 8;
inline constexpr std::size_t rtp_min_header_bytes = 12;

inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;  // IEEE 802.1Q
inline constexpr std::uint16_t ethertype_qinq = 0x88A8;  // IEEE 802.1ad
inline constexpr std::uint8_t ipproto_udp = 17;

// Offsets of a valid Ethernet/IPv4/UDP datagram inside its frame. Addresses and
// ports are in host byte order.
struct udp_packet {
  std::uint16_t l3_offset = 0;       // IPv4 header
  std::uint16_t l4_offset = 0;       // UDP header
  std::uint16_t payload_offset = 0;  // UDP payload
  std::uint16_t payload_len = 0;     // UDP length - 8
  std::uint32_t src_ip = 0;
  std::uint32_t dst_ip = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
};

struct parse_error {
  drop_reason reason;
};

// Parses one frame. The frame may carry Ethernet padding after the IP datagram
// (IPv4 total length is authoritative). Verifies the IPv4 header checksum; the UDP
// checksum is not verified (the relay updates it incrementally, so corruption stays
// visible to the receiver, RFC 1624).
std::variant<udp_packet, parse_error> parse_udp(std::span<const std::uint8_t> frame) noexcept;

// RTP fixed header view (RFC 3550 §5.1), fields in host byte order.
struct rtp_header {
  std::uint8_t payload_type = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t header_len = 0;   // fixed header + CSRCs + extension
  std::uint16_t payload_len = 0;  // audio bytes, without padding
  std::uint8_t padding_len = 0;
};

// Validates an RTP packet (the UDP payload): version 2, CSRC list, header
// extension and padding all within the bytes really there.
std::variant<rtp_header, parse_error> parse_rtp(std::span<const std::uint8_t> udp_payload) noexcept;

// Validates a (compound) RTCP packet: every sub-packet version 2 with a packet type
// in 192..223 (RFC 5761 §4), lengths summing exactly to the datagram, padding only
// in the last sub-packet (RFC 3550 §6.4.1).
bool valid_rtcp(std::span<const std::uint8_t> udp_payload) noexcept;

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace dp
