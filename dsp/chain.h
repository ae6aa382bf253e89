// SPDX-License-Identifier: BSD-3-Clause
// ProcessingChain: builds a session's AEC, VAD and AGC from one config and runs them on a frame in that order.
//
// Grades are resolved at construction: each stage is one pointer to an abstract
// processor (echo_canceller, voice_detector, gain_controller), called virtually per
// frame, never re-decided per sample (DESIGN.md §3). With fallback_to_basic an
// advanced processor that fails validation at construction, or reports failed()
// while running, is replaced by the basic grade; the basic fallback is built at
// construction beside the advanced one, so the switch is a pointer swap (no
// allocation in process()). Every switch is counted.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/aec.h"
#include "dsp/agc.h"
#include "dsp/agc_advanced.h"
#include "dsp/agc_basic.h"
#include "dsp/memory.h"
#include "dsp/processor.h"
#include "dsp/vad.h"
#include "dsp/vad_advanced.h"
#include "dsp/vad_basic.h"

namespace dsp {

struct vad_config {
  grade mode = grade::advanced;
  vad_basic_config basic;
  vad_advanced_config advanced;
};

struct agc_config {
  grade mode = grade::basic;
  agc_basic_config basic;
  agc_advanced_config advanced;
};

struct chain_config {
  aec_config aec;  // aec.mode off: no echo canceller
  vad_config vad;  // vad.mode off: every frame counts as speech for the AGC
  agc_config agc;  // agc.mode off: no gain change
  // Replace a failing advanced processor by the basic one (counted).
  bool fallback_to_basic = true;
  // Samples per frame, 80..480; aec.frame_samples is set from it.
  int frame_samples = 160;

  // Checks every enabled stage of the chosen grade. An invalid advanced config is
  // not an error when fallback_to_basic is set and the basic config is valid.
  validation validate() const;
};

struct chain_result {
  bool speech = true;              // VAD decision (true when the VAD is off)
  float speech_probability = 1.0f;
  float agc_gain_db = 0.0f;        // broadband AGC gain after this frame
  aec_status aec;                  // zeros when the AEC is off
};

class processing_chain {
 public:
  // Throws std::invalid_argument with validate()'s message. Every processor and
  // buffer comes from mr.
  explicit processing_chain(const chain_config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  processing_chain(const processing_chain&) = delete;
  processing_chain& operator=(const processing_chain&) = delete;

  // In place: frame (frame_samples) is the near-end signal, far the far-end
  // reference of the same period (may be empty when the AEC is off).
  // Per 160-sample frame, AVX2 box, 2.1 GHz: VAD + AGC basic ~0.2 us
  // (BM_chain_vad_agc_basic/160), advanced ~3.9 us (BM_chain_vad_agc_advanced/160),
  // with the advanced AEC ~12.5 us (BM_chain_all_advanced/160).
  chain_result process(std::span<std::int16_t> frame, std::span<const std::int16_t> far) noexcept;

  // The stages one by one (the dataplane times each): same effect as process().
  void run_aec(std::span<std::int16_t> frame, std::span<const std::int16_t> far) noexcept;
  vad_result run_vad(std::span<const std::int16_t> frame) noexcept;
  float run_agc(std::span<std::int16_t> frame, bool speech) noexcept;

  void reset() noexcept;

  // The grade each stage runs now (after any fallback).
  grade aec_grade() const noexcept { return aec_grade_; }
  grade vad_grade() const noexcept { return vad_grade_; }
  grade agc_grade() const noexcept { return agc_grade_; }
  // Advanced -> basic replacements so far (at construction and while running).
  std::uint64_t fallback_count() const noexcept { return fallbacks_; }
  // Starts fetching the processors' objects (the dataplane calls this a packet
  // ahead when session state is far beyond the caches).
  void prefetch() const noexcept {
    if (aec_) __builtin_prefetch(aec_.get());
    if (vad_) __builtin_prefetch(vad_.get());
    if (agc_) __builtin_prefetch(agc_.get());
  }
  // The echo canceller's status after the last run_aec (zeros when the AEC is off).
  const aec_status& last_aec_status() const noexcept { return aec_status_; }
  // Delay the chain adds (the AGC's look-ahead), samples.
  int latency_samples() const noexcept;
  int frame_samples() const noexcept { return frame_samples_; }
  // Tests of the fallback path: marks the advanced VAD / AGC failed (no effect on a
  // basic grade). The next frame then runs on the basic one.
  void inject_advanced_faults_for_test() noexcept;

 private:
  int frame_samples_;
  bool fallback_;
  resource_ptr<echo_canceller> aec_, aec_basic_;
  resource_ptr<voice_detector> vad_, vad_basic_;
  resource_ptr<gain_controller> agc_, agc_basic_;
  vad_advanced* vad_adv_ = nullptr;  // the advanced instances, typed (for the fault hook)
  agc_advanced* agc_adv_ = nullptr;
  grade aec_grade_ = grade::off, vad_grade_ = grade::off, agc_grade_ = grade::off;
  std::uint64_t fallbacks_ = 0;
  aec_status aec_status_{};
};

}  // namespace dsp
