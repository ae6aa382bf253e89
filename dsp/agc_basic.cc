// SPDX-License-Identifier: BSD-3-Clause
// Basic AGC (see agc_basic.h).
#include "dsp/agc_basic.h"

#include "dsp/fast_math.h"
#include "dsp/kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dsp {

validation agc_level_config::validate() const {
  if (!(target_dbfs >= -40.0f && target_dbfs <= -3.0f))
    return "target_dbfs: " + std::to_string(target_dbfs) + " out of range -40..-3";
  if (!(max_gain_db >= 0.0f && max_gain_db <= 60.0f))
    return "max_gain_db: " + std::to_string(max_gain_db) + " out of range 0..60";
  if (!(min_gain_db >= -60.0f && min_gain_db <= 0.0f))
    return "min_gain_db: " + std::to_string(min_gain_db) + " out of range -60..0";
  if (!(attack_ms >= 1.0f && attack_ms <= 10000.0f)) return "attack_ms: " + std::to_string(attack_ms) + " out of range 1..10000";
  if (!(release_ms >= 1.0f && release_ms <= 60000.0f))
    return "release_ms: " + std::to_string(release_ms) + " out of range 1..60000";
  if (!(level_time_constant_ms >= 10.0f && level_time_constant_ms <= 60000.0f))
    return "level_time_constant_ms: " + std::to_string(level_time_constant_ms) + " out of range 10..60000";
  return std::nullopt;
}

validation agc_basic_config::validate() const {
  if (auto e = agc_level_config::validate()) return e;
  if (!(ceiling_dbfs >= -20.0f && ceiling_dbfs <= -0.1f))
    return "ceiling_dbfs: " + std::to_string(ceiling_dbfs) + " out of range -20..-0.1";
  if (!(limiter_release_ms >= 1.0f && limiter_release_ms <= 5000.0f))
    return "limiter_release_ms: " + std::to_string(limiter_release_ms) + " out of range 1..5000";
  return std::nullopt;
}

agc_basic::agc_basic(const config& cfg, std::pmr::memory_resource*)
    : cfg_(cfg), level_(cfg.level_time_constant_ms), ceiling_(32768.0f * std::pow(10.0f, cfg.ceiling_dbfs / 20.0f)) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
}

void agc_basic::reset() noexcept {
  level_.reset();
  gain_db_ = 0;
  gain_lin_ = 1;
  limit_ = 1;
}

float agc_basic::speech_level_dbfs() const noexcept {
  return level_.valid() ? fast_db(level_.power() + 1e-12f) : -120.0f;
}

float agc_basic::process(std::span<std::int16_t> frame, bool speech) noexcept {
  const int n = static_cast<int>(frame.size());
  if (n == 0) return gain_db_;
  if (n != coeff_samples_) {
    const auto per_frame = [n](float ms) { return std::exp(-static_cast<float>(n) / (ms * 1e-3f * sample_rate_hz)); };
    attack_a_ = per_frame(cfg_.attack_ms);
    release_a_ = per_frame(cfg_.release_ms);
    limiter_a_ = per_frame(cfg_.limiter_release_ms);
    coeff_samples_ = n;
  }
  if (speech) level_.update(frame_power(frame), n);
  if (level_.valid()) {
    const float want = std::clamp(cfg_.target_dbfs - speech_level_dbfs(), cfg_.min_gain_db, cfg_.max_gain_db);
    const float a = want < gain_db_ ? attack_a_ : release_a_;
    gain_db_ = want + (gain_db_ - want) * a;
  }
  // 10^(dB/20) as 2^(dB * log2(10)/20): exp2 is cheaper than pow.
  const float g_end = std::exp2(gain_db_ * 0.166096404744368f);
  // Limiter: release over this frame, then cut at once if the frame's peak under
  // the larger of the ramp's end gains would pass the ceiling (a bound on every
  // sample of the linear ramp, so no sample can). Then the per-sample linear gain
  // ramp from the previous frame's gain (no zipper noise at frame edges), SIMD.
  limit_ = 1.0f - (1.0f - limit_) * limiter_a_;
  const float g0 = gain_lin_;
  const float peak = static_cast<float>(kernels::peak(frame)) * std::max(g0, g_end);
  if (peak * limit_ > ceiling_) limit_ = ceiling_ / peak;
  kernels::gain_ramp(frame, frame, g0 * limit_, g_end * limit_);
  gain_lin_ = g_end;
  return gain_db_;
}

}  // namespace dsp
