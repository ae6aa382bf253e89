// SPDX-License-Identifier: BSD-3-Clause
// The relay's header rewrite: pure byte operations on a frame, shared by workers and tests.
#pragma once

#include <cstddef>
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
  static_assert(offsetof(route, src_mac) == offsetof(route, dst_mac) + 6, "MACs adjacent, dst first");
  std::memcpy(d, r.dst_mac.data(), 12);
  std::uint8_t* ip = d + u.l3_offset;
  std::memcpy(ip + 12, r.ip_pair_wire.data(), 8);
  store_be16(ip + 10, csum_apply_delta(load_be16(ip + 10), r.ip_csum_delta));
  std::uint8_t* udp = d + u.l4_offset;
  std::memcpy(udp, r.port_pair_wire.data(), 4);
  store_be16(udp + 6, udp_csum_apply_delta(load_be16(udp + 6), r.udp_csum_delta));
}

}  // namespace dp
