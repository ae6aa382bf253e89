// SPDX-License-Identifier: BSD-3-Clause
// Relay benchmark harness (see relay_bench.h).
//
// Topology: net_ring0 and net_ring1 each loop tx back to rx (DPDK's ring PMD
// default, as testpmd uses them). A pair of sessions forms a cycle: a packet
// arriving on S1.a (port 0) leaves from S1.b on port 1, comes back on port 1
// addressed to S2.a, leaves from S2.b on port 0 addressed to S1.a, and so on.
// Every hop is real work: parse, owner check, session lookup, source check,
// RTP validation, L2-L4 rewrite with checksum update, tx.
#include "src/voxgate_bench/relay_bench.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "controlplane/session_manager.h"
#include "dataplane/packet_build.h"
#include "dataplane/runtime.h"
#include "dataplane/worker.h"

namespace {

constexpr std::uint32_t gw_ip = 0x0A000001;    // 10.0.0.1
constexpr std::uint32_t peer_ip = 0x0A000002;  // 10.0.0.2

struct cycle_ports {
  std::uint16_t p, r, s, t;  // S1.a.local, S1.b.local, S2.a.local, S2.b.local
};

dp::session_spec make_session(const std::string& id, dp::endpoint a_local, dp::endpoint a_remote, std::uint16_t a_port,
                              dp::endpoint b_local, dp::endpoint b_remote, std::uint16_t b_port, bool transcode) {
  dp::session_spec s;
  // With transcoding, the legs on port 1 speak PCMA (payload type 8, RFC 3551).
  for (int l = 0; l < 2; ++l) {
    if (transcode && (l == 0 ? a_port : b_port) == 1) {
      s.legs[static_cast<std::size_t>(l)].leg_codec = dp::codec::pcma;
      s.legs[static_cast<std::size_t>(l)].payload_type = 8;
    }
  }
  s.id = id;
  s.legs[0].local = a_local;
  s.legs[0].remote = a_remote;
  s.legs[0].port_index = a_port;
  s.legs[0].remote_mac = {0x02, 0, 0, 0, 0, 0x20};
  s.legs[1].local = b_local;
  s.legs[1].remote = b_remote;
  s.legs[1].port_index = b_port;
  s.legs[1].remote_mac = {0x02, 0, 0, 0, 0, 0x21};
  return s;
}

dp::worker_snapshot sum(dp::runtime& rt) {
  dp::worker_snapshot t;
  for (unsigned w = 0; w < rt.n_workers(); ++w) {
    const auto s = rt.snapshot(w);
    t.rx_packets += s.rx_packets;
    t.tx_packets += s.tx_packets;
    t.relayed_rtp += s.relayed_rtp;
    t.transcoded += s.transcoded;
    t.heap_bytes += s.heap_bytes;
    t.polls += s.polls;
    t.busy_polls += s.busy_polls;
    for (std::size_t i = 0; i < s.drops.size(); ++i) t.drops[i] += s.drops[i];
  }
  return t;
}

}  // namespace

