// SPDX-License-Identifier: BSD-3-Clause
// Relay benchmark harness (see relay_bench.h).
//
// Topology: net_ring0 and net_ring1 each loop tx back to rx (DPDK's ring PMD
// default, as testpmd uses them). N sessions form a ring: a packet arriving at
// session i's leg a leaves from its leg b toward session i+1's leg a (the last
// one toward session 0), alternating ports, so the packets in flight walk
// through every session and the working set grows with N. Every hop is real
// work: parse, owner check, session lookup, source check, RTP validation,
// L2-L4 rewrite with checksum update, tx (and with --transcode the payload
// type mapping and PCMU<->PCMA conversion).
#include "src/voxgate_bench/relay_bench.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <rte_malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "controlplane/session_manager.h"
#include "dataplane/packet_build.h"
#include "dataplane/runtime.h"
#include "dataplane/worker.h"
#include "dsp/g711.h"

namespace {

// Session i: leg a on gateway address base_ip + i / per_ip at port 10000 + 4 (i % per_ip),
// leg b two ports up. 12000 sessions per address keep every port below 65535.
constexpr std::uint32_t base_ip = 0x0A000001;  // 10.0.0.1
constexpr unsigned per_ip = 12000;

dp::endpoint leg_a(unsigned i) {
  return {base_ip + i / per_ip, static_cast<std::uint16_t>(10000 + 4 * (i % per_ip))};
}
dp::endpoint leg_b(unsigned i) {
  return {base_ip + i / per_ip, static_cast<std::uint16_t>(10002 + 4 * (i % per_ip))};
}
// Session i's leg a is on port i % 2; its leg b sends toward session i + 1's port.
std::uint16_t port_a(unsigned i) { return static_cast<std::uint16_t>(i % 2); }
bool pcma_on(std::uint16_t port, bool transcode) { return transcode && port == 1; }

dsp::chain_config chain_of(const std::string& name) {
  dsp::chain_config c = dp::media_spec::off_chain();
  if (name == "basic") {
    c.vad.mode = dsp::grade::basic;
    c.agc.mode = dsp::grade::basic;
  } else if (name == "advanced") {
    c.aec.mode = dsp::grade::advanced;
    c.vad.mode = dsp::grade::advanced;
    c.agc.mode = dsp::grade::advanced;
  } else if (name != "none") {
    throw std::runtime_error("--chain: \"" + name + "\" is not one of none, basic, advanced");
  }
  return c;
}

// 20 ms of a speech-like signal for in-flight packet k: a voiced vowel (a 120..200 Hz
// fundamental with formant-like harmonic weights) under a syllable-rate envelope,
// so VAD, AGC and AEC see the level swings of speech rather than a constant.
std::vector<std::int16_t> speech_like(unsigned k) {
  std::vector<std::int16_t> x(160);
  const double f0 = 120.0 + 10.0 * (k % 9);
  const double env = 0.15 + 0.85 * std::abs(std::sin(0.7 * k));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / dsp::sample_rate_hz;
    double v = 0;
    for (int h = 1; h <= 20; ++h) {
      const double fh = f0 * h;
      const double w = 1.0 / (1.0 + std::pow((fh - 700.0) / 300.0, 2)) + 0.5 / (1.0 + std::pow((fh - 1200.0) / 400.0, 2));
      v += w * std::sin(2 * M_PI * fh * t + h);
    }
    x[i] = static_cast<std::int16_t>(std::clamp(3000.0 * env * v, -32000.0, 32000.0));
  }
  return x;
}

dp::session_spec ring_session(unsigned i, unsigned n, bool transcode) {
  const unsigned next = (i + 1) % n;
  const unsigned prev = (i + n - 1) % n;
  dp::session_spec s;
  s.id = "s" + std::to_string(i);
  auto& a = s.legs[0];
  auto& b = s.legs[1];
  a.local = leg_a(i);
  a.remote = leg_b(prev);
  a.port_index = port_a(i);
  a.remote_mac = {0x02, 0, 0, 0, 0, 0x20};
  b.local = leg_b(i);
  b.remote = leg_a(next);
  b.port_index = port_a(next);
  b.remote_mac = {0x02, 0, 0, 0, 0, 0x21};
  // With transcoding, legs on port 1 speak PCMA (payload type 8, RFC 3551).
  for (auto* l : {&a, &b}) {
    if (pcma_on(l->port_index, transcode)) {
      l->leg_codec = dp::codec::pcma;
      l->payload_type = 8;
    }
  }
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
    t.media_processed += s.media_processed;
    t.media_bypassed_pool += s.media_bypassed_pool;
    t.polls += s.polls;
    t.busy_polls += s.busy_polls;
    for (std::size_t i = 0; i < s.drops.size(); ++i) t.drops[i] += s.drops[i];
  }
  return t;
}

}  // namespace

