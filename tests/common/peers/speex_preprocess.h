// SPDX-License-Identifier: BSD-3-Clause
// Reference peer: speexdsp's preprocessor (VAD and AGC), tests/benchmarks only.
#pragma once

#include <speex/speex_preprocess.h>

#include <cstdint>
#include <span>
#include <stdexcept>

namespace test {

class speex_preprocessor {
 public:
  // vad: SPEEX_PREPROCESS_SET_VAD; agc: SPEEX_PREPROCESS_SET_AGC with agc_level
  // (speexdsp's target, in linear int16 RMS units: 8000 is its default, ~ -12 dBFS).
  // denoise: on for the VAD runs (the preprocessor's usual setup; its speech
  // probability comes from its noise estimate), off for the AGC runs so only the
  // AGC changes the signal. With speexdsp's default thresholds (PROB_START 35%,
  // PROB_CONTINUE 20%) its VAD calls every frame of this generator speech, denoise
  // on or off (measured; PROB_START 95% would give 70% accuracy at 10 dB white).
  speex_preprocessor(int frame_samples, bool vad, bool agc, float agc_level = 8000.0f, bool denoise = false)
      : st_(speex_preprocess_state_init(frame_samples, 8000)) {
    if (st_ == nullptr) throw std::runtime_error("speex_preprocess_state_init failed");
    int on = vad ? 1 : 0;
    speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_VAD, &on);
    int a = agc ? 1 : 0;
    speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_AGC, &a);
    if (agc) speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_AGC_LEVEL, &agc_level);
    int dn = denoise ? 1 : 0;
    speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_DENOISE, &dn);
    int off = 0;
    speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_DEREVERB, &off);
  }
  ~speex_preprocessor() { speex_preprocess_state_destroy(st_); }
  speex_preprocessor(const speex_preprocessor&) = delete;
  speex_preprocessor& operator=(const speex_preprocessor&) = delete;

  // In place; returns speexdsp's VAD decision (1 = speech) when the VAD is on.
  bool process(std::span<std::int16_t> frame) { return speex_preprocess_run(st_, frame.data()) != 0; }
  void set_agc_max_gain_db(int db) { speex_preprocess_ctl(st_, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &db); }

 private:
  SpeexPreprocessState* st_;
};

}  // namespace test
