// SPDX-License-Identifier: BSD-3-Clause
// Echo-cancellation quality floors on generated speech scenarios, side by side with speexdsp.
//
// Measured values (tests/bench/aec_quality prints them all) are in comments; each floor
// sits 1..2 dB under its measurement so that a regression, not float reordering across
// SIMD targets, trips it. Where the task's target is not reached the comment says so.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dsp/aec.h"
#include "tests/common/echo_scenarios.h"
#include "tests/common/speex_aec_peer.h"

namespace {

struct results {
  test::echo_measures linear, full, speex, speex_pp;
};

results run_case(std::size_t index) {
  const auto c = test::aec_report_cases().at(index);
  const auto s = test::make_echo_scenario(c.scenario);
  auto ours = [&](bool suppress) {
    dsp::aec_config cfg;
    cfg.mode = dsp::grade::advanced;
    cfg.tail_ms = c.tail_ms;
    cfg.residual_suppression = suppress;
    cfg.comfort_noise = suppress;
    auto aec = dsp::make_echo_canceller(cfg);
    return test::measure(s, test::run_frames(s, 160, [&](auto n, auto f, auto o) { aec->process(n, f, o); }));
  };
  auto speex = [&](bool pp) {
    test::speex_aec_peer p(160, c.tail_ms * 8, pp);
    return test::measure(s, test::run_frames(s, 160, [&](auto n, auto f, auto o) { p.process(n, f, o); }));
  };
  return {ours(false), ours(true), speex(false), speex(true)};
}

// Hybrid, ERL 6 dB, noise -50 dBFS, 20 ms delay, tail 64 ms.
TEST(aec_quality, hybrid_line_echo) {
  const auto r = run_case(0);
  EXPECT_GE(r.linear.erle_steady_db, 30.0);                         // measured 31.2
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // speexdsp 23.7
  // Task target: 20 dB within 1 s of far-end speech; measured 1.48 s (speexdsp 2.52 s),
  // 0.48 s short: the partitioned filter converges slowly on speech (see the report).
  EXPECT_GT(r.linear.time_to_20db_s, 0.0);
  EXPECT_LE(r.linear.time_to_20db_s, 1.7);
  EXPECT_LT(r.linear.time_to_20db_s, r.speex.time_to_20db_s);
  // Full chain: comfort noise keeps the far-only output at the background level.
  EXPECT_NEAR(r.full.out_far_only_dbfs, r.full.noise_in_dbfs, 2.0);  // measured -50.4 vs -50.0
  EXPECT_NEAR(r.full.out_idle_dbfs, r.full.noise_in_dbfs, 1.0);
}

// Bulk delay beyond the tail: 120 ms with a 64 ms tail. speexdsp has no delay search.
TEST(aec_quality, bulk_delay_beyond_tail) {
  const auto r = run_case(2);
  // Task target 30 dB; measured 18.5 (noise -40 dBFS, echo -38 dBFS: 11.5 dB short).
  EXPECT_GE(r.linear.erle_steady_db, 16.5);
  EXPECT_LE(r.speex.erle_steady_db, 3.0);    // measured 0.2
  const auto d = run_case(7);                // 200 ms, room 64 ms, tail 128 ms, double talk
  EXPECT_GE(d.linear.erle_steady_db, 22.0);  // measured 23.9 (task target 30 dB: 6.1 dB short)
  EXPECT_GE(d.linear.erle_steady_db, d.speex.erle_steady_db + 10.0);
  EXPECT_GE(d.full.dt_level_change_db, -3.0);  // measured -1.7
}

// Room responses, tails 64 and 256 ms.
TEST(aec_quality, room_paths) {
  const auto s = run_case(3);                // room 32 ms, noise -50 dBFS, tail 64
  EXPECT_GE(s.linear.erle_steady_db, 30.0);  // measured 30.7
  EXPECT_GE(s.linear.erle_steady_db, s.speex.erle_steady_db + 3.0);  // speexdsp 23.1
  const auto a = run_case(4);                // room 48 ms, noise -45 dBFS, tail 64
  EXPECT_GE(a.linear.erle_steady_db, 21.5);  // measured 23.2 (task target 30 dB: 6.8 dB short)
  EXPECT_GE(a.linear.erle_steady_db, a.speex.erle_steady_db + 3.0);  // speexdsp 15.2
  const auto b = run_case(6);                // room 128 ms, noise -50 dBFS, tail 256
  EXPECT_GE(b.linear.erle_steady_db, 22.5);  // measured 24.6 (task target 30 dB: 5.4 dB short)
  // Task target: 3 dB above speexdsp (21.7); measured +2.9.
  EXPECT_GE(b.linear.erle_steady_db, b.speex.erle_steady_db + 2.0);
}

// Double talk and an echo-path change halfway (room 64 ms, noise -45 dBFS, tail 128).
TEST(aec_quality, double_talk_and_path_change) {
  const auto r = run_case(8);
  EXPECT_GE(r.linear.dt_level_change_db, -3.0);  // measured 0.0
  EXPECT_GE(r.full.dt_level_change_db, -3.0);    // measured -1.7 (residual suppressor)
  EXPECT_GE(r.linear.dt_seg_snr_db, 22.5);       // measured 24.6 (speexdsp 18.7)
  // Task target: recovery within 1.5 s; measured 2.32 s (speexdsp 3.98 s): 0.82 s short.
  EXPECT_GT(r.linear.recovery_s, 0.0);
  EXPECT_LE(r.linear.recovery_s, 2.6);
  EXPECT_GE(r.linear.erle_second_db, 17.5);  // measured 19.0 (speexdsp 16.7)
}

// Line hybrid, double talk and a path change (ERL 6 dB, noise -50 dBFS, tail 64).
TEST(aec_quality, hybrid_path_change) {
  const auto r = run_case(9);
  EXPECT_GT(r.linear.recovery_s, 0.0);
  EXPECT_LE(r.linear.recovery_s, 1.5);           // measured 1.44 (speexdsp 2.96)
  EXPECT_GE(r.full.dt_level_change_db, -3.0);    // measured -1.1
  EXPECT_GE(r.linear.erle_second_db, 21.0);      // measured 22.7 (speexdsp 19.9)
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // 22.7 vs 18.6 (worse path each)
}

}  // namespace
