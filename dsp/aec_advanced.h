// SPDX-License-Identifier: BSD-3-Clause
// Advanced echo canceller: PBFDAF foreground/background pair, bulk delay, misalignment-driven step, RES+CNG.
//
// Structure (one frame of N samples = one block, FFT size 2N, overlap-save):
//  - delay_estimator finds the bulk far->near delay D; the filter sees far(n - D + margin).
//  - background filter: partitioned-block frequency-domain adaptive filter (J.-S. Soo and
//    K. K. Pang, "Multidelay block frequency domain adaptive filter", IEEE Trans. ASSP
//    38(2), 1990), P = ceil(tail / N) partitions, per-bin normalised step; the gradient
//    constraint is applied to one partition per block in turn (P. C. W. Sommen's
//    observation, used by J. Derkx et al., "New constraining method for partitioned block
//    frequency-domain adaptive filters", IEEE Trans. SP 50(9), 2002), which keeps the
//    cost at 2 FFTs per block instead of 2P (ceil(P / 8) partitions per block when P > 8,
//    so that no partition stays unconstrained for more than 8 blocks). The step is scaled
//    per partition in proportion to its share of the filter energy (IPNLMS-style, 1/8
//    proportionate; 1/2 proportionate for the first second of the call and after a
//    detected echo-path change),
//    and normalised by the far power per bin plus a small share of its mean over bins.
//    For the first 4 s of far-end speech after the call starts and after a detected
//    echo-path change the step is also proportionate per tap inside each partition: every
//    partition's gradient goes to the time domain, is weighted there tap by tap and
//    constrained (2P FFTs per block instead of 2).
//  - step size per bin from a diagonal frequency-domain Kalman view (G. Enzner and P. Vary,
//    Signal Processing 86(6), 2006): the share of the error power that the expected
//    misalignment explains, against a per-bin noise floor and the near-end power. It is
//    small while the near end talks or once the filter has converged into the noise; a
//    rise of far-end/error coherence (echo the filter misses: start, path change) opens
//    it again. The same misalignment estimate is the residual echo the suppressor removes.
//    A clear coherence rise after convergence (echo-path change) restarts the background
//    from zero.
//  - foreground filter: produces the output; takes the background's taps unless those do
//    clearly worse (during double talk: only when they do better), and gives them back when
//    the background diverges (two-path structure, K. Ochiai et al., "Echo canceller with two
//    echo path models", IEEE Trans. Commun. 25(6), 1977). It does no harm: it adopts only
//    taps whose error is below the near-end input and drops its taps (outputs the near
//    end as it is) when its output adds power, so a line without echo passes untouched.
//    While both hold the same taps (right after a copy) the output is filtered once, and
//    not at all while the foreground is empty.
//  - when the bulk-delay window moves, a converged pair keeps its taps, shifted.
//  - echo_suppressor: residual echo suppression and comfort noise.
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/aec.h"
#include "dsp/delay_estimator.h"
#include "dsp/echo_suppressor.h"
#include "dsp/fft.h"
#include "dsp/memory.h"

