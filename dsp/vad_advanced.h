// SPDX-License-Identifier: BSD-3-Clause
// Advanced VAD: spectral band SNRs against minimum-statistics noise tracking, a
// statistical-model likelihood ratio, spectral flatness and hangover.
//
// Method, per analysis (a 256-point Hann-windowed FFT over the newest samples,
// one per 256 samples of input or fewer, so one per 160-sample frame):
//  1. band powers P_b in 16 bands of critical-band (Bark) width, 125..3875 Hz;
//  2. noise N_b per band: minimum statistics (R. Martin, "Noise power spectral
//     density estimation based on optimal smoothing and minimum statistics",
//     IEEE Trans. Speech Audio Proc. 9(5), 2001: the minimum of the smoothed band
//     power over a sliding window of sub-windows, times a bias factor) decides
//     which analyses are noise-only, and N_b is the recursive average of the band
//     power over those (I. Cohen, "Noise spectrum estimation in adverse
//     environments: improved minima controlled recursive averaging", IEEE Trans.
//     SAP 11(5), 2003). The minimum alone sits far below non-stationary noise
//     such as babble; the average of the noise-only analyses does not;
//  3. the Gaussian statistical-model log-likelihood ratio of Sohn, Kim & Sung
//     ("A statistical model-based voice activity detector", IEEE SPL 6(1), 1999),
//     with the a-priori SNR by Ephraim & Malah's decision-directed rule (1984),
//     averaged over bands;
//  4. spectral flatness (geometric / arithmetic mean of the noise-whitened band
//     powers): near 1 for noise of any colour, low for formant/harmonic speech;
//  5. level against the talker: the analysis' level relative to a peak-level
//     tracker (instant rise, 1 dB/s fall), the quantity the P.56-style labels are
//     defined by (a talker's frames lie within ~16 dB of its active level). It
//     enters only when the background is non-stationary (the spread of the SNR over
//     noise-only analyses above 3.5 dB: babble, not white or pink noise), where the
//     noise-relative features fail: babble in a pause looks like speech against a
//     noise estimate but sits 10..20 dB under the foreground talker;
//  6. a logistic combination of these into a first-stage probability, which only
//     decides which analyses are noise-only (the statistics of 5 and of snr_z);
//  7. periodicity: the normalised autocorrelation peak over pitch lags 2.5..15 ms,
//     from the power spectrum below 2 kHz through a 128-point inverse FFT (one
//     talker's voiced speech is periodic, a mixture of talkers much less);
// then per frame:
//  8. the frame classifier: a small neural network (46 inputs, a hidden layer of
//     ReLU units, a logistic output) over the features above, the band SNRs, the
//     frame's own level against the noise and against a peak tracker, the level's
//     dynamics inside the frame, spectral flux and variability, and a short causal
//     context of them (exponential averages over 30 ms..1 s, the syllabic-rate
//     modulation of the level), smoothed, with hysteresis and hangover. Its weights
//     (dsp/vad_advanced_model.h) are written by tests/bench/vad_fit.cc.
// The FFT plans are the shared ones for sizes 256 and 128 (dsp/fft.h): the
// constructor calls fft_registry::prepare() for both; the gateway makes them while
// it sets sessions up (after loading FFT wisdom), so no session plans later.
#pragma once

#include <complex>
#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/fft.h"
#include "dsp/memory.h"
#include "dsp/processor.h"
#include "dsp/vad.h"

