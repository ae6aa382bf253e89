// SPDX-License-Identifier: BSD-3-Clause
// AGC quality floors: active speech level after 2 s within 2 dB of target for input levels -45..-6 dBFS, no clipping.
//
// Input: 12 s of speech_corpus_8k(seed 11) scaled to an active level, plus white
// noise 30 dB below it (tests/common/peers/agc_eval.h). The AGC runs in the chain
// behind the advanced VAD (it adapts on speech only). "Clipped" = an output sample
// at int16 saturation, |y| >= 32767; at -6 dBFS the input's own peaks clip, the
// output's must not. The speexdsp comparison is in tests/bench/vad_agc_quality.
#include <gtest/gtest.h>

#include <cstdio>

#include "dsp/chain.h"
#include "tests/common/peers/agc_eval.h"

namespace {

class AgcQuality : public ::testing::TestWithParam<dsp::grade> {};

TEST_P(AgcQuality, LevelWithin2dBAndNoClipping) {
  for (double level : {-45.0, -38.0, -30.0, -24.0, -18.0, -12.0, -6.0}) {
    const auto c = test::make_agc_case(11, 12.0, level);
    dsp::chain_config cfg;
    cfg.vad.mode = dsp::grade::advanced;
    cfg.agc.mode = GetParam();
    dsp::processing_chain chain(cfg);
    const auto s = test::score_agc(
        c, [&](std::span<std::int16_t> f) { chain.process(f, {}); }, chain.latency_samples(), -18.0);
    std::printf("%s input %.0f dBFS: output %.2f dBFS (error %+.2f dB), clipped %zu (input %zu), pauses %.1f -> %.1f dBFS\n",
                std::string(dsp::to_string(GetParam())).c_str(), level, s.out_level_dbfs, s.level_error_db, s.clipped,
                s.input_clipped, s.pause_in_dbfs, s.pause_out_dbfs);
    EXPECT_NEAR(s.level_error_db, 0.0, 2.0) << level;
    EXPECT_EQ(s.clipped, 0u) << level;
    if (GetParam() == dsp::grade::advanced && level <= -24.0) {
      // The noise gate: pauses are raised by far less than the speech gain.
      EXPECT_LT(s.pause_out_dbfs - s.pause_in_dbfs, 0.6 * (-18.0 - level)) << level;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Grades, AgcQuality, ::testing::Values(dsp::grade::basic, dsp::grade::advanced),
                         [](const ::testing::TestParamInfo<dsp::grade>& p) { return std::string(dsp::to_string(p.param)); });

}  // namespace