namespace dsp {

class aec_advanced final : public echo_canceller {
 public:
  // cfg must be valid (make_echo_canceller checks). Plans FFT size 2 * frame_samples via
  // fft_registry::prepare (a no-op when the gateway prepared it at start).
  explicit aec_advanced(const aec_config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  aec_advanced(const aec_advanced&) = delete;
  aec_advanced& operator=(const aec_advanced&) = delete;

  // 2.35 us per 160-sample frame at 128 ms tail with the 500 ms delay search (session 5;
  // 2.20 us without, session 4); 2.13 / 3.49 us at 64 / 256 ms (CPU time, lowest median
  // of 3 repetitions over three rounds alternated with session 4's binary, which measured
  // 2.48 us at 128 ms in the same run; Highway AVX3 dispatch, 2-core VM; speexdsp
  // 20.9..28.8 us at 128 ms): aec_bench BM_aec_advanced, BM_aec_advanced_no_delay_search.
  // During the per-tap start phase (the first 4 s of far-end speech after the call starts
  // or the echo path changes): 3.91 / 5.93 / 9.75 us at 64 / 128 / 256 ms
  // (BM_aec_advanced_start, same run).
  // Copying the background on most blocks (copy_margin) costs a tap copy but saves the
  // foreground's filtering: 2.60 -> 2.33 us at 128 ms (old and new binaries interleaved).
  // Per frame: 5..6 FFTs of 2N (7..8 past 8 partitions; 3..4 + 2P in the start phase;
  // FFTW is about half the time), P..2P complex MACs and P gradient updates, the per-bin
  // step control, and the delay search (~0.4 us). Fusing the error/power passes
  // into one kernel (aec_simd::errors), a SIMD sum for the broadband normaliser and a SIMD
  // peak search in the delay estimator took 128 ms from 3.05 to 2.72 us (min of 3 x 3
  // repetitions, old and new binaries interleaved).
  void process(std::span<const std::int16_t> near, std::span<const std::int16_t> far,
               std::span<std::int16_t> out) noexcept override;
  aec_status status() const noexcept override { return status_; }
  void reset() noexcept override;
  bool failed() const noexcept override { return failed_; }

  // Expected residual echo / echo estimate power (linear), for reports.
  float leakage() const noexcept { return leak_; }
  float coherence() const noexcept { return coh_; }
  // Current residual suppressor gain (1 = pass).
  float suppressor_gain() const noexcept { return res_.gain(); }

 private:
  // time_ = inverse FFT of the split spectrum re + j im (2N times the signal).
  void to_time(const float* re, const float* im) noexcept;
  // re + j im = forward FFT of time_, split.
  void to_spectrum(float* re, float* im) noexcept;
  void filter(const float* wr, const float* wi, float* y) noexcept;
  void load_far_window(std::int64_t end, float* dst) noexcept;
  void push_spectrum(std::int64_t end) noexcept;
  void rebuild_history() noexcept;
  void constrain(int p) noexcept;
  void shift_taps(float* wr, float* wi, int shift) noexcept;
  // The smallest far/error coherence of the last coh_recent_blocks blocks (see aec_advanced.cc).
  float sustained_coherence() const noexcept {
    float c = coh_recent_[0];
    for (float v : coh_recent_) c = std::min(c, v);
    return c;
  }
  void clear_filters() noexcept;
  void update_partition_gains() noexcept;
  void update_tap_gains() noexcept;
  void tap_update(int p) noexcept;
  bool tap_phase() const noexcept { return blocks_since_start_ < tap_phase_blocks_; }

  int n_, m_, k_, kp_, p_;
  int max_delay_, margin_;
  bool use_delay_;
  int constrain_per_block_;
  int restart_holdoff_blocks_;
  int start_phase_blocks_;  // far-active blocks of more proportionate steps (start_phase_s)
  int tap_phase_blocks_;    // far-active blocks of per-tap proportionate updates (tap_phase_s)
  float mu_max_;
  float far_floor_;
  float noise_rise_;  // per-frame rise factor of the error noise-floor tracker
  const real_fft* fft_;
  int ring_size_;
  buffer<float> ring_;  // far history, ring_size_ samples
  std::int64_t far_count_ = 0;
  int applied_delay_ = 0;
  buffer<float> xr_, xi_;      // p_ * kp_ far spectra, slot (x_head_ - p) is X_{t-p}
  int x_head_ = 0;
  buffer<float> wfr_, wfi_;    // foreground taps (frequency domain)
  buffer<float> wbr_, wbi_;    // background taps
  bool fg_is_bg_ = true;       // foreground taps equal the background's (just copied)
  bool fg_zero_ = false;       // foreground taps all zero (dropped by the do-no-harm rule)
  buffer<float> xpow_;         // kp_: sum over partitions of |X|^2
  buffer<float> mu_;           // kp_: per-bin step
  buffer<float> sxx_, see_;        // kp_: smoothed |X_dominant|^2 and |E|^2 (coherence)
  buffer<float> noise_, esm_;      // kp_: error noise floor per bin, smoothed |E|^2
  bool noise_init_ = false;
  buffer<float> mis_;              // kp_: expected misalignment power per bin
  buffer<float> gain_;             // p_: proportionate step gain per background partition
  int gain_phase_ = 0;             // blocks until gain_ is recomputed
  int dominant_ = 0;               // partition with the largest gain_ (coherence reference)
  buffer<float> wpow_;             // kp_: far power per bin weighted by gain_ (step normaliser)
  buffer<float> sxer_, sxei_;      // kp_: smoothed cross-spectrum dominant far block x error
  float coh_ = 0;
  static constexpr int coh_recent_blocks = 4;
  float coh_recent_[coh_recent_blocks] = {};  // coh_ of the last blocks (ring)
  int coh_next_ = 0;
  float block_power_ = 0;           // power per sample of the newest delayed far block
  float resid_power_ = 0;          // expected residual echo power per sample
  buffer<float> yr_, yi_, er_, ei_;  // kp_ scratch
  buffer<float> time_;         // m_ scratch
  buffer<float> taps_;         // p_ * n_ scratch: time-domain taps (shift_taps)
  buffer<float> tap_gain_;     // p_ * n_: per-tap step weights of the background, times 1/(2N) (tap phase)
  buffer<std::complex<float>> spec_;  // k_ scratch
  buffer<float> near_, far_, yf_, yb_, ef_, eb_;  // n_ each
  delay_estimator delay_;
  echo_suppressor res_;
  int constrain_next_ = 0;
  int frames_since_rebuild_ = 0;
  float leak_ = 1.0f;
  float sf_ = 0, sb_ = 0, sd_ = 0;  // smoothed error / near powers
  float dif_ = 0, dis_ = 0;         // smoothed pf - pb and |y_b - y_f|^2
  float erle_num_ = 0, erle_den_ = 0;
  int good_frames_ = 0;
  int dt_hold_ = 0;
  bool ever_converged_ = false;  // since the last clear_filters()
  int restart_holdoff_ = 0;      // blocks until the next background restart may happen
  int blocks_since_start_ = 0;   // far-active blocks since the call started or the background restarted (capped)
  int nonfinite_ = 0;
  bool failed_ = false;
  aec_status status_{};
};

}  // namespace dsp
