// SPDX-License-Identifier: BSD-3-Clause
// The relay's header rewrite: pure byte operations on a frame, shared by workers and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/session.h"

namespace dp {

// Rewrites L2-L4 for the egress leg; the checksums are updated incrementally with
// the route's precomputed RFC 1624 deltas (the ingress addresses were verified
// equal to the ones the deltas were computed from).
inline void rewrite_for_route(std::uint8_t* d, const udp_packet& u, const route& r) noexcept {
  static_assert(offsetof(route, src_mac) == offsetof(route, dst_mac) + 6, "MACs adjacent, dst first");
  std::memcpy(d, r.dst_mac.data(), 12);
  std::uint8_t* ip = d + u.l3_offset;
  std::memcpy(ip + 12, r.ip_pair_wire.data(), 8);
  store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), r.ip_csum_delta));
  std::uint8_t* udp = d + u.l4_offset;
  std::memcpy(udp, r.port_pair_wire.data(), 4);
  store_be16(udp + 6, udp_csum_apply_delta(load_be16(udp + 6), r.udp_csum_delta));
}

// For routes with payload_rewrite: maps the RTP payload type and transcodes the
// G.711 audio in place when the packet carries the ingress leg's payload type,
// and updates the UDP checksum by the difference (RFC 1624) of the rewritten
// range. Returns false (packet untouched) for any other payload type: RFC 4733
// events, comfort noise, unknown types pass as they came.
inline bool rewrite_rtp_payload(std::uint8_t* d, const udp_packet& u, std::size_t header_len, std::size_t pad_len,
                                const route& r) noexcept {
  std::uint8_t* rtp = d + u.payload_offset;
  if ((rtp[1] & 0x7F) != r.in_payload_type) return false;
  std::uint8_t* udp = d + u.l4_offset;
  const std::uint16_t field = load_be16(udp + 6);
  const std::size_t len = u.payload_len - pad_len;  // RTP header + audio; padding untouched
  const std::uint16_t before = field != 0 ? csum_fast(rtp, len) : 0;
  rtp[1] = static_cast<std::uint8_t>((rtp[1] & 0x80) | r.out_payload_type);
  if (r.transcode != nullptr) {
    const std::span<std::uint8_t> audio{rtp + header_len, len - header_len};
    r.transcode(audio, audio);
  }
  if (field != 0) store_be16(udp + 6, udp_csum_apply_delta(field, csum_delta_add(0, before, csum_fast(rtp, len))));
  return true;
}

}  // namespace dp
