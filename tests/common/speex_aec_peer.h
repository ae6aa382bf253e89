// SPDX-License-Identifier: BSD-3-Clause
// speexdsp's echo canceller (+ optional preprocessor echo suppression) behind the frame_fn signature; tests/benches only.
#pragma once

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include <cstdint>
#include <span>
#include <stdexcept>

namespace test {

class speex_aec_peer {
 public:
  speex_aec_peer(int frame_samples, int tail_samples, bool suppressor) {
    echo_ = speex_echo_state_init(frame_samples, tail_samples);
    if (echo_ == nullptr) throw std::runtime_error("speex_echo_state_init failed");
    int rate = 8000;
    speex_echo_ctl(echo_, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
    if (suppressor) {
      pre_ = speex_preprocess_state_init(frame_samples, rate);
      speex_preprocess_ctl(pre_, SPEEX_PREPROCESS_SET_ECHO_STATE, echo_);
    }
  }
  ~speex_aec_peer() {
    if (pre_ != nullptr) speex_preprocess_state_destroy(pre_);
    speex_echo_state_destroy(echo_);
  }
  speex_aec_peer(const speex_aec_peer&) = delete;
  speex_aec_peer& operator=(const speex_aec_peer&) = delete;

  void process(std::span<const std::int16_t> near, std::span<const std::int16_t> far,
               std::span<std::int16_t> out) {
    speex_echo_cancellation(echo_, near.data(), far.data(), out.data());
    if (pre_ != nullptr) speex_preprocess_run(pre_, out.data());
  }

 private:
  SpeexEchoState* echo_ = nullptr;
  SpeexPreprocessState* pre_ = nullptr;
};

}  // namespace test
