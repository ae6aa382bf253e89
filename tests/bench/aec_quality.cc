// SPDX-License-Identifier: BSD-3-Clause
// Echo-cancellation quality report: every aec_report_cases() scenario through basic, advanced and speexdsp, as Markdown tables.
//
// Usage: aec_quality            (all scenarios, ~20 s)
// Columns: ERLE over far-only speech from 4 s into each echo path (residual echo from
// the known echo component, see tests/common/echo_scenarios.h), seconds of far-end
// speech to 20 dB ERLE, recovery after the path change, near-end level change and
// segmental SNR in double talk, and output levels (far-only / idle) against the noise.
// Each scenario's heading gives the least-squares bound on the steady ERLE of a linear
// canceller with that tail (tests/common/echo_scenarios.h): what the noise allows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "dsp/aec.h"
#include "tests/common/echo_scenarios.h"
#include "tests/common/speex_aec_peer.h"

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

}  // namespace

int main() {
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
      dsp::aec_config cfg;
      cfg.mode = g;
      // The basic grade has no delay search: give it delay + tail.
      cfg.tail_ms = g == dsp::grade::basic ? std::min(512, c.tail_ms + c.scenario.delay_ms) : c.tail_ms;
      cfg.residual_suppression = suppress;
      cfg.comfort_noise = suppress;
      auto aec = dsp::make_echo_canceller(cfg);
      return test::measure(s, test::run_frames(s, 160, [&](auto n, auto f, auto o) { aec->process(n, f, o); }));
    };
    auto speex = [&](bool pp) {
      test::speex_aec_peer p(160, c.tail_ms * 8, pp);
      return test::measure(s, test::run_frames(s, 160, [&](auto n, auto f, auto o) { p.process(n, f, o); }));
    };
    row("basic (NLMS, tail + delay)", ours(dsp::grade::basic, false), chg, dt);
    row("advanced, linear only", ours(dsp::grade::advanced, false), chg, dt);
    row("advanced + RES + CNG", ours(dsp::grade::advanced, true), chg, dt);
    row("speexdsp echo", speex(false), chg, dt);
    row("speexdsp echo + preprocess", speex(true), chg, dt);
  }
  return 0;
}
