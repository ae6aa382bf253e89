// SPDX-License-Identifier: BSD-3-Clause
// AGC quality measurement: speech at a given active level with background noise, through an AGC, scored.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tests/common/speech_source.h"
#include "tests/common/test_signals.h"

namespace test {

struct agc_case {
  std::vector<std::int16_t> input;
  std::vector<bool> labels;  // per 160-sample frame, from the clean speech
  std::vector<bool> pause;   // per frame: the clean speech is digital silence (a true pause)
};

// `seconds` of speech_corpus_8k(seed) scaled to an active level of `level_dbfs`
// (saturating: at -6 dBFS the loudest peaks clip in the input itself), plus white
// noise 30 dB below the speech (so pauses are not digital silence).
inline agc_case make_agc_case(unsigned seed, double seconds, double level_dbfs) {
  const auto clean = speech_corpus_8k(seed, seconds);
  const auto speech = scaled(clean, level_dbfs - active_level_dbfs(clean));
  const auto noise = white_noise(seed + 1000u, clean.size(), level_dbfs - 30.0);
  agc_case c;
  c.labels = frame_labels(clean, 160);
  for (std::size_t f = 0; f + 1 <= clean.size() / 160; ++f)
    c.pause.push_back(std::all_of(clean.begin() + static_cast<std::ptrdiff_t>(f * 160),
                                  clean.begin() + static_cast<std::ptrdiff_t>(f * 160 + 160),
                                  [](std::int16_t v) { return v == 0; }));
  c.input.resize(clean.size());
  for (std::size_t i = 0; i < clean.size(); ++i)
    c.input[i] = static_cast<std::int16_t>(std::clamp(static_cast<int>(speech[i]) + noise[i], -32768, 32767));
  return c;
}

struct agc_score {
  double out_level_dbfs = 0;    // active speech level of the output after settle_s
  double level_error_db = 0;    // out_level - target
  std::size_t clipped = 0;      // output samples with |y| >= 32767 (saturation)
  std::size_t input_clipped = 0;
  double pause_in_dbfs = 0;     // mean power of the input over pause frames (clean speech silent) after settle_s
  double pause_out_dbfs = 0;    // the same frames of the output
};

// `process` runs one 160-sample frame in place; latency = samples the AGC delays by.
inline agc_score score_agc(const agc_case& c, const std::function<void(std::span<std::int16_t>)>& process,
                           int latency, double target_dbfs, double settle_s = 2.0) {
  std::vector<std::int16_t> y = c.input;
  for (std::size_t i = 0; i + 160 <= y.size(); i += 160) process(std::span<std::int16_t>(y).subspan(i, 160));
  agc_score s;
  for (auto v : y) s.clipped += (v >= 32767 || v <= -32767);
  for (auto v : c.input) s.input_clipped += (v >= 32767 || v <= -32767);
  double sp = 0, pin = 0, pout = 0;
  std::size_t nsp = 0, np = 0;
  const std::size_t first = static_cast<std::size_t>(settle_s * 8000.0 / 160.0);
  for (std::size_t f = first; f < c.labels.size(); ++f) {
    const std::size_t a = f * 160, b = a + 160;
    if (b + static_cast<std::size_t>(latency) > y.size()) break;
    double ei = 0, eo = 0;
    for (std::size_t i = a; i < b; ++i) {
      ei += double(c.input[i]) * c.input[i];
      const double o = y[i + static_cast<std::size_t>(latency)];
      eo += o * o;
    }
    if (c.labels[f]) {
      sp += eo;
      ++nsp;
    } else if (c.pause[f]) {
      pin += ei;
      pout += eo;
      ++np;
    }
  }
  const double fs2 = 160.0 * 32768.0 * 32768.0;
  s.out_level_dbfs = nsp ? 10 * std::log10(sp / (double(nsp) * fs2) + 1e-15) : -150;
  s.level_error_db = s.out_level_dbfs - target_dbfs;
  s.pause_in_dbfs = np ? 10 * std::log10(pin / (double(np) * fs2) + 1e-15) : -150;
  s.pause_out_dbfs = np ? 10 * std::log10(pout / (double(np) * fs2) + 1e-15) : -150;
  return s;
}

}  // namespace test
