// SPDX-License-Identifier: BSD-3-Clause
// G.711 scalar reference: sample loops and the 256-entry transcoding tables.
#include "dsp/g711.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace dsp::g711 {

namespace {

template <std::uint8_t (*F)(std::uint8_t)>
constexpr std::array<std::uint8_t, 256> make_byte_table() {
  std::array<std::uint8_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = F(static_cast<std::uint8_t>(i));
  return t;
}

constexpr std::uint8_t u2a(std::uint8_t u) { return ulaw_to_alaw_sample(u); }
constexpr std::uint8_t a2u(std::uint8_t a) { return alaw_to_ulaw_sample(a); }

// Built at compile time from the bit-exact per-sample functions.
constexpr std::array<std::uint8_t, 256> ulaw_to_alaw_table = make_byte_table<&u2a>();
constexpr std::array<std::uint8_t, 256> alaw_to_ulaw_table = make_byte_table<&a2u>();

}  // namespace

std::optional<law> parse_law(std::string_view s) noexcept {
  if (s == "ulaw" || s == "mulaw" || s == "pcmu" || s == "PCMU") return law::ulaw;
  if (s == "alaw" || s == "pcma" || s == "PCMA") return law::alaw;
  return std::nullopt;
}

namespace scalar {

void ulaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = ulaw_encode_sample(in[i]);
}

void alaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = alaw_encode_sample(in[i]);
}

void ulaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = ulaw_decode_sample(in[i]);
}

void alaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = alaw_decode_sample(in[i]);
}

void ulaw_to_alaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = ulaw_to_alaw_table[in[i]];
}

void alaw_to_ulaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = alaw_to_ulaw_table[in[i]];
}

}  // namespace scalar

}  // namespace dsp::g711