nlohmann::json run_relay_bench(const relay_bench_options& o) {
  dp::runtime_config rc;
  rc.eal_args = {"voxgate-bench"};
  rc.eal_args.insert(rc.eal_args.end(), o.eal_args.begin(), o.eal_args.end());
  rc.port_names = {"net_ring0", "net_ring1"};
  rc.worker_lcores = {1};
  rc.rx_desc = 1024;
  rc.tx_desc = 1024;
  while (rc.ctl_ring_size < 2 * o.cycles + 64) rc.ctl_ring_size *= 2;
  dp::runtime rt(rc);
  cp::session_manager sm(rt);
  // Pair i uses ports base..base+7 (even RTP ports, RTCP on +1).
  for (unsigned i = 0; i < o.cycles; ++i) {
    const auto base = static_cast<std::uint16_t>(10000 + 8 * i);
    const cycle_ports c{base, static_cast<std::uint16_t>(base + 2), static_cast<std::uint16_t>(base + 4),
                        static_cast<std::uint16_t>(base + 6)};
    // S1: a {P from peer:T} on port 0; b {R to peer:S} on port 1.
    // S2: a {S from peer:R} on port 1; b {T to peer:P} on port 0.
    // Remotes use peer_ip while locals use gw_ip: the rewritten packet's
    // destination (peer:S) must match S2.a's local, so locals and remotes
    // share one address space here: gw_ip == local of every leg, and the
    // egress destination is gw_ip too.
    std::string e = sm.add(make_session("s1-" + std::to_string(i), {gw_ip, c.p}, {gw_ip, c.t}, 0, {gw_ip, c.r},
                                        {gw_ip, c.s}, 1, o.transcode));
    if (e.empty())
      e = sm.add(make_session("s2-" + std::to_string(i), {gw_ip, c.s}, {gw_ip, c.r}, 1, {gw_ip, c.t}, {gw_ip, c.p}, 0, o.transcode));
    if (!e.empty()) throw std::runtime_error(e);
  }
  // The worker is not running yet: apply its control messages from here, so every
  // session is live before the first packet.
  while (dp::worker_apply_control(rt.worker(0)) != 0) {
  }
  sm.poll();
  if (sm.pending() != 0) throw std::runtime_error("sessions not applied");
  (void)peer_ip;

  // Inject the in-flight packets: on port 0 toward S1.a, on port 1 toward S2.a.
  rte_mempool* mp = rt.pool_for_socket(rt.ports()[0].socket);
  for (unsigned port = 0; port < 2; ++port) {
    std::vector<rte_mbuf*> burst;
    for (unsigned k = 0; k < o.in_flight_per_port; ++k) {
      const unsigned i = k % o.cycles;
      const auto base = static_cast<std::uint16_t>(10000 + 8 * i);
      dp::udp_frame_spec f;
      f.src_mac = {0x02, 0, 0, 0, 0, 0x20};
      f.dst_mac = rt.ports()[port].mac;
      f.src = port == 0 ? dp::endpoint{gw_ip, static_cast<std::uint16_t>(base + 6)} : dp::endpoint{gw_ip, static_cast<std::uint16_t>(base + 2)};
      f.dst = port == 0 ? dp::endpoint{gw_ip, base} : dp::endpoint{gw_ip, static_cast<std::uint16_t>(base + 4)};
      const std::vector<std::uint8_t> audio(160, 0xD5);
      // Port 1 carries S2.a's codec: PCMA when transcoding.
      const std::uint8_t pt = o.transcode && port == 1 ? 8 : 0;
      const auto frame = dp::build_udp_frame(f, dp::build_rtp({pt, false, static_cast<std::uint16_t>(k), 160 * k, 0x1234 + k}, audio));
      rte_mbuf* m = rte_pktmbuf_alloc(mp);
      if (m == nullptr) throw std::runtime_error("mbuf pool empty while injecting");
      auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
      std::copy(frame.begin(), frame.end(), d);
      burst.push_back(m);
    }
    const std::uint16_t sent = rte_eth_tx_burst(rt.ports()[port].port_id, 0, burst.data(), static_cast<std::uint16_t>(burst.size()));
    if (sent != burst.size()) throw std::runtime_error("could not inject the in-flight packets");
  }

  rt.launch();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));
  const auto a = sum(rt);
  const std::uint64_t tsc0 = rte_rdtsc();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  const auto b = sum(rt);
  const std::uint64_t tsc1 = rte_rdtsc();
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rt.stop();
  const auto end = sum(rt);

  const double pkts = static_cast<double>(b.tx_packets - a.tx_packets);
  const double pps = pkts / dt;
  std::uint64_t drops = 0;
  for (auto d : end.drops) drops += d;
  nlohmann::json j;
  j["benchmark"] = o.transcode ? "transcode" : "relay";
  j["transcoded"] = end.transcoded;
  j["workers"] = 1;
  j["sessions"] = 2 * o.cycles;
  j["in_flight"] = 2 * o.in_flight_per_port;
  j["seconds"] = dt;
  j["packets"] = pkts;
  j["pps"] = pps;
  j["ns_per_packet"] = pps > 0 ? 1e9 / pps : 0;
  j["cycles_per_packet"] = pkts > 0 ? static_cast<double>(tsc1 - tsc0) / pkts : 0;
  j["tsc_hz"] = rte_get_tsc_hz();
  j["busy_poll_share"] = (b.polls - a.polls) > 0 ? static_cast<double>(b.busy_polls - a.busy_polls) / static_cast<double>(b.polls - a.polls) : 0;
  j["drops"] = drops;
  j["worker_heap_bytes"] = end.heap_bytes;
  return j;
}
