// SPDX-License-Identifier: BSD-3-Clause
// Basic echo canceller: time-domain NLMS over the whole tail, Geigel double-talk detector.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/aec.h"
#include "dsp/memory.h"

namespace dsp {

class aec_basic final : public echo_canceller {
 public:
  // cfg must be valid (make_echo_canceller checks); mode is ignored.
  explicit aec_basic(const aec_config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  aec_basic(const aec_basic&) = delete;
  aec_basic& operator=(const aec_basic&) = delete;

  // 12 / 20 / 28 us per 160-sample frame at 64 / 128 / 256 ms tail (CPU time, median of 5,
  // Highway AVX3 dispatch, shared 2-core VM under load ~7; 9 / 15 / 33 us on a quieter
  // run): aec_bench BM_aec_basic.
  void process(std::span<const std::int16_t> near, std::span<const std::int16_t> far,
               std::span<std::int16_t> out) noexcept override;
  aec_status status() const noexcept override { return status_; }
  void reset() noexcept override;
  bool failed() const noexcept override { return failed_; }

 private:
  int n_;           // frame samples
  int taps_;        // filter length
  float mu_;        // NLMS step
  float far_floor_; // far-end power (per sample, int16 units^2) below which nothing adapts
  buffer<float> w_;     // taps_, w_[j] multiplies x(n - taps_ + 1 + j)
  buffer<float> x_;     // taps_ + n_: far history in time order, newest last
  buffer<float> peak_;  // Geigel: per-frame far-end peaks over the tail
  int peak_pos_ = 0;
  double x_energy_ = 0;  // sum of x^2 over the current window
  int hangover_ = 0;
  float p_near_ = 0, p_out_ = 0;  // smoothed powers for ERLE
  int good_frames_ = 0;
  double noise_ = -1;  // near-end noise floor per sample (int16 units^2); < 0 until known
  bool failed_ = false;
  aec_status status_{};
};

}  // namespace dsp
