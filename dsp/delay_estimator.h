// SPDX-License-Identifier: BSD-3-Clause
// Bulk far->near delay estimate from a leaky cross-correlation of decimated, pre-whitened signals.
//
// Why: the echo usually arrives after a pure transport delay (jitter buffers, codecs,
// the network) much longer than the echo's own dispersion. Estimating that delay lets
// the adaptive filter spend its taps on the echo itself.
// How: both signals are low-passed (block average) and decimated by 8 (1 kHz: what
// aliases into 0..500 Hz is the same for both signals, so the correlation peak stays
// at the true lag), pre-whitened with a first difference (sharpens the correlation
// peak that speech's low-frequency pitch harmonics smear), and correlated at every
// lag 0..max_delay with exponential forgetting, on every second active frame. The
// peak is located to a fraction of a lag (parabolic vertex) and accepted once it
// stands well above the mean correlation and holds. Decimating by 8 instead of 4 and
// updating every second frame cut the cost from ~1.7 us to ~0.33 us per 160-sample
// frame at 500 ms (aec_bench BM_aec_advanced minus BM_aec_advanced_no_delay_search)
// with the same aec_quality results (sum of steady ERLE over the scenarios within
// 0.3 dB).
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/memory.h"

namespace dsp {

class delay_estimator {
 public:
  // frame_samples: samples per update (80..480, multiple of 4 not required);
  // max_delay_samples: largest delay searched.
  delay_estimator(int frame_samples, int max_delay_samples,
                  std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  delay_estimator(const delay_estimator&) = delete;
  delay_estimator& operator=(const delay_estimator&) = delete;

  // One frame of far end and near end (same length as frame_samples). far_active says
  // whether the far end carries signal (no update of the correlation otherwise).
  void update(std::span<const float> far, std::span<const float> near, bool far_active) noexcept;
  // Current estimate in samples at 8 kHz (within ~4 samples on white noise); -1 until confident.
  int delay_samples() const noexcept { return delay_; }
  // Peak-to-mean ratio of the correlation at the estimate (confidence, >= 0).
  float confidence() const noexcept { return confidence_; }
  void reset() noexcept;

 private:
  static constexpr int decimation = 8;
  int n_;          // frame samples
  int lags_;       // max_delay / decimation + 1
  int lags_padded_;  // lags_ rounded up to whole SIMD blocks (no scalar tail in the update)
  int dec_per_frame_max_;
  buffer<float> corr_;   // lags_
  buffer<float> far_;    // reversed decimated far history (newest first), double length
  int far_head_ = 0;     // index of the newest decimated far sample in far_
  buffer<float> near_dec_;
  // Decimator state (block average of `decimation` samples, then first difference).
  float far_acc_ = 0, near_acc_ = 0;
  int phase_ = 0;
  float far_prev_ = 0, near_prev_ = 0;
  float near_pending_ = 0;
  int candidate_ = -1;
  int candidate_frames_ = 0;
  int delay_ = -1;
  float confidence_ = 0;
  int active_frames_ = 0;
  int search_phase_ = 0;
  int update_phase_ = 0;
  float leak_ = 1.0f;  // correlation decay per update
};

}  // namespace dsp
