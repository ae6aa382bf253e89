// SPDX-License-Identifier: BSD-3-Clause
// Scalar references of the audio kernels (the SIMD versions in kernels_simd.cc must match them).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <limits>

#include "dsp/kernels.h"

namespace dsp::kernels {

namespace {

constexpr float int16_min_f = -32768.0f;
constexpr float int16_max_f = 32767.0f;

// Saturate in float first (so huge products cannot overflow the integer
// conversion), then round half to even as the SIMD conversion does.
inline std::int16_t round_saturate(float v) noexcept {
  v = std::min(std::max(v, int16_min_f), int16_max_f);
  return static_cast<std::int16_t>(std::nearbyint(v));
}

inline std::int16_t saturate16(std::int32_t v) noexcept {
  return static_cast<std::int16_t>(std::clamp<std::int32_t>(v, std::numeric_limits<std::int16_t>::min(),
                                                            std::numeric_limits<std::int16_t>::max()));
}

}  // namespace

float dbfs_from_sum_squares(std::uint64_t sum_sq, std::size_t n) noexcept {
  if (n == 0 || sum_sq == 0) return silence_dbfs;
  // 10 log10(mean / 32768^2) = 10 log10(2) (log2(mean) - 30): glibc's log2f is a few
  // ns, log10 (double) about 20, which would dominate a 160-sample frame.
  constexpr float ten_log10_2 = 3.01029995663981f;
  const float mean_sq = static_cast<float>(static_cast<double>(sum_sq) / static_cast<double>(n));
  return ten_log10_2 * (std::log2(mean_sq) - 30.0f);
}

float rms_dbfs(std::span<const std::int16_t> x) noexcept {
  return dbfs_from_sum_squares(sum_squares(x), x.size());
}

namespace scalar {

void gain(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = round_saturate(static_cast<float>(in[i]) * g);
}

void gain_ramp(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g0, float g1) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  if (n == 0) return;
  const float step = (g1 - g0) / static_cast<float>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float g = g0 + step * static_cast<float>(i);
    out[i] = round_saturate(static_cast<float>(in[i]) * g);
  }
}

void mix(std::span<const std::span<const std::int16_t>> inputs, std::span<std::int16_t> out) noexcept {
  std::size_t n = out.size();
  for (const auto& s : inputs) n = std::min(n, s.size());
  if (inputs.empty()) {
    std::fill(out.begin(), out.end(), std::int16_t{0});
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::int32_t sum = 0;
    for (const auto& s : inputs) sum += s[i];
    out[i] = saturate16(sum);
  }
}

std::uint64_t sum_squares(std::span<const std::int16_t> x) noexcept {
  std::uint64_t sum = 0;
  for (const std::int16_t v : x) sum += static_cast<std::uint64_t>(static_cast<std::int32_t>(v) * v);
  return sum;
}

float rms_dbfs(std::span<const std::int16_t> x) noexcept {
  return dbfs_from_sum_squares(sum_squares(x), x.size());
}

std::int32_t peak(std::span<const std::int16_t> x) noexcept {
  std::int32_t p = 0;
  for (const std::int16_t v : x) p = std::max(p, std::abs(static_cast<std::int32_t>(v)));
  return p;
}

void to_float(std::span<const std::int16_t> in, std::span<float> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * (1.0f / full_scale);
}

void from_float(std::span<const float> in, std::span<std::int16_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = round_saturate(in[i] * full_scale);
}

void clamp(std::span<const std::int16_t> in, std::span<std::int16_t> out, std::int16_t lo,
           std::int16_t hi) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = std::min(std::max(in[i], lo), hi);
}

void clamp(std::span<const float> in, std::span<float> out, float lo, float hi) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = std::min(std::max(in[i], lo), hi);
}

float dot(std::span<const float> a, std::span<const float> b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void axpy(float a, std::span<const float> x, std::span<float> y) noexcept {
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void mul_acc(std::span<const float> x, std::span<const float> h, std::span<float> y) noexcept {
  const std::size_t n = std::min({x.size(), h.size(), y.size()});
  for (std::size_t i = 0; i < n; ++i) y[i] += x[i] * h[i];
}

}  // namespace scalar

}  // namespace dsp::kernels
