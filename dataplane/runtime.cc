// SPDX-License-Identifier: BSD-3-Clause
// DPDK runtime setup and teardown (EAL, pools, ports, worker contexts, launch/stop).
#include "dataplane/runtime.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <set>

#include "dataplane/worker.h"

namespace dp {

namespace {

std::string err(const std::string& what, int code) { return what + ": " + rte_strerror(code < 0 ? -code : code); }

unsigned next_pow2_minus1(unsigned n) noexcept {
  unsigned p = 1;
  while (p - 1 < n) p <<= 1;
  return p - 1;
}

}  // namespace

unsigned mbuf_pool_size(unsigned ports, unsigned queues_per_port, unsigned rx_desc, unsigned tx_desc,
                        unsigned workers, unsigned cache, unsigned handoff_ring_size) noexcept {
  const unsigned descriptors = ports * queues_per_port * (rx_desc + tx_desc);
  const unsigned per_worker = cache + tx_stage::capacity * std::max(ports, 1u) + burst_size;
  return next_pow2_minus1(descriptors + workers * (per_worker + handoff_ring_size) + 1024);
}

runtime::runtime(const runtime_config& cfg) : owners_(std::make_unique<owner_map>()) {
  if (cfg.worker_lcores.empty()) throw setup_error("no worker lcores");
  if (cfg.worker_lcores.size() > max_workers) throw setup_error("at most " + std::to_string(max_workers) + " workers");
  init_eal(cfg);
  if (cfg.after_eal_init) cfg.after_eal_init();
  // Resolve the ports.
  if (cfg.port_names.empty()) {
    std::uint16_t pid;
    RTE_ETH_FOREACH_DEV(pid) {
      char name[RTE_ETH_NAME_MAX_LEN];
      rte_eth_dev_get_name_by_port(pid, name);
      ports_.push_back(port_state{name, pid, 0, {}, false, {}});
    }
    if (ports_.empty()) throw setup_error("no ports: configure [dpdk] vdevs or bind a NIC to a DPDK driver");
  } else {
    for (const auto& n : cfg.port_names) {
      std::uint16_t pid;
      if (rte_eth_dev_get_port_by_name(n.c_str(), &pid) != 0)
        throw setup_error("port \"" + n + "\" not found (probed vdevs and PCI devices do not include it)");
      ports_.push_back(port_state{n, pid, 0, {}, false, {}});
    }
  }
  if (ports_.size() > max_ports) throw setup_error("at most " + std::to_string(max_ports) + " ports");
  for (auto& p : ports_) {
    const int s = rte_eth_dev_socket_id(p.port_id);
    p.socket = s < 0 ? static_cast<int>(rte_socket_id()) : s;  // vdevs report SOCKET_ID_ANY
  }
  create_pools(cfg);
  for (auto& p : ports_) setup_port(p, cfg);
  create_workers(cfg);
}

void runtime::init_eal(const runtime_config& cfg) {
  std::vector<std::string> args = cfg.eal_args;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int r = rte_eal_init(static_cast<int>(args.size()), argv.data());
  if (r < 0) throw setup_error(err("EAL initialisation failed (see the EAL messages above)", rte_errno));
  eal_ready_ = true;
  for (unsigned l : cfg.worker_lcores) {
    if (l == rte_get_main_lcore()) throw setup_error("worker lcore " + std::to_string(l) + " is the main lcore");
    if (!rte_lcore_is_enabled(l))
      throw setup_error("worker lcore " + std::to_string(l) + " is not enabled in EAL (check -l/--lcores)");
  }
}

void runtime::create_pools(const runtime_config& cfg) {
  const unsigned nw = static_cast<unsigned>(cfg.worker_lcores.size());
  std::set<int> sockets;
  for (const auto& p : ports_) sockets.insert(p.socket);
  for (unsigned l : cfg.worker_lcores) sockets.insert(static_cast<int>(rte_lcore_to_socket_id(l)));
  for (int s : sockets) {
    unsigned ports_here = 0;
    for (const auto& p : ports_) ports_here += p.socket == s ? 1 : 0;
    const unsigned n = cfg.mbufs_per_socket != 0
                           ? cfg.mbufs_per_socket
                           : mbuf_pool_size(ports_here, nw, cfg.rx_desc, cfg.tx_desc, nw, cfg.mbuf_cache,
                                            cfg.handoff_ring_size);
    const std::string name = "vg_mbuf_s" + std::to_string(s);
    rte_mempool* mp = rte_pktmbuf_pool_create(name.c_str(), n, cfg.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, s);
    if (mp == nullptr)
      throw setup_error(err("mbuf pool of " + std::to_string(n) + " mbufs on socket " + std::to_string(s) +
                                " (raise EAL -m/hugepages or lower [pools] mbufs)",
                            rte_errno));
    pools_.emplace_back(s, mp);
  }
  std::set<int> worker_sockets;
  for (unsigned l : cfg.worker_lcores) worker_sockets.insert(static_cast<int>(rte_lcore_to_socket_id(l)));
  for (int s : worker_sockets) {
    try {
      frame_pools_.push_back(std::make_unique<frame_pools>(create_frame_pools(s, cfg.frames_per_class, cfg.frame_cache)));
    } catch (const std::runtime_error& e) {
      throw setup_error(e.what());
    }
  }
}

rte_mempool* runtime::pool_for_socket(int socket) const noexcept {
  for (const auto& [s, mp] : pools_)
    if (s == socket) return mp;
  return pools_.empty() ? nullptr : pools_.front().second;
}

void runtime::setup_port(port_state& p, const runtime_config& cfg) {
  const std::uint16_t q = static_cast<std::uint16_t>(cfg.worker_lcores.size());
  rte_eth_dev_info info{};
  if (int r = rte_eth_dev_info_get(p.port_id, &info); r != 0) throw setup_error(err("port " + p.name + ": device info", r));
  p.driver = info.driver_name != nullptr ? info.driver_name : "";
  if (info.max_rx_queues < q || info.max_tx_queues < q)
    throw setup_error("port " + p.name + " (" + p.driver + ") has " + std::to_string(info.max_rx_queues) + " rx / " +
                      std::to_string(info.max_tx_queues) + " tx queues; voxgate needs one of each per worker (" +
                      std::to_string(q) + ")");
  rte_eth_conf conf{};
  const std::uint64_t rss = info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_UDP;
  if (q > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
    p.rss = true;
  }
  if (int r = rte_eth_dev_configure(p.port_id, q, q, &conf); r != 0) throw setup_error(err("port " + p.name + ": configure", r));
  std::uint16_t rxd = static_cast<std::uint16_t>(cfg.rx_desc);
  std::uint16_t txd = static_cast<std::uint16_t>(cfg.tx_desc);
  if (int r = rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &rxd, &txd); r != 0)
    throw setup_error(err("port " + p.name + ": descriptor counts", r));
  rte_mempool* mp = pool_for_socket(p.socket);
  for (std::uint16_t i = 0; i < q; ++i) {
    if (int r = rte_eth_rx_queue_setup(p.port_id, i, rxd, static_cast<unsigned>(p.socket), nullptr, mp); r != 0)
      throw setup_error(err("port " + p.name + ": rx queue " + std::to_string(i), r));
    if (int r = rte_eth_tx_queue_setup(p.port_id, i, txd, static_cast<unsigned>(p.socket), nullptr); r != 0)
      throw setup_error(err("port " + p.name + ": tx queue " + std::to_string(i), r));
  }
  if (int r = rte_eth_dev_start(p.port_id); r != 0) throw setup_error(err("port " + p.name + ": start", r));
  rte_eth_promiscuous_enable(p.port_id);  // not every vdev supports it; unicast to our MAC still works
  rte_ether_addr mac{};
  rte_eth_macaddr_get(p.port_id, &mac);
  std::memcpy(p.mac.data(), mac.addr_bytes, 6);
}

