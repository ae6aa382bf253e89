// SPDX-License-Identifier: BSD-3-Clause
// Echo-cancellation quality floors on generated speech scenarios, side by side with speexdsp.
//
// Measured values (tests/bench/aec_quality prints them all) are in comments; each ERLE
// floor sits 1..2 dB under its measurement so that a regression, not float reordering
// across SIMD targets, trips it. Where the task's target is reached, the target itself is
// the floor (the times to 20 dB and the recoveries measure the same to 0.01 s on the
// AVX3, AVX2, SSE4, SSSE3 and scalar targets); where it is not, the comment says so.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dsp/aec.h"
#include "tests/common/aec_runs.h"
#include "tests/common/echo_scenarios.h"

namespace {

struct results {
  test::echo_measures linear, full, speex, speex_pp;
};

results run_case(std::size_t index) {
  const auto c = test::aec_report_cases().at(index);
  const auto s = test::make_echo_scenario(c.scenario);
  auto ours = [&](bool suppress) { return test::measure_ours(s, dsp::grade::advanced, c.tail_ms, suppress); };
  return {ours(false), ours(true), test::measure_speex(s, c.tail_ms, false), test::measure_speex(s, c.tail_ms, true)};
}

// Hybrid, ERL 6 dB, noise -50 dBFS, 20 ms delay, tail 64 ms.
TEST(aec_quality, hybrid_line_echo) {
  const auto r = run_case(0);
  EXPECT_GE(r.linear.erle_steady_db, 30.0);                         // measured 32.9 (target met)
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // speexdsp 23.9
  // Task target: 20 dB within 1 s of far-end speech; measured 0.86 s (speexdsp 2.52 s;
  // 1.48 s before the per-tap start phase).
  EXPECT_GT(r.linear.time_to_20db_s, 0.0);
  EXPECT_LE(r.linear.time_to_20db_s, 1.0);
  EXPECT_LT(r.linear.time_to_20db_s, r.speex.time_to_20db_s);
  // Full chain: comfort noise keeps the far-only output at the background level.
  EXPECT_NEAR(r.full.out_far_only_dbfs, r.full.noise_in_dbfs, 2.0);  // measured -50.4 vs -50.0
  EXPECT_NEAR(r.full.out_idle_dbfs, r.full.noise_in_dbfs, 1.0);
}

// Bulk delay beyond the tail: 120 ms with a 64 ms tail. speexdsp has no delay search.
TEST(aec_quality, bulk_delay_beyond_tail) {
  const auto r = run_case(2);
  // Task target 30 dB; measured 19.9 (noise -40 dBFS, echo -38 dBFS: 10.1 dB short).
  // Not reachable: the least-squares bound for 512 taps in this noise is 23.9 dB.
  EXPECT_GE(r.linear.erle_steady_db, 18.5);
  EXPECT_LE(r.speex.erle_steady_db, 3.0);    // measured 0.2
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);
  const auto d = run_case(7);                // 200 ms, room 64 ms, tail 128 ms, double talk
  // Task target 30 dB; measured 25.6: 4.4 dB short (least-squares bound 33.6 dB). Still
  // converging: in a 40 s call (long_call_holds_erle) the 2 s windows of the linear
  // output pass 30 dB from 14..16 s on.
  EXPECT_GE(d.linear.erle_steady_db, 24.0);
  EXPECT_GE(d.linear.erle_steady_db, d.speex.erle_steady_db + 10.0);
  EXPECT_GE(d.full.dt_level_change_db, -3.0);  // measured -1.6
}

