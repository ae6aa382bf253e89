// SPDX-License-Identifier: BSD-3-Clause
// VAD quality floors on noisy speech: ours vs WebRTC's GMM VAD (mode 3) and speexdsp's preprocessor VAD.
//
// Generator (tests/common/test_signals.h): 60 s of speech_corpus_8k(seed 1) mixed
// with white, pink and babble noise (noise seed 7) at 20, 10, 5 and 0 dB SNR; labels
// from the clean speech (frame energy >= active level - 15.9 dB, P.56's margin).
// The advanced VAD's classifier was fitted on other speech and noise seeds and its
// size, inputs and thresholds chosen on held-out seeds 4, 8 and 9
// (dsp/vad_advanced_model.h, tests/bench/vad_fit.cc), so these are signals no
// choice saw. The full table: tests/bench/vad_agc_quality.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "dsp/vad_advanced.h"
#include "dsp/vad_basic.h"
#include "tests/common/peers/vad_eval.h"
#include "tests/common/speech_source.h"
#include "tests/common/test_signals.h"

namespace {

struct condition_scores {
  test::vad_score basic, advanced, webrtc, speex;
};

class VadQuality : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clean_ = new std::vector<std::int16_t>(test::speech_corpus_8k(1, 60.0));
    labels_ = new std::vector<bool>(test::frame_labels(*clean_, 160));
  }
  static void TearDownTestSuite() {
    delete clean_;
    delete labels_;
  }
  static condition_scores run(test::noise_kind kind, double snr) {
    const auto noise = test::make_noise(kind, 7, clean_->size(), -30.0);
    const auto x = test::mix_at_snr(*clean_, noise, snr);
    dsp::vad_basic vb{dsp::vad_basic_config{}};
    dsp::vad_advanced va{dsp::vad_advanced_config{}};
    condition_scores s{test::score_vad(*labels_, test::run_vad(vb, x, 160)),
                       test::score_vad(*labels_, test::run_vad(va, x, 160)),
                       test::score_vad(*labels_, test::run_webrtc_vad(x)),
                       test::score_vad(*labels_, test::run_speex_vad(x))};
    std::printf("%-6s %4.0f dB  accuracy basic %.3f advanced %.3f webrtc %.3f speexdsp %.3f\n", test::to_string(kind),
                snr, s.basic.accuracy, s.advanced.accuracy, s.webrtc.accuracy, s.speex.accuracy);
    return s;
  }
  static std::vector<std::int16_t>* clean_;
  static std::vector<bool>* labels_;
};
std::vector<std::int16_t>* VadQuality::clean_ = nullptr;
std::vector<bool>* VadQuality::labels_ = nullptr;

TEST_F(VadQuality, LabelsHaveBothClasses) {
  std::size_t sp = 0;
  for (bool b : *labels_) sp += b;
  // The corpus alternates talk spurts and pauses: both classes well represented.
  EXPECT_GT(sp, labels_->size() * 4 / 10);
  EXPECT_LT(sp, labels_->size() * 8 / 10);
}

// Floor: advanced >= 90% frame accuracy at 10 dB SNR in every noise, the issue's
// value (measured: white 95.7%, pink 94.9%, babble 90.6%; babble, six overlapping
// talkers, is the hardest: 87.8% with the previous 8-unit classifier, 80.8% with
// the single-analysis logistic model before it).
TEST_F(VadQuality, AdvancedFloorAt10dB) {
  EXPECT_GE(run(test::noise_kind::white, 10.0).advanced.accuracy, 0.90);
  EXPECT_GE(run(test::noise_kind::pink, 10.0).advanced.accuracy, 0.90);
  EXPECT_GE(run(test::noise_kind::babble, 10.0).advanced.accuracy, 0.90);
}

// Advanced beats both peers (WebRTC mode 3, speexdsp) at 10, 5 and 0 dB SNR, in
// every noise.
TEST_F(VadQuality, AdvancedBeatsPeersAtLowSnr) {
  for (auto kind : {test::noise_kind::white, test::noise_kind::pink, test::noise_kind::babble})
    for (double snr : {10.0, 5.0, 0.0}) {
      const auto s = run(kind, snr);
      EXPECT_GT(s.advanced.accuracy, s.webrtc.accuracy) << test::to_string(kind) << " " << snr;
      EXPECT_GT(s.advanced.accuracy, s.speex.accuracy) << test::to_string(kind) << " " << snr;
    }
}

// Basic: a useful energy VAD in clean-ish conditions (20 dB SNR stationary noise).
TEST_F(VadQuality, BasicFloorAt20dB) {
  EXPECT_GE(run(test::noise_kind::white, 20.0).basic.accuracy, 0.85);
  EXPECT_GE(run(test::noise_kind::pink, 20.0).basic.accuracy, 0.80);
}

}  // namespace
