// SPDX-License-Identifier: BSD-3-Clause
// Builds the stats snapshot (JSON) from worker snapshots, port counters and session routes.
#include "controlplane/stats_report.h"

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
}  // namespace

nlohmann::json stats_snapshot(const dp::runtime& rt, const session_manager& sm) {
  using nlohmann::json;
  json j;
  json workers = json::array();
  json totals = {{"rx_packets", 0}, {"tx_packets", 0}, {"relayed_rtp", 0}, {"relayed_rtcp", 0},
                 {"transcoded", 0}, {"payload_passthrough", 0},
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
                       {"heap_bytes", s.heap_bytes}, {"control_messages", s.ctl_applied},
                       {"sessions", sm.sessions_on(w)}, {"drops", drops}});
    for (const char* k : {"rx_packets", "tx_packets", "relayed_rtp", "relayed_rtcp", "transcoded", "payload_passthrough",
                          "handoff_out", "handoff_in", "heap_bytes"})
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
  json sessions = json::array();
  for (const auto& [id, e] : sm.sessions()) {
    json s = {{"id", id}, {"worker", e->worker}, {"state", state_name(e->st)}};
    if (e->mem != nullptr) {
      s["a"] = {{"rtp", route_json(e->mem->routes[0])}, {"rtcp", route_json(e->mem->routes[1])}};
      s["b"] = {{"rtp", route_json(e->mem->routes[2])}, {"rtcp", route_json(e->mem->routes[3])}};
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
     << t["relayed_rtcp"] << "  transcoded " << t["transcoded"] << "  handoff " << t["handoff_out"] << "  dropped " << t["dropped"] << "  worker heap bytes "
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
