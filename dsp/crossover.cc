// SPDX-License-Identifier: BSD-3-Clause
// Three-band LR4 crossover (see crossover.h): coefficients, block weights, SIMD block filters (Highway).
//
// Compiled once per Highway target (foreach_target.h re-includes this file); the
// block length B is the target's float lane count (1, 4, 8 or 16), so one vector
// holds one block and one broadcast-multiply-add applies one term to all of it.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/crossover.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <string>

#include "dsp/crossover.h"

HWY_BEFORE_NAMESPACE();
namespace dsp::xover_simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr std::size_t stride = crossover3::max_block;

// Lane broadcasts of the last max_order lanes of a vector: the previous block's
// last outputs, taken from the register instead of through a store and a load
// (the recursion's critical path).
template <class D>
struct last_lanes {
  decltype(hn::SetTableIndices(D(), static_cast<const std::int32_t*>(nullptr))) idx[crossover3::max_order];
  explicit last_lanes(D d) {
    alignas(64) std::int32_t t[crossover3::max_block];
    const auto lanes = static_cast<std::int32_t>(hn::Lanes(d));
    for (int j = 0; j < crossover3::max_order; ++j) {
      // Lane lanes - 1 - j (with one lane, the scalar target, only j = 0 is used).
      std::fill(t, t + crossover3::max_block, std::max<std::int32_t>(lanes - 1 - j, 0));
      idx[j] = hn::SetTableIndices(d, t);
    }
  }
};

// One block of B = Lanes(d) outputs of a filter of order p (crossover.h, block form):
// x[0..B) the block's inputs, x[-p..-1] the past inputs; y_prev: the previous
// block's outputs (its last p lanes are y[-p..-1]), or for the first block of a
// frame, y_hist: the past outputs in memory.
template <class D>
HWY_INLINE hn::Vec<D> filter_block(D d, const float* tab, int p, const float* x, hn::Vec<D> y_prev,
                                   const float* y_hist, const last_lanes<D>& ll) {
  const std::size_t lanes = hn::Lanes(d);
  const float* g = tab;
  const float* e = tab + stride * stride;
  const float* f = e + crossover3::max_order * stride;
  auto a0 = hn::Zero(d);
  auto a1 = hn::Zero(d);
  std::size_t k = 0;
  for (; k + 1 < lanes; k += 2) {
    a0 = hn::MulAdd(hn::Set(d, x[k]), hn::Load(d, g + k * stride), a0);
    a1 = hn::MulAdd(hn::Set(d, x[k + 1]), hn::Load(d, g + (k + 1) * stride), a1);
  }
  if (k < lanes) a0 = hn::MulAdd(hn::Set(d, x[k]), hn::Load(d, g + k * stride), a0);
  for (int j = 1; j <= p; ++j) a1 = hn::MulAdd(hn::Set(d, x[-j]), hn::Load(d, e + (j - 1) * stride), a1);
  // Past outputs last and split over both sums: the only loop-carried dependency.
  for (int j = 1; j <= p; j += 2) {
    const bool reg = static_cast<std::size_t>(j + 1) <= lanes && y_hist == nullptr;
    const auto y1 = reg ? hn::TableLookupLanes(y_prev, ll.idx[j - 1]) : hn::Set(d, y_hist[-j]);
    const auto y2 = reg ? hn::TableLookupLanes(y_prev, ll.idx[j]) : hn::Set(d, y_hist[-j - 1]);
    a0 = hn::MulAdd(y1, hn::Load(d, f + (j - 1) * stride), a0);
    a1 = hn::MulAdd(y2, hn::Load(d, f + j * stride), a1);
  }
  return hn::Add(a0, a1);
}

