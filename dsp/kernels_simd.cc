// SPDX-License-Identifier: BSD-3-Clause
// SIMD audio kernels with Google Highway dynamic dispatch (references: kernels.cc, contract: kernels.h).
//
// Compiled once per Highway target (foreach_target.h re-includes this file);
// the dispatching wrappers at the end pick the best target at run time.
// Integer kernels widen int16 to 32-bit lanes, so gain/ramp/from_float see the
// same single-precision products as the scalar reference and round them the
// same way (NearestInt: round half to even), which keeps them bit-exact.
// The last partial vector is loaded from / stored to a zeroed stack copy, so no
// kernel touches memory outside the caller's spans.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/kernels_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "dsp/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace dsp::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_SCALAR
// Highway's one-lane HWY_SCALAR target (the baseline with GCC < 12.3, for CPUs
// without SSSE3) cannot promote half vectors: it runs the scalar reference.
void gain_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, float g) {
  scalar::gain({in, n}, {out, n}, g);
}
void gain_ramp_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, float g0, float g1) {
  scalar::gain_ramp({in, n}, {out, n}, g0, g1);
}
void mix_simd(const std::span<const std::int16_t>* inputs, std::size_t n_inputs, std::int16_t* out,
              std::size_t n) {
  if (n_inputs == 0) {
    std::fill(out, out + n, std::int16_t{0});
    return;
  }
  scalar::mix({inputs, n_inputs}, {out, n});
}
std::uint64_t sum_squares_simd(const std::int16_t* x, std::size_t n) { return scalar::sum_squares({x, n}); }
std::int32_t peak_simd(const std::int16_t* x, std::size_t n) { return scalar::peak({x, n}); }
void to_float_simd(const std::int16_t* in, float* out, std::size_t n) { scalar::to_float({in, n}, {out, n}); }
void from_float_simd(const float* in, std::int16_t* out, std::size_t n) {
  scalar::from_float({in, n}, {out, n});
}
void clamp_i16_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, std::int16_t lo,
                    std::int16_t hi) {
  scalar::clamp(std::span<const std::int16_t>{in, n}, std::span<std::int16_t>{out, n}, lo, hi);
}
void clamp_f32_simd(const float* in, float* out, std::size_t n, float lo, float hi) {
  scalar::clamp(std::span<const float>{in, n}, std::span<float>{out, n}, lo, hi);
}
float dot_simd(const float* a, const float* b, std::size_t n) { return scalar::dot({a, n}, {b, n}); }
void axpy_simd(float a, const float* x, float* y, std::size_t n) { scalar::axpy(a, {x, n}, {y, n}); }
void mul_acc_simd(const float* x, const float* h, float* y, std::size_t n) {
  scalar::mul_acc({x, n}, {h, n}, {y, n});
}
#else

using d32_t = hn::ScalableTag<std::int32_t>;
using df_t = hn::ScalableTag<float>;
using dh16_t = hn::Rebind<std::int16_t, d32_t>;  // int16 lanes, as many as d32_t has
using d16_t = hn::ScalableTag<std::int16_t>;

// Calls body(i, count) for full vectors (count == lanes), then once for the
// tail (count < lanes). Inside, load_n/store_n with count == Lanes(d) fold to
// plain unaligned loads/stores; only the tail goes through a stack copy.
template <class Body>
HWY_INLINE void for_chunks(std::size_t n, std::size_t lanes, const Body& body) {
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) body(i, lanes);
  if (i < n) body(i, n - i);
}

// Loads `count` (<= Lanes(d)) elements; lanes past count read as zero.
template <class D, typename T>
HWY_INLINE hn::VFromD<D> load_n(D d, const T* p, std::size_t count) {
  if (HWY_LIKELY(count == hn::Lanes(d))) return hn::LoadU(d, p);
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)] = {};
  std::memcpy(buf, p, count * sizeof(T));
  return hn::Load(d, buf);
}

template <class D, typename T>
HWY_INLINE void store_n(hn::VFromD<D> v, D d, T* p, std::size_t count) {
  if (HWY_LIKELY(count == hn::Lanes(d))) {
    hn::StoreU(v, d, p);
    return;
  }
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, count * sizeof(T));
}

HWY_INLINE hn::VFromD<df_t> load_i16_as_float(const std::int16_t* p, std::size_t count) {
  return hn::ConvertTo(df_t(), hn::PromoteTo(d32_t(), load_n(dh16_t(), p, count)));
}