// Room responses, tails 64 and 256 ms.
TEST(aec_quality, room_paths) {
  const auto s = run_case(3);                // room 32 ms, noise -50 dBFS, tail 64
  EXPECT_GE(s.linear.erle_steady_db, 30.0);  // measured 34.1 (target met)
  EXPECT_GE(s.linear.erle_steady_db, s.speex.erle_steady_db + 3.0);  // speexdsp 23.1
  const auto a = run_case(4);                // room 48 ms, noise -45 dBFS, tail 64
  // Task target 30 dB; measured 24.6: 5.4 dB short (least-squares bound 30.8 dB; the
  // 2 s windows still rise through the run: convergence-limited).
  EXPECT_GE(a.linear.erle_steady_db, 23.0);
  EXPECT_GE(a.linear.erle_steady_db, a.speex.erle_steady_db + 3.0);  // speexdsp 15.8
  const auto b = run_case(6);                // room 128 ms, noise -50 dBFS, tail 256
  // Task target 30 dB; measured 25.8. Not reachable here: the least-squares bound for
  // 2048 taps in this noise is 29.8 dB (aec_quality prints it).
  EXPECT_GE(b.linear.erle_steady_db, 24.5);
  EXPECT_GE(b.linear.erle_steady_db, b.speex.erle_steady_db + 3.0);  // speexdsp 21.7: +4.1
}

// Double talk and an echo-path change halfway (room 64 ms, noise -45 dBFS, tail 128).
TEST(aec_quality, double_talk_and_path_change) {
  const auto r = run_case(8);
  EXPECT_GE(r.linear.dt_level_change_db, -3.0);  // measured 0.0
  EXPECT_GE(r.full.dt_level_change_db, -3.0);    // measured -1.7 (residual suppressor)
  EXPECT_GE(r.linear.dt_seg_snr_db, 24.5);       // measured 26.1 (speexdsp 18.6)
  // Task target: recovery within 1.5 s; measured 1.42 s (speexdsp 3.98 s; 2.00 s before
  // the per-tap start phase).
  EXPECT_GT(r.linear.recovery_s, 0.0);
  EXPECT_LE(r.linear.recovery_s, 1.5);
  EXPECT_GE(r.linear.erle_second_db, 21.0);  // measured 22.4 (speexdsp 16.7)
  // Task target 30 dB on both paths: not reachable, least-squares bounds 27.8 / 28.2 dB.
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // 22.4 vs 15.7 (worse path each)
}

// Line hybrid, double talk and a path change (ERL 6 dB, noise -50 dBFS, tail 64).
TEST(aec_quality, hybrid_path_change) {
  const auto r = run_case(9);
  EXPECT_GT(r.linear.recovery_s, 0.0);
  // Task: 1.5 s; measured 0.92 s (speexdsp 2.96; 1.44 before the background restart on
  // a detected path change, 1.14 before the per-tap start phase).
  EXPECT_LE(r.linear.recovery_s, 1.1);
  EXPECT_GT(r.linear.time_to_20db_s, 0.0);
  EXPECT_LE(r.linear.time_to_20db_s, 1.0);       // measured 0.90 (task target 1 s)
  EXPECT_GE(r.full.dt_level_change_db, -3.0);    // measured -1.0
  EXPECT_GE(r.linear.erle_second_db, 23.5);      // measured 25.2 (speexdsp 19.9)
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // 25.2 vs 18.5 (worse path each)
  // Task target 30 dB; measured 30.2 / 25.2: met on the first path, 4.8 dB short on the
  // second (least-squares bounds 36.8 / 35.7 dB).
  EXPECT_GE(r.linear.erle_first_db, 28.5);
}

// The scenarios where the noise leaves no room for 30 dB: the least-squares bound of a
// linear canceller with the given tail (tests/common/echo_scenarios.h) is below it.
TEST(aec_quality, noise_limited_paths) {
  const auto h = run_case(1);  // hybrid, ERL 20 dB, echo -48.8 dBFS in -50 dBFS noise, tail 64
  EXPECT_GE(h.linear.erle_steady_db, 16.0);  // measured 17.3 (target 30; bound 23.4)
  EXPECT_GE(h.linear.erle_steady_db, h.speex.erle_steady_db + 3.0);  // speexdsp 11.4
  const auto r = run_case(5);  // room 96 ms, ERL 10 dB, noise -45 dBFS, tail 128
  EXPECT_GE(r.linear.erle_steady_db, 20.0);  // measured 21.7 (target 30; bound 26.3)
  EXPECT_GE(r.linear.erle_steady_db, r.speex.erle_steady_db + 3.0);  // speexdsp 15.6
  const auto n = run_case(10);  // hybrid, 300 ms delay, echo -37.7 dBFS in -35 dBFS noise, double talk, change
  EXPECT_GE(n.linear.erle_steady_db, 8.0);   // measured 13.5 / 8.8 (target 30; bounds 15.8 / 17.6)
  EXPECT_GE(n.linear.erle_steady_db, n.speex.erle_steady_db + 3.0);  // speexdsp 0.3 / 0.2
  EXPECT_GE(n.full.dt_level_change_db, -3.0);  // measured -1.9
}