// The four filters over a frame (crossover.h): x -> l2 (lp_hi), a4 (ap_lo_hi);
// l2 -> lo (lp_lo), ap (ap_lo). Block i of the second pair runs right after block
// i of the first, so four independent recursions are in flight. Signals: aligned,
// with their history before and a block of room after n.
void split_simd(const float* tab, const float* x, float* l2, float* a4, float* lo, float* ap, std::size_t n) {
  using D = hn::ScalableTag<float>;
  const D d;
  const std::size_t lanes = hn::Lanes(d);
  const last_lanes<D> ll(d);
  constexpr std::size_t tf = crossover3::table_floats;
  const float* t_lp_hi = tab + crossover3::lp_hi * tf;
  const float* t_ap_lo_hi = tab + crossover3::ap_lo_hi * tf;
  const float* t_lp_lo = tab + crossover3::lp_lo * tf;
  const float* t_ap_lo = tab + crossover3::ap_lo * tf;
  // First block: past outputs from memory (the previous frame's).
  auto v_l2 = filter_block(d, t_lp_hi, 4, x, hn::Zero(d), l2, ll);
  auto v_a4 = filter_block(d, t_ap_lo_hi, 4, x, hn::Zero(d), a4, ll);
  hn::Store(v_l2, d, l2);
  hn::Store(v_a4, d, a4);
  auto v_lo = filter_block(d, t_lp_lo, 4, l2, hn::Zero(d), lo, ll);
  auto v_ap = filter_block(d, t_ap_lo, 2, l2, hn::Zero(d), ap, ll);
  hn::Store(v_lo, d, lo);
  hn::Store(v_ap, d, ap);
  // With fewer lanes than the order, the register holds too few past outputs:
  // read them from memory.
  const bool mem = lanes < static_cast<std::size_t>(crossover3::max_order);
  for (std::size_t i = lanes; i < n; i += lanes) {
    v_l2 = filter_block(d, t_lp_hi, 4, x + i, v_l2, mem ? l2 + i : nullptr, ll);
    v_a4 = filter_block(d, t_ap_lo_hi, 4, x + i, v_a4, mem ? a4 + i : nullptr, ll);
    hn::Store(v_l2, d, l2 + i);
    hn::Store(v_a4, d, a4 + i);
    v_lo = filter_block(d, t_lp_lo, 4, l2 + i, v_lo, mem ? lo + i : nullptr, ll);
    v_ap = filter_block(d, t_ap_lo, 2, l2 + i, v_ap, mem ? ap + i : nullptr, ll);
    hn::Store(v_lo, d, lo + i);
    hn::Store(v_ap, d, ap + i);
  }
}

// low = lo, mid = ap - lo, high = a4 - ap.
void combine_simd(const float* lo, const float* ap, const float* a4, float* low, float* mid, float* high,
                  std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto l = hn::Load(d, lo + i), a = hn::Load(d, ap + i);
    hn::StoreU(l, d, low + i);
    hn::StoreU(hn::Sub(a, l), d, mid + i);
    hn::StoreU(hn::Sub(hn::Load(d, a4 + i), a), d, high + i);
  }
  for (; i < n; ++i) {
    low[i] = lo[i];
    mid[i] = ap[i] - lo[i];
    high[i] = a4[i] - ap[i];
  }
}

}  // namespace dsp::xover_simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp {
namespace xover_simd {
HWY_EXPORT(split_simd);
HWY_EXPORT(combine_simd);
void split(const float* tab, const float* x, float* l2, float* a4, float* lo, float* ap, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(split_simd)(tab, x, l2, a4, lo, ap, n);
}
void combine(const float* lo, const float* ap, const float* a4, float* low, float* mid, float* high,
             std::size_t n) {
  HWY_DYNAMIC_DISPATCH(combine_simd)(lo, ap, a4, low, mid, high, n);
}
}  // namespace xover_simd

validation crossover_config::validate() const {
  if (!(low_hz >= 100.0f && low_hz <= 3000.0f)) return "low_hz: " + std::to_string(low_hz) + " out of range 100..3000";
  if (!(high_hz > low_hz * 1.5f && high_hz <= 3800.0f))
    return "high_hz: " + std::to_string(high_hz) + " must be above 1.5 * low_hz and at most 3800";
  return std::nullopt;
}

