// SPDX-License-Identifier: BSD-3-Clause
// Advanced VAD: band SNRs over minimum-statistics noise, Sohn's likelihood ratio, flatness (see vad_advanced.h).
#include "dsp/vad_advanced.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace dsp {

namespace {

// Band edges in FFT bins (31.25 Hz each at 256 points, 8 kHz): Zwicker's critical
// band edges 100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000,
// 2320, 2700, 3150 Hz (E. Zwicker, "Subdivision of the audible frequency range into
// critical bands", JASA 33, 1961) rounded to bins, starting at 125 Hz (below it is
// hum and the G.712 telephone channel starts at 300 Hz) and the last band ending
// at 3875 Hz (G.712's upper roll-off). The top two critical bands are merged.
constexpr std::array<int, vad_advanced::bands + 1> band_edges = {4, 7, 10, 13, 16, 20, 25, 30, 35,
                                                                 41, 48, 55, 64, 74, 86, 101, 125};

// Power floor (band power relative to full scale): -100 dB, below 16-bit dither.
constexpr float power_floor = 1e-10f;
// Decision-directed weight (Ephraim & Malah, IEEE Trans. ASSP 32(6), 1984: 0.98).
constexpr float dd_alpha = 0.98f;
// A-priori SNR floor, -25 dB (O. Cappé, "Elimination of the musical noise phenomenon
// with the Ephraim and Malah noise suppressor", IEEE Trans. SAP 2(2), 1994).
constexpr float xi_min = 0.00316f;
// Minimum statistics bias compensation: the mean of the smoothed band power over
// its windowed minimum, measured on stationary white and pink noise with these
// smoothing and window settings (vad_test.cc NoiseEstimateTracksStationaryNoise
// checks the result within 2 dB). Martin (2001) derives 1.5..2.5 for similar
// degrees of freedom.
constexpr float min_stat_bias = 1.8f;
// An analysis is noise-only in band b when P_b < gamma0 * minimum (Cohen 2003, gamma0 = 4.6).
constexpr float gamma0 = 4.6f;
// Logistic combination z = w0 + w_snr * snr_db + w_z * min(max(snr_z, -5), 20) +
// w_harm * harmonicity + w_flat * flatness + w_llr * ln(1 + max(llr, 0)),
// p = 1 / (1 + e^-z). Weights fitted by logistic regression (IRLS) on 36000
// labelled 20 ms frames of the seeded generator (tests/common/test_signals.h: speech seed 2,
// white/pink/babble noise at 0..20 dB SNR); the quality tests and report score other
// seeds. The SNR terms carry most of the decision; the LLR's negative weight
// saturates them for loud frames (it grows with the SNR but says little more once a
// frame is clearly speech).
constexpr float w0 = -1.537f;
constexpr float w_snr = 0.2526f;
constexpr float w_z = 0.8193f;
constexpr float w_harm = 1.783f;
constexpr float w_flat = 0.709f;
constexpr float w_llr = -0.548f;
// Level against the talker (vad_advanced.h, feature 6): the term
//   g * (w_peak_rel * max(peak_rel_db, -30) + w_peak_bias),
//   g = clamp((sd - peak_gate_db) / peak_gate_span_db, 0, 1),
// sd the standard deviation (dB) of the SNR over noise-only analyses. The other
// weights kept, w_peak_rel and w_peak_bias fitted (logistic regression, IRLS) on
// the same generator with speech seeds 2 and 3 (white/pink/babble, 0..20 dB SNR;
// noise seeds 27 and 37). Gate: sd on those signals (10th..90th percentile, 160-
// sample frames) is 0.7..3.6 dB in white and pink noise at 0..10 dB SNR and
// 3.9..6.8 dB in babble. From 3.5 dB over 1 dB: white and pink at 0..10 dB SNR
// within 0.1 point of the model without the term, babble at 10 dB 5 points up
// (from 3 dB over 1.5 dB: 0.4 point less in pink; from 4.5 dB: half the babble
// gain).
// Fall 1 dB/s: a pause of a few seconds lowers the reference by a few dB only;
// 1 dB/s gave 1 point more than 3 or 6 dB/s in babble at 10 dB. -30 dB clamp:
// deeper frames are non-speech either way.
constexpr float w_peak_rel = 0.09264f;
constexpr float w_peak_bias = 0.5787f;
constexpr float peak_gate_db = 3.5f;
constexpr float peak_gate_span_db = 1.0f;
constexpr float peak_fall_db_per_s = 1.0f;
constexpr float min_peak_rel_db = -30.0f;
// Noise-only SNR statistics: 1 s averaging, and a variance floor of (0.5 dB)^2 so
// a perfectly steady synthetic noise does not make every fluctuation "speech".
constexpr float noise_stats_s = 1.0f;
constexpr float min_snr_var = 0.25f;
// Pitch lags 20..110 samples: F0 400..73 Hz, adult speaking F0 (about 85..255 Hz,
// R. J. Baken, "Clinical Measurement of Speech and Voice", 1987) with margin.
// Longer lags lose more than half the 256-point window's overlap.
constexpr int min_pitch_lag = 20;
constexpr int max_pitch_lag = 110;
}  // namespace