namespace dsp {

struct vad_advanced_config {
  // Decision thresholds on the smoothed probability, with hysteresis: a talk spurt
  // starts above start_threshold and goes on while above threshold. 0.5 / 0.5 (no
  // hysteresis): the classifier is fitted by cross-entropy, so its probability is
  // calibrated and 0.5 is the accuracy-optimal cut; on the held-out validation seed
  // (dsp/vad_advanced_model.h) start thresholds 0.5, 0.6, 0.7 gave babble at 10 dB
  // 87.6 / 87.2 / 86.3% with the previous, 8-unit classifier; the classifier's
  // context inputs already keep the decision from flickering.
  float threshold = 0.5f;
  float start_threshold = 0.5f;
  // Keep "speech" for frames starting within hangover_ms after a talk spurt of at
  // least hangover_after_ms (an isolated noise burst gets none; WebRTC's VAD
  // likewise lengthens its overhang only after several speech frames). Default 0:
  // against P.56-margin frame labels every hangover frame tried (20..160 ms) cost
  // accuracy, the classifier's context inputs already bridge stops. Raise it when word
  // endings matter more than frame accuracy (e.g. 60 ms).
  float hangover_ms = 0.0f;
  float hangover_after_ms = 100.0f;
  // Release time constant of the smoothed probability (the attack is instant).
  // Default 0 (none): the classifier's inputs already average over 30 ms..1 s, and
  // on the validation seed a 20 ms release cost 0.3..1 point at 10 dB SNR.
  float release_ms = 0.0f;
  // Smoothing time constant of the band powers fed to the minimum search. Martin
  // (2001) smooths with alpha ~0.85 at 32 ms hops, i.e. ~200 ms; shorter here so
  // pauses between words reach the minimum.
  float noise_smoothing_ms = 60.0f;
  // Time constant of the recursive noise average over noise-only analyses: Cohen
  // (2003) uses alpha_d = 0.85 at 16 ms hops, about 100 ms.
  float noise_average_ms = 100.0f;
  // Minimum-statistics window: sub_windows * sub_window_ms. Martin (2001) uses
  // about 1.5 s (96 frames of 16 ms as 8 sub-windows of 12): longer than a talk
  // spurt, short enough to follow a changing background.
  float sub_window_ms = 200.0f;
  int sub_windows = 8;
  // Frames quieter than this are never speech: -70 dBFS keeps the weakest
  // labelled frames (P.56 margin 15.9 dB below the active level) of a -54 dBFS
  // talker; -60 lost them at -45 dBFS input and made the AGC undershoot by 2 dB.
  float min_speech_dbfs = -70.0f;

  validation validate() const;
};

// What one analysis measured (exposed for tests and the quality report).
struct vad_features {
  float llr = 0;         // mean over bands of Sohn's log-likelihood ratio (nats)
  float flatness = 0;    // geometric / arithmetic mean of band posterior SNRs, 0..1
  float snr_db = 0;      // total band power over total noise estimate
  float level_dbfs = 0;  // total band power
  float snr_z = 0;       // (snr_db - its mean over noise-only analyses) / their standard deviation
  float peak_rel_db = 0; // level_dbfs relative to the peak-level tracker (<= 0)
  float nonstationary = 0; // 0..1: weight of peak_rel_db (from the noise-only SNR spread)
  float periodicity = 0;   // normalised autocorrelation peak over pitch lags 2.5..15 ms, 0..1
  float pitch_lag_ms = 0;  // its lag (0: no positive peak)
};

class vad_advanced final : public voice_detector {
 public:
  using config = vad_advanced_config;
  static constexpr int fft_samples = 256;  // 32 ms at 8 kHz: resolves pitch harmonics above ~60 Hz
  static constexpr int bands = 16;
  static constexpr int max_sub_windows = 16;
  static constexpr int model_inputs = 46;  // inputs of the frame classifier (vad_advanced.cc, "Frame classifier")
  static constexpr int min_pitch_lag = 20;   // 2.5 ms (8 kHz samples): F0 400 Hz
  static constexpr int max_pitch_lag = 120;  // 15 ms: F0 67 Hz
  static constexpr int acf_samples = fft_samples / 2;  // the autocorrelation's inverse FFT (4 kHz)
  static constexpr int pitch_lags = (max_pitch_lag - min_pitch_lag) / 2 + 1;  // at 4 kHz

