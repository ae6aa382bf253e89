// SPDX-License-Identifier: BSD-3-Clause
// Echo-cancellation quality report: every aec_report_cases() scenario through basic, advanced and speexdsp, as Markdown tables.
//
// Usage: aec_quality [--seeds N]   (all scenarios, then N seeds per path kind; default 6, 0 skips)
// Columns: ERLE over far-only speech from 4 s into each echo path (residual echo from
// the known echo component, see tests/common/echo_scenarios.h), seconds of far-end
// speech to 20 dB ERLE, recovery after the path change, near-end level change and
// segmental SNR in double talk, and output levels (far-only / idle) against the noise.
// Each scenario's heading gives the least-squares bound on the steady ERLE of a linear
// canceller with that tail (tests/common/echo_scenarios.h): what the noise allows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dsp/aec.h"
#include "tests/common/aec_runs.h"
#include "tests/common/echo_scenarios.h"

namespace {

std::string secs(double s) {
  char b[32];
  if (s < 0) return "never";
  std::snprintf(b, sizeof b, "%.2f", s);
  return b;
}

void row(const char* who, const test::echo_measures& m, bool change, bool dt) {
  char erle[64], dt_level[32] = "-", dt_snr[32] = "-";
  if (change)
    std::snprintf(erle, sizeof erle, "%.1f / %.1f", m.erle_first_db, m.erle_second_db);
  else
    std::snprintf(erle, sizeof erle, "%.1f", m.erle_first_db);
  if (dt) {
    std::snprintf(dt_level, sizeof dt_level, "%.1f", m.dt_level_change_db);
    std::snprintf(dt_snr, sizeof dt_snr, "%.1f", m.dt_seg_snr_db);
  }
  std::printf("| %s | %s | %s | %s | %s | %s | %.1f / %.1f |\n", who, erle, secs(m.time_to_20db_s).c_str(),
              change ? secs(m.recovery_s).c_str() : "-", dt_level, dt_snr, m.out_far_only_dbfs, m.out_idle_dbfs);
}

// The single scenarios above are one seed each. Here every path kind runs with
// `seeds` seeds (speech, path, noise and bulk delay differ), each with double talk and
// a path change halfway: means and worst cases of the advanced canceller (linear
// output) against speexdsp's, so the tables above can be read against the spread.
void seed_sweep(int seeds) {
  std::printf("\n**%d seeds per path kind** (double talk, path change halfway; delay grows 3 ms per seed; "
              "t20 / recovery: mean, worst, and how many never reach 20 dB):\n\n", seeds);
  std::printf("| path (tail) | advanced ERLE first / second | t20 mean / worst | recovery mean / worst | "
              "speexdsp ERLE first / second | speexdsp t20 mean | speexdsp recovery mean |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  // Seconds to 20 dB over the seeds: mean and worst of those that get there, and how many never do.
  struct time_stat {
    double sum = 0, worst = 0;
    int n = 0, never = 0;
    void add(double v) {
      if (v < 0) {
        ++never;
        return;
      }
      sum += v;
      worst = std::max(worst, v);
      ++n;
    }
    std::string text(bool with_worst) const {
      char b[64];
      if (n == 0) return "never";
      if (with_worst)
        std::snprintf(b, sizeof b, "%.2f / %.2f s", sum / n, worst);
      else
        std::snprintf(b, sizeof b, "%.2f s", sum / n);
      std::string r = b;
      if (never > 0) r += " (" + std::to_string(never) + " never)";
      return r;
    }
  };
  struct acc {
    double e1 = 0, e2 = 0;
    int n = 0;
    time_stat t20, rec;
    void add(const test::echo_measures& m) {
      e1 += m.erle_first_db;
      e2 += m.erle_second_db;
      ++n;
      t20.add(m.time_to_20db_s);
      rec.add(m.recovery_s);
    }
  };
  for (const auto& kind : test::aec_seed_sweep(seeds)) {
    acc ours, peer;
    const int tail_ms = kind.cases.front().tail_ms;
    for (const auto& c : kind.cases) {
      const auto s = test::make_echo_scenario(c.scenario);
      ours.add(test::measure_ours(s, dsp::grade::advanced, c.tail_ms, false));
      peer.add(test::measure_speex(s, c.tail_ms, false));
    }
    std::printf("| %s (%d ms) | %.1f / %.1f | %s | %s | %.1f / %.1f | %s | %s |\n", kind.name.c_str(), tail_ms, ours.e1 / ours.n,
                ours.e2 / ours.n, ours.t20.text(true).c_str(), ours.rec.text(true).c_str(), peer.e1 / peer.n,
                peer.e2 / peer.n, peer.t20.text(false).c_str(), peer.rec.text(false).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 6;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    char* end = nullptr;
    const long v = a == "--seeds" && i + 1 < argc ? std::strtol(argv[++i], &end, 10) : -1;
    if (end == nullptr || *end != '\0' || end == argv[i] || v < 0 || v > 100) {
      std::fprintf(stderr, "usage: aec_quality [--seeds N]   (N: 0..100 seeds per path kind, default 6)\n");
      return 2;
    }
    seeds = static_cast<int>(v);
  }
  for (const auto& c : test::aec_report_cases()) {
    const auto s = test::make_echo_scenario(c.scenario);
    double e = 0;
    for (float v : s.echo) e += static_cast<double>(v) * v;
    const auto bound = test::least_squares_bound(s, c.tail_ms * 8);
    char bound_text[48];
    if (c.scenario.path_change)
      std::snprintf(bound_text, sizeof bound_text, "%.1f / %.1f", bound.erle_first_db, bound.erle_second_db);
    else
      std::snprintf(bound_text, sizeof bound_text, "%.1f", bound.erle_first_db);
    std::printf("\n**%s**, tail %d ms, echo %.1f dBFS, noise %.1f dBFS, least-squares bound %s dB\n\n",
                c.scenario.name().c_str(), c.tail_ms,
                10.0 * std::log10(e / static_cast<double>(s.echo.size()) / (32768.0 * 32768.0)),
                static_cast<double>(c.scenario.noise_dbfs), bound_text);
    std::printf("| canceller | ERLE dB | t to 20 dB (s) | recovery (s) | DT level dB | DT segSNR dB | out far-only / idle dBFS |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    const bool chg = c.scenario.path_change, dt = c.scenario.double_talk;
    auto ours = [&](dsp::grade g, bool suppress) {
      // The basic grade has no delay search: give it delay + tail.
      const int tail_ms = g == dsp::grade::basic ? std::min(512, c.tail_ms + c.scenario.delay_ms) : c.tail_ms;
      return test::measure_ours(s, g, tail_ms, suppress);
    };
    auto speex = [&](bool pp) { return test::measure_speex(s, c.tail_ms, pp); };
    row("basic (NLMS, tail + delay)", ours(dsp::grade::basic, false), chg, dt);
    row("advanced, linear only", ours(dsp::grade::advanced, false), chg, dt);
    row("advanced + RES + CNG", ours(dsp::grade::advanced, true), chg, dt);
    row("speexdsp echo", speex(false), chg, dt);
    row("speexdsp echo + preprocess", speex(true), chg, dt);
  }
  if (seeds > 0) seed_sweep(seeds);
  return 0;
}
