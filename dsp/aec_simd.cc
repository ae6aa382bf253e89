// SPDX-License-Identifier: BSD-3-Clause
// Highway implementations of dsp/aec_simd.h, one per target (SSE4/AVX2/AVX-512), chosen at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/aec_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>

#include "dsp/aec_simd.h"

HWY_BEFORE_NAMESPACE();
namespace dsp::aec_simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void scale_impl(float* y, float k, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto vk = hn::Set(d, k);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::Mul(vk, hn::LoadU(d, y + i)), d, y + i);
  for (; i < n; ++i) y[i] *= k;
}

void mul_impl(float* y, const float* w, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, w + i), hn::LoadU(d, y + i)), d, y + i);
  for (; i < n; ++i) y[i] *= w[i];
}

void cmac_impl(float* yr, float* yi, const float* wr, const float* wi, const float* xr, const float* xi,
               std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto a = hn::LoadU(d, wr + i), b = hn::LoadU(d, wi + i);
    const auto c = hn::LoadU(d, xr + i), e = hn::LoadU(d, xi + i);
    hn::StoreU(hn::NegMulAdd(b, e, hn::MulAdd(a, c, hn::LoadU(d, yr + i))), d, yr + i);
    hn::StoreU(hn::MulAdd(b, c, hn::MulAdd(a, e, hn::LoadU(d, yi + i))), d, yi + i);
  }
  for (; i < n; ++i) {
    yr[i] += wr[i] * xr[i] - wi[i] * xi[i];
    yi[i] += wr[i] * xi[i] + wi[i] * xr[i];
  }
}

void cgrad_impl(float* wr, float* wi, const float* xr, const float* xi, const float* er, const float* ei,
                const float* mu, float g, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto vg = hn::Set(d, g);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto a = hn::LoadU(d, xr + i), b = hn::LoadU(d, xi + i);
    const auto c = hn::LoadU(d, er + i), e = hn::LoadU(d, ei + i);
    const auto m = hn::Mul(vg, hn::LoadU(d, mu + i));
    const auto gr = hn::MulAdd(a, c, hn::Mul(b, e));     // Re(conj(x) e)
    const auto gi = hn::NegMulAdd(b, c, hn::Mul(a, e));  // Im(conj(x) e)
    hn::StoreU(hn::MulAdd(m, gr, hn::LoadU(d, wr + i)), d, wr + i);
    hn::StoreU(hn::MulAdd(m, gi, hn::LoadU(d, wi + i)), d, wi + i);
  }
  for (; i < n; ++i) {
    wr[i] += g * mu[i] * (xr[i] * er[i] + xi[i] * ei[i]);
    wi[i] += g * mu[i] * (xr[i] * ei[i] - xi[i] * er[i]);
  }
}

void split_impl(const float* c, float* re, float* im, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::Vec<decltype(d)> a, b;
    hn::LoadInterleaved2(d, c + 2 * i, a, b);
    hn::StoreU(a, d, re + i);
    hn::StoreU(b, d, im + i);
  }
  for (; i < n; ++i) {
    re[i] = c[2 * i];
    im[i] = c[2 * i + 1];
  }
}

void join_impl(const float* re, const float* im, float* c, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreInterleaved2(hn::LoadU(d, re + i), hn::LoadU(d, im + i), d, c + 2 * i);
  for (; i < n; ++i) {
    c[2 * i] = re[i];
    c[2 * i + 1] = im[i];
  }
}

void power_acc_impl(float* y, const float* xr, const float* xi, float g, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto vg = hn::Set(d, g);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto a = hn::LoadU(d, xr + i), b = hn::LoadU(d, xi + i);
    hn::StoreU(hn::MulAdd(vg, hn::MulAdd(a, a, hn::Mul(b, b)), hn::LoadU(d, y + i)), d, y + i);
  }
  for (; i < n; ++i) y[i] += g * (xr[i] * xr[i] + xi[i] * xi[i]);
}

float sum_impl(const float* x, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  auto acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) acc = hn::Add(acc, hn::LoadU(d, x + i));
  float r = hn::GetLane(hn::SumOfLanes(d, acc));
  for (; i < n; ++i) r += x[i];
  return r;
}

float max_abs_impl(const float* x, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  auto acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) acc = hn::Max(acc, hn::Abs(hn::LoadU(d, x + i)));
  float r = hn::GetLane(hn::MaxOfLanes(d, acc));
  for (; i < n; ++i) r = std::max(r, std::fabs(x[i]));
  return r;
}

