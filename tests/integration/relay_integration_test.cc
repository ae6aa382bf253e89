// SPDX-License-Identifier: BSD-3-Clause
// In-process integration: EAL, a ring-backed port with two queues, two workers,
// the session manager adding and removing sessions while packets flow.
#include "tests/integration/ring_harness.h"

namespace {

using namespace test;

TEST(RelayIntegration, HandOffAddRemoveAndNoLeaks) {
  ring_port rp;
  const dp::runtime_config rc = ring_runtime_config("relay_integration_test", rp);
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
