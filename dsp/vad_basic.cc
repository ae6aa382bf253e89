// SPDX-License-Identifier: BSD-3-Clause
// Basic VAD: frame energy against an adaptive noise floor, with hangover (see vad_basic.h).
#include "dsp/vad_basic.h"

#include "dsp/fast_math.h"
#include "dsp/kernels.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dsp {

validation vad_basic_config::validate() const {
  if (!(threshold_db >= 1.0f && threshold_db <= 40.0f))
    return "threshold_db: " + std::to_string(threshold_db) + " out of range 1..40";
  if (!(min_speech_dbfs >= -100.0f && min_speech_dbfs <= -10.0f))
    return "min_speech_dbfs: " + std::to_string(min_speech_dbfs) + " out of range -100..-10";
  if (!(floor_rise_db_per_s > 0.0f && floor_rise_db_per_s <= 100.0f))
    return "floor_rise_db_per_s: " + std::to_string(floor_rise_db_per_s) + " out of range (0, 100]";
  if (!(floor_fall_ms >= 1.0f && floor_fall_ms <= 10000.0f))
    return "floor_fall_ms: " + std::to_string(floor_fall_ms) + " out of range 1..10000";
  if (!(hangover_ms >= 0.0f && hangover_ms <= 2000.0f))
    return "hangover_ms: " + std::to_string(hangover_ms) + " out of range 0..2000";
  return std::nullopt;
}

float frame_dbfs(std::span<const std::int16_t> frame) noexcept {
  if (frame.empty()) return -100.0f;
  // The SIMD kernel's sum is exact (uint64); the dB conversion is within 0.004 dB.
  const std::uint64_t acc = kernels::sum_squares(frame);
  if (acc == 0) return -100.0f;
  const float db = fast_db(static_cast<float>(static_cast<double>(acc) / (static_cast<double>(frame.size()) * 32768.0 * 32768.0)));
  return db < -100.0f ? -100.0f : db;
}

vad_basic::vad_basic(const config& cfg, std::pmr::memory_resource*) : cfg_(cfg), floor_dbfs_(-100.0f) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
}

void vad_basic::reset() noexcept {
  floor_dbfs_ = -100.0f;
  hang_left_samples_ = 0;
  primed_ = false;
}

vad_result vad_basic::process(std::span<const std::int16_t> frame) noexcept {
  const float n = static_cast<float>(frame.size());
  const float e = frame_dbfs(frame);
  if (!primed_) {
    // The first frame sets the floor: if it is speech the floor falls to the noise
    // in the first pause (floor_fall_ms), far sooner than it could rise from below.
    floor_dbfs_ = e;
    primed_ = true;
  }
  const float margin = e - floor_dbfs_;
  // Logistic in the margin, centred on the threshold, 2 dB per e-fold: a soft
  // version of the hard rule so the chain can show a probability.
  const float p = 1.0f / (1.0f + std::exp(-(margin - cfg_.threshold_db) * 0.5f));
  const bool active = margin > cfg_.threshold_db && e > cfg_.min_speech_dbfs;

  // Floor tracking: falls fast (exponential toward e), rises slowly at a capped rate.
  if (e < floor_dbfs_) {
    if (n != fall_samples_) {  // depends only on the frame length: computed when it changes
      fall_a_ = std::exp(-n / (cfg_.floor_fall_ms * 1e-3f * sample_rate_hz));
      fall_samples_ = n;
    }
    floor_dbfs_ = e + (floor_dbfs_ - e) * fall_a_;
  } else {
    const float step = cfg_.floor_rise_db_per_s * n / sample_rate_hz;
    floor_dbfs_ += margin < step ? margin : step;
  }

  // Hangover: frames starting within hangover_ms of the last speech frame's end stay
  // speech. Half a sample of slack: ms -> samples is not exact in float.
  const bool out = active || hang_left_samples_ > 0.5f;
  if (active) hang_left_samples_ = cfg_.hangover_ms * 1e-3f * sample_rate_hz;
  else hang_left_samples_ = hang_left_samples_ > n ? hang_left_samples_ - n : 0.0f;
  return {out, p};
}

}  // namespace dsp
