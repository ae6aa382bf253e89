// SPDX-License-Identifier: BSD-3-Clause
// Vocabulary shared by the DSP processors: grades and the 8 kHz frame-size limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsp {

inline constexpr int sample_rate_hz = 8000;
// 10..60 ms frames at 8 kHz (RTP packetisation times a G.711 gateway meets).
inline constexpr int min_frame_samples = 80;
inline constexpr int max_frame_samples = 480;

enum class grade : std::uint8_t { off, basic, advanced };

constexpr std::string_view to_string(grade g) noexcept {
  switch (g) {
    case grade::off: return "off";
    case grade::basic: return "basic";
    case grade::advanced: return "advanced";
  }
  return "?";
}

inline std::optional<grade> parse_grade(std::string_view s) noexcept {
  if (s == "off") return grade::off;
  if (s == "basic") return grade::basic;
  if (s == "advanced") return grade::advanced;
  return std::nullopt;
}

// A config's validate() returns an empty optional when valid, else a message
// naming the field and the reason ("tail_ms: 700 out of range 16..512").
using validation = std::optional<std::string>;

}  // namespace dsp
