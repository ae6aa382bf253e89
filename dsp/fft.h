// SPDX-License-Identifier: BSD-3-Clause
// Shared FFTW3f real-FFT plans: planned once per size at start, executed by every session.
//
// FFTW's planner is slow and not thread-safe, its new-array execute calls are
// (FFTW manual §5.4 "Thread safety"). So plans are made once per size by
// fft_registry::prepare() on the control thread at start (or by a processor's
// constructor in the offline tools), and every session runs them on its own
// 64-byte-aligned arrays (dsp::buffer) through real_fft::forward/inverse.
// Session setup in the gateway calls find(), which never plans.
//
// FFTW_MEASURE picks each plan's algorithm by timing candidates, so two processes
// can pick differently and round differently; the adaptive filters carry such
// differences on. Wisdom (FFTW manual §4.7, "Words of Wisdom") records the choices:
// processes that import the same wisdom before planning make the same plans, and
// the gateway, a restarted gateway and `voxgate-dsp process` then give
// bit-identical audio for the same input (media_e2e checks this).
#pragma once

#include <complex>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

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

  // Imports FFTW wisdom from path when that file exists (sets loaded); plans made
  // afterwards for the sizes it covers reuse its choices (plans made before are
  // kept). Returns an error message for a file FFTW cannot read as wisdom.
  static std::optional<std::string> load_wisdom(const std::string& path, bool& loaded);
  // Writes the wisdom of every plan made (and imported) so far to path.
  static std::optional<std::string> save_wisdom(const std::string& path);

 private:
  mutable std::mutex mu_;
  std::map<int, std::unique_ptr<real_fft>> plans_;
};

}  // namespace dsp
