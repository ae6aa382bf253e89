// SPDX-License-Identifier: BSD-3-Clause
// Highway implementations of dsp/aec_simd.h, one per target (SSE4/AVX2/AVX-512), chosen at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/aec_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

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
                const float* mu, std::size_t n) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto a = hn::LoadU(d, xr + i), b = hn::LoadU(d, xi + i);
    const auto c = hn::LoadU(d, er + i), e = hn::LoadU(d, ei + i);
    const auto m = hn::LoadU(d, mu + i);
    const auto gr = hn::MulAdd(a, c, hn::Mul(b, e));     // Re(conj(x) e)
    const auto gi = hn::NegMulAdd(b, c, hn::Mul(a, e));  // Im(conj(x) e)
    hn::StoreU(hn::MulAdd(m, gr, hn::LoadU(d, wr + i)), d, wr + i);
    hn::StoreU(hn::MulAdd(m, gi, hn::LoadU(d, wi + i)), d, wi + i);
  }
  for (; i < n; ++i) {
    wr[i] += mu[i] * (xr[i] * er[i] + xi[i] * ei[i]);
    wi[i] += mu[i] * (xr[i] * ei[i] - xi[i] * er[i]);
  }
}

void corr_update_impl(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t l = 0;
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
HWY_EXPORT(cmac_impl);
HWY_EXPORT(cgrad_impl);
HWY_EXPORT(corr_update_impl);

void scale(float* y, float k, std::size_t n) noexcept { HWY_DYNAMIC_DISPATCH(scale_impl)(y, k, n); }
void cmac(float* yr, float* yi, const float* wr, const float* wi, const float* xr, const float* xi,
          std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(cmac_impl)(yr, yi, wr, wi, xr, xi, n);
}
void cgrad(float* wr, float* wi, const float* xr, const float* xi, const float* er, const float* ei,
           const float* mu, std::size_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(cgrad_impl)(wr, wi, xr, xi, er, ei, mu, n);
}

void corr_update(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) noexcept {
  HWY_DYNAMIC_DISPATCH(corr_update_impl)(corr, far, near, k, lags);
}

}  // namespace dsp::aec_simd
#endif
