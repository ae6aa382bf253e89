// SPDX-License-Identifier: BSD-3-Clause
// Advanced AGC: three-band gain, compression, noise gate, look-ahead limiter (see agc_advanced.h).
#include "dsp/agc_advanced.h"

#include "dsp/kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dsp {

namespace {
float db_to_lin(float db) noexcept { return std::pow(10.0f, db / 20.0f); }
float pow_to_db(float p) noexcept { return 10.0f * std::log10(p + 1e-12f); }
float coef(float ms, int n) noexcept { return std::exp(-static_cast<float>(n) / (ms * 1e-3f * sample_rate_hz)); }
// Mean square of normalised samples (full scale 1), SIMD dot product.
float band_power(const float* x, int n) noexcept {
  const std::span<const float> v{x, static_cast<std::size_t>(n)};
  return kernels::dot(v, v) / static_cast<float>(n);
}
}  // namespace

validation agc_advanced_config::validate() const {
  {  // broadband fields: same ranges as agc_basic_config::validate
    if (!(target_dbfs >= -40.0f && target_dbfs <= -3.0f))
      return "target_dbfs: " + std::to_string(target_dbfs) + " out of range -40..-3";
    if (!(max_gain_db >= 0.0f && max_gain_db <= 60.0f))
      return "max_gain_db: " + std::to_string(max_gain_db) + " out of range 0..60";
    if (!(min_gain_db >= -60.0f && min_gain_db <= 0.0f))
      return "min_gain_db: " + std::to_string(min_gain_db) + " out of range -60..0";
    if (!(attack_ms >= 1.0f && attack_ms <= 10000.0f))
      return "attack_ms: " + std::to_string(attack_ms) + " out of range 1..10000";
    if (!(release_ms >= 1.0f && release_ms <= 60000.0f))
      return "release_ms: " + std::to_string(release_ms) + " out of range 1..60000";
    if (!(level_time_constant_ms >= 10.0f && level_time_constant_ms <= 60000.0f))
      return "level_time_constant_ms: " + std::to_string(level_time_constant_ms) + " out of range 10..60000";
  }
  if (auto e = crossover.validate()) return "crossover." + *e;
  if (!(knee_db >= 0.0f && knee_db <= 40.0f)) return "knee_db: " + std::to_string(knee_db) + " out of range 0..40";
  if (!(ratio >= 1.0f && ratio <= 20.0f)) return "ratio: " + std::to_string(ratio) + " out of range 1..20";
  if (!(max_band_cut_db >= 0.0f && max_band_cut_db <= 40.0f))
    return "max_band_cut_db: " + std::to_string(max_band_cut_db) + " out of range 0..40";
  if (!(band_attack_ms >= 1.0f && band_attack_ms <= 1000.0f))
    return "band_attack_ms: " + std::to_string(band_attack_ms) + " out of range 1..1000";
  if (!(band_release_ms >= 1.0f && band_release_ms <= 5000.0f))
    return "band_release_ms: " + std::to_string(band_release_ms) + " out of range 1..5000";
  if (!(gate_gain_db >= -40.0f && gate_gain_db <= 30.0f))
    return "gate_gain_db: " + std::to_string(gate_gain_db) + " out of range -40..30";
  if (!(gate_hold_ms >= 0.0f && gate_hold_ms <= 5000.0f))
    return "gate_hold_ms: " + std::to_string(gate_hold_ms) + " out of range 0..5000";
  if (!(gate_open_ms >= 1.0f && gate_open_ms <= 1000.0f))
    return "gate_open_ms: " + std::to_string(gate_open_ms) + " out of range 1..1000";
  if (!(gate_release_ms >= 1.0f && gate_release_ms <= 5000.0f))
    return "gate_release_ms: " + std::to_string(gate_release_ms) + " out of range 1..5000";
  if (auto e = limiter.validate()) return "limiter." + *e;
  return std::nullopt;
}

agc_advanced::agc_advanced(const config& cfg, std::pmr::memory_resource* mr)
    : cfg_(cfg),
      xover_(cfg.crossover.validate() ? crossover_config{} : cfg.crossover),
      limiter_(cfg.limiter.validate() ? limiter_config{} : cfg.limiter, mr, 1.0f),
      level_(cfg.level_time_constant_ms),
      band_level_{speech_level_tracker(cfg.level_time_constant_ms), speech_level_tracker(cfg.level_time_constant_ms),
                  speech_level_tracker(cfg.level_time_constant_ms)},
      work_(max_frame_samples, mr),
      band_(static_cast<std::size_t>(bands) * max_frame_samples, mr) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  reset();
}

