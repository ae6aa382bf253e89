// SPDX-License-Identifier: BSD-3-Clause
// Automatic gain control: the interface both AGC grades implement, and the speech level tracker they share.
#pragma once

#include <cstdint>
#include <span>

#include "dsp/kernels.h"
#include "dsp/processor.h"

namespace dsp {

// The broadband level control both AGC grades share (agc_basic_config and
// agc_advanced_config derive from it, and check it first in their validate()).
struct agc_level_config {
  // Target active speech level (frame-based P.56-style active level). -18 dBFS
  // leaves 17 dB to the -1 dBFS ceiling, about the median peak-to-active-level
  // ratio of the test corpus (15.5..21 dB per 2 s of speech, measured), so the
  // limiter touches only the loudest peaks.
  float target_dbfs = -18.0f;
  // Gain limits. 30 dB lifts -48 dBFS speech to target; -20 dB brings clipped,
  // -2 dBFS speech down. WebRTC AGC2 caps its adaptive digital gain at 30 dB too.
  float max_gain_db = 30.0f;
  float min_gain_db = -20.0f;
  // Gain falls (the speech got louder) with this time constant: fast, so a loud
  // talker is tamed within a syllable.
  float attack_ms = 50.0f;
  // Gain rises (the speech got quieter) with this time constant: slower, so gain
  // does not swell between words. 2 s-to-target needs well under 1 s.
  float release_ms = 300.0f;
  // Level tracker: running mean over the first this-much speech, exponential after.
  float level_time_constant_ms = 1000.0f;

  validation validate() const;
};

class gain_controller {
 public:
  virtual ~gain_controller() = default;
  // In place on one frame of 80..480 samples (the advanced grade processes at most
  // max_frame_samples of a longer span). `speech` is the VAD's decision for
  // this frame: the level estimate adapts only on speech. Returns the gain applied
  // at the end of the frame in dB (before the limiter). Allocation-free.
  virtual float process(std::span<std::int16_t> frame, bool speech) noexcept = 0;
  virtual void reset() noexcept = 0;
  virtual bool failed() const noexcept = 0;
  // Delay the AGC adds (look-ahead), in samples.
  virtual int latency_samples() const noexcept = 0;
};

// Active speech level: mean power over speech frames, a running mean for the first
// `time_constant_ms` of speech (so the first talk spurt sets the level at once), an
// exponential average after (the same warm-up-then-forget scheme as WebRTC AGC2's
// speech level estimator).
class speech_level_tracker {
 public:
  explicit speech_level_tracker(float time_constant_ms = 1000.0f) : tau_samples_(time_constant_ms * 1e-3f * sample_rate_hz) {}
  void update(float frame_power, int samples) noexcept {
    seen_samples_ += static_cast<float>(samples);
    const float w_run = static_cast<float>(samples) / seen_samples_;
    const float w_exp = static_cast<float>(samples) / tau_samples_;
    const float w = w_run > w_exp ? w_run : w_exp;
    power_ += w * (frame_power - power_);
  }
  bool valid() const noexcept { return seen_samples_ > 0; }
  float power() const noexcept { return power_; }
  void reset() noexcept { power_ = 0, seen_samples_ = 0; }

 private:
  float tau_samples_;
  float power_ = 0;        // mean square, int16 units squared / 32768^2
  float seen_samples_ = 0;
};

// Mean square of a frame relative to full scale (32768^2), by the SIMD kernel.
inline float frame_power(std::span<const std::int16_t> x) noexcept {
  if (x.empty()) return 0.0f;
  return static_cast<float>(static_cast<double>(kernels::sum_squares(x)) /
                            (static_cast<double>(x.size()) * 32768.0 * 32768.0));
}

}  // namespace dsp