namespace {

// A filter b(z) / a(z) of order <= 4 (a[0] = 1), in double for the block weights.
struct poly {
  double b[5] = {0, 0, 0, 0, 0};
  double a[5] = {1, 0, 0, 0, 0};
};

// RBJ cookbook: w0 = 2 pi f / fs, alpha = sin(w0) / (2 Q); normalised by a0.
poly rbj(bool allpass, double f_hz, double q) {
  const double w0 = 2.0 * std::numbers::pi * f_hz / sample_rate_hz;
  const double c = std::cos(w0), al = std::sin(w0) / (2.0 * q), a0 = 1.0 + al;
  poly p;
  if (allpass) {
    p.b[0] = (1.0 - al) / a0, p.b[1] = -2.0 * c / a0, p.b[2] = 1.0;
  } else {
    p.b[0] = (1.0 - c) / 2.0 / a0, p.b[1] = (1.0 - c) / a0, p.b[2] = p.b[0];
  }
  p.a[1] = -2.0 * c / a0;
  p.a[2] = (1.0 - al) / a0;
  return p;
}

// Cascade of two second-order filters: product of the polynomials.
poly cascade(const poly& u, const poly& v) {
  poly r;
  r.a[0] = 0;
  for (int i = 0; i <= 2; ++i)
    for (int j = 0; j <= 2; ++j) r.b[i + j] += u.b[i] * v.b[j], r.a[i + j] += u.a[i] * v.a[j];
  return r;
}

// Output n of the block (0 <= n < max_block) for block inputs xb and history
// xh[j-1] = x[-j], yh[j-1] = y[-j] (direct form I, in double).
void respond(const poly& p, const double* xb, const double* xh, const double* yh, double* y) {
  constexpr int m = crossover3::max_order;
  double xs[m + crossover3::max_block], ys[m + crossover3::max_block];
  for (int j = 1; j <= m; ++j) xs[m - j] = xh[j - 1], ys[m - j] = yh[j - 1];
  for (int n = 0; n < crossover3::max_block; ++n) {
    xs[m + n] = xb[n];
    double acc = 0;
    for (int j = 0; j <= m; ++j) acc += p.b[j] * xs[m + n - j];
    for (int j = 1; j <= m; ++j) acc -= p.a[j] * ys[m + n - j];
    ys[m + n] = acc;
    y[n] = acc;
  }
}

// The block weights of one filter (layout: crossover3::table_floats).
void make_table(const poly& p, float* t) {
  constexpr int s = crossover3::max_block, m = crossover3::max_order;
  double xb[s], xh[m], yh[m], y[s];
  auto unit = [&](double* v, int len, int at) {
    for (int i = 0; i < len; ++i) v[i] = i == at ? 1.0 : 0.0;
  };
  for (int k = 0; k < s; ++k) {  // impulse at k: column k
    unit(xb, s, k), unit(xh, m, -1), unit(yh, m, -1);
    respond(p, xb, xh, yh, y);
    for (int n = 0; n < s; ++n) t[k * s + n] = static_cast<float>(y[n]);
  }
  for (int j = 0; j < m; ++j) {
    unit(xb, s, -1), unit(xh, m, j), unit(yh, m, -1);
    respond(p, xb, xh, yh, y);
    for (int n = 0; n < s; ++n) t[s * s + j * s + n] = static_cast<float>(y[n]);
    unit(xh, m, -1), unit(yh, m, j);
    respond(p, xb, xh, yh, y);
    for (int n = 0; n < s; ++n) t[s * s + m * s + j * s + n] = static_cast<float>(y[n]);
  }
}

// Butterworth Q (1/sqrt 2): two in cascade make the LR4 low-pass; the LR4 pair's
// sum is the 2nd-order allpass with this same Q.
constexpr double butterworth_q = 0.70710678118654752;

// Offsets in sig_: each signal has max_block floats of room before its frame
// (its last max_order hold the history) so that the frame starts aligned.
constexpr std::size_t frame_at(int signal) {
  return static_cast<std::size_t>(signal) * crossover3::signal_floats + crossover3::max_block;
}
enum signal_id { sig_x = 0, sig_l2 = 1, sig_a4 = 2, sig_low = 3, sig_ap = 4, signals = 5 };

}  // namespace

