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
//
// Evaluation, in SIMD lanes over the whole frame (Highway dispatch): with the gain
// reduction u = 1 - h and d = 1 - r, the per-sample rule
//   u[i] = max(dmax[i], T(c u[i-1])),  T(z) = z < 1e-4 ? 0 : z  (the snap to rest)
// (dmax = window maximum of d, c = release coefficient) unrolls to
//   u[i] = max over k <= i of T(c^(i-k) dmax[k]),
// because T(c T(c^m z)) = T(c^(m+1) z) and monotone maps commute with max. So it
// is a prefix scan with an associative step, evaluated in log2(n) passes of
// "u[i] = max(u[i], T(c^s u[i-s]))" for s = 1, 2, 4, ... (W. D. Hillis & G. L.
// Steele, "Data parallel algorithms", CACM 29(12), 1986), then the previous frame's
// last u enters as max(u[i], T(c^(i+1) u_prev)). Window maximum and moving average
// are direct sums over shifted loads.
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
  // ~0.20 us per 160-sample frame while limiting (was 0.79 us per-sample with a
  // monotonic deque, same run), 2-core AMD EPYC shared box, Highway target AVX3,
  // CPU time (bench: BM_limiter/160, peaks always over the ceiling).
  // At rest it is a copy.
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
  buffer<float> ext_;    // look_ delayed samples, the current frame, a SIMD block of zeros
  buffer<float> u_;      // look_ past gain reductions, then the frame's (and a block)
  buffer<float> d_;      // scratch: 1 - required gain over ext_
  buffer<float> scan_;   // scratch: two ping-pong rows for the prefix scan
  buffer<float> gain_;   // scratch: the smoothed gain of the frame
  buffer<float> cpow_;   // rel_coef_^(i + 1), i < max_frame_samples
  int rest_run_ = 0;     // consecutive samples with u == 0 (at rest after look_ + 1)
  float min_gain_ = 1.0f;
};

}  // namespace dsp