// Saturate in float, round half to even, narrow (the scalar round_saturate).
HWY_INLINE void store_float_as_i16(hn::VFromD<df_t> v, std::int16_t* p, std::size_t count) {
  const df_t df;
  v = hn::Min(hn::Max(v, hn::Set(df, -32768.0f)), hn::Set(df, 32767.0f));
  store_n(hn::DemoteTo(dh16_t(), hn::NearestInt(v)), dh16_t(), p, count);
}

// Costs below: one 160-sample frame, dsp_core_bench <kernel>/AVX2 and /AVX3 (AVX-512), medians
// on a loaded 2-core AMD EPYC VM; the scalar reference in parentheses.
// ~30-35 ns AVX2, ~15-18 ns AVX-512 (scalar ~310-470: nearbyint per sample), gain/*.
void gain_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, float g) {
  const df_t df;
  const auto vg = hn::Set(df, g);
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_float_as_i16(hn::Mul(load_i16_as_float(in + i, count), vg), out + i, count);
  });
}

// ~37-40 ns AVX2, ~20-23 ns AVX-512 (scalar ~360-530), gain_ramp/*.
void gain_ramp_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, float g0, float g1) {
  if (n == 0) return;
  const df_t df;
  const std::size_t lanes = hn::Lanes(df);
  const float step = (g1 - g0) / static_cast<float>(n);
  const auto vg0 = hn::Set(df, g0);
  const auto vstep = hn::Set(df, step);
  const auto vlanes = hn::Set(df, static_cast<float>(lanes));
  // Sample indices as floats (exact below 2^24): g_i = g0 + step * i, multiply then
  // add (no fused multiply-add, see meson.build) exactly as the scalar reference.
  auto idx = hn::Iota(df, 0.0f);
  for_chunks(n, lanes, [&](std::size_t i, std::size_t count) HWY_ATTR {
    const auto g = hn::Add(vg0, hn::Mul(vstep, idx));
    store_float_as_i16(hn::Mul(load_i16_as_float(in + i, count), g), out + i, count);
    idx = hn::Add(idx, vlanes);
  });
}

// Two inputs ~8-15 ns AVX2, ~7-12 ns AVX-512 (scalar ~250-360), mix2/*; three ~36-74 ns AVX2,
// ~21-44 ns AVX-512 (scalar ~260-370), mix3/*.
void mix_simd(const std::span<const std::int16_t>* inputs, std::size_t n_inputs, std::int16_t* out,
              std::size_t n) {
  if (n_inputs == 2) {
    // Two inputs: one saturating add equals the exact sum saturated once, on twice the lanes.
    const d16_t d16;
    const std::int16_t* a = inputs[0].data();
    const std::int16_t* b = inputs[1].data();
    for_chunks(n, hn::Lanes(d16), [&](std::size_t i, std::size_t count) HWY_ATTR {
      store_n(hn::SaturatedAdd(load_n(d16, a + i, count), load_n(d16, b + i, count)), d16, out + i, count);
    });
    return;
  }
  const d32_t d;
  const dh16_t dh;
  for_chunks(n, hn::Lanes(d), [&](std::size_t i, std::size_t count) HWY_ATTR {
    auto acc = hn::Zero(d);
    for (std::size_t k = 0; k < n_inputs; ++k)
      acc = hn::Add(acc, hn::PromoteTo(d, load_n(dh, inputs[k].data() + i, count)));
    store_n(hn::DemoteTo(dh, acc), dh, out + i, count);  // DemoteTo saturates
  });
}

// ~8.5-15 ns AVX2, ~6.5-12 ns AVX-512 (scalar, auto-vectorised by GCC: ~25-40), sum_squares/*.
std::uint64_t sum_squares_simd(const std::int16_t* x, std::size_t n) {
  const d16_t d16;
  const d32_t d32;
  const hn::RebindToUnsigned<d32_t> du32;
  const hn::Repartition<std::uint64_t, d32_t> du64;
  const auto low32 = hn::Set(du64, 0xFFFFFFFFull);
  auto acc_even = hn::Zero(du64);
  auto acc_odd = hn::Zero(du64);
  for_chunks(n, hn::Lanes(d16), [&](std::size_t i, std::size_t count) HWY_ATTR {
    const auto v = load_n(d16, x + i, count);
    // Pairwise x0^2 + x1^2 (pmaddwd on x86): at most 2^31, exact as uint32 even
    // where the int32 lane wraps (two INT16_MIN). Widen to 64-bit sums at once.
    auto odd = hn::Zero(d32);
    const auto even = hn::ReorderWidenMulAccumulate(d32, v, v, hn::Zero(d32), odd);
    const auto sq = hn::BitCast(du64, hn::BitCast(du32, hn::RearrangeToOddPlusEven(even, odd)));
    acc_even = hn::Add(acc_even, hn::And(sq, low32));
    acc_odd = hn::Add(acc_odd, hn::ShiftRight<32>(sq));
  });
  return hn::GetLane(hn::SumOfLanes(du64, hn::Add(acc_even, acc_odd)));
}

