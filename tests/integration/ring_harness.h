// SPDX-License-Identifier: BSD-3-Clause
// In-process test harness: EAL arguments, a ring-backed port, packet injection and collection.
#pragma once

#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "controlplane/session_manager.h"
#include "dataplane/runtime.h"
#include "tests/e2e/capgen.h"

namespace test {

inline bool hugepages_available() {
  std::ifstream f("/proc/meminfo");
  std::string k;
  long v = 0;
  while (f >> k >> v)
    if (k == "HugePages_Free:") return v >= 256;
  return false;
}

inline std::vector<std::string> eal_args(const std::string& prog) {
  std::vector<std::string> a = {prog, "--no-pci", "--lcores=0@0,1@1,2@1", "--log-level=lib.eal:error"};
  if (hugepages_available()) {
    a.push_back("--in-memory");
  } else {
    a.insert(a.end(), {"--no-huge", "-m", "512", "--file-prefix", "vg_" + prog + std::to_string(getpid())});
  }
  return a;
}

struct ring_port {
  rte_ring* rx[2] = {};
  rte_ring* tx[2] = {};
};

inline std::vector<test::frame> collect(ring_port& rp, std::size_t want, double timeout_s) {
  std::vector<test::frame> out;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (out.size() < want && std::chrono::steady_clock::now() < until) {
    for (auto* r : rp.tx) {
      rte_mbuf* m[32];
      const unsigned n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(m), 32, nullptr);
      for (unsigned i = 0; i < n; ++i) {
        const auto* d = rte_pktmbuf_mtod(m[i], const std::uint8_t*);
        out.emplace_back(d, d + rte_pktmbuf_data_len(m[i]));
        rte_pktmbuf_free(m[i]);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return out;
}

// Injects on queue 0 (worker 0): packets of worker 1's calls must be handed over.
// With `delivered`, keeps at most `window` packets in flight (injected minus
// delivered) so that two busy-polling workers sharing one CPU do not overflow
// the hand-off ring while the scheduler runs the other one.
inline void inject(dp::runtime& rt, ring_port& rp, const std::vector<test::gen_packet>& pkts,
                   const std::atomic<std::size_t>* delivered = nullptr, std::size_t window = 0) {
  rte_mempool* mp = rt.pool_for_socket(rt.ports()[0].socket);
  std::size_t sent = 0;
  for (const auto& p : pkts) {
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    ASSERT_NE(m, nullptr);
    auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(p.data.size())));
    ASSERT_NE(d, nullptr);
    std::memcpy(d, p.data.data(), p.data.size());
    while (delivered != nullptr && sent - std::min(sent, delivered->load()) >= window)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    while (rte_ring_enqueue(rp.rx[0], m) != 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    sent += p.relayed ? 1 : 0;
  }
}

inline std::uint64_t total(dp::runtime& rt, std::uint64_t dp::worker_snapshot::*field) {
  std::uint64_t t = 0;
  for (unsigned w = 0; w < rt.n_workers(); ++w) t += rt.snapshot(w).*field;
  return t;
}

inline std::uint64_t drops(dp::runtime& rt, dp::drop_reason r) {
  std::uint64_t t = 0;
  for (unsigned w = 0; w < rt.n_workers(); ++w) t += rt.snapshot(w).drops[static_cast<std::size_t>(r)];
  return t;
}

inline void wait_idle(cp::session_manager& sm) {
  for (int i = 0; i < 2000 && sm.pending() != 0; ++i) {
    sm.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Creates the two-queue ring port "vg_it0" (call from runtime_config::after_eal_init).
inline void make_ring_port(ring_port& rp) {
  for (int q = 0; q < 2; ++q) {
    rp.rx[q] = rte_ring_create(("vg_it_rx" + std::to_string(q)).c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rp.tx[q] = rte_ring_create(("vg_it_tx" + std::to_string(q)).c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  }
  if (rte_eth_from_rings("vg_it0", rp.rx, 2, rp.tx, 2, 0) < 0) throw std::runtime_error("rte_eth_from_rings failed");
}

// Two workers (lcores 1 and 2) on the ring port `rp` made after EAL init.
inline dp::runtime_config ring_runtime_config(const std::string& prog, ring_port& rp) {
  dp::runtime_config rc;
  rc.eal_args = eal_args(prog);
  // No port names: the one ring-backed port is every port there is.
  rc.worker_lcores = {1, 2};
  rc.rx_desc = 256;
  rc.tx_desc = 256;
  rc.after_eal_init = [&rp] { make_ring_port(rp); };
  return rc;
}

}  // namespace test
