// SPDX-License-Identifier: BSD-3-Clause
// aec_config validation and the factory that builds the echo canceller of the configured grade.
#include "dsp/aec.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "dsp/aec_advanced.h"
#include "dsp/aec_basic.h"

namespace dsp {

validation aec_config::validate() const {
  auto range = [](const char* field, auto v, auto lo, auto hi) -> validation {
    if (!(v >= lo && v <= hi))
      return std::string(field) + ": " + std::to_string(v) + " out of range " + std::to_string(lo) + ".." +
             std::to_string(hi);
    return std::nullopt;
  };
  if (mode == grade::off) return std::string("mode: off builds no echo canceller (use basic or advanced)");
  if (auto r = range("frame_samples", frame_samples, min_frame_samples, max_frame_samples)) return r;
  // 8 ms: at least one partition of the smallest frame; 512 ms: longer acoustic tails
  // are better served by a delay estimate than by more taps.
  if (auto r = range("tail_ms", tail_ms, 8, 512)) return r;
  if (auto r = range("max_delay_ms", max_delay_ms, 0, 1000)) return r;
  if (!std::isfinite(nlms_step) || nlms_step <= 0.0f || nlms_step > 1.0f)
    return "nlms_step: " + std::to_string(nlms_step) + " out of range (0, 1]";
  if (auto r = range("far_silence_dbfs", far_silence_dbfs, -96.0f, -20.0f)) return r;
  return std::nullopt;
}

resource_ptr<echo_canceller> make_echo_canceller(const aec_config& cfg, std::pmr::memory_resource* mr) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  if (cfg.mode == grade::basic) return make_in<aec_basic>(mr, cfg, mr);
  return make_in<aec_advanced>(mr, cfg, mr);
}

}  // namespace dsp
