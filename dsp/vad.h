// SPDX-License-Identifier: BSD-3-Clause
// Voice activity detection: the per-frame result and the interface both VAD grades implement.
//
// The processing chain holds one voice_detector chosen at session setup (basic or
// advanced), so the grade is resolved once per session by a virtual call, not per
// sample (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <span>

namespace dsp {

struct vad_result {
  bool speech = false;       // decision after hangover
  float probability = 0.0f;  // 0..1, before hangover
};

class voice_detector {
 public:
  virtual ~voice_detector() = default;
  // One frame of 80..480 samples (any length in that range, it may change per call).
  virtual vad_result process(std::span<const std::int16_t> frame) noexcept = 0;
  // Forgets noise estimates and hangover (buffers stay allocated).
  virtual void reset() noexcept = 0;
  // True after an internal error (non-finite state); the chain may fall back.
  virtual bool failed() const noexcept = 0;
};

}  // namespace dsp
