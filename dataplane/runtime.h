// SPDX-License-Identifier: BSD-3-Clause
// DPDK runtime: EAL, ports and queues, mbuf pools per socket, worker contexts and launch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/control.h"
#include "dataplane/frame_pool.h"
#include "dataplane/owner_map.h"
#include "dataplane/session.h"
#include "dataplane/stats.h"

struct rte_mempool;

namespace dp {
struct worker_context;
}

namespace dp {

// A setup failure: the message says what and where (port, queue, pool, lcore).
struct setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct runtime_config {
  std::vector<std::string> eal_args;   // argv for rte_eal_init, program name first
  std::vector<std::string> port_names; // ports to use by name ("net_pcap0", PCI address); empty: all
  std::vector<unsigned> worker_lcores; // lcore ids (not the main lcore)
  unsigned rx_desc = 1024;
  unsigned tx_desc = 1024;
  unsigned mbufs_per_socket = 0;       // 0: sized by formula (mbuf_pool_size)
  unsigned mbuf_cache = 256;
  unsigned handoff_ring_size = 4096;   // power of two
  unsigned frames_per_class = 8192;    // frame pool elements per size class per socket (far-end history)
  unsigned frame_cache = 128;          // per-lcore cache of each frame pool
  unsigned stage_timing_period = 64;   // time 1 poll iteration in this many (0: no stage timing)
  unsigned ctl_ring_size = 1024;       // power of two
  // Runs after EAL init, before ports are resolved: where tests and benchmarks
  // create ports of their own (e.g. rte_eth_from_rings).
  std::function<void()> after_eal_init;
};

struct port_state {
  std::string name;
  std::uint16_t port_id = 0;
  int socket = 0;
  mac_addr mac{};
  bool rss = false;
  std::string driver;
};

// Mbufs one socket needs so that no queue or cache can starve another:
// every rx and tx descriptor filled, every worker's mempool cache full, its tx
// staging and one rx burst in hand, every hand-off ring full, plus 1024 slack
// for the control plane. Rounded up to 2^k - 1 (rte_mempool's best size).
unsigned mbuf_pool_size(unsigned ports, unsigned queues_per_port, unsigned rx_desc, unsigned tx_desc,
                        unsigned workers, unsigned cache, unsigned handoff_ring_size) noexcept;

class runtime {
 public:
  // Initialises EAL, probes and configures the ports (one rx and tx queue per
  // worker, RSS on UDP where supported), creates pools, session tables and rings.
  explicit runtime(const runtime_config& cfg);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  void launch();        // starts every worker's poll loop
  void stop() noexcept; // sets the stop flag, waits for the workers, drains hand-off rings
  bool running() const noexcept { return launched_; }

  const std::vector<port_state>& ports() const noexcept { return ports_; }
  unsigned n_workers() const noexcept { return static_cast<unsigned>(workers_.size()); }
  unsigned worker_lcore(unsigned w) const noexcept;
  owner_map& owners() noexcept { return *owners_; }

  // Control rings: the control plane posts to worker w (false when the ring is
  // full: retry later) and collects the worker's replies, never waiting for it.
  bool post(unsigned w, ctl_msg* m) noexcept;
  unsigned collect(unsigned w, ctl_msg** out, unsigned max) noexcept;

  worker_snapshot snapshot(unsigned w) const noexcept;

  // The worker contexts, for code that drives workers itself (benchmarks, tests).
  worker_context& worker(unsigned w) noexcept { return *workers_[w]; }
  int worker_socket(unsigned w) const noexcept;
  rte_mempool* pool_for_socket(int socket) const noexcept;
  unsigned main_lcore() const noexcept;

  struct port_counters {
    std::uint64_t ipackets = 0, opackets = 0, ibytes = 0, obytes = 0, imissed = 0, ierrors = 0, oerrors = 0,
                  rx_nombuf = 0;
  };
  port_counters port_stats(std::size_t i) const noexcept;

  struct pool_usage {
    int socket;
    unsigned size;
    unsigned available;
  };
  std::vector<pool_usage> pool_usage_now() const;
  // Every frame pool (socket, size class) with its fill now.
  std::vector<frame_pool_usage> frame_pool_usage_now() const;

 private:
  void init_eal(const runtime_config& cfg);
  void create_pools(const runtime_config& cfg);
  void setup_port(port_state& p, const runtime_config& cfg);
  void create_workers(const runtime_config& cfg);

  std::vector<port_state> ports_;
  std::vector<worker_context*> workers_;
  std::vector<std::pair<int, rte_mempool*>> pools_;
  std::vector<std::unique_ptr<frame_pools>> frame_pools_;  // one per socket with workers
  std::unique_ptr<owner_map> owners_;
  std::atomic<bool> stop_{false};
  bool eal_ready_ = false;
  bool launched_ = false;
};

}  // namespace dp
