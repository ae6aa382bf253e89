// SPDX-License-Identifier: BSD-3-Clause
// Basic AGC: one band; active speech level tracked on VAD speech only, gain toward a target with attack/release, peak limiter.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/agc.h"
#include "dsp/memory.h"
#include "dsp/processor.h"

namespace dsp {

struct agc_basic_config : agc_level_config {
  // Peak limiter: ceiling (dBFS of a sample) and its release. The limiter reduces
  // the whole frame at once when a peak would exceed the ceiling (no look-ahead:
  // that is the advanced grade's).
  float ceiling_dbfs = -1.0f;
  float limiter_release_ms = 60.0f;

  validation validate() const;
};

class agc_basic final : public gain_controller {
 public:
  using config = agc_basic_config;
  // No buffers (scalars only); mr kept for the common signature.
  explicit agc_basic(const config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  agc_basic(const agc_basic&) = delete;
  agc_basic& operator=(const agc_basic&) = delete;

  // ~0.1 us per 160-sample frame (SIMD kernels: sum of squares, peak, gain ramp),
  // AVX2 box, 2.1 GHz (bench: BM_agc_basic/160).
  float process(std::span<std::int16_t> frame, bool speech) noexcept override;
  void reset() noexcept override;
  bool failed() const noexcept override { return false; }
  int latency_samples() const noexcept override { return 0; }

  float gain_db() const noexcept { return gain_db_; }
  float speech_level_dbfs() const noexcept;

 private:
  config cfg_;
  speech_level_tracker level_;
  float gain_db_ = 0;
  float gain_lin_ = 1;
  float limit_ = 1;  // limiter gain, <= 1
  float ceiling_;
  // Per-frame smoothing factors depend only on the frame length: computed when
  // it changes (three exp() calls saved per frame, about a third of the cost).
  int coeff_samples_ = 0;
  float attack_a_ = 0, release_a_ = 0, limiter_a_ = 0;
};

}  // namespace dsp
