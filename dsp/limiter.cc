// SPDX-License-Identifier: BSD-3-Clause
// Look-ahead peak limiter (see limiter.h): the frame's gain computed in SIMD lanes (Highway dispatch).
//
// Compiled once per Highway target (foreach_target.h re-includes this file).
// Every pass works on whole vectors up to the frame rounded up to a vector; the
// buffers carry a block of room after the frame, and the lanes past the frame
// never feed a lane inside it (each pass reads only at or before its output
// index, or inside the window the caller filled).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/limiter.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dsp/limiter.h"

HWY_BEFORE_NAMESPACE();
namespace dsp::limiter_simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The snap to rest (limiter.h): a gain reduction under 1e-4 (0.0009 dB) is 0.
template <class D, class V>
HWY_INLINE V snap(D d, V z) {
  return hn::IfThenElseZero(z >= hn::Set(d, 1e-4f), z);
}

// d[k] = 1 - required gain = 1 - ceiling / max(|x[k]|, ceiling), k < m (rounded up).
void reduction_simd(const float* x, float* d, std::size_t m, float ceiling) {
  const hn::ScalableTag<float> df;
  const auto c = hn::Set(df, ceiling), one = hn::Set(df, 1.0f);
  for (std::size_t k = 0; k < m; k += hn::Lanes(df))
    hn::StoreU(hn::Sub(one, hn::Div(c, hn::Max(hn::Abs(hn::LoadU(df, x + k)), c))), df, d + k);
}

// out[i] = max of d[i .. i + w), i < n (rounded up).
void window_max_simd(const float* d, float* out, std::size_t n, int w) {
  const hn::ScalableTag<float> df;
  for (std::size_t i = 0; i < n; i += hn::Lanes(df)) {
    auto m0 = hn::LoadU(df, d + i);
    auto m1 = m0;
    int t = 1;
    for (; t + 1 < w; t += 2) {
      m0 = hn::Max(m0, hn::LoadU(df, d + i + t));
      m1 = hn::Max(m1, hn::LoadU(df, d + i + t + 1));
    }
    if (t < w) m0 = hn::Max(m0, hn::LoadU(df, d + i + t));
    hn::StoreU(hn::Max(m0, m1), df, out + i);
  }
}

// The prefix scan of limiter.h on a[0, n), b: scratch of the same size; cpow[i] =
// c^(i + 1). Returns the row holding the result.
float* scan_simd(float* a, float* b, std::size_t n, const float* cpow, float u_prev) {
  const hn::ScalableTag<float> df;
  const std::size_t lanes = hn::Lanes(df);
  for (std::size_t s = 1; s < n; s *= 2) {
    const auto cs = hn::Set(df, cpow[s - 1]);
    std::memcpy(b, a, s * sizeof(float));
    for (std::size_t j = s; j < n; j += lanes)
      hn::StoreU(hn::Max(hn::LoadU(df, a + j), snap(df, hn::Mul(cs, hn::LoadU(df, a + j - s)))), df, b + j);
    std::swap(a, b);
  }
  const auto up = hn::Set(df, u_prev);
  for (std::size_t j = 0; j < n; j += lanes)
    hn::StoreU(hn::Max(hn::LoadU(df, a + j), snap(df, hn::Mul(hn::LoadU(df, cpow + j), up))), df, a + j);
  return a;
}

// g[i] = 1 - (sum of u[i .. i + w)) / w, i < n (rounded up).
void smooth_simd(const float* u, float* g, std::size_t n, int w) {
  const hn::ScalableTag<float> df;
  const auto inv_w = hn::Set(df, 1.0f / static_cast<float>(w)), one = hn::Set(df, 1.0f);
  for (std::size_t i = 0; i < n; i += hn::Lanes(df)) {
    auto s0 = hn::LoadU(df, u + i);
    auto s1 = hn::Zero(df);
    int t = 1;
    for (; t + 1 < w; t += 2) {
      s0 = hn::Add(s0, hn::LoadU(df, u + i + t));
      s1 = hn::Add(s1, hn::LoadU(df, u + i + t + 1));
    }
    if (t < w) s0 = hn::Add(s0, hn::LoadU(df, u + i + t));
    hn::StoreU(hn::NegMulAdd(hn::Add(s0, s1), inv_w, one), df, g + i);
  }
}

// x[i] = delayed[i] * g[i] for i < n (exactly n); returns the smallest g.
float apply_simd(const float* delayed, const float* g, float* x, std::size_t n) {
  const hn::ScalableTag<float> df;
  const std::size_t lanes = hn::Lanes(df);
  auto mn = hn::Set(df, 1.0f);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto gv = hn::LoadU(df, g + i);
    hn::StoreU(hn::Mul(hn::LoadU(df, delayed + i), gv), df, x + i);
    mn = hn::Min(mn, gv);
  }
  float m = hn::GetLane(hn::MinOfLanes(df, mn));
  for (; i < n; ++i) {
    x[i] = delayed[i] * g[i];
    m = std::min(m, g[i]);
  }
  return m;
}

// The limited frame: x[i] = ext[i] * gain[i], i < n (limiter.h). ext: look past
// inputs then the frame; u: look past reductions, receives the frame's; d, row,
// row2, gain: scratch. Returns the smallest gain.
float limit_simd(const float* ext, float* u, float* d, float* row, float* row2, float* gain, const float* cpow,
                 float ceiling, std::size_t look, std::size_t n, float* x) {
  const int w = static_cast<int>(look) + 1;
  reduction_simd(ext, d, look + n, ceiling);
  window_max_simd(d, row, n, w);
  const float* res = scan_simd(row, row2, n, cpow, u[look - 1]);
  std::memcpy(u + look, res, n * sizeof(float));
  smooth_simd(u, gain, n, w);
  return apply_simd(ext, gain, x, n);
}

