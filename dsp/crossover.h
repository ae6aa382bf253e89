// SPDX-License-Identifier: BSD-3-Clause
// Three-band Linkwitz-Riley (4th order) crossover whose bands sum to an allpass: flat magnitude.
//
// LR4 = two cascaded 2nd-order Butterworth sections (S. Linkwitz, "Active crossover
// networks for noncoincident drivers", JAES 24(1), 1976); its low and high outputs
// are in phase and sum to a 2nd-order allpass with the same corner. Three bands:
// split at f_high into low/high, split the low part at f_low, and pass the high part
// through the f_low allpass so all three bands carry the same phase (D. Bohn,
// "Linkwitz-Riley crossovers: a primer", Rane note 160, 2005). To save two biquads
// per split the high output is computed as allpass(x) - lowpass(x), which equals the
// LR4 high-pass exactly for LR4 (LP + HP = AP).
// Biquad coefficients: RBJ "Audio EQ Cookbook" (bilinear transform, pre-warped).
#pragma once

#include <array>
#include <span>

#include "dsp/processor.h"

namespace dsp {

struct crossover_config {
  // Band edges. 600 Hz sits between the first and second formant ranges and 2000
  // Hz above most second formants (G. Peterson & H. Barney, "Control methods used
  // in a study of the vowels", JASA 24, 1952: F1 270..850 Hz, F2 840..2300 Hz), so
  // the low band carries voicing/F1, the mid band F2, the high band fricatives.
  float low_hz = 600.0f;
  float high_hz = 2000.0f;
  validation validate() const;
};

// Biquad in direct form I, specialised for the two shapes the crossover uses
// (fewer multiplies than the general form; both exact rewrites of RBJ's):
//  low-pass (b0 = b2, b1 = 2 b0): y = b0 (x + 2 x1 + x2) - a1 y1 - a2 y2
//  allpass  (b0 = a2, b1 = a1, b2 = 1): y = a2 (x - y2) + a1 (x1 - y1) + x2
struct biquad {
  float b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  float x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  float lowpass_step(float x) noexcept {
    const float y = b0 * (x + 2.0f * x1 + x2) - a1 * y1 - a2 * y2;
    x2 = x1, x1 = x, y2 = y1, y1 = y;
    return y;
  }
  float allpass_step(float x) noexcept {
    const float y = a2 * (x - y2) + a1 * (x1 - y1) + x2;
    x2 = x1, x1 = x, y2 = y1, y1 = y;
    return y;
  }
  void clear() noexcept { x1 = x2 = y1 = y2 = 0; }
  static biquad lowpass(float f_hz, float q);
  static biquad allpass(float f_hz, float q);
};

class crossover3 {
 public:
  using config = crossover_config;
  static constexpr int bands = 3;
  explicit crossover3(const config& cfg);
  crossover3(const crossover3&) = delete;
  crossover3& operator=(const crossover3&) = delete;

  // Splits x (int16-scaled floats) into three bands of x.size() samples each.
  // ~1.8 us per 160-sample frame, AVX2 box, 2.1 GHz (bench: BM_crossover3/160): seven
  // recursive sections per sample, bound by their feedback latency, not by SIMD width.
  void split(std::span<const float> x, std::span<float> low, std::span<float> mid, std::span<float> high) noexcept;
  void reset() noexcept;

 private:
  biquad lp_hi_[2];   // LR4 low-pass at high_hz
  biquad ap_hi_;      // allpass at high_hz (LP + HP of the LR4 pair)
  biquad lp_lo_[2];   // LR4 low-pass at low_hz, on the low part
  biquad ap_lo_;      // allpass at low_hz, on the low part
  biquad ap_lo_hi_;   // allpass at low_hz, on the high part (phase alignment)
};

}  // namespace dsp
