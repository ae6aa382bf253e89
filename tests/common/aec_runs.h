// SPDX-License-Identifier: BSD-3-Clause
// One echo canceller (ours or speexdsp) run over a whole echo scenario and measured: shared by the AEC quality test and report.
#pragma once

#include "dsp/aec.h"
#include "tests/common/echo_scenarios.h"
#include "tests/common/speex_aec_peer.h"

namespace test {

// Our canceller of grade g with the given tail and frame size; suppress switches the
// advanced grade's residual echo suppression and comfort noise on together.
inline echo_measures measure_ours(const echo_scenario& s, dsp::grade g, int tail_ms, bool suppress,
                                  int frame_samples = 160) {
  dsp::aec_config cfg;
  cfg.mode = g;
  cfg.tail_ms = tail_ms;
  cfg.frame_samples = frame_samples;
  cfg.residual_suppression = suppress;
  cfg.comfort_noise = suppress;
  auto aec = dsp::make_echo_canceller(cfg);
  return measure(s, run_frames(s, frame_samples, [&](auto n, auto f, auto o) { aec->process(n, f, o); }));
}

// speexdsp's canceller with the same tail (20 ms frames), with or without its preprocessor's suppression.
inline echo_measures measure_speex(const echo_scenario& s, int tail_ms, bool preprocess) {
  speex_aec_peer p(160, tail_ms * 8, preprocess);
  return measure(s, run_frames(s, 160, [&](auto n, auto f, auto o) { p.process(n, f, o); }));
}

}  // namespace test
