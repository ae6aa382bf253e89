// SPDX-License-Identifier: BSD-3-Clause
// Float kernels of the echo cancellers (Highway, dynamic dispatch): complex MAC/update, correlation update.
//
// Complex data is split (separate real and imaginary arrays) so that every kernel
// is a plain lane-wise loop. Lengths need not be multiples of the vector width.
// Real dot products and axpy come from dsp/kernels.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsp::aec_simd {

// y[i] *= k
void scale(float* y, float k, std::size_t n) noexcept;
// y[i] *= w[i]
void mul(float* y, const float* w, std::size_t n) noexcept;
// (yr + j yi)[i] += (wr + j wi)[i] * (xr + j xi)[i]
void cmac(float* yr, float* yi, const float* wr, const float* wi, const float* xr, const float* xi,
          std::size_t n) noexcept;
// (wr + j wi)[i] += g * mu[i] * conj(xr + j xi)[i] * (er + j ei)[i]   (NLMS gradient step per
// bin, g a per-partition gain)
void cgrad(float* wr, float* wi, const float* xr, const float* xi, const float* er, const float* ei,
           const float* mu, float g, std::size_t n) noexcept;

// Interleaved complex (re, im, re, im, ...: std::complex<float> arrays) to split arrays
// and back; n complex values.
void split(const float* c, float* re, float* im, std::size_t n) noexcept;
void join(const float* re, const float* im, float* c, std::size_t n) noexcept;

// y[i] += g * (xr[i]^2 + xi[i]^2)
void power_acc(float* y, const float* xr, const float* xi, float g, std::size_t n) noexcept;

// Sum of x[0..n).
float sum(const float* x, std::size_t n) noexcept;
// Largest |x[i]| over [0..n) (0 for n = 0).
float max_abs(const float* x, std::size_t n) noexcept;

// The two filters' errors ef = near - yf, eb = near - yb and, in the same pass, the
// block's sums of squares: near, ef, eb, yf and the filters' disagreement yb - yf.
struct block_powers {
  float near = 0, fore = 0, back = 0, echo_fore = 0, disagreement = 0;
};
block_powers errors(const float* near, const float* yf, const float* yb, float* ef, float* eb, std::size_t n) noexcept;

// Per-bin error noise floor: esm += a * (|E|^2 - esm); noise = min(noise * rise, esm)
// (noise = |E|^2 when init). Returns the sum of noise over the n bins.
float noise_track(const float* er, const float* ei, float* esm, float* noise, float a, float rise, bool init,
                  std::size_t n) noexcept;

// The per-bin step control of aec_advanced (see the comments in process()): updates the
// smoothed coherence statistics and the misalignment estimate, writes the step mu and
// returns the sums over bins of the coherence and of the expected misalignment echo.
struct step_inputs {
  const float *x0r, *x0i, *er, *ei, *xpow, *wpow, *noise, *esm;
  float *sxer, *sxei, *sxx, *see, *mis, *mu;
  float cs, q_add, bump, psi_noise, norm_add, mu_top, shrink;
};
struct step_sums {
  float coherence = 0, misalignment_echo = 0;
};
step_sums step_control(const step_inputs& in, std::size_t n) noexcept;

// Comfort-noise mix: e[i] = g * e[i] + cn * r[i], r uniform with unit variance from 16
// xorshift32 generators run side by side (state: 16 words, generator i % 16 feeds e[i]).
void comfort_mix(float* e, std::uint32_t* state, float g, float cn, std::size_t n) noexcept;

// corr[l] += sum_{m < k} near[m] * far[k - 1 - m + l], l = 0..lags-1: the leaky
// cross-correlation update of the delay estimator (far is reversed, newest first),
// accumulated in registers across the k samples.
void corr_update(float* corr, const float* far, const float* near, std::size_t k, std::size_t lags) noexcept;

}  // namespace dsp::aec_simd
