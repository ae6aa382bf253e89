// SPDX-License-Identifier: BSD-3-Clause
// Leaky decimated cross-correlation delay estimator (see delay_estimator.h for the method).
#include "dsp/delay_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dsp/aec_simd.h"
#include "dsp/kernels.h"
#include "dsp/processor.h"

namespace dsp {
namespace {

// Pre-whitening zero: 1 - 0.9 z^-1 flattens speech's ~6 dB/octave spectral tilt
// (the usual speech pre-emphasis, Rabiner & Schafer, Digital Processing of Speech
// Signals, 1978, §8.1) so that the peak is set by the whole band, not the pitch.
constexpr float whitening = 0.9f;
// Correlation memory: 0.7 s, long enough to average over a few syllables, short
// enough to follow a path change within ~1 s.
constexpr float memory_s = 0.7f;
// Peak / RMS of the correlation over all lags: for uncorrelated signals the largest
// of ~500 lags is ~3.1 RMS; 6 is reached only by a real echo.
constexpr float accept_ratio = 6.0f;
// A first estimate needs 2 consistent searches after at least 8 active frames; a
// change of an accepted estimate needs 0.5 s of consistent evidence (a double-talk
// burst must not move it).
// The correlation is updated on every update_interval-th active frame only (the
// others' near-end samples are skipped: the estimate needs a few hundred ms of
// speech, not every sample of it), which halves the cost; the peak search runs on
// every search_interval-th update. Every fourth frame instead lost up to 11 dB of
// steady ERLE on the aec_quality scenarios (slower and wrong first estimates), and
// every fourth frame once an estimate stands left too few samples for its confidence.
constexpr int update_interval = 2;
constexpr int search_interval = 2;
constexpr int first_hold_frames = 2;  // searches
constexpr float change_hold_s = 0.5f;
constexpr int first_min_active_frames = 8;
// A peak this close to the largest one counts as the same echo's arrival.
constexpr float early_peak_fraction = 0.6f;

}  // namespace

delay_estimator::delay_estimator(int frame_samples, int max_delay_samples, std::pmr::memory_resource* mr)
    : n_(frame_samples),
      lags_(max_delay_samples / decimation + 1),
      lags_padded_((lags_ + 63) / 64 * 64),
      dec_per_frame_max_(frame_samples / decimation + 1),
      corr_(static_cast<std::size_t>(lags_padded_), mr),
      far_(static_cast<std::size_t>(2 * (lags_padded_ + dec_per_frame_max_ + 1)), mr),
      near_dec_(static_cast<std::size_t>(dec_per_frame_max_), mr) {
  reset();
}

void delay_estimator::reset() noexcept {
  corr_.fill_zero();
  far_.fill_zero();
  near_dec_.fill_zero();
  far_head_ = static_cast<int>(far_.size() / 2);
  far_acc_ = near_acc_ = 0;
  phase_ = 0;
  far_prev_ = near_prev_ = 0;
  near_pending_ = 0;
  candidate_ = -1;
  candidate_frames_ = 0;
  delay_ = -1;
  confidence_ = 0;
  active_frames_ = 0;
  search_phase_ = 0;
  update_phase_ = 0;
  leak_ = std::exp(-static_cast<float>(update_interval * n_) / (memory_s * static_cast<float>(sample_rate_hz)));
}

void delay_estimator::update(std::span<const float> far, std::span<const float> near, bool far_active) noexcept {
  const int half = static_cast<int>(far_.size() / 2);
  // State in locals: kept in members the loop went through memory every sample.
  float far_acc = far_acc_, near_acc = near_acc_, far_prev = far_prev_, near_prev = near_prev_;
  int phase = phase_, head = far_head_;
  float* far_rev = far_.data();
  float* near_dec = near_dec_.data();
  int k = 0;  // decimated samples this frame
  // One decimated, pre-whitened sample per block of `decimation` input samples.
  const auto emit = [&](float far_sum, float near_sum) {
    const float fv = far_sum - whitening * far_prev;
    const float nv = near_sum - whitening * near_prev;
    far_prev = far_sum;
    near_prev = near_sum;
    if (head == 0) {
      std::memmove(far_rev + half, far_rev, static_cast<std::size_t>(half) * sizeof(float));
      head = half;
    }
    far_rev[--head] = fv;
    near_dec[k++] = nv;
  };
  const std::size_t len = far.size();
  std::size_t i = 0;
  if (phase > 0) {  // finish the block the previous frame started
    for (; i < len && phase < decimation; ++i, ++phase) {
      far_acc += far[i];
      near_acc += near[i];
    }
    if (phase == decimation) {
      emit(far_acc, near_acc);
      phase = 0;
      far_acc = near_acc = 0;
    }
  }
  // Whole blocks without per-sample bookkeeping (the per-sample loop cost ~0.2 us
  // per 160-sample frame).
  for (; i + decimation <= len; i += decimation) {
    float fs = 0, ns = 0;
    for (std::size_t j = 0; j < static_cast<std::size_t>(decimation); ++j) {
      fs += far[i + j];
      ns += near[i + j];
    }
    emit(fs, ns);
  }
  for (; i < len; ++i, ++phase) {  // start of a block the next frame finishes
    far_acc += far[i];
    near_acc += near[i];
  }
  far_acc_ = far_acc;
  near_acc_ = near_acc;
  far_prev_ = far_prev;
  near_prev_ = near_prev;
  phase_ = phase;
  far_head_ = head;
  if (!far_active) return;
  ++active_frames_;
  if (++update_phase_ < update_interval) return;
  update_phase_ = 0;
  aec_simd::scale(corr_.data(), leak_, static_cast<std::size_t>(lags_padded_));
  // Scale keeps the sums in a comfortable float range for int16-sized inputs.
  constexpr float norm = 1.0f / (32768.0f * 32768.0f);
  for (int m = 0; m < k; ++m) near_dec_[static_cast<std::size_t>(m)] *= norm;
  aec_simd::corr_update(corr_.data(), far_.data() + far_head_, near_dec_.data(), static_cast<std::size_t>(k),
                        static_cast<std::size_t>(lags_padded_));
  // The peak search runs every search_interval updates (the acceptance holds below
  // count searches).
  if (++search_phase_ < search_interval) return;
  search_phase_ = 0;
  const auto corr = corr_.span().first(static_cast<std::size_t>(lags_));
  const float sum_sq = kernels::dot(corr, corr);
  // The largest |correlation| by SIMD, then its first lag: a scalar running maximum
  // carried a 4-cycle dependency per lag (~0.25 us per search at 500 ms).
  const float best_v = aec_simd::max_abs(corr_.data(), static_cast<std::size_t>(lags_));
  int best = 0;
  while (best + 1 < lags_ && std::fabs(corr_[static_cast<std::size_t>(best)]) != best_v) ++best;
  const float rms = std::sqrt(sum_sq / static_cast<float>(lags_));
  confidence_ = rms > 0 ? best_v / rms : 0;
  // Prefer the earliest strong peak: in a room the direct path comes first, and a
  // cluster of later reflections can sum to a slightly larger correlation (an earlier
  // lobe of a band-limited hybrid echo's oscillating correlation counts too: starting
  // the filter early costs a few taps, starting it late loses the echo's onset). The
  // two lags just before the peak count only with its polarity: the pre-whitening
  // puts an opposite-sign sidelobe of up to half its height there.
  const float sign = corr_[static_cast<std::size_t>(best)] < 0.0f ? -1.0f : 1.0f;
  for (int l = 0; l < best; ++l) {
    const float v = corr_[static_cast<std::size_t>(l)];
    if (std::fabs(v) >= early_peak_fraction * best_v && (l + 2 < best || sign * v > 0.0f)) {
      best = l;
      break;
    }
  }
  // Sub-lag position: vertex of the parabola through the peak and its neighbours, in
  // the peak's polarity (the opposite-sign sidelobes then pull it away from them).
  float frac = 0.0f;
  if (best > 0 && best + 1 < lags_) {
    const float s = corr_[static_cast<std::size_t>(best)] < 0.0f ? -1.0f : 1.0f;
    const float a = s * corr_[static_cast<std::size_t>(best - 1)], b = s * corr_[static_cast<std::size_t>(best)],
                c = s * corr_[static_cast<std::size_t>(best + 1)];
    const float den = a - 2.0f * b + c;
    if (den < 0.0f) frac = std::clamp(0.5f * (a - c) / den, -0.5f, 0.5f);
  }
  const int best_samples = static_cast<int>(std::lround((static_cast<float>(best) + frac) * decimation));
  if (confidence_ < accept_ratio || active_frames_ < first_min_active_frames) {
    candidate_frames_ = 0;
    return;
  }
  if (candidate_ >= 0 && std::abs(best - candidate_) <= 1)
    ++candidate_frames_;
  else {
    candidate_ = best;
    candidate_frames_ = 1;
  }
  const int change_hold =
      static_cast<int>(change_hold_s * sample_rate_hz / static_cast<float>(n_ * update_interval * search_interval));
  if (delay_ < 0) {
    if (candidate_frames_ >= first_hold_frames) delay_ = best_samples;
  } else if (std::abs(best_samples - delay_) > decimation && candidate_frames_ >= change_hold) {
    delay_ = best_samples;
  }
}

}  // namespace dsp
