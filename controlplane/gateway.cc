// SPDX-License-Identifier: BSD-3-Clause
// Gateway orchestration and the control loop on the main lcore.
#include "controlplane/gateway.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "controlplane/config.h"
#include "controlplane/session_manager.h"
#include "controlplane/stats_report.h"
#include "controlplane/topology.h"
#include "dataplane/runtime.h"
#include "dsp/fft.h"

namespace cp {

namespace {

bool has_lcore_arg(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "-l" || a == "-c" || a.rfind("--lcores", 0) == 0 || (a.size() > 2 && (a.rfind("-l", 0) == 0 || a.rfind("-c", 0) == 0)))
      return true;
  return false;
}

}  // namespace

eal_plan make_eal_plan(const config& c, const std::vector<std::string>& extra) {
  eal_plan plan;
  plan.args.push_back("voxgate");
  std::vector<std::string> user = c.dpdk.eal_args;
  user.insert(user.end(), extra.begin(), extra.end());
  if (c.workers.automatic) {
    if (has_lcore_arg(user)) throw config_error("workers.lcores: \"auto\" plans the lcores itself; remove -l/-c/--lcores from the EAL arguments or list the worker lcores");
    int nic_node = -1;
    for (const auto& p : c.dpdk.ports) nic_node = std::max(nic_node, pci_numa_node(p));
    lcore_plan lp = plan_lcores(discover_cores(), nic_node);
    if (c.workers.count != 0 && lp.worker_cpus.size() > c.workers.count) {
      lp.worker_cpus.resize(c.workers.count);
      lp.notes.push_back("workers.count = " + std::to_string(c.workers.count) + ": using the first of them");
    }
    plan.args.push_back("--lcores=" + lp.eal_lcores());
    plan.args.push_back("--main-lcore=0");
    for (std::size_t i = 0; i < lp.worker_cpus.size(); ++i) plan.worker_lcores.push_back(static_cast<unsigned>(i + 1));
    plan.notes = lp.notes;
    plan.notes.push_back("EAL --lcores=" + lp.eal_lcores() + " (lcore 0 = main, others = workers)");
  } else {
    plan.worker_lcores = c.workers.lcores;
    unsigned main = 0;
    if (c.workers.main_lcore) {
      main = *c.workers.main_lcore;
    } else {
      while (std::find(plan.worker_lcores.begin(), plan.worker_lcores.end(), main) != plan.worker_lcores.end()) ++main;
    }
    if (!has_lcore_arg(user)) {
      std::string l = std::to_string(main);
      for (unsigned w : plan.worker_lcores) l += "," + std::to_string(w);
      plan.args.push_back("-l");
      plan.args.push_back(l);
    }
    plan.args.push_back("--main-lcore=" + std::to_string(main));
    std::string ws;
    for (unsigned w : plan.worker_lcores) ws += (ws.empty() ? "" : ",") + std::to_string(w);
    plan.notes.push_back("main lcore " + std::to_string(main) + ", workers on lcores " + ws);
  }
  for (const auto& v : c.dpdk.vdevs) plan.args.push_back("--vdev=" + v);
  plan.args.insert(plan.args.end(), user.begin(), user.end());
  return plan;
}