// ~8 ns AVX2 and AVX-512 (scalar ~25), peak/*.
std::int32_t peak_simd(const std::int16_t* x, std::size_t n) {
  const d16_t d;
  auto vmax = hn::Zero(d);
  auto vmin = hn::Zero(d);
  for_chunks(n, hn::Lanes(d), [&](std::size_t i, std::size_t count) HWY_ATTR {
    const auto v = load_n(d, x + i, count);  // zero padding changes neither extreme
    vmax = hn::Max(vmax, v);
    vmin = hn::Min(vmin, v);
  });
  // Negate in 32 bits: -(-32768) = 32768 does not fit int16.
  const std::int32_t hi = hn::GetLane(hn::MaxOfLanes(d, vmax));
  const std::int32_t lo = hn::GetLane(hn::MinOfLanes(d, vmin));
  return std::max(hi, -lo);
}

// ~9 ns AVX2, ~8 ns AVX-512 (scalar, auto-vectorised: ~13), to_float/*.
void to_float_simd(const std::int16_t* in, float* out, std::size_t n) {
  const df_t df;
  const auto scale = hn::Set(df, 1.0f / full_scale);
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_n(hn::Mul(load_i16_as_float(in + i, count), scale), df, out + i, count);
  });
}

// ~20-25 ns AVX2, ~10-12 ns AVX-512 (scalar ~320-335), from_float/*.
void from_float_simd(const float* in, std::int16_t* out, std::size_t n) {
  const df_t df;
  const auto scale = hn::Set(df, full_scale);
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_float_as_i16(hn::Mul(load_n(df, in + i, count), scale), out + i, count);
  });
}

// ~7 ns AVX2, ~6 ns AVX-512 (scalar ~10-19), clamp_i16/*.
void clamp_i16_simd(const std::int16_t* in, std::int16_t* out, std::size_t n, std::int16_t lo,
                    std::int16_t hi) {
  const d16_t d;
  const auto vlo = hn::Set(d, lo);
  const auto vhi = hn::Set(d, hi);
  for_chunks(n, hn::Lanes(d), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_n(hn::Min(hn::Max(load_n(d, in + i, count), vlo), vhi), d, out + i, count);
  });
}

// ~10-14 ns AVX2, ~7.5 ns AVX-512 (scalar ~14), clamp_f32/*.
void clamp_f32_simd(const float* in, float* out, std::size_t n, float lo, float hi) {
  const df_t df;
  const auto vlo = hn::Set(df, lo);
  const auto vhi = hn::Set(df, hi);
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_n(hn::Min(hn::Max(load_n(df, in + i, count), vlo), vhi), df, out + i, count);
  });
}

// ~10-15 ns AVX2, ~8-13 ns AVX-512 (scalar ~60-75), dot_f32/*.
float dot_simd(const float* a, const float* b, std::size_t n) {
  const df_t df;
  const std::size_t lanes = hn::Lanes(df);
  // Two accumulators hide the multiply-add latency.
  auto acc0 = hn::Zero(df);
  auto acc1 = hn::Zero(df);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    acc0 = hn::MulAdd(hn::LoadU(df, a + i), hn::LoadU(df, b + i), acc0);
    acc1 = hn::MulAdd(hn::LoadU(df, a + i + lanes), hn::LoadU(df, b + i + lanes), acc1);
  }
  for_chunks(n - i, lanes, [&](std::size_t j, std::size_t count) HWY_ATTR {
    acc0 = hn::MulAdd(load_n(df, a + i + j, count), load_n(df, b + i + j, count), acc0);
  });
  return hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
}