block_powers errors_impl(const float* near, const float* yf, const float* yb, float* ef, float* eb, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  auto pd = hn::Zero(d), pf = hn::Zero(d), pb = hn::Zero(d), pyf = hn::Zero(d), dis = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::LoadU(d, near + i), f = hn::LoadU(d, yf + i), b = hn::LoadU(d, yb + i);
    const auto e1 = hn::Sub(x, f), e2 = hn::Sub(x, b), df = hn::Sub(b, f);
    hn::StoreU(e1, d, ef + i);
    hn::StoreU(e2, d, eb + i);
    pd = hn::MulAdd(x, x, pd);
    pf = hn::MulAdd(e1, e1, pf);
    pb = hn::MulAdd(e2, e2, pb);
    pyf = hn::MulAdd(f, f, pyf);
    dis = hn::MulAdd(df, df, dis);
  }
  block_powers r{hn::GetLane(hn::SumOfLanes(d, pd)), hn::GetLane(hn::SumOfLanes(d, pf)),
                 hn::GetLane(hn::SumOfLanes(d, pb)), hn::GetLane(hn::SumOfLanes(d, pyf)),
                 hn::GetLane(hn::SumOfLanes(d, dis))};
  for (; i < n; ++i) {
    ef[i] = near[i] - yf[i];
    eb[i] = near[i] - yb[i];
    r.near += near[i] * near[i];
    r.fore += ef[i] * ef[i];
    r.back += eb[i] * eb[i];
    r.echo_fore += yf[i] * yf[i];
    r.disagreement += (yb[i] - yf[i]) * (yb[i] - yf[i]);
  }
  return r;
}

float noise_track_impl(const float* er, const float* ei, float* esm, float* noise, float a, float rise, bool init,
                       std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto va = hn::Set(d, a), vr = hn::Set(d, rise);
  auto acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto r = hn::LoadU(d, er + i), m = hn::LoadU(d, ei + i);
    const auto e2 = hn::MulAdd(r, r, hn::Mul(m, m));
    const auto s = hn::MulAdd(va, hn::Sub(e2, hn::LoadU(d, esm + i)), hn::LoadU(d, esm + i));
    hn::StoreU(s, d, esm + i);
    const auto nv = init ? hn::Min(hn::Mul(hn::LoadU(d, noise + i), vr), s) : e2;
    hn::StoreU(nv, d, noise + i);
    acc = hn::Add(acc, nv);
  }
  float sum = hn::GetLane(hn::SumOfLanes(d, acc));
  for (; i < n; ++i) {
    const float e2 = er[i] * er[i] + ei[i] * ei[i];
    esm[i] += a * (e2 - esm[i]);
    noise[i] = init ? std::min(noise[i] * rise, esm[i]) : e2;
    sum += noise[i];
  }
  return sum;
}

