// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp file I/O with libsndfile (WAV) and stdio (raw G.711 bytes).
#include "src/dsp_tool/audio_io.h"

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace dsp_tool {

namespace {

constexpr int wav_rate_hz = 8000;

struct sndfile_closer {
  void operator()(SNDFILE* f) const noexcept { sf_close(f); }
};
using sndfile_ptr = std::unique_ptr<SNDFILE, sndfile_closer>;

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::string lower_extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace

std::vector<std::int16_t> read_wav(const std::string& path) {
  SF_INFO info{};
  sndfile_ptr f(sf_open(path.c_str(), SFM_READ, &info));
  if (!f) throw usage_error(path + ": cannot read as a WAV file: " + sf_strerror(nullptr));
  const int major = info.format & SF_FORMAT_TYPEMASK;
  const int minor = info.format & SF_FORMAT_SUBMASK;
  if (major != SF_FORMAT_WAV && major != SF_FORMAT_WAVEX)
    throw usage_error(path + ": not a WAV file (need 8000 Hz mono 16-bit PCM WAV)");
  if (info.samplerate != wav_rate_hz)
    throw usage_error(path + ": sample rate " + std::to_string(info.samplerate) + " Hz, need 8000 Hz");
  if (info.channels != 1)
    throw usage_error(path + ": " + std::to_string(info.channels) + " channels, need mono (1)");
  if (minor != SF_FORMAT_PCM_16) throw usage_error(path + ": samples are not 16-bit PCM, need 16-bit PCM");
  std::vector<std::int16_t> samples(static_cast<std::size_t>(info.frames));
  const sf_count_t got = sf_readf_short(f.get(), samples.data(), info.frames);
  if (got != info.frames) throw usage_error(path + ": truncated WAV data");
  return samples;
}

void write_wav(const std::string& path, std::span<const std::int16_t> samples) {
  SF_INFO info{};
  info.samplerate = wav_rate_hz;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  sndfile_ptr f(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!f) throw usage_error(path + ": cannot write: " + sf_strerror(nullptr));
  const auto n = static_cast<sf_count_t>(samples.size());
  if (sf_writef_short(f.get(), samples.data(), n) != n)
    throw usage_error(path + ": write failed: " + sf_strerror(f.get()));
}

std::vector<std::uint8_t> read_raw(const std::string& path) {
  file_ptr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw usage_error(path + ": cannot read: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.insert(bytes.end(), buf, buf + n);
  if (std::ferror(f.get())) throw usage_error(path + ": read error");
  return bytes;
}

void write_raw(const std::string& path, std::span<const std::uint8_t> bytes) {
  file_ptr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw usage_error(path + ": cannot write: " + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size() || std::fflush(f.get()) != 0)
    throw usage_error(path + ": write failed: " + std::strerror(errno));
}

std::optional<dsp::g711::law> law_from_extension(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == "ul" || ext == "ulaw" || ext == "mu" || ext == "pcmu") return dsp::g711::law::ulaw;
  if (ext == "al" || ext == "alaw" || ext == "pcma") return dsp::g711::law::alaw;
  return std::nullopt;
}

dsp::g711::law law_for_path(const std::string& path, std::optional<dsp::g711::law> forced) {
  if (forced) return *forced;
  if (const auto l = law_from_extension(path)) return *l;
  throw usage_error(path +
                    ": cannot tell the G.711 law from the extension (use .ul or .al, or --law ulaw|alaw)");
}

dsp::g711::law parse_law_option(const std::string& value, const std::string& option) {
  if (value == "ulaw") return dsp::g711::law::ulaw;
  if (value == "alaw") return dsp::g711::law::alaw;
  throw usage_error(option + ": unknown law '" + value + "' (use ulaw or alaw)");
}

}  // namespace dsp_tool