// ~11-16 ns AVX2, ~9-11 ns AVX-512 (scalar ~22-25), axpy_f32/*.
void axpy_simd(float a, const float* x, float* y, std::size_t n) {
  const df_t df;
  const auto va = hn::Set(df, a);
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_n(hn::MulAdd(va, load_n(df, x + i, count), load_n(df, y + i, count)), df, y + i, count);
  });
}

// ~13-16 ns AVX2, ~10-11 ns AVX-512 (scalar ~20), mul_acc_f32/*.
void mul_acc_simd(const float* x, const float* h, float* y, std::size_t n) {
  const df_t df;
  for_chunks(n, hn::Lanes(df), [&](std::size_t i, std::size_t count) HWY_ATTR {
    store_n(hn::MulAdd(load_n(df, x + i, count), load_n(df, h + i, count), load_n(df, y + i, count)), df,
            y + i, count);
  });
}

#endif  // HWY_TARGET == HWY_SCALAR

std::int64_t target_simd() { return HWY_TARGET; }

}  // namespace dsp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp::kernels {

HWY_EXPORT(gain_simd);
HWY_EXPORT(gain_ramp_simd);
HWY_EXPORT(mix_simd);
HWY_EXPORT(sum_squares_simd);
HWY_EXPORT(peak_simd);
HWY_EXPORT(to_float_simd);
HWY_EXPORT(from_float_simd);
HWY_EXPORT(clamp_i16_simd);
HWY_EXPORT(clamp_f32_simd);
HWY_EXPORT(dot_simd);
HWY_EXPORT(axpy_simd);
HWY_EXPORT(mul_acc_simd);
HWY_EXPORT(target_simd);

void gain(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g) noexcept {
  HWY_DYNAMIC_DISPATCH(gain_simd)(in.data(), out.data(), std::min(in.size(), out.size()), g);
}

void gain_ramp(std::span<const std::int16_t> in, std::span<std::int16_t> out, float g0, float g1) noexcept {
  HWY_DYNAMIC_DISPATCH(gain_ramp_simd)(in.data(), out.data(), std::min(in.size(), out.size()), g0, g1);
}

void mix(std::span<const std::span<const std::int16_t>> inputs, std::span<std::int16_t> out) noexcept {
  std::size_t n = out.size();
  for (const auto& s : inputs) n = std::min(n, s.size());
  if (inputs.empty()) n = out.size();  // no inputs: the sum is 0 everywhere
  HWY_DYNAMIC_DISPATCH(mix_simd)(inputs.data(), inputs.size(), out.data(), n);
}

std::uint64_t sum_squares(std::span<const std::int16_t> x) noexcept {
  return HWY_DYNAMIC_DISPATCH(sum_squares_simd)(x.data(), x.size());
}

std::int32_t peak(std::span<const std::int16_t> x) noexcept {
  return HWY_DYNAMIC_DISPATCH(peak_simd)(x.data(), x.size());
}

void to_float(std::span<const std::int16_t> in, std::span<float> out) noexcept {
  HWY_DYNAMIC_DISPATCH(to_float_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}

void from_float(std::span<const float> in, std::span<std::int16_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(from_float_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}

void clamp(std::span<const std::int16_t> in, std::span<std::int16_t> out, std::int16_t lo,
           std::int16_t hi) noexcept {
  HWY_DYNAMIC_DISPATCH(clamp_i16_simd)(in.data(), out.data(), std::min(in.size(), out.size()), lo, hi);
}

void clamp(std::span<const float> in, std::span<float> out, float lo, float hi) noexcept {
  HWY_DYNAMIC_DISPATCH(clamp_f32_simd)(in.data(), out.data(), std::min(in.size(), out.size()), lo, hi);
}

float dot(std::span<const float> a, std::span<const float> b) noexcept {
  return HWY_DYNAMIC_DISPATCH(dot_simd)(a.data(), b.data(), std::min(a.size(), b.size()));
}

void axpy(float a, std::span<const float> x, std::span<float> y) noexcept {
  HWY_DYNAMIC_DISPATCH(axpy_simd)(a, x.data(), y.data(), std::min(x.size(), y.size()));
}

void mul_acc(std::span<const float> x, std::span<const float> h, std::span<float> y) noexcept {
  HWY_DYNAMIC_DISPATCH(mul_acc_simd)(x.data(), h.data(), y.data(), std::min({x.size(), h.size(), y.size()}));
}

std::int64_t simd_dispatch_target() noexcept { return HWY_DYNAMIC_DISPATCH(target_simd)(); }

}  // namespace dsp::kernels
#endif  // HWY_ONCE
