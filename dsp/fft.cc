// SPDX-License-Identifier: BSD-3-Clause
// Shared FFTW3f plans (see fft.h).
#include "dsp/fft.h"

#include <fftw3.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace dsp {

namespace {
// Guards every FFTW planner call: fftwf_plan_* and fftwf_destroy_plan are not thread-safe.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

real_fft::real_fft(int n) : n_(n) {
  if (n < 2 || n % 2 != 0) throw std::invalid_argument("real_fft: size must be even and >= 2, got " + std::to_string(n));
  std::lock_guard lock(planner_mutex());
  float* in = fftwf_alloc_real(static_cast<std::size_t>(n));
  fftwf_complex* out = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  if (in == nullptr || out == nullptr) {
    fftwf_free(in);
    fftwf_free(out);
    throw std::bad_alloc();
  }
  // FFTW_MEASURE tunes for this machine once; the arrays are scratch (MEASURE overwrites them).
  fwd_ = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_MEASURE);
  inv_ = fftwf_plan_dft_c2r_1d(n, out, in, FFTW_MEASURE);
  fftwf_free(in);
  fftwf_free(out);
  if (fwd_ == nullptr || inv_ == nullptr) throw std::runtime_error("real_fft: FFTW could not plan size " + std::to_string(n));
}

real_fft::~real_fft() {
  std::lock_guard lock(planner_mutex());
  if (fwd_ != nullptr) fftwf_destroy_plan(static_cast<fftwf_plan>(fwd_));
  if (inv_ != nullptr) fftwf_destroy_plan(static_cast<fftwf_plan>(inv_));
}

void real_fft::forward(float* in, std::complex<float>* out) const noexcept {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(fwd_), in, reinterpret_cast<fftwf_complex*>(out));
}

void real_fft::inverse(std::complex<float>* in, float* out) const noexcept {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inv_), reinterpret_cast<fftwf_complex*>(in), out);
}

fft_registry& fft_registry::instance() {
  static fft_registry r;
  return r;
}

const real_fft& fft_registry::prepare(int n) {
  std::lock_guard lock(mu_);
  auto it = plans_.find(n);
  if (it != plans_.end()) return *it->second;
  auto [pos, inserted] = plans_.emplace(n, std::make_unique<real_fft>(n));
  return *pos->second;
}

const real_fft* fft_registry::find(int n) const noexcept {
  std::lock_guard lock(mu_);
  auto it = plans_.find(n);
  return it == plans_.end() ? nullptr : it->second.get();
}

std::optional<std::string> fft_registry::load_wisdom(const std::string& path, bool& loaded) {
  loaded = false;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return "cannot check " + path + ": " + ec.message();
    return std::nullopt;
  }
  std::lock_guard lock(planner_mutex());
  if (fftwf_import_wisdom_from_filename(path.c_str()) == 0)
    return path + " is not FFTW (single precision) wisdom or cannot be read";
  loaded = true;
  return std::nullopt;
}

std::optional<std::string> fft_registry::save_wisdom(const std::string& path) {
  std::lock_guard lock(planner_mutex());
  if (fftwf_export_wisdom_to_filename(path.c_str()) == 0) return "cannot write FFTW wisdom to " + path;
  return std::nullopt;
}

}  // namespace dsp
