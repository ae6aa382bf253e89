// SPDX-License-Identifier: BSD-3-Clause
// Float kernels of the echo cancellers (Highway, dynamic dispatch): complex MAC/update, correlation update.
//
// Complex data is split (separate real and imaginary arrays) so that every kernel
// is a plain lane-wise loop. Lengths need not be multiples of the vector width.
// Real dot products and axpy come from dsp/kernels.h.
#pragma once

#include <cstddef>

namespace dsp::aec_simd {

// y[i] *= k
void scale(float* y, float k, std::size_t n) noexcept;
// (yr + j yi)[i] += (wr + j wi)[i] * (xr + j xi)[i]
void cmac(float* yr, float* yi, const float* wr, const float* wi, const float* xr, const float* xi,
          std::size_t n) noexcept;
// (wr + j wi)[i] += mu[i] * conj(xr + j xi)[i] * (er + j ei)[i]   (NLMS gradient step per bin)
void cgrad(float* wr, float* wi, const float* xr, const float* xi, const float* er, const float* ei,
           const float* mu, std::size_t n) noexcept;

// corr[l] += sum_{m < k} near[m] * far[k - 1 - m + l], l = 0..lags-1: the leaky
// cross-correlation update of the delay estimator (far is reversed, newest first),
// accumulated in registers across the k samples.
void corr_update(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) noexcept;

}  // namespace dsp::aec_simd