int run_gateway(const gateway_options& opt, const std::atomic<bool>& stop) {
  config c;
  eal_plan plan;
  try {
    c = load_config_file(opt.config_path);
    plan = make_eal_plan(c, opt.extra_eal_args);
  } catch (const config_error& e) {
    std::fprintf(stderr, "voxgate: config error: %s\n", e.what());
    return exit_config_error;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxgate: %s\n", e.what());
    return exit_runtime_error;
  }
  // FFT plans are made while the sessions are set up: wisdom first, so they are
  // the same plans on every start (dsp/fft.h). Before the EAL: a bad file starts nothing.
  bool wisdom_loaded = false;
  if (!c.dsp.fft_wisdom.empty()) {
    if (const auto err = dsp::fft_registry::load_wisdom(c.dsp.fft_wisdom, wisdom_loaded)) {
      std::fprintf(stderr, "voxgate: config error: dsp.fft_wisdom: %s\n", err->c_str());
      return exit_config_error;
    }
    if (wisdom_loaded) std::printf("voxgate: FFT wisdom loaded from %s\n", c.dsp.fft_wisdom.c_str());
  }
  std::printf("voxgate: lcore plan:\n");
  for (const auto& n : plan.notes) std::printf("  %s\n", n.c_str());
  std::fflush(stdout);

  dp::runtime_config rc;
  rc.eal_args = plan.args;
  rc.port_names = c.dpdk.ports;
  rc.worker_lcores = plan.worker_lcores;
  rc.rx_desc = c.performance.rx_desc;
  rc.tx_desc = c.performance.tx_desc;
  rc.mbufs_per_socket = c.pools.mbufs;
  rc.mbuf_cache = c.pools.cache;
  rc.frames_per_class = c.pools.frames;
  rc.frame_cache = c.pools.frame_cache;
  rc.stage_timing_period = c.stats.stage_timing;
  rc.handoff_ring_size = c.performance.handoff_ring;
  // Static sessions are all posted before the workers start: the control rings must hold them.
  while (rc.ctl_ring_size < c.sessions.size() + 64) rc.ctl_ring_size *= 2;

  std::optional<dp::runtime> rt;
  try {
    rt.emplace(rc);
  } catch (const dp::setup_error& e) {
    std::fprintf(stderr, "voxgate: setup failed: %s\n", e.what());
    return exit_runtime_error;
  }
  for (std::size_t i = 0; i < rt->ports().size(); ++i) {
    const auto& p = rt->ports()[i];
    std::printf("voxgate: port %zu: %s (%s) socket %d mac %s%s\n", i, p.name.c_str(), p.driver.c_str(), p.socket,
                format_mac(p.mac).c_str(), p.rss ? " rss=udp" : "");
  }
  int rc_exit = exit_ok;
  {
    session_manager sm(*rt, c.performance.sessions_per_worker);
    for (std::size_t i = 0; i < c.sessions.size(); ++i) {
      const std::string e = sm.add(c.sessions[i]);
      if (!e.empty()) {
        std::fprintf(stderr, "voxgate: config error: session[%zu]: %s\n", i, e.c_str());
        return exit_config_error;  // sm and rt unwind: nothing was launched
      }
    }
    if (!c.dsp.fft_wisdom.empty() && !wisdom_loaded) {
      if (const auto err = dsp::fft_registry::save_wisdom(c.dsp.fft_wisdom)) {
        std::fprintf(stderr, "voxgate: config error: dsp.fft_wisdom: %s\n", err->c_str());
        return exit_config_error;
      }
      std::printf("voxgate: FFT wisdom written to %s\n", c.dsp.fft_wisdom.c_str());
    }
    rt->launch();
    std::printf("voxgate: %u worker(s) running, %zu static session(s)\n", rt->n_workers(), c.sessions.size());
    std::fflush(stdout);

    using clock = std::chrono::steady_clock;
    std::uint64_t last_seen = 0;
    auto last_change = clock::now();
    auto last_print = clock::now();
    while (!stop.load(std::memory_order_relaxed)) {
      sm.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::uint64_t seen = 0;
      for (unsigned w = 0; w < rt->n_workers(); ++w) {
        const auto s = rt->snapshot(w);
        seen += s.rx_packets + s.handoff_in;
      }
      const auto now = clock::now();
      if (seen != last_seen) {
        last_seen = seen;
        last_change = now;
      }
      if (opt.exit_when_idle_s > 0 && sm.pending() == 0 &&
          std::chrono::duration<double>(now - last_change).count() >= opt.exit_when_idle_s) {
        std::printf("voxgate: idle for %.1f s, stopping\n", opt.exit_when_idle_s);
        break;
      }
      if (c.stats.interval_s > 0 && std::chrono::duration<double>(now - last_print).count() >= c.stats.interval_s) {
        last_print = now;
        std::printf("%s", stats_summary(stats_snapshot(*rt, sm)).c_str());
        std::fflush(stdout);
      }
    }
    rt->stop();
    sm.poll();
    const nlohmann::json snap = stats_snapshot(*rt, sm);
    std::printf("voxgate: final stats\n%s", stats_summary(snap).c_str());
    if (!opt.stats_file.empty()) {
      std::ofstream f(opt.stats_file);
      f << snap.dump(2) << "\n";
      if (!f) {
        std::fprintf(stderr, "voxgate: cannot write stats file %s\n", opt.stats_file.c_str());
        rc_exit = exit_runtime_error;
      }
    }
  }
  rt.reset();  // ports stop and close, EAL cleans up
  return rc_exit;
}

}  // namespace cp