biquad biquad::lowpass(float f_hz, float q) {
  const poly p = rbj(false, f_hz, q);
  biquad b;
  b.b0 = static_cast<float>(p.b[0]);
  b.b1 = static_cast<float>(p.b[1]);
  b.b2 = static_cast<float>(p.b[2]);
  b.a1 = static_cast<float>(p.a[1]);
  b.a2 = static_cast<float>(p.a[2]);
  return b;
}

biquad biquad::allpass(float f_hz, float q) {
  const poly p = rbj(true, f_hz, q);
  biquad b;
  b.b0 = static_cast<float>(p.b[0]);
  b.b1 = static_cast<float>(p.b[1]);
  b.b2 = 1.0f;  // (1 + alpha) / a0
  b.a1 = b.b1;
  b.a2 = b.b0;
  return b;
}

crossover3::crossover3(const config& cfg, std::pmr::memory_resource* mr)
    : tables_(static_cast<std::size_t>(filters) * table_floats, mr),
      sig_(static_cast<std::size_t>(signals) * signal_floats, mr) {
  static_assert(table_floats % max_block == 0 && signal_floats % max_block == 0,
                "tables and signals start on 64-byte boundaries");
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  const poly lp_h = rbj(false, cfg.high_hz, butterworth_q), ap_h = rbj(true, cfg.high_hz, butterworth_q);
  const poly lp_l = rbj(false, cfg.low_hz, butterworth_q), ap_l = rbj(true, cfg.low_hz, butterworth_q);
  make_table(cascade(lp_h, lp_h), tables_.data() + lp_hi * table_floats);
  make_table(cascade(ap_h, ap_l), tables_.data() + ap_lo_hi * table_floats);
  make_table(cascade(lp_l, lp_l), tables_.data() + lp_lo * table_floats);
  make_table(ap_l, tables_.data() + ap_lo * table_floats);
}

void crossover3::reset() noexcept { sig_.fill_zero(); }

void crossover3::split(std::span<const float> x, std::span<float> low, std::span<float> mid,
                       std::span<float> high) noexcept {
  const std::size_t total = std::min({x.size(), low.size(), mid.size(), high.size()});
  constexpr auto chunk = static_cast<std::size_t>(max_frame_samples);
  for (std::size_t at = 0; at < total; at += chunk)
    split_chunk(x.data() + at, low.data() + at, mid.data() + at, high.data() + at, std::min(chunk, total - at));
}

void crossover3::split_chunk(const float* x, float* low, float* mid, float* high, std::size_t n) noexcept {
  float* s = sig_.data();
  float* xs = s + frame_at(sig_x);
  std::memcpy(xs, x, n * sizeof(float));
  // Zero the rest of the last block: those lanes only feed outputs past n, which
  // are discarded, but must stay finite.
  std::fill(xs + n, xs + n + max_block, 0.0f);
  xover_simd::split(tables_.data(), xs, s + frame_at(sig_l2), s + frame_at(sig_a4), s + frame_at(sig_low),
                    s + frame_at(sig_ap), n);
  xover_simd::combine(s + frame_at(sig_low), s + frame_at(sig_ap), s + frame_at(sig_a4), low, mid, high, n);
  // The last max_order samples of every signal become the next frame's history
  // (memmove: for n < max_order the ranges overlap).
  for (int g = 0; g < signals; ++g) {
    float* f = s + frame_at(g);
    std::memmove(f - max_order, f + n - max_order, max_order * sizeof(float));
  }
}

}  // namespace dsp
#endif  // HWY_ONCE
