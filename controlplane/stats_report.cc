// SPDX-License-Identifier: BSD-3-Clause
// Builds the stats snapshot (JSON) from worker snapshots, port counters and session routes.
#include "controlplane/stats_report.h"

#include <rte_malloc.h>

#include <set>
#include <sstream>

#include "controlplane/config.h"

namespace cp {

namespace {
const char* state_name(session_manager::state s) {
  switch (s) {
    case session_manager::state::pending: return "pending";
    case session_manager::state::active: return "active";
    case session_manager::state::failed: return "failed";
    case session_manager::state::removing: return "removing";
  }
  return "?";
}

nlohmann::json route_json(const dp::route& r) {
  return {{"packets", r.packets.get()}, {"bytes", r.bytes.get()}, {"dropped", r.dropped.get()}};
}

// One leg as the operator reads it: what arrived on it, what was dropped and why,
// and (with media) what its chain did. Counters are read while workers write them.
nlohmann::json leg_json(const dp::session_state& st, const dp::media_session* media, std::size_t leg) {
  const dp::route& rtp = st.routes[leg * 2];
  const dp::route& rtcp = st.routes[leg * 2 + 1];
  nlohmann::json drops = nlohmann::json::object();
  for (std::size_t k = 0; k < dp::route_drop_reasons.size(); ++k)
    drops[std::string(dp::to_string(dp::route_drop_reasons[k]))] = rtp.drops_by[k].get() + rtcp.drops_by[k].get();
  nlohmann::json j = {{"leg", leg == 0 ? "a" : "b"},
                      {"rtp_packets", rtp.packets.get()},
                      {"rtcp_packets", rtcp.packets.get()},
                      {"bytes", rtp.bytes.get() + rtcp.bytes.get()},
                      {"dropped", rtp.dropped.get() + rtcp.dropped.get()},
                      {"drops", drops}};
  if (media == nullptr) return j;
  const dp::media_leg& m = media->legs[leg];
  const dp::leg_counters& c = m.counters;
  const std::uint64_t frames = c.frames.get();
  j["processed"] = c.processed.get();
  j["bypassed_frame_size"] = c.bypassed_frame_size.get();
  j["bypassed_pool"] = c.bypassed_pool.get();
  j["bypassed"] = c.bypassed_frame_size.get() + c.bypassed_pool.get();
  j["other_payload"] = c.other_payload.get();
  j["frames"] = frames;
  j["speech_frames"] = c.speech_frames.get();
  j["speech_ratio"] = frames != 0 ? static_cast<double>(c.speech_frames.get()) / static_cast<double>(frames) : 0.0;
  j["agc_gain_db"] = c.agc_gain_db.load(std::memory_order_relaxed);
  j["erle_db"] = c.erle_db.load(std::memory_order_relaxed);
  j["ssrc_changes"] = c.ssrc_changes.get();
  j["seq_lost"] = c.seq_lost.get();
  j["seq_late"] = c.seq_late.get();
  j["rtcp_translated"] = c.rtcp_translated.get();
  j["chain_fallbacks"] = c.chain_fallbacks.load(std::memory_order_relaxed);
  if (m.chain != nullptr) {
    const auto g = [](dsp::grade x) { return std::string(dsp::to_string(x)); };
    j["chain"] = {{"aec", g(m.chain->aec_grade())}, {"vad", g(m.chain->vad_grade())}, {"agc", g(m.chain->agc_grade())}};
  }
  return j;
}
}  // namespace

nlohmann::json stats_snapshot(const dp::runtime& rt, const session_manager& sm) {
  using nlohmann::json;
  json j;
  json workers = json::array();
  json totals = {{"rx_packets", 0}, {"tx_packets", 0}, {"relayed_rtp", 0}, {"relayed_rtcp", 0},
                 {"transcoded", 0}, {"payload_passthrough", 0}, {"media_processed", 0},
                 {"media_bypassed_frame_size", 0}, {"media_bypassed_pool", 0}, {"media_other_payload", 0},
                 {"handoff_out", 0}, {"handoff_in", 0}, {"heap_bytes", 0}, {"dropped", 0}};
  json drops_total = json::object();
  for (std::size_t r = 0; r < dp::drop_reason_count; ++r) drops_total[std::string(dp::to_string(static_cast<dp::drop_reason>(r)))] = 0;
  for (unsigned w = 0; w < rt.n_workers(); ++w) {
    const dp::worker_snapshot s = rt.snapshot(w);
    json drops = json::object();
    for (std::size_t r = 0; r < dp::drop_reason_count; ++r) {
      const std::string name(dp::to_string(static_cast<dp::drop_reason>(r)));
      drops[name] = s.drops[r];
      drops_total[name] = drops_total[name].get<std::uint64_t>() + s.drops[r];
    }
    workers.push_back({{"index", s.index}, {"lcore", s.lcore}, {"rx_packets", s.rx_packets},
                       {"handoff_in", s.handoff_in}, {"handoff_out", s.handoff_out},
                       {"relayed_rtp", s.relayed_rtp}, {"relayed_rtcp", s.relayed_rtcp},
                       {"transcoded", s.transcoded}, {"payload_passthrough", s.payload_passthrough},
                       {"tx_packets", s.tx_packets}, {"polls", s.polls}, {"busy_polls", s.busy_polls},
                       {"heap_bytes", s.heap_bytes}, {"heap_probe_ok", s.heap_probe_ok != 0}, {"control_messages", s.ctl_applied},
                       {"media_processed", s.media_processed}, {"media_bypassed_frame_size", s.media_bypassed_frame_size},
                       {"media_bypassed_pool", s.media_bypassed_pool}, {"media_other_payload", s.media_other_payload},
                       {"sessions", sm.sessions_on(w)}, {"drops", drops}});
    json stages = json::object();
    for (std::size_t k = 0; k < dp::stage_count; ++k) {
      const dp::stage_summary& ss = s.stages[k];
      stages[std::string(dp::to_string(static_cast<dp::stage>(k)))] = {
          {"samples", ss.samples}, {"mean_cycles", ss.mean_cycles}, {"p50_cycles", ss.p50_cycles}, {"p99_cycles", ss.p99_cycles}};
    }
    workers.back()["stage_cycles"] = stages;
    for (const char* k : {"rx_packets", "tx_packets", "relayed_rtp", "relayed_rtcp", "transcoded", "payload_passthrough",
                          "handoff_out", "handoff_in", "heap_bytes", "media_processed", "media_bypassed_frame_size",
                          "media_bypassed_pool", "media_other_payload"})
      totals[k] = totals[k].get<std::uint64_t>() + workers.back()[k].get<std::uint64_t>();
    totals["dropped"] = totals["dropped"].get<std::uint64_t>() + s.total_drops();
  }
  totals["drops"] = drops_total;
  j["totals"] = totals;
  j["workers"] = workers;
  json ports = json::array();
  for (std::size_t i = 0; i < rt.ports().size(); ++i) {
    const auto& p = rt.ports()[i];
    const auto c = rt.port_stats(i);
    ports.push_back({{"name", p.name}, {"driver", p.driver}, {"socket", p.socket}, {"mac", format_mac(p.mac)},
                     {"rss", p.rss}, {"ipackets", c.ipackets}, {"opackets", c.opackets}, {"imissed", c.imissed},
                     {"ierrors", c.ierrors}, {"oerrors", c.oerrors}, {"rx_nombuf", c.rx_nombuf}});
  }
  j["ports"] = ports;
  json pools = json::array();
  for (const auto& u : rt.pool_usage_now()) pools.push_back({{"socket", u.socket}, {"size", u.size}, {"available", u.available}});
  j["pools"] = pools;
  json frame_pools = json::array();
  std::set<int> sockets;
  for (const auto& u : rt.frame_pool_usage_now()) {
    frame_pools.push_back({{"socket", u.socket}, {"samples", u.samples}, {"size", u.size}, {"available", u.available}});
    sockets.insert(u.socket);
  }
  j["frame_pools"] = frame_pools;
  // rte_malloc heap use per socket: session state, chains and tables live there.
  json heaps = json::array();
  for (int sock : sockets) {
    rte_malloc_socket_stats ms{};
    if (rte_malloc_get_socket_stats(sock, &ms) == 0)
      heaps.push_back({{"socket", sock}, {"allocated_bytes", ms.heap_allocsz_bytes}, {"free_bytes", ms.heap_freesz_bytes}});
  }
  j["rte_malloc"] = heaps;
  json sessions = json::array();
  for (const auto& [id, e] : sm.sessions()) {
    json s = {{"id", id}, {"worker", e->worker}, {"state", state_name(e->st)}};
    if (e->mem != nullptr) {
      s["a"] = {{"rtp", route_json(e->mem->routes[0])}, {"rtcp", route_json(e->mem->routes[1])}};
      s["b"] = {{"rtp", route_json(e->mem->routes[2])}, {"rtcp", route_json(e->mem->routes[3])}};
      s["legs"] = {leg_json(*e->mem, e->media.get(), 0), leg_json(*e->mem, e->media.get(), 1)};
    }
    sessions.push_back(std::move(s));
  }
  j["sessions"] = sessions;
  j["failed_session_adds"] = sm.failed_adds();
  return j;
}

std::string stats_summary(const nlohmann::json& snap) {
  std::ostringstream os;
  const auto& t = snap["totals"];
  os << "rx " << t["rx_packets"] << "  tx " << t["tx_packets"] << "  relayed rtp " << t["relayed_rtp"] << " rtcp "
     << t["relayed_rtcp"] << "  transcoded " << t["transcoded"] << "  media processed " << t["media_processed"] << "  handoff " << t["handoff_out"] << "  dropped " << t["dropped"] << "  worker heap bytes "
     << t["heap_bytes"] << "\n";
  bool any = false;
  for (const auto& [reason, n] : t["drops"].items()) {
    if (n.get<std::uint64_t>() == 0) continue;
    os << (any ? ", " : "  drops: ") << reason << " " << n;
    any = true;
  }
  if (any) os << "\n";
  for (const auto& w : snap["workers"])
    os << "  worker " << w["index"] << " (lcore " << w["lcore"] << "): rx " << w["rx_packets"] << " tx " << w["tx_packets"]
       << " handoff in/out " << w["handoff_in"] << "/" << w["handoff_out"] << " sessions " << w["sessions"] << "\n";
  return os.str();
}

}  // namespace cp
