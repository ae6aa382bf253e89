// SPDX-License-Identifier: BSD-3-Clause
// The relay's header rewrite: pure byte operations on a frame, shared by workers and tests.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/session.h"

namespace dp {

// Rewrites L2-L4 for the egress leg; the checksums are updated incrementally with
// the route's precomputed RFC 1624 deltas (the ingress addresses were verified
// equal to the ones the deltas were computed from).
inline void rewrite_for_route(std::uint8_t* d, const udp_packet& u, const route& r) noexcept {
  std::memcpy(d, r.dst_mac.data(), 6);
  std::memcpy(d + 6, r.src_mac.data(), 6);
  std::uint8_t* ip = d + u.l3_offset;
  store_be32(ip + 12, r.new_src_ip);
  store_be32(ip + 16, r.new_dst_ip);
  store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), r.ip_csum_delta));
  std::uint8_t* udp = d + u.l4_offset;
  store_be16(udp, r.new_src_port);
  store_be16(udp + 2, r.new_dst_port);
  store_be16(udp + 6, udp_csum_apply_delta(load_be16(udp + 6), r.udp_csum_delta));
}

}  // namespace dp
