// SPDX-License-Identifier: BSD-3-Clause
// Advanced AGC: three-band (LR4 crossover) gain with per-band compression, noise gate and look-ahead limiter.
//
// Per frame: the broadband gain G follows the active speech level toward the target
// exactly as in the basic grade (adapting on VAD speech only). On top, each band b
// gets a cut c_b when its short-term level rises more than knee_db above its own
// long-term speech level (a multi-band compressor: a loud hiss or a boomy vowel is
// tamed in its band without ducking the others), so band gain = G - c_b. In pauses
// (no speech for gate_hold_ms) the noise gate pulls every band's gain down to
// min(G, gate_gain_db), so the background between talk spurts is not pumped up by
// the speech gain. The bands are summed (flat: crossover.h) and the look-ahead
// limiter (limiter.h) keeps every sample under the ceiling.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/agc.h"
#include "dsp/crossover.h"
#include "dsp/limiter.h"
#include "dsp/memory.h"
#include "dsp/processor.h"

namespace dsp {

// Broadband level control: agc_level_config (dsp/agc.h), as in the basic grade.
struct agc_advanced_config : agc_level_config {
  crossover_config crossover;
  // Per-band compression above the band's long-term speech level: a gentle speech
  // compressor, 3:1 above a +6 dB knee (hearing-aid wide dynamic range compression
  // typically uses 2:1..3:1; H. Dillon, "Hearing Aids", 2nd ed., 2012), at most
  // max_band_cut_db.
  float knee_db = 6.0f;
  float ratio = 3.0f;
  float max_band_cut_db = 12.0f;
  // Short-term band level follower: attack and release time constants.
  float band_attack_ms = 10.0f;
  float band_release_ms = 100.0f;
  // Noise gate: after gate_hold_ms without speech, gain drifts (gate_release_ms)
  // to at most gate_gain_db; speech reopens it within gate_open_ms, short so a
  // talk spurt's first syllable is not lost. 0 dB: pauses keep their input level
  // (never amplified); the hold bridges gaps between words. Hold 80 ms, release
  // 60 ms, open 5 ms: tuned with tests/bench/vad_agc_quality (pause noise at
  // -45 dBFS input against the level error; 200/150 ms left 4 dB more pumping).
  bool noise_gate = true;
  float gate_gain_db = 0.0f;
  float gate_hold_ms = 80.0f;
  float gate_release_ms = 60.0f;
  float gate_open_ms = 5.0f;
  limiter_config limiter;

  validation validate() const;
};

class agc_advanced final : public gain_controller {
 public:
  using config = agc_advanced_config;
  static constexpr int bands = crossover3::bands;

  explicit agc_advanced(const config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  agc_advanced(const agc_advanced&) = delete;
  agc_advanced& operator=(const agc_advanced&) = delete;

  // ~0.65 us per 160-sample frame (was 2.52 us, same run), 2-core AMD EPYC shared
  // box, Highway target AVX3, CPU time (bench: BM_agc_advanced/160): crossover
  // ~0.31 us (BM_crossover3/160), limiter up to 0.20 us (BM_limiter/160), the rest
  // band powers, gains (coefficients cached per frame length) and the SIMD band mix.
  float process(std::span<std::int16_t> frame, bool speech) noexcept override;
  void reset() noexcept override;
  bool failed() const noexcept override { return failed_; }
  // Marks the AGC failed, as a non-finite output would: for tests of the chain's
  // fallback path.
  void inject_fault() noexcept { failed_ = true; }
  // The look-ahead limiter's delay.
  int latency_samples() const noexcept override { return limiter_.latency_samples(); }

  float band_gain_db(int b) const noexcept { return band_gain_db_[b]; }
  float speech_level_dbfs() const noexcept;

 private:
  config cfg_;
  crossover3 xover_;
  lookahead_limiter limiter_;
  speech_level_tracker level_;
  speech_level_tracker band_level_[bands];
  buffer<float> work_;   // the frame as float, then the output sum
  buffer<float> band_;   // bands x max_frame_samples
  float gain_db_ = 0;           // broadband gain
  float band_short_db_[bands];  // short-term band levels
  float band_gain_db_[bands];   // applied at the end of the last frame
  float band_gain_lin_[bands];
  float silence_samples_ = 0;
  // Smoothing coefficients for frames of coef_n_ samples (from the *_ms fields).
  int coef_n_ = 0;
  float c_attack_ = 0, c_release_ = 0, c_band_attack_ = 0, c_band_release_ = 0, c_gate_release_ = 0,
        c_gate_open_ = 0;
  bool failed_ = false;
};

}  // namespace dsp