nlohmann::json run_relay_bench(const relay_bench_options& o) {
  if (o.sessions == 0) throw std::runtime_error("at least one session");
  dp::runtime_config rc;
  rc.eal_args = {"voxgate-bench"};
  rc.eal_args.insert(rc.eal_args.end(), o.eal_args.begin(), o.eal_args.end());
  rc.port_names = {"net_ring0", "net_ring1"};
  rc.worker_lcores = {1};
  rc.rx_desc = 1024;
  rc.tx_desc = 1024;
  rc.stage_timing_period = o.stage_timing_period;
  const dsp::chain_config chain = chain_of(o.chain);
  const bool media = o.chain != "none";
  // Every AEC leg keeps up to far_history::depth frames.
  rc.frames_per_class = o.frames_per_class != 0 ? o.frames_per_class
                        : chain.aec.mode != dsp::grade::off ? 2 * o.sessions * dp::far_history::depth + 1024
                                                             : 1024;
  while (rc.ctl_ring_size < o.sessions + 64) rc.ctl_ring_size *= 2;
  dp::runtime rt(rc);
  const int socket = rt.worker_socket(0);
  rte_malloc_socket_stats heap0{};
  rte_malloc_get_socket_stats(socket, &heap0);
  cp::session_manager sm(rt, o.sessions);
  for (unsigned i = 0; i < o.sessions; ++i) {
    dp::session_spec spec = ring_session(i, o.sessions, o.transcode);
    if (media) spec.media.chain = {chain, chain};
    const std::string e = sm.add(spec);
    if (!e.empty()) throw std::runtime_error(e);
  }
  rte_malloc_socket_stats heap1{};
  rte_malloc_get_socket_stats(socket, &heap1);
  // The worker is not running yet: apply its control messages from here, so every
  // session is live before the first packet.
  while (dp::worker_apply_control(rt.worker(0)) != 0) {
  }
  sm.poll();
  if (sm.pending() != 0) throw std::runtime_error("sessions not applied");

  // Inject the in-flight packets spread over the ring: packet k enters session
  // s_k's leg a (on that leg's port) from session s_k - 1's leg b.
  rte_mempool* mp = rt.pool_for_socket(rt.ports()[0].socket);
  const unsigned total = 2 * o.in_flight_per_port;
  std::vector<rte_mbuf*> burst[2];
  for (unsigned k = 0; k < total; ++k) {
    const unsigned i = static_cast<unsigned>((static_cast<std::uint64_t>(k) * o.sessions) / total);
    const auto spec = ring_session(i, o.sessions, o.transcode);
    // With a chain, odd packets enter at leg b and walk the ring backwards.
    const std::size_t in_leg = media && (k % 2) == 1 ? 1 : 0;
    const dp::leg_spec& leg = spec.legs[in_leg];
    const std::uint16_t port = leg.port_index;
    dp::udp_frame_spec f;
    f.src_mac = {0x02, 0, 0, 0, 0, 0x20};
    f.dst_mac = rt.ports()[port].mac;
    f.src = leg.remote;
    f.dst = leg.local;
    std::vector<std::uint8_t> audio(160);
    const auto x = speech_like(k);
    (leg.leg_codec == dp::codec::pcmu ? dsp::g711::ulaw_encode : dsp::g711::alaw_encode)(x, audio);
    const auto frame = dp::build_udp_frame(
        f, dp::build_rtp({leg.payload_type, false, static_cast<std::uint16_t>(k), 160 * k, 0x1234 + k}, audio));
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    if (m == nullptr) throw std::runtime_error("mbuf pool empty while injecting");
    auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
    std::copy(frame.begin(), frame.end(), d);
    burst[port].push_back(m);
  }
  for (std::uint16_t port = 0; port < 2; ++port) {
    const std::uint16_t sent = rte_eth_tx_burst(rt.ports()[port].port_id, 0, burst[port].data(),
                                                static_cast<std::uint16_t>(burst[port].size()));
    if (sent != burst[port].size()) throw std::runtime_error("could not inject the in-flight packets");
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
  j["benchmark"] = media ? "chain-" + o.chain + (o.transcode ? "-transcode" : "") : o.transcode ? "transcode" : "relay";
  j["chain"] = o.chain;
  j["stage_timing_period"] = o.stage_timing_period;
  j["session_memory_bytes"] = static_cast<double>(heap1.heap_allocsz_bytes - heap0.heap_allocsz_bytes) / o.sessions;
  j["media_processed"] = end.media_processed;
  j["media_bypassed_pool"] = end.media_bypassed_pool;
  // Stage costs from the worker's sampled histograms (stage_timing_period).
  const dp::worker_snapshot ws = rt.snapshot(0);
  const double ns_per_cycle = 1e9 / static_cast<double>(rte_get_tsc_hz());
  nlohmann::json stages = nlohmann::json::object();
  for (std::size_t k = 0; k < dp::stage_count; ++k) {
    const dp::stage_summary& st = ws.stages[k];
    if (st.samples == 0) continue;
    stages[std::string(dp::to_string(static_cast<dp::stage>(k)))] = {
        {"samples", st.samples},         {"mean_cycles", st.mean_cycles},
        {"mean_ns", st.mean_cycles * ns_per_cycle}, {"p50_ns", static_cast<double>(st.p50_cycles) * ns_per_cycle},
        {"p99_ns", static_cast<double>(st.p99_cycles) * ns_per_cycle}};
  }
  j["stages"] = stages;
  nlohmann::json fp = nlohmann::json::array();
  for (const auto& u : rt.frame_pool_usage_now())
    if (u.available != u.size) fp.push_back({{"samples", u.samples}, {"in_use", u.size - u.available}, {"size", u.size}});
  j["frame_pools_in_use"] = fp;
  j["workers"] = 1;
  j["sessions"] = o.sessions;
  j["in_flight"] = total;
  j["seconds"] = dt;
  j["packets"] = pkts;
  j["pps"] = pps;
  j["ns_per_packet"] = pps > 0 ? 1e9 / pps : 0;
  j["cycles_per_packet"] = pkts > 0 ? static_cast<double>(tsc1 - tsc0) / pkts : 0;
  j["tsc_hz"] = rte_get_tsc_hz();
  j["busy_poll_share"] = (b.polls - a.polls) > 0 ? static_cast<double>(b.busy_polls - a.busy_polls) / static_cast<double>(b.polls - a.polls) : 0;
  j["transcoded"] = end.transcoded;
  j["drops"] = drops;
  j["worker_heap_bytes"] = end.heap_bytes;
  return j;
}