step_sums step_control_impl(const step_inputs& in, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto cs = hn::Set(d, in.cs), q_add = hn::Set(d, in.q_add), bump = hn::Set(d, in.bump);
  const auto psi_noise = hn::Set(d, in.psi_noise), norm_add = hn::Set(d, in.norm_add);
  const auto mu_top = hn::Set(d, in.mu_top), shrink = hn::Set(d, in.shrink), half = hn::Set(d, 0.5f);
  const auto one = hn::Set(d, 1.0f), tiny = hn::Set(d, 1e-6f);
  auto coh_acc = hn::Zero(d), mis_acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto xr = hn::LoadU(d, in.x0r + i), xi = hn::LoadU(d, in.x0i + i);
    const auto er = hn::LoadU(d, in.er + i), ei = hn::LoadU(d, in.ei + i);
    const auto e2 = hn::MulAdd(er, er, hn::Mul(ei, ei));
    const auto x2 = hn::MulAdd(xr, xr, hn::Mul(xi, xi));
    const auto cr = hn::MulAdd(xr, er, hn::Mul(xi, ei));
    const auto ci = hn::NegMulAdd(xi, er, hn::Mul(xr, ei));
    auto sxer = hn::LoadU(d, in.sxer + i), sxei = hn::LoadU(d, in.sxei + i);
    auto sxx = hn::LoadU(d, in.sxx + i), see = hn::LoadU(d, in.see + i);
    sxer = hn::MulAdd(cs, hn::Sub(cr, sxer), sxer);
    sxei = hn::MulAdd(cs, hn::Sub(ci, sxei), sxei);
    sxx = hn::MulAdd(cs, hn::Sub(x2, sxx), sxx);
    see = hn::MulAdd(cs, hn::Sub(e2, see), see);
    hn::StoreU(sxer, d, in.sxer + i);
    hn::StoreU(sxei, d, in.sxei + i);
    hn::StoreU(sxx, d, in.sxx + i);
    hn::StoreU(see, d, in.see + i);
    const auto coh = hn::Div(hn::MulAdd(sxer, sxer, hn::Mul(sxei, sxei)), hn::MulAdd(sxx, see, tiny));
    coh_acc = hn::Add(coh_acc, coh);
    const auto m = hn::Max(hn::Add(hn::LoadU(d, in.mis + i), q_add), bump);
    const auto xpow = hn::LoadU(d, in.xpow + i);
    const auto echo_mis = hn::Mul(hn::Mul(m, half), xpow);
    const auto psi = hn::Max(hn::Mul(psi_noise, hn::LoadU(d, in.noise + i)), hn::Sub(hn::LoadU(d, in.esm + i), echo_mis));
    const auto frac = hn::Div(echo_mis, hn::Add(hn::Add(echo_mis, psi), tiny));
    hn::StoreU(hn::Div(hn::Mul(mu_top, frac), hn::Add(hn::LoadU(d, in.wpow + i), norm_add)), d, in.mu + i);
    hn::StoreU(hn::Mul(m, hn::NegMulAdd(shrink, frac, one)), d, in.mis + i);
    mis_acc = hn::Add(mis_acc, echo_mis);
  }
  step_sums r{hn::GetLane(hn::SumOfLanes(d, coh_acc)), hn::GetLane(hn::SumOfLanes(d, mis_acc))};
  for (; i < n; ++i) {
    const float e2 = in.er[i] * in.er[i] + in.ei[i] * in.ei[i];
    const float x2 = in.x0r[i] * in.x0r[i] + in.x0i[i] * in.x0i[i];
    in.sxer[i] += in.cs * ((in.x0r[i] * in.er[i] + in.x0i[i] * in.ei[i]) - in.sxer[i]);
    in.sxei[i] += in.cs * ((in.x0r[i] * in.ei[i] - in.x0i[i] * in.er[i]) - in.sxei[i]);
    in.sxx[i] += in.cs * (x2 - in.sxx[i]);
    in.see[i] += in.cs * (e2 - in.see[i]);
    r.coherence += (in.sxer[i] * in.sxer[i] + in.sxei[i] * in.sxei[i]) / (in.sxx[i] * in.see[i] + 1e-6f);
    const float m = std::max(in.mis[i] + in.q_add, in.bump);
    const float echo_mis = m * 0.5f * in.xpow[i];
    const float psi = std::max(in.psi_noise * in.noise[i], in.esm[i] - echo_mis);
    const float frac = echo_mis / (echo_mis + psi + 1e-6f);
    in.mu[i] = in.mu_top * frac / (in.wpow[i] + in.norm_add);
    in.mis[i] = m * (1.0f - in.shrink * frac);
    r.misalignment_echo += echo_mis;
  }
  return r;
}

void comfort_mix_impl(float* e, std::uint32_t* state, float g, float cn, std::size_t n) {
  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t lanes = hn::Lanes(d);
  constexpr float unit = 1.7320508f / 2147483648.0f;  // int32 -> uniform on [-sqrt3, sqrt3)
  const auto vg = hn::Set(d, g), vc = hn::Set(d, cn * unit);
  std::size_t i = 0;
  if (lanes <= 16) {
    for (; i + 16 <= n; i += 16) {
      for (std::size_t j = 0; j < 16; j += lanes) {
        auto x = hn::LoadU(du, state + j);
        x = hn::Xor(x, hn::ShiftLeft<13>(x));  // xorshift32 (Marsaglia, J. Stat. Softw. 8(14), 2003)
        x = hn::Xor(x, hn::ShiftRight<17>(x));
        x = hn::Xor(x, hn::ShiftLeft<5>(x));
        hn::StoreU(x, du, state + j);
        const auto r = hn::ConvertTo(d, hn::BitCast(di, x));
        hn::StoreU(hn::MulAdd(vc, r, hn::Mul(vg, hn::LoadU(d, e + i + j))), d, e + i + j);
      }
    }
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    std::uint32_t x = state[j % 16];
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    state[j % 16] = x;
    e[i] = g * e[i] + cn * unit * static_cast<float>(static_cast<std::int32_t>(x));
  }
}