validation vad_advanced_config::validate() const {
  if (!(threshold > 0.0f && threshold < 1.0f)) return "threshold: " + std::to_string(threshold) + " out of range (0, 1)";
  if (!(start_threshold >= threshold && start_threshold < 1.0f))
    return "start_threshold: " + std::to_string(start_threshold) + " out of range [threshold, 1)";
  if (!(hangover_ms >= 0.0f && hangover_ms <= 2000.0f))
    return "hangover_ms: " + std::to_string(hangover_ms) + " out of range 0..2000";
  if (!(hangover_after_ms >= 0.0f && hangover_after_ms <= 2000.0f))
    return "hangover_after_ms: " + std::to_string(hangover_after_ms) + " out of range 0..2000";
  if (!(release_ms >= 0.0f && release_ms <= 1000.0f))
    return "release_ms: " + std::to_string(release_ms) + " out of range 0..1000";
  if (!(noise_smoothing_ms >= 5.0f && noise_smoothing_ms <= 1000.0f))
    return "noise_smoothing_ms: " + std::to_string(noise_smoothing_ms) + " out of range 5..1000";
  if (!(noise_average_ms >= 5.0f && noise_average_ms <= 5000.0f))
    return "noise_average_ms: " + std::to_string(noise_average_ms) + " out of range 5..5000";
  if (!(sub_window_ms >= 20.0f && sub_window_ms <= 2000.0f))
    return "sub_window_ms: " + std::to_string(sub_window_ms) + " out of range 20..2000";
  if (sub_windows < 2 || sub_windows > vad_advanced::max_sub_windows)
    return "sub_windows: " + std::to_string(sub_windows) + " out of range 2.." +
           std::to_string(vad_advanced::max_sub_windows);
  if (!(min_speech_dbfs >= -100.0f && min_speech_dbfs <= -10.0f))
    return "min_speech_dbfs: " + std::to_string(min_speech_dbfs) + " out of range -100..-10";
  return std::nullopt;
}

