// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp encode / decode / transcode: the work behind the codec subcommands (no CLI parsing here).
#pragma once

#include <cstddef>
#include <string>

#include "dsp/g711.h"

namespace dsp_tool {

// WAV (8 kHz mono 16-bit) -> raw G.711 codes. Returns the number of samples.
std::size_t encode_file(const std::string& in_wav, const std::string& out_raw, dsp::g711::law law);
// Raw G.711 codes -> WAV. Returns the number of samples.
std::size_t decode_file(const std::string& in_raw, const std::string& out_wav, dsp::g711::law law);
// Raw codes of one law -> raw codes of the other, byte to byte (a copy when from == to).
std::size_t transcode_file(const std::string& in_raw, const std::string& out_raw, dsp::g711::law from,
                           dsp::g711::law to);

}  // namespace dsp_tool