// dst[i] = x[i] for i < n; returns max |x[i]|.
float copy_peak_simd(const float* x, float* dst, std::size_t n) {
  const hn::ScalableTag<float> df;
  const std::size_t lanes = hn::Lanes(df);
  auto pk = hn::Zero(df);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(df, x + i);
    hn::StoreU(v, df, dst + i);
    pk = hn::Max(pk, hn::Abs(v));
  }
  float p = hn::GetLane(hn::MaxOfLanes(df, pk));
  for (; i < n; ++i) {
    dst[i] = x[i];
    p = std::max(p, std::fabs(x[i]));
  }
  return p;
}

}  // namespace dsp::limiter_simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp {

namespace limiter_simd {
HWY_EXPORT(limit_simd);
HWY_EXPORT(copy_peak_simd);
float copy_peak(const float* x, float* dst, std::size_t n) { return HWY_DYNAMIC_DISPATCH(copy_peak_simd)(x, dst, n); }
float limit(const float* ext, float* u, float* d, float* row, float* row2, float* gain, const float* cpow,
            float ceiling, std::size_t look, std::size_t n, float* x) {
  return HWY_DYNAMIC_DISPATCH(limit_simd)(ext, u, d, row, row2, gain, cpow, ceiling, look, n, x);
}
}  // namespace limiter_simd

validation limiter_config::validate() const {
  if (!(ceiling_dbfs >= -20.0f && ceiling_dbfs <= -0.1f))
    return "ceiling_dbfs: " + std::to_string(ceiling_dbfs) + " out of range -20..-0.1";
  if (!(lookahead_ms >= 0.125f && lookahead_ms <= 10.0f))
    return "lookahead_ms: " + std::to_string(lookahead_ms) + " out of range 0.125..10";
  if (!(release_ms >= 1.0f && release_ms <= 5000.0f))
    return "release_ms: " + std::to_string(release_ms) + " out of range 1..5000";
  return std::nullopt;
}

namespace {
int lookahead_samples(const limiter_config& c) {
  return std::clamp(static_cast<int>(std::lround(c.lookahead_ms * 1e-3f * sample_rate_hz)), 1,
                    lookahead_limiter::max_lookahead_samples);
}
}  // namespace

// Room after each signal for the last partial vector (AVX-512: 16 floats).
constexpr std::size_t block_room = 16;

lookahead_limiter::lookahead_limiter(const config& cfg, std::pmr::memory_resource* mr, float full_scale)
    : cfg_(cfg),
      look_(cfg.validate() ? 1 : lookahead_samples(cfg)),
      ceiling_(full_scale * std::pow(10.0f, cfg.ceiling_dbfs / 20.0f)),
      rel_coef_(std::exp(-1.0f / (cfg.release_ms * 1e-3f * sample_rate_hz))),
      ext_(static_cast<std::size_t>(look_ + max_frame_samples) + block_room, mr),
      u_(static_cast<std::size_t>(look_ + max_frame_samples) + block_room, mr),
      d_(static_cast<std::size_t>(look_ + max_frame_samples) + block_room, mr),
      scan_(2 * (static_cast<std::size_t>(max_frame_samples) + block_room), mr),
      gain_(static_cast<std::size_t>(max_frame_samples) + block_room, mr),
      cpow_(static_cast<std::size_t>(max_frame_samples) + block_room, mr) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  double p = 1.0;
  for (auto& v : cpow_) v = static_cast<float>(p *= static_cast<double>(rel_coef_));
  reset();
}

void lookahead_limiter::reset() noexcept {
  ext_.fill_zero();
  u_.fill_zero();
  rest_run_ = look_ + 1;
  min_gain_ = 1.0f;
}

float lookahead_limiter::take_min_gain() noexcept {
  const float g = min_gain_;
  min_gain_ = 1.0f;
  return g;
}

void lookahead_limiter::process(std::span<float> x) noexcept {
  const int n = std::min(static_cast<int>(x.size()), max_frame_samples);
  if (n <= 0) return;
  const int w = look_ + 1;   // window length
  float* ext = ext_.data();  // ext[0..look_) = the previous frame's last look_ inputs
  const auto un = static_cast<std::size_t>(n);
  const float peak = limiter_simd::copy_peak(x.data(), ext + look_, un);
  if (rest_run_ >= w && peak <= ceiling_) {
    // At rest (no gain reduction in the window, so the last look_ entries of u_
    // are 0 and stay so) and nothing to limit: a plain delay.
    std::memcpy(x.data(), ext, un * sizeof(float));
  } else {
    const auto uw = static_cast<std::size_t>(look_);
    std::fill(ext + uw + un, ext + uw + un + block_room, 0.0f);
    float* u = u_.data();  // u[0..look_) = the previous frame's last look_ reductions
    float* row = scan_.data();
    float* row2 = row + max_frame_samples + block_room;
    min_gain_ = std::min(min_gain_, limiter_simd::limit(ext, u, d_.data(), row, row2, gain_.data(), cpow_.data(),
                                                         ceiling_, uw, un, x.data()));
    // Consecutive zero reductions at the end (capped at w: enough to be at rest).
    int run = 0;
    for (int k = look_ + n - 1; k >= 0 && run < w && u[k] == 0.0f; --k) ++run;
    rest_run_ = run;
    std::memmove(u, u + un, uw * sizeof(float));
  }
  std::memmove(ext, ext + n, static_cast<std::size_t>(look_) * sizeof(float));
}

}  // namespace dsp
#endif  // HWY_ONCE
