// SPDX-License-Identifier: BSD-3-Clause
// Quality report: VAD accuracy and AGC level error of ours vs WebRTC's VAD and speexdsp, as Markdown tables.
//
// Same generator and rules as tests/unit/dsp/vad_quality_test.cc and
// agc_quality_test.cc (which assert floors); this prints the full tables for the
// README. Usage: vad_agc_quality [seconds-per-condition] (default 60).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dsp/chain.h"
#include "dsp/vad_advanced.h"
#include "dsp/vad_basic.h"
#include "tests/common/peers/agc_eval.h"
#include "tests/common/peers/vad_eval.h"
#include "tests/common/speech_source.h"
#include "tests/common/test_signals.h"

namespace {

void vad_tables(double seconds) {
  const auto clean = test::speech_corpus_8k(1, seconds);
  const auto labels = test::frame_labels(clean, 160);
  std::size_t sp = 0;
  for (bool b : labels) sp += b;
  std::printf("### VAD frame accuracy / hit rate / false alarm (160-sample frames, %.0f s speech per condition, %.0f%% speech frames)\n\n",
              seconds, 100.0 * double(sp) / double(labels.size()));
  std::printf("| noise | SNR dB | basic | advanced | WebRTC mode %d | speexdsp |\n|---|---|---|---|---|---|\n",
              test::webrtc_vad_mode);
  for (auto kind : {test::noise_kind::white, test::noise_kind::pink, test::noise_kind::babble}) {
    const auto noise = test::make_noise(kind, 7, clean.size(), -30.0);
    for (double snr : {20.0, 10.0, 5.0, 0.0}) {
      const auto x = test::mix_at_snr(clean, noise, snr);
      dsp::vad_basic vb{dsp::vad_basic_config{}};
      dsp::vad_advanced va{dsp::vad_advanced_config{}};
      const test::vad_score s[4] = {
          test::score_vad(labels, test::run_vad(vb, x, 160)),
          test::score_vad(labels, test::run_vad(va, x, 160)),
          test::score_vad(labels, test::run_webrtc_vad(x)),
          test::score_vad(labels, test::run_speex_vad(x)),
      };
      std::printf("| %s | %.0f |", test::to_string(kind), snr);
      for (const auto& r : s) std::printf(" %.1f / %.1f / %.1f |", 100 * r.accuracy, 100 * r.hit_rate, 100 * r.false_alarm);
      std::printf("\n");
    }
  }
  std::printf("\n");
}

test::agc_score speex_agc(const test::agc_case& c, float level) {
  test::speex_preprocessor sp(160, false, true, level);
  sp.set_agc_max_gain_db(30);
  return test::score_agc(c, [&](std::span<std::int16_t> f) { sp.process(f); }, 0, -18.0);
}

float speex_calibrated_level(double seconds) {
  const auto c = test::make_agc_case(11, seconds, -24.0);
  float level = static_cast<float>(32768.0 * std::pow(10.0, -18.0 / 20.0));
  for (int i = 0; i < 3; ++i) level *= static_cast<float>(std::pow(10.0, -speex_agc(c, level).level_error_db / 20.0));
  return level;
}

void agc_tables(double seconds) {
  std::printf("### AGC: target -18 dBFS; active speech output level error after 2 s / clipped samples / pause noise in -> out (dBFS)\n\n");
  // speexdsp's AGC level is not an RMS in int16 units (it targets a loudness
  // weighted over its spectrum), so it is calibrated here: one run at -24 dBFS input
  // sets the level that lands that input on the target; then every input level runs
  // with it.
  const float speex_level = speex_calibrated_level(seconds);
  std::printf("VAD for ours: advanced (the chain). speexdsp: its AGC (denoise off, max gain 30 dB) with level %.0f, calibrated so -24 dBFS input lands on -18 dBFS.\n\n",
              speex_level);
  std::printf("| input dBFS | basic | advanced | speexdsp |\n|---|---|---|---|\n");
  for (double level : {-45.0, -38.0, -30.0, -24.0, -18.0, -12.0, -6.0}) {
    const auto c = test::make_agc_case(11, seconds, level);
    std::printf("| %.0f |", level);
    for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
      dsp::chain_config cfg;
      cfg.vad.mode = dsp::grade::advanced;
      cfg.agc.mode = g;
      dsp::processing_chain chain(cfg);
      const auto s = test::score_agc(
          c, [&](std::span<std::int16_t> f) { chain.process(f, {}); }, chain.latency_samples(), -18.0);
      std::printf(" %+.1f dB / %zu / %.1f -> %.1f |", s.level_error_db, s.clipped, s.pause_in_dbfs, s.pause_out_dbfs);
    }
    const auto s = speex_agc(c, speex_level);
    std::printf(" %+.1f dB / %zu / %.1f -> %.1f |\n", s.level_error_db, s.clipped, s.pause_in_dbfs, s.pause_out_dbfs);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 60.0;
  if (!(seconds >= 5.0 && seconds <= 3600.0)) {
    std::fprintf(stderr, "usage: vad_agc_quality [seconds-per-condition 5..3600]\n");
    return 2;
  }
  vad_tables(seconds);
  agc_tables(std::min(seconds, 20.0));
  return 0;
}
