// SPDX-License-Identifier: BSD-3-Clause
// Broadband residual echo suppressor and white comfort-noise generator.
#include "dsp/echo_suppressor.h"

#include <algorithm>
#include <cmath>

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
      cng_(cfg.comfort_noise) {}

void echo_suppressor::reset() noexcept {
  gain_ = 1.0f;
  floor_ = -1.0f;
  rng_ = 0x9e3779b9u;
}

void echo_suppressor::process(std::span<float> e, float residual_echo_power, bool far_active) noexcept {
  const auto n = static_cast<float>(e.size());
  double acc = 0;
  for (float v : e) acc += static_cast<double>(v) * v;
  const float p = static_cast<float>(acc) / n;
  const float rise = std::pow(10.0f, floor_rise_db_per_s * n / 8000.0f / 10.0f);
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
  constexpr float unit = 1.7320508f / 2147483648.0f;  // uniform on [-sqrt3, sqrt3): unit variance
  for (float& v : e) {
    rng_ ^= rng_ << 13;  // xorshift32 (Marsaglia, J. Stat. Softw. 8(14), 2003)
    rng_ ^= rng_ >> 17;
    rng_ ^= rng_ << 5;
    const float r = static_cast<float>(static_cast<std::int32_t>(rng_)) * unit;
    v = gain_ * v + cn * r;
  }
}

}  // namespace dsp
