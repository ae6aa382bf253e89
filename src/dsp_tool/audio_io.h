// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp file I/O: 8 kHz mono 16-bit WAV, raw G.711 (.ul/.al), and the usage-error type (exit code 2).
//
// Shared by every voxgate-dsp subcommand. Anything the user got wrong (a file
// that cannot be read or written, a WAV that is not 8 kHz mono 16-bit PCM, an
// unknown law or extension) throws usage_error with one message that names the
// file and the reason; run_cli (cli.h) prints it and exits with code 2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsp/g711.h"

namespace dsp_tool {

inline constexpr int usage_exit_code = 2;

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole file as int16 samples; usage_error unless it is a WAV file of 8000 Hz, one channel, 16-bit PCM.
std::vector<std::int16_t> read_wav(const std::string& path);
// Writes an 8000 Hz mono 16-bit PCM WAV file (replacing any file there).
void write_wav(const std::string& path, std::span<const std::int16_t> samples);

// Headerless G.711 code bytes (.ul/.al), one byte per sample.
std::vector<std::uint8_t> read_raw(const std::string& path);
void write_raw(const std::string& path, std::span<const std::uint8_t> bytes);

// ".ul", ".ulaw", ".mu", ".pcmu" -> ulaw; ".al", ".alaw", ".pcma" -> alaw (case-insensitive), else nullopt.
std::optional<dsp::g711::law> law_from_extension(const std::string& path);
// `forced` (from --law) if given, else the extension's law; usage_error if neither says.
dsp::g711::law law_for_path(const std::string& path, std::optional<dsp::g711::law> forced);
// Parses a --law value ("ulaw" or "alaw"); usage_error naming `option` otherwise.
dsp::g711::law parse_law_option(const std::string& value, const std::string& option);

}  // namespace dsp_tool
