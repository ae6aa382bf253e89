// SPDX-License-Identifier: BSD-3-Clause
// Residual echo suppression (broadband gain) with comfort noise at the near-end noise floor.
//
// After the linear filter some echo remains (misadjustment, nonlinearities, the
// part of the tail the filter does not cover). The suppressor attenuates frames in
// which the expected residual echo dominates the canceller's output, and replaces
// what it removed with noise at the tracked background level so that the line does
// not go dead between talk spurts (ITU-T G.168 §3.19 "comfort noise", the NLP/CNG
// pair of network echo cancellers). A broadband gain adds no latency; when the near
// end talks its power dwarfs the residual estimate and the gain stays at 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dsp {

class echo_suppressor {
 public:
  struct config {
    // Deepest attenuation, dB (G.168's NLP suppresses at least ~30 dB under far-end single talk).
    float max_attenuation_db = 40.0f;
    // Over-estimation of the residual echo (dB): suppress a bit more than the expected
    // residual so that misadjustment bursts do not leak through.
    float overestimate_db = 6.0f;
    bool comfort_noise = true;
  };

  explicit echo_suppressor(const config& cfg) noexcept;

  // e: canceller output (modified in place); residual_echo_power: expected power of the
  // echo left in e per sample (int16 units^2); far_active: far end carries signal.
  void process(std::span<float> e, float residual_echo_power, bool far_active) noexcept;
  float gain() const noexcept { return gain_; }
  float noise_floor_power() const noexcept { return floor_; }
  void reset() noexcept;

 private:
  float min_gain_;
  float over_;
  bool cng_;
  float gain_ = 1.0f;
  float floor_ = -1.0f;  // tracked background power per sample; < 0 until first frame
  static constexpr std::size_t generators = 16;  // comfort-noise generators run side by side
  std::uint32_t rng_[generators] = {};
  std::size_t rise_frame_ = 0;  // frame length rise_ was computed for
  float rise_ = 1.0f;           // per-frame rise factor of the floor tracker
};

}  // namespace dsp
