// SPDX-License-Identifier: BSD-3-Clause
// Acoustic/line echo canceller interface: config, status and the grade-selecting factory.
//
// Two grades share this interface (DESIGN.md §4):
//  - basic: time-domain NLMS over the whole tail (dsp/aec_basic.h);
//  - advanced: partitioned-block frequency-domain adaptive filter with bulk delay
//    estimation, double-talk handling, residual echo suppression and comfort noise
//    (dsp/aec_advanced.h).
// `near` is the signal from this leg's endpoint (its microphone / line, containing
// the echo), `far` is what the gateway sent toward that endpoint in the same frame
// period (the echo's source). `out` is near with the echo removed.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>

#include "dsp/memory.h"
#include "dsp/processor.h"

namespace dsp {

struct aec_config {
  // off builds nothing (make_echo_canceller throws); basic or advanced select the grade.
  grade mode = grade::off;
  // Samples per process() call, 80..480 (10..60 ms at 8 kHz).
  int frame_samples = 160;
  // Echo tail the adaptive filter covers after the bulk delay, 8..512 ms. 64 ms is
  // ITU-T G.168's minimum tail capacity for network echo cancellers; acoustic paths
  // of small rooms need 128 ms or more.
  int tail_ms = 64;
  // Largest bulk delay (far -> near) the advanced grade searches, 0..1000 ms.
  // The basic grade has no delay search: its tail must cover delay + echo.
  int max_delay_ms = 500;
  // Advanced: estimate and compensate the bulk delay so the filter spends its taps
  // on the echo itself. When false the delay is taken as 0.
  bool delay_estimation = true;
  // Advanced: nonlinear residual echo suppression after the linear filter.
  bool residual_suppression = true;
  // Advanced: fill what the suppressor removed with noise at the near-end noise
  // floor so the background does not pump between talk spurts.
  bool comfort_noise = true;
  // Basic: NLMS step size mu in (0, 1]. 0.5 trades some misadjustment for tracking
  // speed (Haykin, Adaptive Filter Theory, 4th ed., §6.3: stable for 0 < mu < 2).
  float nlms_step = 0.5f;
  // Far-end level below which neither grade adapts (the input carries no information
  // on the echo path). -60 dBFS is below the quietest speech of ITU-T P.56 active level.
  float far_silence_dbfs = -60.0f;

  validation validate() const;
};

struct aec_status {
  // Smoothed echo return loss enhancement: near power / output power over frames where
  // the far end is active and the near end is not (dB, 0 before the first such frame).
  float erle_db = 0;
  // Bulk delay estimate far -> near in samples (advanced; 0 for basic).
  int delay_samples = 0;
  // True once erle_db has held above 10 dB (the filter models the echo path).
  bool converged = false;
  // True while the near end is judged to talk over the far end (adaptation held).
  bool double_talk = false;
};

class echo_canceller {
 public:
  virtual ~echo_canceller() = default;
  // near, far and out have the configured frame_samples each; out == near (in place)
  // is allowed. Allocation-free.
  virtual void process(std::span<const std::int16_t> near, std::span<const std::int16_t> far,
                       std::span<std::int16_t> out) noexcept = 0;
  virtual aec_status status() const noexcept = 0;
  // Forgets the echo path and all history (buffers stay allocated).
  virtual void reset() noexcept = 0;
  // Internal error: the filter diverged (non-finite state or output far above the
  // input) and did not recover. The chain may then fall back to the basic grade.
  virtual bool failed() const noexcept = 0;
};

// Builds basic or advanced per cfg.mode, every byte from mr (object via dsp::make_in);
// throws std::invalid_argument with validate()'s message when invalid (mode off included).
// The advanced grade needs FFT size 2 * frame_samples: fft_registry::prepare() is called
// here, so the gateway calls prepare at start for its frame sizes and setup never plans.
resource_ptr<echo_canceller> make_echo_canceller(
    const aec_config& cfg, std::pmr::memory_resource* mr = std::pmr::get_default_resource());

}  // namespace dsp
