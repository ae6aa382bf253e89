// SPDX-License-Identifier: BSD-3-Clause
// Builds the per-route forwarding state of a session (rewrite data, checksum deltas).
#include "dataplane/session.h"

#include <algorithm>
#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"

namespace dp {

namespace {

// ingress: the leg packets arrive on; egress: the other leg. rtcp_offset is 0 for
// RTP and 1 for RTCP (RFC 3550 §11: RTCP on the next higher port).
void build_route(const leg_spec& in, const leg_spec& out, std::uint16_t rtcp_offset, const mac_addr* port_macs,
                 std::size_t n_ports, route& r) noexcept {
  r.kind = rtcp_offset != 0 ? route_kind::rtcp : route_kind::rtp;
  r.local_ip = in.local.ip;
  r.local_port = static_cast<std::uint16_t>(in.local.port + rtcp_offset);
  r.expect_src_ip = in.remote.ip;
  r.expect_src_port = static_cast<std::uint16_t>(in.remote.port + rtcp_offset);
  r.out_port_index = out.port_index;
  r.new_src_ip = out.local.ip;
  r.new_dst_ip = out.remote.ip;
  r.new_src_port = static_cast<std::uint16_t>(out.local.port + rtcp_offset);
  r.new_dst_port = static_cast<std::uint16_t>(out.remote.port + rtcp_offset);
  r.src_mac = out.port_index < n_ports ? port_macs[out.port_index] : mac_addr{};
  r.dst_mac = out.remote_mac;

  if (rtcp_offset == 0) {
    r.in_payload_type = in.payload_type;
    r.out_payload_type = out.payload_type;
    r.transcode = dsp::g711::transcoder_for(law_of(in.leg_codec), law_of(out.leg_codec));
    r.payload_rewrite = r.transcode != nullptr || r.in_payload_type != r.out_payload_type;
  }
  store_be32(&r.ip_pair_wire[0], r.new_src_ip);
  store_be32(&r.ip_pair_wire[4], r.new_dst_ip);
  store_be16(&r.port_pair_wire[0], r.new_src_port);
  store_be16(&r.port_pair_wire[2], r.new_dst_port);

  // Ingress header fields the relay replaces: src = in.remote, dst = in.local.
  const std::uint32_t old_src_ip = in.remote.ip;
  const std::uint32_t old_dst_ip = in.local.ip;
  const std::uint16_t old_src_port = r.expect_src_port;
  const std::uint16_t old_dst_port = static_cast<std::uint16_t>(in.local.port + rtcp_offset);
  std::uint32_t ip_delta = 0;
  ip_delta = csum_delta_add32(ip_delta, old_src_ip, r.new_src_ip);
  ip_delta = csum_delta_add32(ip_delta, old_dst_ip, r.new_dst_ip);
  r.ip_csum_delta = csum_fold(ip_delta);
  // The UDP checksum covers the pseudo header (both addresses) and the ports.
  std::uint32_t udp_delta = ip_delta;
  udp_delta = csum_delta_add(udp_delta, old_src_port, r.new_src_port);
  udp_delta = csum_delta_add(udp_delta, old_dst_port, r.new_dst_port);
  r.udp_csum_delta = csum_fold(udp_delta);
}

}  // namespace

void build_session_state(const session_spec& spec, const mac_addr* port_macs, std::size_t n_ports,
                         std::uint32_t worker, session_state& out) noexcept {
  const leg_spec& a = spec.legs[0];
  const leg_spec& b = spec.legs[1];
  build_route(a, b, 0, port_macs, n_ports, out.routes[0]);
  build_route(a, b, 1, port_macs, n_ports, out.routes[1]);
  build_route(b, a, 0, port_macs, n_ports, out.routes[2]);
  build_route(b, a, 1, port_macs, n_ports, out.routes[3]);
  out.routes[0].leg = out.routes[1].leg = 0;
  out.routes[2].leg = out.routes[3].leg = 1;
  out.worker = worker;
  const std::size_t n = std::min(spec.id.size(), sizeof(out.id) - 1);
  std::memcpy(out.id, spec.id.data(), n);
  out.id[n] = '\0';
}

}  // namespace dp