vad_advanced::vad_advanced(const config& cfg, std::pmr::memory_resource* mr)
    : cfg_(cfg),
      fft_(nullptr),
      window_(fft_samples, mr),
      history_(fft_samples, mr),
      scratch_(fft_samples, mr),
      spec_(fft_samples / 2 + 1, mr),
      psd_(fft_samples / 2 + 1, mr),
      acf_(fft_samples, mr),
      window_acf_(fft_samples, mr),
      power_(bands, mr),
      smooth_(bands, mr),
      noise_(bands, mr),
      min_noise_(bands, mr),
      sub_min_(bands, mr),
      win_min_(static_cast<std::size_t>(max_sub_windows) * bands, mr),
      speech_prev_(bands, mr) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  fft_ = &fft_registry::instance().prepare(fft_samples);
  // Periodic Hann (sums to constant at 50% overlap); its power sum normalises band powers.
  for (int i = 0; i < fft_samples; ++i)
    window_[i] = 0.5f - 0.5f * std::cos(2.0f * std::numbers::pi_v<float> * static_cast<float>(i) / fft_samples);
  // Linear autocorrelation of the window: divides out the taper's bias toward short lags.
  for (int lag = 0; lag < fft_samples; ++lag) {
    double acc = 0;
    for (int i = 0; i + lag < fft_samples; ++i) acc += double(window_[i]) * window_[i + lag];
    window_acf_[lag] = static_cast<float>(acc);
  }
  // Stored as the reciprocal of the normalised autocorrelation (a multiply per lag).
  const float w0 = window_acf_[0];
  for (int lag = 0; lag < fft_samples; ++lag) window_acf_[lag] = w0 / window_acf_[lag];
  reset();
}

void vad_advanced::reset() noexcept {
  history_.fill_zero();
  power_.fill_zero();
  smooth_.fill_zero();
  noise_.fill_zero();
  min_noise_.fill_zero();
  feat_ = {};
  sub_min_.fill_zero();
  win_min_.fill_zero();
  speech_prev_.fill_zero();
  sub_index_ = 0;
  sub_elapsed_samples_ = 0;
  prob_smooth_ = 0;
  hang_left_samples_ = 0;
  run_samples_ = 0;
  active_ = false;
  noise_snr_mean_ = 0;
  noise_snr_var_ = 1;
  peak_level_db_ = -120.0f;
  last_p_ = 0;
  primed_ = false;
  failed_ = false;
}

float vad_advanced::noise_band_dbfs(int b) const noexcept { return 10.0f * std::log10(noise_[b] + power_floor); }
float vad_advanced::band_dbfs(int b) const noexcept { return 10.0f * std::log10(power_[b] + power_floor); }

