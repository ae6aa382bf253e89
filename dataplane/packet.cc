// SPDX-License-Identifier: BSD-3-Clause
// Pure packet parsing: Ethernet[/802.1Q]/IPv4/UDP, RTP (RFC 3550 §5.1) and RTCP (§6.4.1).
#include "dataplane/packet.h"

#include "dataplane/checksum.h"

namespace dp {

std::variant<udp_packet, parse_error> parse_udp(std::span<const std::uint8_t> f) noexcept {
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
  if (csum_fold(csum_partial({ip, ihl_bytes})) != 0xFFFF) return parse_error{drop_reason::ip_bad_checksum};
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

std::variant<rtp_header, parse_error> parse_rtp(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < rtp_min_header_bytes) return parse_error{drop_reason::rtp_truncated};
  if ((b[0] >> 6) != 2) return parse_error{drop_reason::rtp_bad_version};
  const bool padding = (b[0] & 0x20) != 0;
  const bool extension = (b[0] & 0x10) != 0;
  const std::size_t csrc_count = b[0] & 0x0F;
  std::size_t header = rtp_min_header_bytes + 4 * csrc_count;
  if (b.size() < header) return parse_error{drop_reason::rtp_truncated};
  if (extension) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words, then the words.
    if (b.size() < header + 4) return parse_error{drop_reason::rtp_truncated};
    header += 4 + 4 * static_cast<std::size_t>(load_be16(&b[header + 2]));
    if (b.size() < header) return parse_error{drop_reason::rtp_truncated};
  }
  std::size_t pad = 0;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    pad = b.back();
    if (pad == 0 || pad > b.size() - header) return parse_error{drop_reason::rtp_bad_padding};
  }
  rtp_header h;
  h.marker = (b[1] & 0x80) != 0;
  h.payload_type = b[1] & 0x7F;
  h.sequence = load_be16(&b[2]);
  h.timestamp = load_be32(&b[4]);
  h.ssrc = load_be32(&b[8]);
  h.header_len = static_cast<std::uint16_t>(header);
  h.padding_len = static_cast<std::uint8_t>(pad);
  h.payload_len = static_cast<std::uint16_t>(b.size() - header - pad);
  return h;
}

bool valid_rtcp(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < 4) return false;
  std::size_t off = 0;
  while (off < b.size()) {
    if (b.size() - off < 4) return false;
    const std::uint8_t v_p_count = b[off];
    const std::uint8_t pt = b[off + 1];
    if ((v_p_count >> 6) != 2) return false;
    if (pt < 192 || pt > 223) return false;
    const std::size_t len = (static_cast<std::size_t>(load_be16(&b[off + 2])) + 1) * 4;
    if (len > b.size() - off) return false;
    const bool last = off + len == b.size();
    if ((v_p_count & 0x20) != 0 && !last) return false;  // only the last sub-packet may pad
    off += len;
  }
  return true;
}

}  // namespace dp
