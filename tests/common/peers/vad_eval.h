// SPDX-License-Identifier: BSD-3-Clause
// Runs our VADs and the reference peers over a signal frame by frame and scores them against labels.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/vad.h"
#include "tests/common/peers/speex_preprocess.h"
#include "tests/common/peers/webrtc_vad.h"

namespace test {

struct vad_score {
  double accuracy = 0;     // frames where decision == label, over all frames
  double hit_rate = 0;     // speech frames called speech, over speech frames
  double false_alarm = 0;  // non-speech frames called speech, over non-speech frames
};

inline vad_score score_vad(const std::vector<bool>& labels, const std::vector<bool>& decisions) {
  std::size_t n = std::min(labels.size(), decisions.size()), ok = 0, sp = 0, hit = 0, ns = 0, fa = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ok += labels[i] == decisions[i];
    if (labels[i]) {
      ++sp;
      hit += decisions[i];
    } else {
      ++ns;
      fa += decisions[i];
    }
  }
  return {n ? double(ok) / double(n) : 0, sp ? double(hit) / double(sp) : 0, ns ? double(fa) / double(ns) : 0};
}

inline std::vector<bool> run_vad(dsp::voice_detector& vad, std::span<const std::int16_t> x, std::size_t frame) {
  std::vector<bool> d;
  for (std::size_t i = 0; i + frame <= x.size(); i += frame) d.push_back(vad.process(x.subspan(i, frame)).speech);
  return d;
}


inline std::vector<bool> run_webrtc_vad(std::span<const std::int16_t> x, int mode = webrtc_vad_mode) {
  webrtc_vad v(mode);
  std::vector<bool> d;
  for (std::size_t i = 0; i + 160 <= x.size(); i += 160) d.push_back(v.process(x.subspan(i, 160)));
  return d;
}

inline std::vector<bool> run_speex_vad(std::span<const std::int16_t> x) {
  speex_preprocessor v(160, true, false, 8000.0f, true);
  std::vector<bool> d;
  std::vector<std::int16_t> f(160);
  for (std::size_t i = 0; i + 160 <= x.size(); i += 160) {
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(i), x.begin() + static_cast<std::ptrdiff_t>(i + 160), f.begin());
    d.push_back(v.process(f));
  }
  return d;
}

}  // namespace test
