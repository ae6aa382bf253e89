// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp codec subcommands: whole files through the dispatching SIMD G.711 functions.
#include "src/dsp_tool/codec_cmd.h"

#include <cstdint>
#include <vector>

#include "src/dsp_tool/audio_io.h"

namespace dsp_tool {

std::size_t encode_file(const std::string& in_wav, const std::string& out_raw, dsp::g711::law law) {
  const std::vector<std::int16_t> pcm = read_wav(in_wav);
  std::vector<std::uint8_t> codes(pcm.size());
  dsp::g711::encoder_for(law)(pcm, codes);
  write_raw(out_raw, codes);
  return pcm.size();
}

std::size_t decode_file(const std::string& in_raw, const std::string& out_wav, dsp::g711::law law) {
  const std::vector<std::uint8_t> codes = read_raw(in_raw);
  std::vector<std::int16_t> pcm(codes.size());
  dsp::g711::decoder_for(law)(codes, pcm);
  write_wav(out_wav, pcm);
  return pcm.size();
}

std::size_t transcode_file(const std::string& in_raw, const std::string& out_raw, dsp::g711::law from,
                           dsp::g711::law to) {
  std::vector<std::uint8_t> codes = read_raw(in_raw);
  if (const auto fn = dsp::g711::transcoder_for(from, to)) fn(codes, codes);  // in place
  write_raw(out_raw, codes);
  return codes.size();
}

}  // namespace dsp_tool
