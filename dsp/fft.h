// SPDX-License-Identifier: BSD-3-Clause
// Shared FFTW3f real-FFT plans: planned once per size at start, executed by every session.
//
// FFTW's planner is slow and not thread-safe, its new-array execute calls are
// (FFTW manual §5.4 "Thread safety"). So plans are made once per size by
// fft_registry::prepare() on the control thread at start (or by a processor's
// constructor in the offline tools), and every session runs them on its own
// 64-byte-aligned arrays (dsp::buffer) through real_fft::forward/inverse.
// Session setup in the gateway calls find(), which never plans.
#pragma once

#include <complex>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

namespace dsp {

class real_fft {
 public:
  explicit real_fft(int n);
  ~real_fft();
  real_fft(const real_fft&) = delete;
  real_fft& operator=(const real_fft&) = delete;

  int size() const noexcept { return n_; }
  int bins() const noexcept { return n_ / 2 + 1; }

  // in: size() floats, out: bins() complex values; both 64-byte aligned (dsp::buffer).
  // The input array may be overwritten (FFTW r2c keeps it, c2r does not).
  void forward(float* in, std::complex<float>* out) const noexcept;
  // Unnormalised inverse: out = size() * x for out = inverse(forward(x)).
  // in is clobbered (FFTW's c2r destroys its input).
  void inverse(std::complex<float>* in, float* out) const noexcept;

 private:
  int n_;
  void* fwd_ = nullptr;  // fftwf_plan
  void* inv_ = nullptr;  // fftwf_plan
};

class fft_registry {
 public:
  static fft_registry& instance();

  // Plans size n (even, >= 2) if not planned yet; not for hot paths. Thread-safe.
  const real_fft& prepare(int n);
  // The plan for n if prepare(n) ran, else nullptr. Never plans.
  const real_fft* find(int n) const noexcept;

 private:
  mutable std::mutex mu_;
  std::map<int, std::unique_ptr<real_fft>> plans_;
};

}  // namespace dsp
