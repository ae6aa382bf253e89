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
//
// Evaluation (split): the same network regrouped into four linear filters, each
// run over blocks of samples in SIMD lanes. With AP = allpass, LP = LR4 low-pass:
//   l2 = LP_hi(x)  (order 4)       a4 = AP_lo(AP_hi(x))  (order 4, an allpass)
//   low = LP_lo(l2)  (order 4)     ap = AP_lo(l2)  (order 2)
//   mid = ap - low                 high = a4 - ap
// which equals the cascade above term by term (AP_lo is linear, so
// AP_lo(AP_hi(x) - l2) = a4 - ap), and low + mid + high = a4: the sum is an
// allpass by construction, whatever the rounding of the low-pass sections.
// Block form: a filter of order p maps the B samples of a block and its p past
// inputs and outputs to the block's B outputs with fixed weights (the impulse
// response, and the zero-input responses to each past sample), i.e. one
// broadcast-and-multiply-add per term into B lanes; only the p outputs at the
// block's end feed the next block, so the recursion runs once per B samples
// instead of once per sample ("block processing" of IIR filters: C. S. Burrus,
// "Block implementation of digital filters", IEEE Trans. Circuit Theory 18(6),
// 1971). The weights are computed in double from the RBJ coefficients.
#pragma once

#include <array>
#include <memory_resource>
#include <span>

#include "dsp/memory.h"
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
// (fewer multiplies than the general form; both exact rewrites of RBJ's). The
// per-sample reference of the network: agc_test checks the block form against a
// cascade of these.
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
  // Largest block (lanes of AVX-512 floats); smaller vectors use the first lanes.
  static constexpr int max_block = 16;
  static constexpr int max_order = 4;
  explicit crossover3(const config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  crossover3(const crossover3&) = delete;
  crossover3& operator=(const crossover3&) = delete;

  // Splits x into three bands of x.size() samples each (any length, any scale: the
  // filters are linear).
  // ~0.31 us per 160-sample frame (was 1.75 us per sample-by-sample biquad, same
  // run), 2-core AMD EPYC shared box, Highway target AVX3 (16-lane blocks), CPU
  // time (bench: BM_crossover3/160). 16-lane blocks bound by multiply-add
  // throughput; 8-lane blocks on the same CPU measured 0.35 us.
  void split(std::span<const float> x, std::span<float> low, std::span<float> mid, std::span<float> high) noexcept;
  void reset() noexcept;

  // The four filters of the block form (header comment), in the order of their tables.
  enum filter_id { lp_hi = 0, ap_lo_hi = 1, lp_lo = 2, ap_lo = 3, filters = 4 };
  // Floats per filter table: the B x B impulse-response weights, then the
  // max_order x B weights of past inputs and of past outputs (stride max_block).
  static constexpr int table_floats = max_block * max_block + 2 * max_order * max_block;
  // Floats per signal buffer: a block holding the max_order past samples (so the
  // frame starts 64-byte aligned), a frame, a block of padding.
  static constexpr int signal_floats = max_block + max_frame_samples + max_block;

 private:
  void split_chunk(const float* x, float* low, float* mid, float* high, std::size_t n) noexcept;
  buffer<float> tables_;  // filters x table_floats
  buffer<float> sig_;     // x, l2, a4, low, ap: 5 x signal_floats, each starting with its history
};

}  // namespace dsp
