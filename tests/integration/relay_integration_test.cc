// SPDX-License-Identifier: BSD-3-Clause
// In-process integration: EAL, a ring-backed port with two queues, two workers,
// the session manager adding and removing sessions while packets flow.
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "controlplane/session_manager.h"
#include "dataplane/runtime.h"
#include "tests/e2e/capgen.h"

namespace {

bool hugepages_available() {
  std::ifstream f("/proc/meminfo");
  std::string k;
  long v = 0;
  while (f >> k >> v)
    if (k == "HugePages_Free:") return v >= 256;
  return false;
}

std::vector<std::string> eal_args() {
  std::vector<std::string> a = {"relay_integration_test", "--no-pci", "--lcores=0@0,1@1,2@1", "--log-level=lib.eal:error"};
  if (hugepages_available()) {
    a.push_back("--in-memory");
  } else {
    a.insert(a.end(), {"--no-huge", "-m", "512", "--file-prefix", "vg_it_" + std::to_string(getpid())});
  }
  return a;
}

struct ring_port {
  rte_ring* rx[2] = {};
  rte_ring* tx[2] = {};
};

std::vector<test::frame> collect(ring_port& rp, std::size_t want, double timeout_s) {
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

void inject(dp::runtime& rt, ring_port& rp, const std::vector<test::gen_packet>& pkts) {
  rte_mempool* mp = rt.pool_for_socket(rt.ports()[0].socket);
  for (const auto& p : pkts) {
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    ASSERT_NE(m, nullptr);
    auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(p.data.size())));
    ASSERT_NE(d, nullptr);
    std::memcpy(d, p.data.data(), p.data.size());
    // Everything arrives on queue 0 (worker 0): packets of worker 1's calls must be handed over.
    while (rte_ring_enqueue(rp.rx[0], m) != 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

std::uint64_t total(dp::runtime& rt, std::uint64_t dp::worker_snapshot::*field) {
  std::uint64_t t = 0;
  for (unsigned w = 0; w < rt.n_workers(); ++w) t += rt.snapshot(w).*field;
  return t;
}

std::uint64_t drops(dp::runtime& rt, dp::drop_reason r) {
  std::uint64_t t = 0;
  for (unsigned w = 0; w < rt.n_workers(); ++w) t += rt.snapshot(w).drops[static_cast<std::size_t>(r)];
  return t;
}

void wait_idle(cp::session_manager& sm) {
  for (int i = 0; i < 2000 && sm.pending() != 0; ++i) {
    sm.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(RelayIntegration, HandOffAddRemoveAndNoLeaks) {
  ring_port rp;
  dp::runtime_config rc;
  rc.eal_args = eal_args();
  // No port names: the one ring-backed port created below is every port there is.
  rc.worker_lcores = {1, 2};
  rc.rx_desc = 256;
  rc.tx_desc = 256;
  rc.after_eal_init = [&rp] {
    for (int q = 0; q < 2; ++q) {
      rp.rx[q] = rte_ring_create(("vg_it_rx" + std::to_string(q)).c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
      rp.tx[q] = rte_ring_create(("vg_it_tx" + std::to_string(q)).c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    }
    if (rte_eth_from_rings("vg_it0", rp.rx, 2, rp.tx, 2, 0) < 0) throw std::runtime_error("rte_eth_from_rings failed");
  };
  dp::runtime rt(rc);
  ASSERT_EQ(rt.n_workers(), 2u);
  const auto pools_before = rt.pool_usage_now();

  test::capgen_options o;
  o.calls = 10;
  o.packets = 20;
  o.junk_rounds = 1;
  const auto c = test::generate(o);
  {
    cp::session_manager sm(rt);
    for (const auto& s : c.sessions) ASSERT_EQ(sm.add(s), "");
    EXPECT_EQ(sm.add(c.sessions[0]), "session \"call-1\" already exists");
    rt.launch();
    wait_idle(sm);
    ASSERT_EQ(sm.pending(), 0u);
    EXPECT_EQ(sm.sessions_on(0), 5u);
    EXPECT_EQ(sm.sessions_on(1), 5u);

    // Round 1: every call live.
    inject(rt, rp, c.packets);
    std::vector<test::frame> want;
    for (const auto& p : c.packets)
      if (p.relayed) want.push_back(test::expected_output(c, p, rt.ports()[0].mac));
    auto got = collect(rp, want.size(), 20);
    test::sort_frames(got);
    test::sort_frames(want);
    EXPECT_EQ(got, want);
    EXPECT_GT(total(rt, &dp::worker_snapshot::handoff_out), 0u);
    EXPECT_EQ(total(rt, &dp::worker_snapshot::handoff_out), total(rt, &dp::worker_snapshot::handoff_in));

    // Round 2: the odd calls removed; their packets are now unknown and dropped.
    for (std::size_t i = 1; i < c.sessions.size(); i += 2) ASSERT_EQ(sm.remove(c.sessions[i].id), "");
    EXPECT_EQ(sm.remove("nope"), "session \"nope\" not found");
    wait_idle(sm);
    ASSERT_EQ(sm.pending(), 0u);
    const std::uint64_t unknown_before = drops(rt, dp::drop_reason::unknown_session);
    std::vector<test::gen_packet> media;
    std::size_t removed_pkts = 0;
    want.clear();
    for (const auto& p : c.packets) {
      if (!p.relayed) continue;
      media.push_back(p);
      if (p.session % 2 == 1) {
        ++removed_pkts;
      } else {
        want.push_back(test::expected_output(c, p, rt.ports()[0].mac));
      }
    }
    inject(rt, rp, media);
    got = collect(rp, want.size(), 20);
    test::sort_frames(got);
    test::sort_frames(want);
    EXPECT_EQ(got, want);
    // Give stragglers a moment: nothing more may come out.
    EXPECT_TRUE(collect(rp, 1, 0.2).empty());
    EXPECT_EQ(drops(rt, dp::drop_reason::unknown_session) - unknown_before, removed_pkts);

    // A removed session can be added again.
    ASSERT_EQ(sm.add(c.sessions[1]), "");
    wait_idle(sm);
    EXPECT_EQ(sm.sessions().at("call-2")->st, cp::session_manager::state::active);
    rt.stop();
    EXPECT_EQ(total(rt, &dp::worker_snapshot::heap_bytes), 0u) << "workers allocated on the heap";
  }
  // Every mbuf is back: nothing leaked on any path (relay, drops, hand-off).
  const auto pools_after = rt.pool_usage_now();
  ASSERT_EQ(pools_after.size(), pools_before.size());
  for (std::size_t i = 0; i < pools_after.size(); ++i) EXPECT_EQ(pools_after[i].available, pools_before[i].available);
}

}  // namespace
