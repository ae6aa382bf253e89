// SPDX-License-Identifier: BSD-3-Clause
// Why a packet was dropped: one counter per reason per worker (DESIGN.md §3).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dp {

enum class drop_reason : std::uint8_t {
  eth_truncated,      // shorter than an Ethernet (+802.1Q) header
  vlan_nested,        // more than one 802.1Q/802.1ad tag
  not_ipv4,           // ARP, IPv6, LLDP, ... (no slow path yet: counted and dropped)
  ip_truncated,       // buffer shorter than the IPv4 header or its total length
  ip_bad_version,
  ip_bad_header_len,  // IHL < 5
  ip_bad_total_len,   // total length < IHL*4
  ip_bad_checksum,
  ip_fragment,        // MF set or fragment offset != 0: RTP is never fragmented on purpose
  not_udp,
  udp_truncated,      // fewer than 8 bytes of UDP header in the IP payload
  udp_bad_length,     // UDP length < 8 or beyond the IP payload
  unknown_session,    // no leg owns the destination address and port
  source_mismatch,    // the leg exists but the packet does not come from its remote
  rtp_bad_version,    // RFC 3550 §5.1: V must be 2
  rtp_truncated,      // fixed header, CSRC list or extension beyond the payload
  rtp_bad_padding,    // padding count 0 or larger than what follows the header
  rtcp_malformed,     // RFC 3550 §6.4.1 / RFC 5761 §4 validity checks failed
  handoff_full,       // the owning worker's hand-off ring was full
  tx_full,            // the NIC tx queue did not take the packet
  count_
};

inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(drop_reason::count_);

constexpr std::string_view to_string(drop_reason r) noexcept {
  constexpr std::array<std::string_view, drop_reason_count> names = {
      "eth_truncated",   "vlan_nested",     "not_ipv4",        "ip_truncated",    "ip_bad_version",
      "ip_bad_header_len", "ip_bad_total_len", "ip_bad_checksum", "ip_fragment",   "not_udp",
      "udp_truncated",   "udp_bad_length",  "unknown_session", "source_mismatch", "rtp_bad_version",
      "rtp_truncated",   "rtp_bad_padding", "rtcp_malformed",  "handoff_full",    "tx_full"};
  const auto i = static_cast<std::size_t>(r);
  return i < names.size() ? names[i] : std::string_view("?");
}

}  // namespace dp