  explicit vad_advanced(const config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  vad_advanced(const vad_advanced&) = delete;
  vad_advanced& operator=(const vad_advanced&) = delete;

  // ~0.83 us per 160-sample frame (the 256-point FFT, the 128-point inverse FFT of
  // the periodicity, the 46 x 32 classifier; the version before the periodicity,
  // flux and dynamics inputs and with 8 units: 0.60 us in the same alternating
  // runs), 0.85 us CPU time in the loaded bench; 1.41..1.47 us per 480-sample frame
  // (two analyses; before: 1.06..1.12 us). AVX2 box, 2 shared cores (bench:
  // BM_vad_advanced/160, /480).
  vad_result process(std::span<const std::int16_t> frame) noexcept override;
  void reset() noexcept override;
  bool failed() const noexcept override { return failed_; }
  // Marks the detector failed, as a non-finite state would: for tests of the
  // chain's fallback path (a finite int16 input cannot drive the state non-finite).
  void inject_fault() noexcept { failed_ = true; }

  // Noise estimate of band b in dBFS of band power (for tests and reports).
  float noise_band_dbfs(int b) const noexcept;
  // The last analysis' band power of band b in dBFS.
  float band_dbfs(int b) const noexcept;
  // Features of the last analysis of the last frame.
  const vad_features& features() const noexcept { return feat_; }
  // The frame classifier's inputs for the last frame, before standardisation (for
  // fitting its weights offline and for tests).
  std::span<const float, model_inputs> model_input() const noexcept { return std::span<const float, model_inputs>(x_); }

 private:
  float analyse(int hop_samples) noexcept;  // returns the first-stage probability
  // Context features and the classifier over one frame of `len` samples whose mean
  // square level is frame_db (dBFS) and whose quarters' levels are sub_db; returns
  // the speech probability.
  float classify(int len, float frame_db, const float (&sub_db)[4]) noexcept;

  config cfg_;
  const real_fft* fft_;
  const real_fft* acf_fft_;  // size acf_samples
  buffer<float> window_;               // Hann, fft_samples
  buffer<float> history_;              // newest fft_samples input samples, oldest first
  buffer<float> scratch_;              // windowed frame (FFTW may overwrite it)
  buffer<std::complex<float>> spec_;   // fft_samples / 2 + 1 bins
  buffer<float> power_;                // P_b
  buffer<float> smooth_;               // smoothed P_b
  buffer<float> noise_;                // N_b
  buffer<float> min_noise_;            // bias-compensated windowed minimum
  buffer<float> sub_min_;              // minimum in the current sub-window
  buffer<float> win_min_;              // sub_windows x bands ring of sub-window minima
  buffer<float> speech_prev_;          // previous speech power estimate (decision-directed)
  buffer<float> gamma_;                // P_b / N_b of the last analysis
  buffer<std::complex<float>> psd_;    // |X_k|^2 in 125..2000 Hz, input of the inverse FFT (which clobbers it)
  buffer<float> acf_;                  // circular autocorrelation of the windowed analysis frame, at 4 kHz
  buffer<float> window_acf_;           // sum(w^2) / circular autocorrelation of the window, pitch lags
  int sub_index_ = 0;
  float sub_elapsed_samples_ = 0;
  float prob_smooth_ = 0;
  float hang_left_samples_ = 0;
  float run_samples_ = 0;  // length of the current run of speech frames
  float noise_snr_mean_ = 0, noise_snr_var_ = 1;  // snr_db statistics over noise-only analyses
  float peak_level_db_ = -120.0f;  // peak-level tracker of the analyses' level
  float last_p_ = 0;               // first-stage probability of the previous analysis
  float stage1_smooth_ = 0;        // first-stage probability, smoothed (fixed 20 ms release)
  // Frame classifier context (vad_advanced.cc, "Frame classifier").
  struct context {
    float frame_peak_db = -120.0f;  // peak-level tracker of the frames' own level
    float prev_fs = 0, prev_fpr = 0;
    float prev_band_snr[bands] = {};  // the previous frame's band SNRs (dB), for the spectral flux
    float band_snr_mean[bands] = {}, band_snr_sq[bands] = {};  // 100 ms averages of the band SNRs and their squares
    float periodicity_50 = 0, prev_periodicity = 0, prev_pitch_lag_ms = 0;
    float snr_45 = 0, peak_rel_45 = 0;
    float fs_30 = 0, fs_200 = 0, fpr_100 = 0, fpr_500 = 0, fpr_1000 = 0;
    float lvl_20 = 0, lvl_100 = 0, mod_power = 0;
    bool primed = false, primed_flux = false;
  } ctx_;
  float x_[model_inputs] = {};
  static constexpr int context_averages = 9;
  float ctx_coef_[context_averages] = {};  // 1 - e^(-frame / T) of the context averages
  int ctx_coef_len_ = 0;    // frame length the coefficients are for
  float hop_a_s_ = 0, hop_a_d_ = 0;  // noise smoothing / averaging coefficients for hop_coef_len_
  int hop_coef_len_ = 0;
  float rel1_coef_ = 0, rel_coef_ = 0;  // release coefficients (stage one, output) for rel_coef_len_
  int rel_coef_len_ = 0;
  vad_features feat_;
  bool primed_ = false;
  bool active_ = false;  // the last frame's decision before hangover
  bool failed_ = false;
};

}  // namespace dsp