void agc_advanced::reset() noexcept {
  xover_.reset();
  limiter_.reset();
  level_.reset();
  for (int b = 0; b < bands; ++b) {
    band_level_[b].reset();
    band_short_db_[b] = -120.0f;
    band_gain_db_[b] = 0;
    band_gain_lin_[b] = 1;
  }
  gain_db_ = 0;
  silence_samples_ = 0;
  failed_ = false;
}

float agc_advanced::speech_level_dbfs() const noexcept {
  return level_.valid() ? pow_to_db(level_.power()) : -120.0f;
}

float agc_advanced::process(std::span<std::int16_t> frame, bool speech) noexcept {
  const int n = std::min(static_cast<int>(frame.size()), max_frame_samples);
  if (n == 0) return gain_db_;
  // Normalised floats (full scale 1) through crossover, band gains and limiter.
  float* x = work_.data();
  const std::size_t un = static_cast<std::size_t>(n);
  kernels::to_float(frame.first(un), {x, un});
  float* bp[bands] = {band_.data(), band_.data() + max_frame_samples, band_.data() + 2 * max_frame_samples};
  xover_.split({x, static_cast<std::size_t>(n)}, {bp[0], static_cast<std::size_t>(n)},
               {bp[1], static_cast<std::size_t>(n)}, {bp[2], static_cast<std::size_t>(n)});

  // Broadband gain toward the target (adapts on speech only).
  if (speech) level_.update(frame_power(frame.first(static_cast<std::size_t>(n))), n);
  if (level_.valid()) {
    const float want = std::clamp(cfg_.target_dbfs - speech_level_dbfs(), cfg_.min_gain_db, cfg_.max_gain_db);
    const float a = coef(want < gain_db_ ? cfg_.attack_ms : cfg_.release_ms, n);
    gain_db_ = want + (gain_db_ - want) * a;
  }
  // Capped (a day of silence would otherwise lose float precision); only compared to the hold.
  silence_samples_ = speech ? 0.0f : std::min(silence_samples_ + static_cast<float>(n), 1e9f);
  const bool gated = cfg_.noise_gate && silence_samples_ > cfg_.gate_hold_ms * 1e-3f * sample_rate_hz;
  const float broadband = gated ? std::min(gain_db_, cfg_.gate_gain_db) : gain_db_;

  for (int b = 0; b < bands; ++b) {
    const float p = band_power(bp[b], n);
    const float pdb = pow_to_db(p);
    if (speech) band_level_[b].update(p, n);
    const float a = coef(pdb > band_short_db_[b] ? cfg_.band_attack_ms : cfg_.band_release_ms, n);
    band_short_db_[b] = pdb + (band_short_db_[b] - pdb) * a;
    float cut = 0;
    if (band_level_[b].valid()) {
      const float over = band_short_db_[b] - pow_to_db(band_level_[b].power()) - cfg_.knee_db;
      if (over > 0) cut = std::min(over * (1.0f - 1.0f / cfg_.ratio), cfg_.max_band_cut_db);
    }
    // The broadband gain is already smoothed (attack/release); this adds the gate's
    // dynamics (close with gate_release_ms, open with gate_open_ms) and the band
    // compressor's (cut with attack_ms).
    const float want = broadband - cut;
    const float tau = want < band_gain_db_[b] ? (gated ? cfg_.gate_release_ms : cfg_.attack_ms) : cfg_.gate_open_ms;
    band_gain_db_[b] = want + (band_gain_db_[b] - want) * coef(tau, n);
    // Per-sample linear ramp from the last frame's gain.
    const float g_end = db_to_lin(band_gain_db_[b]);
    const float g0 = band_gain_lin_[b], step = (g_end - g0) / static_cast<float>(n);
    float* y = bp[b];
    for (int i = 0; i < n; ++i) y[i] *= g0 + step * static_cast<float>(i + 1);
    band_gain_lin_[b] = g_end;
  }
  for (int i = 0; i < n; ++i) x[i] = bp[0][i] + bp[1][i] + bp[2][i];
  limiter_.process({x, static_cast<std::size_t>(n)});
  // A non-finite sample makes the energy non-finite (normalised samples cannot
  // overflow it), so one SIMD dot product checks the whole frame.
  const std::span<const float> out{x, un};
  if (!std::isfinite(kernels::dot(out, out))) {
    // Cannot happen with finite coefficients and int16 input; if state is corrupted,
    // say so (the chain falls back) and start clean. The frame passes unchanged.
    reset();
    failed_ = true;
    return 0.0f;
  }
  kernels::from_float({x, un}, frame.first(un));
  return broadband;
}

}  // namespace dsp
