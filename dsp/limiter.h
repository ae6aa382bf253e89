// SPDX-License-Identifier: BSD-3-Clause
// Look-ahead peak limiter: output never exceeds the ceiling, at the cost of a fixed delay.
//
// Method: the gain each sample needs, r[n] = min(1, ceiling / |x[n]|); its minimum over
// the look-ahead window (a monotonic deque, O(1) per sample); a release toward 1;
// then a moving average over the same window. Every value the average takes in the
// window that ends at the delayed output sample is at most that sample's r, so the
// smoothed gain is too: no overshoot by construction, and the gain reaches each
// peak's value with a linear-in-time fade instead of a step. Terms (gain computer,
// attack/release smoothing) as in D. Giannoulis, M. Massberg & J. D. Reiss,
// "Digital dynamic range compressor design - a tutorial and analysis", JAES 60(6),
// 2012; the min-hold + moving-average smoother and its no-overshoot argument are
// the ones stated above.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/memory.h"
#include "dsp/processor.h"

namespace dsp {

struct limiter_config {
  // Highest output magnitude, dBFS of a sample (0 dBFS = 32768). -1 dBFS (29205)
  // keeps 1 dB between the loudest output and int16 saturation (the margin
  // true-peak limiters commonly keep, EBU R 128 allows -1 dBTP).
  float ceiling_dbfs = -1.0f;
  // Look-ahead (= added delay): 2 ms is longer than the rise of a plosive's first
  // period at 8 kHz and short enough to be invisible in a 20 ms packetisation.
  float lookahead_ms = 2.0f;
  // Release time constant back toward unity gain. 60 ms: recovers between
  // syllables (~200 ms apart) yet is six 10 ms pitch periods long, so the gain
  // does not follow the waveform (which would distort it).
  float release_ms = 60.0f;

  validation validate() const;
};

class lookahead_limiter {
 public:
  using config = limiter_config;
  static constexpr int max_lookahead_samples = 80;  // 10 ms

  // full_scale: the sample value of 0 dBFS in the caller's units (32768 for
  // int16-scaled floats, 1 for normalised ones).
  explicit lookahead_limiter(const config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource(),
                             float full_scale = 32768.0f);
  lookahead_limiter(const lookahead_limiter&) = delete;
  lookahead_limiter& operator=(const lookahead_limiter&) = delete;

  // In place; the output is delayed by latency_samples(). At most max_frame_samples
  // per call. While nothing needs limiting (the state is at rest and the frame's
  // peak is under the ceiling) this is a plain delay.
  // ~0.9 us per 160-sample frame while limiting, AVX2 box, 2.1 GHz (bench:
  // BM_limiter/160, peaks always over the ceiling); at rest it is a copy.
  void process(std::span<float> x) noexcept;
  void reset() noexcept;
  int latency_samples() const noexcept { return look_; }
  float ceiling() const noexcept { return ceiling_; }
  // Smallest gain applied since the last call (1 = no limiting), for reports.
  float take_min_gain() noexcept;

 private:
  config cfg_;
  int look_;
  float ceiling_;
  float rel_coef_;
  buffer<float> ext_;        // look_ delayed samples then the current frame
  buffer<float> box_;        // look_ + 1 released gains (ring)
  buffer<float> dq_val_;     // monotonic deque of required gains (ring)
  buffer<std::int64_t> dq_idx_;
  int box_pos_ = 0;
  int dq_head_ = 0, dq_size_ = 0;
  std::int64_t n_ = 0;       // samples seen
  float h_ = 1.0f;           // released gain
  float box_sum_ = 0;
  int rest_run_ = 0;         // consecutive samples with h_ == 1 (the box is all ones after look_ + 1)
  float min_gain_ = 1.0f;
};

}  // namespace dsp