float vad_advanced::analyse(int hop_samples) noexcept {
  constexpr int n = fft_samples;
  for (int i = 0; i < n; ++i) scratch_[i] = history_[i] * window_[i];
  fft_->forward(scratch_.data(), spec_.data());

  // Band power relative to full scale: |X|^2 * 2 / (N * sum(w^2)) / 32768^2, where
  // sum(w^2) = 3N/8 for Hann, so a full-scale sine's power lands near 0 dB.
  constexpr float norm = 2.0f / (static_cast<float>(n) * (3.0f * n / 8.0f) * 32768.0f * 32768.0f);
  float total = 0;
  for (int b = 0; b < bands; ++b) {
    float acc = 0;
    for (int k = band_edges[b]; k < band_edges[b + 1]; ++k) acc += std::norm(spec_[k]);
    power_[b] = acc * norm + power_floor;
    total += power_[b];
  }

  const float hop_s = static_cast<float>(hop_samples) / sample_rate_hz;
  const float a_s = std::exp(-hop_s / (cfg_.noise_smoothing_ms * 1e-3f));
  const float a_d = std::exp(-hop_s / (cfg_.noise_average_ms * 1e-3f));
  const int u = cfg_.sub_windows;
  if (!primed_) {
    for (int b = 0; b < bands; ++b) {
      smooth_[b] = power_[b];
      sub_min_[b] = power_[b];
      for (int j = 0; j < u; ++j) win_min_[j * bands + b] = power_[b];
      noise_[b] = power_[b];
    }
    primed_ = true;
  }
  sub_elapsed_samples_ += static_cast<float>(hop_samples);
  const bool rotate = sub_elapsed_samples_ >= cfg_.sub_window_ms * 1e-3f * sample_rate_hz;
  if (rotate) sub_elapsed_samples_ = 0;

  // Sums of logs as logs of products (double: 16 factors stay far inside its
  // range), two logf per analysis instead of 32: ~0.3 us less per frame.
  float llr_sum = 0, gamma_sum = 0, noise_total = 0;
  double prod_1p_xi = 1.0, prod_gamma = 1.0;
  for (int b = 0; b < bands; ++b) {
    smooth_[b] = a_s * smooth_[b] + (1.0f - a_s) * power_[b];
    sub_min_[b] = std::min(sub_min_[b], smooth_[b]);
    float m = sub_min_[b];
    for (int j = 0; j < u; ++j) m = std::min(m, win_min_[j * bands + b]);
    min_noise_[b] = m * min_stat_bias;
    if (power_[b] < gamma0 * min_noise_[b]) noise_[b] = a_d * noise_[b] + (1.0f - a_d) * power_[b];
    // Never below the minimum: keeps the average honest after a drop in level.
    noise_[b] = std::max(noise_[b], min_noise_[b]);
    if (rotate) {
      win_min_[sub_index_ * bands + b] = sub_min_[b];
      sub_min_[b] = smooth_[b];
    }

    const float gamma = power_[b] / noise_[b];
    float xi = dd_alpha * speech_prev_[b] / noise_[b] + (1.0f - dd_alpha) * std::max(gamma - 1.0f, 0.0f);
    xi = std::max(xi, xi_min);
    const float wiener = xi / (1.0f + xi);
    speech_prev_[b] = wiener * wiener * power_[b];
    llr_sum += gamma * wiener;
    prod_1p_xi *= 1.0 + static_cast<double>(xi);
    prod_gamma *= std::clamp(static_cast<double>(gamma), 1e-9, 1e9);
    gamma_sum += gamma;
    noise_total += noise_[b];
  }
  if (rotate) sub_index_ = (sub_index_ + 1) % u;

  // Harmonicity on the noise-whitened spectrum (|X_k|^2 / N_b for k in band b, zero
  // outside 125..3875 Hz), so neither a coloured background nor babble's long-term
  // speech spectrum looks periodic. The circular autocorrelation of a 256-point frame
  // equals the linear one at these lags only approximately (the tail wraps); the
  // Hann taper keeps the wrapped part small.
  for (int k = 0; k < band_edges[0]; ++k) psd_[k] = {0.0f, 0.0f};
  for (int b = 0; b < bands; ++b) {
    const float inv_n = 1.0f / noise_[b];
    for (int k = band_edges[b]; k < band_edges[b + 1]; ++k) psd_[k] = {std::norm(spec_[k]) * inv_n, 0.0f};
  }
  for (int k = band_edges[bands]; k < fft_samples / 2 + 1; ++k) psd_[k] = {0.0f, 0.0f};
  fft_->inverse(psd_.data(), acf_.data());
  float harm = 0;
  if (acf_[0] > 0) {
    const float inv_r0 = 1.0f / acf_[0];
    for (int lag = min_pitch_lag; lag <= max_pitch_lag; ++lag) harm = std::max(harm, acf_[lag] * window_acf_[lag]);
    harm *= inv_r0;
  }
  harm = std::min(harm, 1.0f);

  const float llr = (llr_sum - static_cast<float>(std::log(prod_1p_xi))) / bands;
  const float flat = static_cast<float>(std::exp(std::log(prod_gamma) / bands)) / (gamma_sum / bands);
  if (!std::isfinite(llr) || !std::isfinite(flat)) {
    failed_ = true;
    return 0.0f;
  }
  const float snr_db = 10.0f * std::log10(total / noise_total);
  // Spread of the SNR over noise-only analyses (those the last decision called
  // noise): small for stationary noise, large for babble, so the z-score lets one
  // threshold serve both. (Gating on a fixed 3-sigma bound instead was tried: 2
  // points less mean accuracy on the generator.)
  const float sd = std::sqrt(noise_snr_var_);
  const float snr_z = (snr_db - noise_snr_mean_) / sd;
  // Noise-only: the last decision said noise and so did the previous analysis.
  // The second condition only matters for frames of several analyses (a 480-sample
  // frame's first analysis of a talk spurt would otherwise count as noise): with
  // 480-sample frames it kept the SNR spread of white noise at 10 dB from reaching
  // the gate below (accuracy 89% -> 92% there); with one analysis per frame it
  // changes nothing.
  if (prob_smooth_ < cfg_.threshold && last_p_ < cfg_.threshold) {
    const float a = std::min(1.0f, hop_s / noise_stats_s);
    const float d = snr_db - noise_snr_mean_;
    noise_snr_mean_ += a * d;
    noise_snr_var_ = std::max(min_snr_var, noise_snr_var_ + a * (d * d - noise_snr_var_));
  }
  const float level_db = 10.0f * std::log10(total);
  peak_level_db_ = std::max(level_db, peak_level_db_ - peak_fall_db_per_s * hop_s);
  const float peak_rel = std::max(level_db - peak_level_db_, min_peak_rel_db);
  const float gate = std::clamp((sd - peak_gate_db) / peak_gate_span_db, 0.0f, 1.0f);
  feat_ = {llr, flat, snr_db, level_db, harm, snr_z, peak_rel, gate};
  const float z = w0 + w_snr * snr_db + w_z * std::clamp(snr_z, -5.0f, 20.0f) + w_harm * harm + w_flat * flat +
                  w_llr * std::log1p(std::max(llr, 0.0f)) + gate * (w_peak_rel * peak_rel + w_peak_bias);
  float p = 1.0f / (1.0f + std::exp(-z));
  if (level_db < cfg_.min_speech_dbfs) p = 0.0f;
  last_p_ = p;
  return p;
}

