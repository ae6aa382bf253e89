// SPDX-License-Identifier: BSD-3-Clause
// Three-band LR4 crossover (see crossover.h).
#include "dsp/crossover.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace dsp {

validation crossover_config::validate() const {
  if (!(low_hz >= 100.0f && low_hz <= 3000.0f)) return "low_hz: " + std::to_string(low_hz) + " out of range 100..3000";
  if (!(high_hz > low_hz * 1.5f && high_hz <= 3800.0f))
    return "high_hz: " + std::to_string(high_hz) + " must be above 1.5 * low_hz and at most 3800";
  return std::nullopt;
}

// RBJ cookbook: w0 = 2 pi f / fs, alpha = sin(w0) / (2 Q); normalised by a0.
biquad biquad::lowpass(float f_hz, float q) {
  const double w0 = 2.0 * std::numbers::pi * f_hz / sample_rate_hz;
  const double c = std::cos(w0), al = std::sin(w0) / (2.0 * q), a0 = 1.0 + al;
  biquad b;
  b.b0 = static_cast<float>((1.0 - c) / 2.0 / a0);
  b.b1 = static_cast<float>((1.0 - c) / a0);
  b.b2 = b.b0;
  b.a1 = static_cast<float>(-2.0 * c / a0);
  b.a2 = static_cast<float>((1.0 - al) / a0);
  return b;
}

biquad biquad::allpass(float f_hz, float q) {
  const double w0 = 2.0 * std::numbers::pi * f_hz / sample_rate_hz;
  const double c = std::cos(w0), al = std::sin(w0) / (2.0 * q), a0 = 1.0 + al;
  biquad b;
  b.b0 = static_cast<float>((1.0 - al) / a0);
  b.b1 = static_cast<float>(-2.0 * c / a0);
  b.b2 = 1.0f;  // (1 + alpha) / a0
  b.a1 = b.b1;
  b.a2 = b.b0;
  return b;
}

namespace {
// Butterworth Q (1/sqrt 2): two in cascade make the LR4 low-pass; the LR4 pair's
// sum is the 2nd-order allpass with this same Q.
constexpr float butterworth_q = 0.70710678f;
}  // namespace

crossover3::crossover3(const config& cfg) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  lp_hi_[0] = lp_hi_[1] = biquad::lowpass(cfg.high_hz, butterworth_q);
  ap_hi_ = biquad::allpass(cfg.high_hz, butterworth_q);
  lp_lo_[0] = lp_lo_[1] = biquad::lowpass(cfg.low_hz, butterworth_q);
  ap_lo_ = biquad::allpass(cfg.low_hz, butterworth_q);
  ap_lo_hi_ = ap_lo_;
}

void crossover3::reset() noexcept {
  for (auto* b : {&lp_hi_[0], &lp_hi_[1], &ap_hi_, &lp_lo_[0], &lp_lo_[1], &ap_lo_, &ap_lo_hi_}) b->clear();
}

void crossover3::split(std::span<const float> x, std::span<float> low, std::span<float> mid,
                       std::span<float> high) noexcept {
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i) {
    const float s = x[i];
    const float l2 = lp_hi_[1].lowpass_step(lp_hi_[0].lowpass_step(s));
    const float h2 = ap_hi_.allpass_step(s) - l2;
    const float ll = lp_lo_[1].lowpass_step(lp_lo_[0].lowpass_step(l2));
    low[i] = ll;
    mid[i] = ap_lo_.allpass_step(l2) - ll;
    high[i] = ap_lo_hi_.allpass_step(h2);
  }
}

}  // namespace dsp