// Path changes with the echo's main arrival a few blocks into the filter window (bulk
// delay 37..38 ms, inside the window, so it is not moved): the newest far block then
// hardly correlates with the echo, and a coherence reference on it took the change for
// double talk and froze the filter (second-path ERLE -1.3 / -0.3 / 10.4 dB before). The
// hybrid with seed 22 also checks that estimate jitter does not move the window.
TEST(aec_quality, path_change_inside_window) {
  using k = test::echo_path_kind;
  auto second = [](unsigned seed, k path, int tail_ms) {
    const test::echo_scenario_config c{.seed = seed, .delay_ms = 16 + static_cast<int>(seed), .path = path,
                                       .path_ms = 64, .erl_db = 6, .noise_dbfs = -45, .double_talk = true,
                                       .path_change = true};
    return test::measure_ours(test::make_echo_scenario(c), dsp::grade::advanced, tail_ms, false);
  };
  const auto room = second(21, k::room, 128);
  EXPECT_GE(room.erle_second_db, 18.5);  // measured 20.3
  EXPECT_GT(room.recovery_s, 0.0);       // measured 2.00 s
  const auto hybrid = second(21, k::hybrid, 64);
  EXPECT_GE(hybrid.erle_second_db, 25.0);  // measured 26.9
  EXPECT_GT(hybrid.recovery_s, 0.0);       // measured 1.32 s
  const auto jitter = second(22, k::hybrid, 64);
  EXPECT_GE(jitter.erle_second_db, 23.0);  // measured 24.5
  EXPECT_GE(jitter.erle_first_db, 26.0);   // measured 27.9
}

// A long call (40 s) keeps what it converged to: from 8 s on, outside the 4 s after a
// path change, no 2 s window of far-only speech falls below the floor. Two failures
// this catches, both seen on these scenarios before the fixes: the bulk-delay estimate
// wandering by tens of samples moved the filter window and cleared a converged filter
// (200 ms-delay room: 29.9 -> 6.3 dB at 20 s), and the coherence of a double-talk onset
// opened the step so that the filter diverged on the near-end talker (the same room
// after its second double talk 9.4 dB, the hybrid path change 3.4 dB).
TEST(aec_quality, long_call_holds_erle) {
  for (const std::size_t index : {7u, 9u}) {
    auto c = test::aec_report_cases().at(index);
    c.scenario.seconds = 40.0;
    const auto s = test::make_echo_scenario(c.scenario);
    const auto m = test::measure_ours(s, dsp::grade::advanced, c.tail_ms, false);
    const double change_s = static_cast<double>(s.change_sample) / 8000.0;
    int checked = 0;
    for (const auto& w : m.windows) {
      if (w.start_s < 8.0 || (c.scenario.path_change && w.start_s >= change_s && w.start_s < change_s + 4.0)) continue;
      ++checked;
      // measured minimum: 20.1 dB (room, 12 s: the window around its first double talk), 24.8 dB (hybrid, 30 s)
      EXPECT_GE(w.erle_db, 18.5) << c.scenario.name() << " window at " << w.start_s << " s";
    }
    EXPECT_GE(checked, 12) << c.scenario.name();
  }
}