void corr_update_impl(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t l = 0;
  // Four accumulators per pass: each broadcast near sample feeds four FMAs (the
  // estimator pads lags to 64, a whole number of passes on every target).
  for (; l + 4 * lanes <= lags; l += 4 * lanes) {
    auto a0 = hn::LoadU(d, corr + l);
    auto a1 = hn::LoadU(d, corr + l + lanes);
    auto a2 = hn::LoadU(d, corr + l + 2 * lanes);
    auto a3 = hn::LoadU(d, corr + l + 3 * lanes);
    for (std::size_t m = 0; m < k; ++m) {
      const auto w = hn::Set(d, near[m]);
      const float* f = far + (k - 1 - m) + l;
      a0 = hn::MulAdd(w, hn::LoadU(d, f), a0);
      a1 = hn::MulAdd(w, hn::LoadU(d, f + lanes), a1);
      a2 = hn::MulAdd(w, hn::LoadU(d, f + 2 * lanes), a2);
      a3 = hn::MulAdd(w, hn::LoadU(d, f + 3 * lanes), a3);
    }
    hn::StoreU(a0, d, corr + l);
    hn::StoreU(a1, d, corr + l + lanes);
    hn::StoreU(a2, d, corr + l + 2 * lanes);
    hn::StoreU(a3, d, corr + l + 3 * lanes);
  }
  for (; l + 2 * lanes <= lags; l += 2 * lanes) {
    auto a0 = hn::LoadU(d, corr + l);
    auto a1 = hn::LoadU(d, corr + l + lanes);
    for (std::size_t m = 0; m < k; ++m) {
      const auto w = hn::Set(d, near[m]);
      const float* f = far + (k - 1 - m) + l;
      a0 = hn::MulAdd(w, hn::LoadU(d, f), a0);
      a1 = hn::MulAdd(w, hn::LoadU(d, f + lanes), a1);
    }
    hn::StoreU(a0, d, corr + l);
    hn::StoreU(a1, d, corr + l + lanes);
  }
  for (; l < lags; ++l) {
    float acc = corr[l];
    for (std::size_t m = 0; m < k; ++m) acc += near[m] * far[k - 1 - m + l];
    corr[l] = acc;
  }
}

}  // namespace dsp::aec_simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp::aec_simd {

HWY_EXPORT(scale_impl);
HWY_EXPORT(mul_impl);
HWY_EXPORT(cmac_impl);
HWY_EXPORT(cgrad_impl);
HWY_EXPORT(corr_update_impl);
HWY_EXPORT(split_impl);
HWY_EXPORT(join_impl);
HWY_EXPORT(power_acc_impl);
HWY_EXPORT(noise_track_impl);
HWY_EXPORT(sum_impl);
HWY_EXPORT(max_abs_impl);
HWY_EXPORT(errors_impl);
HWY_EXPORT(step_control_impl);
HWY_EXPORT(comfort_mix_impl);

void scale(float* y, float k, std::size_t n) noexcept { HWY_DYNAMIC_DISPATCH(scale_impl)(y, k, n); }
void mul(float* y, const float* w, std::size_t n) noexcept { HWY_DYNAMIC_DISPATCH(mul_impl)(y, w, n); }
void cmac(float* yr, float* yi, const float* wr, const float* wi, const float* xr, const float* xi,
          std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(cmac_impl)(yr, yi, wr, wi, xr, xi, n);
}
void cgrad(float* wr, float* wi, const float* xr, const float* xi, const float* er, const float* ei,
           const float* mu, float g, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(cgrad_impl)(wr, wi, xr, xi, er, ei, mu, g, n);
}

void split(const float* c, float* re, float* im, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(split_impl)(c, re, im, n);
}
void join(const float* re, const float* im, float* c, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(join_impl)(re, im, c, n);
}
void power_acc(float* y, const float* xr, const float* xi, float g, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(power_acc_impl)(y, xr, xi, g, n);
}
float noise_track(const float* er, const float* ei, float* esm, float* noise, float a, float rise, bool init,
                  std::size_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(noise_track_impl)(er, ei, esm, noise, a, rise, init, n);
}
float sum(const float* x, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(sum_impl)(x, n); }
float max_abs(const float* x, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(max_abs_impl)(x, n); }
block_powers errors(const float* near, const float* yf, const float* yb, float* ef, float* eb, std::size_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(errors_impl)(near, yf, yb, ef, eb, n);
}
step_sums step_control(const step_inputs& in, std::size_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(step_control_impl)(in, n);
}

void comfort_mix(float* e, std::uint32_t* state, float g, float cn, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(comfort_mix_impl)(e, state, g, cn, n);
}

void corr_update(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) noexcept {
  HWY_DYNAMIC_DISPATCH(corr_update_impl)(corr, far, near, k, lags);
}

}  // namespace dsp::aec_simd
#endif
