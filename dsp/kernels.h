// SPDX-License-Identifier: BSD-3-Clause
// SIMD audio kernels (gain, ramp, mix, energy, peak, conversion, clamp, float dot/MAC) with scalar
// references.
//
// Every function exists twice: in dsp::kernels (Google Highway SIMD, dynamic
// dispatch to the best target the CPU has: SSSE3, SSE4, AVX2, AVX-512) and in
// dsp::kernels::scalar (the plain loop the tests compare against). All are
// noexcept, allocate nothing and accept any length (0 included).
//
// Exactness: the integer results (gain, gain_ramp, mix, sum_squares, peak,
// from_float, clamp) are bit-identical between SIMD and scalar: both compute
// the same single-precision products, round half to even and saturate. The
// float results of dot, axpy and mul_acc may differ in the last bits (SIMD
// sums in a different order and fuses multiply-add where the CPU has FMA); the
// tests state the tolerance.
//
// Sizes: kernels with an output process n = min(in.size(), out.size()) samples
// (callers pass equal sizes); in place (out.data() == in.data()) is allowed
// wherever input and output have the same type.
//
// Full scale: 32768. An int16 sample x is the fraction x / 32768 of full scale,
// so 0 dBFS is the RMS of a square wave of amplitude 32768 and a full-scale sine
// reads -3.01 dBFS (the AES17 convention would call that sine 0 dBFS; we do not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dsp::kernels {

// int16 <-> float: float = int16 / 32768, so [-32768, 32767] maps to [-1, 1 - 2^-15].
inline constexpr float full_scale = 32768.0f;
// rms_dbfs of silence (all zeros, or no samples). One LSB of RMS is -90.3 dBFS,
// so -120 lies below anything int16 audio can carry except exact zero.
inline constexpr float silence_dbfs = -120.0f;

// out[i] = sat16(round_half_even(float(in[i]) * gain)). gain must be finite.
void gain(std::span<const std::int16_t> in, std::span<std::int16_t> out, float gain) noexcept;

// Linear ramp for smooth gain changes (the AGC): sample i of n gets
// g_i = g0 + ((g1 - g0) / n) * i, i = 0..n-1, so the next frame starts at g1.
// out[i] = sat16(round_half_even(float(in[i]) * g_i)). Gains must be finite.
void gain_ramp(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g0, float g1) noexcept;

// out[i] = sat16(sum over inputs of input[i]): the exact sum saturated once (not
// pairwise saturating adds). n = min(out.size(), every input's size); out may be
// one of the inputs. No inputs: out is zeroed.
void mix(std::span<const std::span<const std::int16_t>> inputs, std::span<std::int16_t> out) noexcept;

// Exact sum of x[i]^2 (at most 2^30 per sample: no overflow below 2^33 samples).
std::uint64_t sum_squares(std::span<const std::int16_t> x) noexcept;

// 10 log10(sum_squares / n / 32768^2), or silence_dbfs for n == 0 or all zeros.
float rms_dbfs(std::span<const std::int16_t> x) noexcept;
// The same formula from a sum of squares over n samples (e.g. across frames).
float dbfs_from_sum_squares(std::uint64_t sum_sq, std::size_t n) noexcept;

// max |x[i]| in 0..32768 (|INT16_MIN| = 32768 does not fit int16, hence int32); 0 for n == 0.
std::int32_t peak(std::span<const std::int16_t> x) noexcept;

// out[i] = in[i] / 32768 (exact).
void to_float(std::span<const std::int16_t> in, std::span<float> out) noexcept;
// out[i] = sat16(round_half_even(in[i] * 32768)). Inputs must not be NaN.
void from_float(std::span<const float> in, std::span<std::int16_t> out) noexcept;

// out[i] = min(max(in[i], lo), hi); requires lo <= hi (and not NaN for float).
void clamp(std::span<const std::int16_t> in, std::span<std::int16_t> out, std::int16_t lo,
           std::int16_t hi) noexcept;
void clamp(std::span<const float> in, std::span<float> out, float lo, float hi) noexcept;

// sum a[i] * b[i] over n = min(a.size(), b.size()).
float dot(std::span<const float> a, std::span<const float> b) noexcept;
// y[i] += a * x[i] over n = min(x.size(), y.size()).
void axpy(float a, std::span<const float> x, std::span<float> y) noexcept;
// y[i] += x[i] * h[i] over n = min of the three sizes.
void mul_acc(std::span<const float> x, std::span<const float> h, std::span<float> y) noexcept;

// The Highway target (HWY_AVX2, ...) the dispatching functions above run on now.
std::int64_t simd_dispatch_target() noexcept;

namespace scalar {
void gain(std::span<const std::int16_t> in, std::span<std::int16_t> out, float gain) noexcept;
void gain_ramp(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g0, float g1) noexcept;
void mix(std::span<const std::span<const std::int16_t>> inputs, std::span<std::int16_t> out) noexcept;
std::uint64_t sum_squares(std::span<const std::int16_t> x) noexcept;
float rms_dbfs(std::span<const std::int16_t> x) noexcept;
std::int32_t peak(std::span<const std::int16_t> x) noexcept;
void to_float(std::span<const std::int16_t> in, std::span<float> out) noexcept;
void from_float(std::span<const float> in, std::span<std::int16_t> out) noexcept;
void clamp(std::span<const std::int16_t> in, std::span<std::int16_t> out, std::int16_t lo,
           std::int16_t hi) noexcept;
void clamp(std::span<const float> in, std::span<float> out, float lo, float hi) noexcept;
float dot(std::span<const float> a, std::span<const float> b) noexcept;
void axpy(float a, std::span<const float> x, std::span<float> y) noexcept;
void mul_acc(std::span<const float> x, std::span<const float> h, std::span<float> y) noexcept;
}  // namespace scalar

}  // namespace dsp::kernels
