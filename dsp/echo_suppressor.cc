// SPDX-License-Identifier: BSD-3-Clause
// Broadband residual echo suppressor and white comfort-noise generator.
#include "dsp/echo_suppressor.h"

#include <algorithm>
#include <cmath>

#include "dsp/aec_simd.h"
#include "dsp/kernels.h"

namespace dsp {
namespace {

// Noise-floor tracker: follows a drop at once, rises by at most 3 dB/s (per-frame factor
// computed from the frame length): a minimum tracker in the spirit of R. Martin,
// "Noise power spectral density estimation based on optimal smoothing and minimum
// statistics", IEEE Trans. Speech Audio Process. 9(5), 2001, reduced to one band.
constexpr float floor_rise_db_per_s = 3.0f;
// Gain release: 0.5 of the way back per frame (fast enough not to clip near-end
// onsets after the far end stops; the attack is immediate).
constexpr float release = 0.5f;

}  // namespace

echo_suppressor::echo_suppressor(const config& cfg) noexcept
    : min_gain_(std::pow(10.0f, -cfg.max_attenuation_db / 20.0f)),
      over_(std::pow(10.0f, cfg.overestimate_db / 10.0f)),
      cng_(cfg.comfort_noise) {
  reset();
}

void echo_suppressor::reset() noexcept {
  gain_ = 1.0f;
  floor_ = -1.0f;
  // Distinct non-zero seeds per lane (xorshift32 has period 2^32 - 1 for any of them).
  for (std::size_t j = 0; j < generators; ++j) rng_[j] = 0x9e3779b9u + 0x6d2b79f5u * static_cast<std::uint32_t>(j);
}

void echo_suppressor::process(std::span<float> e, float residual_echo_power, bool far_active) noexcept {
  const auto n = static_cast<float>(e.size());
  const float p = kernels::dot(e, e) / n;
  if (e.size() != rise_frame_) {  // once per frame length: pow() costs ~40 ns
    rise_frame_ = e.size();
    rise_ = std::pow(10.0f, floor_rise_db_per_s * n / 8000.0f / 10.0f);
  }
  const float rise = rise_;
  if (floor_ < 0)
    floor_ = p;
  else
    floor_ = std::min(floor_ * rise, std::max(p, 1e-3f));

  float target = 1.0f;
  if (far_active && p > 0) target = std::clamp(1.0f - over_ * residual_echo_power / p, min_gain_, 1.0f);
  gain_ = target < gain_ ? target : gain_ + release * (target - gain_);
  if (gain_ >= 0.999f) return;

  // Fill the removed share of the background: after the gain the background keeps
  // power g^2 * floor, comfort noise adds (1 - g^2) * floor.
  const float cn = cng_ ? std::sqrt(std::max(0.0f, 1.0f - gain_ * gain_) * floor_) : 0.0f;
  // 16 generators side by side so that the mix vectorises (one serial xorshift32 cost
  // ~0.3 us per 160-sample frame in aec_bench BM_aec_advanced).
  aec_simd::comfort_mix(e.data(), rng_, gain_, cn, e.size());
}

}  // namespace dsp
