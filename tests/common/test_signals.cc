// SPDX-License-Identifier: BSD-3-Clause
// Seeded noise generators, SNR mixing and frame labels for VAD/AGC quality tests.
#include "tests/common/test_signals.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/common/speech_source.h"

namespace test {

namespace {

std::vector<std::int16_t> to_int16(const std::vector<double>& v, double dbfs) {
  double acc = 0;
  for (double x : v) acc += x * x;
  const double rms = std::sqrt(acc / std::max<std::size_t>(1, v.size()));
  const double g = rms > 0 ? std::pow(10.0, dbfs / 20.0) * 32768.0 / rms : 0.0;
  std::vector<std::int16_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<std::int16_t>(std::clamp(std::lrint(v[i] * g), -32768L, 32767L));
  return out;
}

}  // namespace

std::vector<std::int16_t> white_noise(unsigned seed, std::size_t samples, double dbfs) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<double> v(samples);
  for (auto& x : v) x = nd(rng);
  return to_int16(v, dbfs);
}

std::vector<std::int16_t> pink_noise(unsigned seed, std::size_t samples, double dbfs) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<double> v(samples);
  double b0 = 0, b1 = 0, b2 = 0;
  for (auto& x : v) {
    const double w = nd(rng);
    // Kellet's economy pinking filter coefficients (see header).
    b0 = 0.99765 * b0 + w * 0.0990460;
    b1 = 0.96300 * b1 + w * 0.2965164;
    b2 = 0.57000 * b2 + w * 1.0526913;
    x = b0 + b1 + b2 + w * 0.1848;
  }
  return to_int16(v, dbfs);
}

std::vector<std::int16_t> babble_noise(unsigned seed, std::size_t samples, double dbfs, int talkers) {
  std::mt19937 rng(seed * 7919u + 17u);
  std::uniform_int_distribution<std::size_t> pick_offset(0, 8000 * 3);
  std::vector<double> v(samples, 0.0);
  for (int t = 0; t < talkers; ++t) {
    const std::size_t off = pick_offset(rng);
    // Seeds far from the ones the tests use for the target speech (1..100).
    const auto s = speech_corpus_8k(100000u + seed * 97u + static_cast<unsigned>(t),
                                    static_cast<double>(samples + off) / 8000.0);
    for (std::size_t i = 0; i < samples; ++i) v[i] += s[i + off];
  }
  return to_int16(v, dbfs);
}

const char* to_string(noise_kind k) {
  switch (k) {
    case noise_kind::white: return "white";
    case noise_kind::pink: return "pink";
    case noise_kind::babble: return "babble";
  }
  return "?";
}

std::vector<std::int16_t> make_noise(noise_kind k, unsigned seed, std::size_t samples, double dbfs) {
  switch (k) {
    case noise_kind::white: return white_noise(seed, samples, dbfs);
    case noise_kind::pink: return pink_noise(seed, samples, dbfs);
    case noise_kind::babble: return babble_noise(seed, samples, dbfs);
  }
  return {};
}

double level_dbfs(std::span<const std::int16_t> x) {
  double acc = 0;
  for (auto s : x) acc += static_cast<double>(s) * s;
  if (acc == 0 || x.empty()) return -120.0;
  return 10.0 * std::log10(acc / static_cast<double>(x.size()) / (32768.0 * 32768.0));
}

namespace {
std::vector<double> frame_levels(std::span<const std::int16_t> clean, std::size_t fs) {
  std::vector<double> lv;
  for (std::size_t i = 0; i + fs <= clean.size(); i += fs) lv.push_back(level_dbfs(clean.subspan(i, fs)));
  return lv;
}
double active_from_levels(const std::vector<double>& lv) {
  double acc = 0;
  std::size_t n = 0;
  for (double l : lv)
    if (l > -55.0) {
      acc += std::pow(10.0, l / 10.0);
      ++n;
    }
  return n == 0 ? -120.0 : 10.0 * std::log10(acc / static_cast<double>(n));
}
}  // namespace

double active_level_dbfs(std::span<const std::int16_t> clean, std::size_t frame_samples) {
  return active_from_levels(frame_levels(clean, frame_samples));
}

std::vector<bool> frame_labels(std::span<const std::int16_t> clean, std::size_t frame_samples) {
  const auto lv = frame_levels(clean, frame_samples);
  const double a = active_from_levels(lv);
  std::vector<bool> out(lv.size());
  for (std::size_t i = 0; i < lv.size(); ++i) out[i] = lv[i] >= a - 15.9;
  return out;
}

std::vector<std::int16_t> mix_at_snr(std::span<const std::int16_t> clean, std::span<const std::int16_t> noise,
                                     double snr_db) {
  const double a = active_level_dbfs(clean);
  const double nl = level_dbfs(noise);
  const double g = std::pow(10.0, (a - snr_db - nl) / 20.0);
  std::vector<std::int16_t> out(clean.size());
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const double v = clean[i] + g * (i < noise.size() ? noise[i] : 0);
    out[i] = static_cast<std::int16_t>(std::clamp(std::lrint(v), -32768L, 32767L));
  }
  return out;
}

std::vector<std::int16_t> scaled(std::span<const std::int16_t> x, double gain_db) {
  const double g = std::pow(10.0, gain_db / 20.0);
  std::vector<std::int16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    out[i] = static_cast<std::int16_t>(std::clamp(std::lrint(x[i] * g), -32768L, 32767L));
  return out;
}

}  // namespace test