// Beyond the single seeds: three seeds of each path kind of the report's sweep, each
// with double talk and a path change. The canceller reaches 20 dB on every run, before
// and after the change, keeps the near-end talker within 3 dB, and its mean ERLE on
// each path is at least 3 dB above speexdsp's on the same signals (measured margins
// 5.9..11.2 dB; speexdsp never reaches 20 dB in 5 of the 15 runs' first paths).
TEST(aec_quality, seed_sweep_beats_speexdsp) {
  for (const auto& kind : test::aec_seed_sweep(3)) {
    double ours_first = 0, ours_second = 0, peer_first = 0, peer_second = 0;
    for (const auto& c : kind.cases) {
      const auto s = test::make_echo_scenario(c.scenario);
      const auto m = test::measure_ours(s, dsp::grade::advanced, c.tail_ms, false);
      const auto q = test::measure_speex(s, c.tail_ms, false);
      EXPECT_GT(m.time_to_20db_s, 0.0) << kind.name << " seed " << c.scenario.seed;
      EXPECT_GT(m.recovery_s, 0.0) << kind.name << " seed " << c.scenario.seed;
      EXPECT_GE(m.dt_level_change_db, -3.0) << kind.name << " seed " << c.scenario.seed;
      ours_first += m.erle_first_db;
      ours_second += m.erle_second_db;
      peer_first += q.erle_first_db;
      peer_second += q.erle_second_db;
    }
    const auto n = static_cast<double>(kind.cases.size());
    EXPECT_GE(ours_first / n, peer_first / n + 3.0) << kind.name;
    EXPECT_GE(ours_second / n, peer_second / n + 3.0) << kind.name;
  }
}

// A line that returns no echo (ERL 70 dB: an endpoint with its own canceller) with
// double talk: both grades must pass the near end as it is. Before the "do no harm"
// rule of the two-path filter the output carried the background's noise-driven taps,
// 0.3..3.1 dB above the near-end noise (seeds 1 and 6: the delay search had locked
// onto independent speech), and double-talk segmental SNR fell to 21.5 dB.
TEST(aec_quality, no_echo_line_is_transparent) {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    const test::echo_scenario_config c{.seed = seed, .delay_ms = 40, .path = test::echo_path_kind::room, .path_ms = 64,
                                       .erl_db = 70, .noise_dbfs = -50, .double_talk = true};
    const auto s = test::make_echo_scenario(c);
    const auto m = test::measure_ours(s, dsp::grade::advanced, 128, false);
    EXPECT_LE(m.out_far_only_dbfs, m.noise_in_dbfs + 0.3) << "seed " << seed;  // measured -50.0 in -50.0
    EXPECT_GE(m.dt_level_change_db, -0.5) << "seed " << seed;                  // measured -0.20..0.00
    EXPECT_GE(m.dt_seg_snr_db, 24.0) << "seed " << seed;                       // measured 24.8..35 (capped)
    // The basic grade passes a frame through when its echo estimate adds power (before:
    // output 2.0..4.4 dB above the noise, double-talk segmental SNR 6.6..18 dB).
    const auto b = test::measure_ours(s, dsp::grade::basic, 128, false);
    EXPECT_LE(b.out_far_only_dbfs, b.noise_in_dbfs + 0.3) << "basic, seed " << seed;  // measured -50.0
    EXPECT_GE(b.dt_level_change_db, -1.0) << "basic, seed " << seed;                  // measured -0.49..-0.07
    EXPECT_GE(b.dt_seg_snr_db, 12.0) << "basic, seed " << seed;                       // measured 13.2..28.8
  }
}

// Block = frame: at 10, 30 and 60 ms frames (P = 8 / 3 / 2 partitions of a 64 ms tail,
// one update per frame) the 6 dB hybrid and the 32 ms room keep their 30 dB class.
TEST(aec_quality, frame_sizes) {
  for (const std::size_t index : {0u, 3u}) {
    const auto c = test::aec_report_cases().at(index);
    const auto s = test::make_echo_scenario(c.scenario);
    for (const int frame : {80, 240, 480}) {
      const auto m = test::measure_ours(s, dsp::grade::advanced, c.tail_ms, false, frame);
      EXPECT_GE(m.erle_steady_db, 30.0) << c.scenario.name() << " frame " << frame;  // measured 31.6..33.8
      EXPECT_GT(m.time_to_20db_s, 0.0) << c.scenario.name() << " frame " << frame;
      EXPECT_LE(m.time_to_20db_s, 2.0) << c.scenario.name() << " frame " << frame;  // measured 0.54..1.76 s
    }
  }
}

}  // namespace