vad_result vad_advanced::process(std::span<const std::int16_t> frame) noexcept {
  const int len = static_cast<int>(frame.size());
  if (len == 0) return {hang_left_samples_ > 0, prob_smooth_};
  // One analysis per up to fft_samples new samples, spread evenly, the last one at
  // the frame's end, so a 480-sample frame is analysed twice and nothing is skipped.
  const int analyses = (len + fft_samples - 1) / fft_samples;
  float p_max = 0;
  int consumed = 0;
  for (int a = 1; a <= analyses; ++a) {
    const int upto = len * a / analyses;
    const int take = upto - consumed;
    // Shift history left by `take` and append the new samples.
    std::copy(history_.begin() + take, history_.end(), history_.begin());
    float* dst = history_.data() + (fft_samples - take);
    for (int i = 0; i < take; ++i) dst[i] = static_cast<float>(frame[consumed + i]);
    consumed = upto;
    p_max = std::max(p_max, analyse(take));
    if (failed_) {
      // Non-finite state (cannot happen with finite int16 input unless memory is
      // corrupted): report it and start over rather than propagate NaNs.
      const bool keep_failed = true;
      reset();
      failed_ = keep_failed;
      return {false, 0.0f};
    }
  }
  const float n = static_cast<float>(len);
  const float a_rel = cfg_.release_ms > 0 ? std::exp(-n / (cfg_.release_ms * 1e-3f * sample_rate_hz)) : 0.0f;
  prob_smooth_ = p_max > prob_smooth_ ? p_max : a_rel * prob_smooth_ + (1.0f - a_rel) * p_max;
  // Hysteresis: a talk spurt starts above start_threshold and continues while
  // above threshold.
  const bool active = prob_smooth_ > (active_ ? cfg_.threshold : cfg_.start_threshold);
  active_ = active;
  // Hangover: frames starting within hangover_ms of the end of a long enough talk
  // spurt stay speech. Half a sample of slack: ms -> samples is not exact in float.
  const bool out = active || hang_left_samples_ > 0.5f;
  run_samples_ = active ? run_samples_ + n : 0.0f;
  if (active && run_samples_ >= cfg_.hangover_after_ms * 1e-3f * sample_rate_hz)
    hang_left_samples_ = cfg_.hangover_ms * 1e-3f * sample_rate_hz;
  else if (!active)
    hang_left_samples_ = hang_left_samples_ > n ? hang_left_samples_ - n : 0.0f;
  return {out, p_max};
}

}  // namespace dsp