void runtime::create_workers(const runtime_config& cfg) {
  const unsigned nw = static_cast<unsigned>(cfg.worker_lcores.size());
  for (unsigned w = 0; w < nw; ++w) {
    const unsigned lcore = cfg.worker_lcores[w];
    const int socket = static_cast<int>(rte_lcore_to_socket_id(lcore));
    void* mem = rte_zmalloc_socket("vg_worker", sizeof(worker_context), alignof(worker_context), socket);
    if (mem == nullptr) throw setup_error("worker " + std::to_string(w) + ": no memory for its context");
    auto* ctx = new (mem) worker_context();
    workers_.push_back(ctx);
    ctx->index = static_cast<std::uint8_t>(w);
    ctx->lcore = lcore;
    ctx->n_workers = static_cast<std::uint8_t>(nw);
    ctx->n_ports = static_cast<std::uint8_t>(ports_.size());
    for (std::size_t i = 0; i < ports_.size(); ++i) ctx->ports[i] = port_ref{ports_[i].port_id, ports_[i].mac};
    const std::string hname = "vg_handoff_w" + std::to_string(w);
    ctx->handoff_in = rte_ring_create(hname.c_str(), cfg.handoff_ring_size, socket, RING_F_SC_DEQ);
    const std::string cin = "vg_ctl_in_w" + std::to_string(w);
    ctx->ctl_in = rte_ring_create(cin.c_str(), cfg.ctl_ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const std::string cout = "vg_ctl_out_w" + std::to_string(w);
    ctx->ctl_out = rte_ring_create(cout.c_str(), cfg.ctl_ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ctx->handoff_in == nullptr || ctx->ctl_in == nullptr || ctx->ctl_out == nullptr)
      throw setup_error(err("worker " + std::to_string(w) + ": rings", rte_errno));
    ctx->owners = owners_.get();
    ctx->stop = &stop_;
    for (auto& fp : frame_pools_)
      if (fp->socket == socket) ctx->media.pools = fp.get();
    ctx->media.timing = &ctx->timing;
    ctx->timing_period = cfg.stage_timing_period;
    ctx->timing_countdown = cfg.stage_timing_period;
  }
  for (auto* ctx : workers_)
    for (unsigned w = 0; w < nw; ++w) ctx->handoff[w] = workers_[w]->handoff_in;
}

int runtime::worker_socket(unsigned w) const noexcept {
  return w < workers_.size() ? static_cast<int>(rte_lcore_to_socket_id(workers_[w]->lcore)) : 0;
}

unsigned runtime::main_lcore() const noexcept { return rte_get_main_lcore(); }

unsigned runtime::worker_lcore(unsigned w) const noexcept { return workers_[w]->lcore; }

bool runtime::post(unsigned w, ctl_msg* m) noexcept { return rte_ring_enqueue(workers_[w]->ctl_in, m) == 0; }

unsigned runtime::collect(unsigned w, ctl_msg** out, unsigned max) noexcept {
  return rte_ring_dequeue_burst(workers_[w]->ctl_out, reinterpret_cast<void**>(out), max, nullptr);
}

worker_snapshot runtime::snapshot(unsigned w) const noexcept {
  worker_snapshot s = snapshot_of(workers_[w]->stats, w, workers_[w]->lcore);
  for (std::size_t i = 0; i < stage_count; ++i) s.stages[i] = summarize(workers_[w]->timing.by_stage[i]);
  return s;
}

void runtime::launch() {
  stop_.store(false);
  for (auto* ctx : workers_) {
    if (int r = rte_eal_remote_launch(worker_main, ctx, ctx->lcore); r != 0)
      throw setup_error(err("launch worker on lcore " + std::to_string(ctx->lcore), r));
  }
  launched_ = true;
}

void runtime::stop() noexcept {
  if (!launched_) return;
  stop_.store(true);
  rte_eal_mp_wait_lcore();
  launched_ = false;
  // Every worker has stopped: relay what is still in the hand-off rings.
  for (auto* ctx : workers_) worker_drain(*ctx);
}

runtime::port_counters runtime::port_stats(std::size_t i) const noexcept {
  rte_eth_stats st{};
  port_counters c;
  if (i >= ports_.size() || rte_eth_stats_get(ports_[i].port_id, &st) != 0) return c;
  c.ipackets = st.ipackets;
  c.opackets = st.opackets;
  c.ibytes = st.ibytes;
  c.obytes = st.obytes;
  c.imissed = st.imissed;
  c.ierrors = st.ierrors;
  c.oerrors = st.oerrors;
  c.rx_nombuf = st.rx_nombuf;
  return c;
}

std::vector<runtime::pool_usage> runtime::pool_usage_now() const {
  std::vector<pool_usage> out;
  for (const auto& [s, mp] : pools_) out.push_back({s, mp->size, rte_mempool_avail_count(mp)});
  return out;
}

std::vector<frame_pool_usage> runtime::frame_pool_usage_now() const {
  std::vector<frame_pool_usage> out;
  for (const auto& fp : frame_pools_)
    for (const auto& u : usage_of(*fp)) out.push_back(u);
  return out;
}

runtime::~runtime() {
  stop();
  for (const auto& p : ports_) {
    rte_eth_dev_stop(p.port_id);
    rte_eth_dev_close(p.port_id);
  }
  for (auto* ctx : workers_) {
    rte_ring_free(ctx->ctl_in);
    rte_ring_free(ctx->ctl_out);
    rte_ring_free(ctx->handoff_in);
    ctx->~worker_context();
    rte_free(ctx);
  }
  for (auto& [s, mp] : pools_) rte_mempool_free(mp);
  for (auto& fp : frame_pools_) free_frame_pools(*fp);
  if (eal_ready_) rte_eal_cleanup();
}

}  // namespace dp
