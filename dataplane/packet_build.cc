// SPDX-License-Identifier: BSD-3-Clause
// Frame construction for generators, benchmarks and tests.
#include "dataplane/packet_build.h"

#include <algorithm>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"

namespace dp {

std::vector<std::uint8_t> build_udp_frame(const udp_frame_spec& s, std::span<const std::uint8_t> payload) {
  const std::size_t l3 = eth_header_bytes + (s.vlan ? vlan_tag_bytes : 0);
  const std::size_t udp_len = udp_header_bytes + payload.size();
  const std::size_t ip_len = ipv4_min_header_bytes + udp_len;
  std::vector<std::uint8_t> f(l3 + ip_len, 0);
  std::copy(s.dst_mac.begin(), s.dst_mac.end(), f.begin());
  std::copy(s.src_mac.begin(), s.src_mac.end(), f.begin() + 6);
  if (s.vlan) {
    store_be16(&f[12], ethertype_vlan);
    store_be16(&f[14], *s.vlan & 0x0FFF);
    store_be16(&f[16], ethertype_ipv4);
  } else {
    store_be16(&f[12], ethertype_ipv4);
  }
  std::uint8_t* ip = &f[l3];
  ip[0] = 0x45;
  store_be16(ip + 2, static_cast<std::uint16_t>(ip_len));
  store_be16(ip + 4, s.ip_id);
  store_be16(ip + 6, 0x4000);  // DF
  ip[8] = s.ttl;
  ip[9] = ipproto_udp;
  store_be32(ip + 12, s.src.ip);
  store_be32(ip + 16, s.dst.ip);
  store_be16(ip + 10, csum_finish(csum_partial({ip, ipv4_min_header_bytes})));
  std::uint8_t* udp = ip + ipv4_min_header_bytes;
  store_be16(udp, s.src.port);
  store_be16(udp + 2, s.dst.port);
  store_be16(udp + 4, static_cast<std::uint16_t>(udp_len));
  std::copy(payload.begin(), payload.end(), udp + udp_header_bytes);
  if (s.udp_checksum) store_be16(udp + 6, udp4_checksum(s.src.ip, s.dst.ip, {udp, udp_len}));
  return f;
}

std::vector<std::uint8_t> build_rtp(const rtp_spec& h, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> b(rtp_min_header_bytes + payload.size());
  b[0] = 0x80;  // V=2, no padding, no extension, CC=0
  b[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F));
  store_be16(&b[2], h.sequence);
  store_be32(&b[4], h.timestamp);
  store_be32(&b[8], h.ssrc);
  std::copy(payload.begin(), payload.end(), b.begin() + rtp_min_header_bytes);
  return b;
}

std::vector<std::uint8_t> build_rtcp_rr(std::uint32_t ssrc) {
  std::vector<std::uint8_t> b(8);
  b[0] = 0x80;  // V=2, RC=0
  b[1] = 201;   // RR
  store_be16(&b[2], 1);  // length in 32-bit words minus one
  store_be32(&b[4], ssrc);
  return b;
}

std::uint16_t recomputed_udp_checksum(std::span<const std::uint8_t> frame, const udp_packet& u) {
  std::vector<std::uint8_t> udp(frame.begin() + u.l4_offset, frame.end());
  udp[6] = udp[7] = 0;
  return udp4_checksum(u.src_ip, u.dst_ip, udp);
}

}  // namespace dp
