// SPDX-License-Identifier: BSD-3-Clause
// Advanced AGC: three-band gain, compression, noise gate, look-ahead limiter (see agc_advanced.h).
//
// The band gain ramps and the band sum run in SIMD lanes (Highway dispatch:
// foreach_target.h re-includes this file once per target).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/agc_advanced.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "dsp/agc_advanced.h"
#include "dsp/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace dsp::agc_simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// out[i] = sum over the three bands of band[b][i] * (g0[b] + step[b] * (i + 1)):
// each band's gain ramps linearly from the last frame's value, as in agc_basic.
void mix_bands_simd(const float* b0, const float* b1, const float* b2, const float* g0, const float* step,
                    float* out, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto s0 = hn::Set(d, step[0]), s1 = hn::Set(d, step[1]), s2 = hn::Set(d, step[2]);
  const auto z0 = hn::Set(d, g0[0]), z1 = hn::Set(d, g0[1]), z2 = hn::Set(d, g0[2]);
  const auto inc = hn::Set(d, static_cast<float>(lanes));
  auto idx = hn::Iota(d, 1.0f);  // i + 1
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes, idx = hn::Add(idx, inc)) {
    auto acc = hn::Mul(hn::LoadU(d, b0 + i), hn::MulAdd(s0, idx, z0));
    acc = hn::MulAdd(hn::LoadU(d, b1 + i), hn::MulAdd(s1, idx, z1), acc);
    acc = hn::MulAdd(hn::LoadU(d, b2 + i), hn::MulAdd(s2, idx, z2), acc);
    hn::StoreU(acc, d, out + i);
  }
  for (; i < n; ++i) {
    const float k = static_cast<float>(i + 1);
    out[i] = b0[i] * (g0[0] + step[0] * k) + b1[i] * (g0[1] + step[1] * k) + b2[i] * (g0[2] + step[2] * k);
  }
}

}  // namespace dsp::agc_simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp {

namespace agc_simd {
HWY_EXPORT(mix_bands_simd);
void mix_bands(const float* b0, const float* b1, const float* b2, const float* g0, const float* step, float* out,
               std::size_t n) {
  HWY_DYNAMIC_DISPATCH(mix_bands_simd)(b0, b1, b2, g0, step, out, n);
}
}  // namespace agc_simd

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
  if (auto e = agc_level_config::validate()) return e;
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
      xover_(cfg.crossover.validate() ? crossover_config{} : cfg.crossover, mr),
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

  if (n != coef_n_) {
    // Smoothing coefficients per frame length: recomputed only when it changes.
    coef_n_ = n;
    c_attack_ = coef(cfg_.attack_ms, n);
    c_release_ = coef(cfg_.release_ms, n);
    c_band_attack_ = coef(cfg_.band_attack_ms, n);
    c_band_release_ = coef(cfg_.band_release_ms, n);
    c_gate_release_ = coef(cfg_.gate_release_ms, n);
    c_gate_open_ = coef(cfg_.gate_open_ms, n);
  }
  // Broadband gain toward the target (adapts on speech only).
  if (speech) level_.update(frame_power(frame.first(static_cast<std::size_t>(n))), n);
  if (level_.valid()) {
    const float want = std::clamp(cfg_.target_dbfs - speech_level_dbfs(), cfg_.min_gain_db, cfg_.max_gain_db);
    const float a = want < gain_db_ ? c_attack_ : c_release_;
    gain_db_ = want + (gain_db_ - want) * a;
  }
  // Capped (a day of silence would otherwise lose float precision); only compared to the hold.
  silence_samples_ = speech ? 0.0f : std::min(silence_samples_ + static_cast<float>(n), 1e9f);
  const bool gated = cfg_.noise_gate && silence_samples_ > cfg_.gate_hold_ms * 1e-3f * sample_rate_hz;
  const float broadband = gated ? std::min(gain_db_, cfg_.gate_gain_db) : gain_db_;

  float g0[bands], step[bands];
  for (int b = 0; b < bands; ++b) {
    const float p = band_power(bp[b], n);
    const float pdb = pow_to_db(p);
    if (speech) band_level_[b].update(p, n);
    const float a = pdb > band_short_db_[b] ? c_band_attack_ : c_band_release_;
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
    const float c = want < band_gain_db_[b] ? (gated ? c_gate_release_ : c_attack_) : c_gate_open_;
    band_gain_db_[b] = want + (band_gain_db_[b] - want) * c;
    // Per-sample linear ramp from the last frame's gain (applied with the sum below).
    const float g_end = db_to_lin(band_gain_db_[b]);
    g0[b] = band_gain_lin_[b];
    step[b] = (g_end - g0[b]) / static_cast<float>(n);
    band_gain_lin_[b] = g_end;
  }
  agc_simd::mix_bands(bp[0], bp[1], bp[2], g0, step, x, un);
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
#endif  // HWY_ONCE
