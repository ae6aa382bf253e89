// SPDX-License-Identifier: BSD-3-Clause
// espeak-ng + sox speech rendering with an on-disk cache, and the seeded speech corpus.
#include "tests/common/speech_source.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace test {
namespace {

namespace fs = std::filesystem;

// Harvard sentences (IEEE Recommended Practice for Speech Quality Measurements,
// 1969, appendix lists 1-3): phonetically balanced, public domain.
constexpr std::array<std::string_view, 24> sentences = {
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
};

// espeak-ng voices with variants (male/female pitch ranges) and accents.
constexpr std::array<std::string_view, 8> voices = {
    "en-us", "en-gb", "en-us+f3", "en-gb+f2", "en-gb-scotland", "en-029", "en-us+m3", "en-gb-x-rp+f4",
};

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool tool_exists(const char* name) {
  const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

fs::path cache_dir() {
  if (const char* d = std::getenv("VOXGATE_SPEECH_CACHE"); d != nullptr && *d != '\0') return d;
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0')
    return fs::path(t) / "voxgate-speech-cache";
  return "/tmp/voxgate-speech-cache";
}

std::vector<std::int16_t> read_raw(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return {};
  f.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::size_t>(f.tellg());
  f.seekg(0);
  std::vector<std::int16_t> v(bytes / 2);
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 2));
  if (!f) return {};
  return v;
}

// Renders through espeak-ng (22.05 kHz WAV) and sox (high-quality resampler to 8 kHz
// signed 16-bit raw). `rate_wpm` is espeak-ng's -s.
std::vector<std::int16_t> render(std::string_view text, std::string_view voice, int rate_wpm) {
  for (char c : voice) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '+' || c == '_';
    if (!ok) throw std::invalid_argument("speech_8k: bad voice name '" + std::string(voice) + "'");
  }
  const std::string key_src = std::string(text) + '\x1f' + std::string(voice) + '\x1f' +
                              std::to_string(rate_wpm) + "\x1fv1";
  char key[32];
  std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(fnv1a(key_src)));
  const fs::path dir = cache_dir();
  const fs::path cached = dir / (std::string(key) + ".s16");
  if (auto v = read_raw(cached); !v.empty()) return v;

  if (!tool_exists("espeak-ng"))
    throw std::runtime_error("speech_8k: espeak-ng not found (install the Debian package espeak-ng)");
  if (!tool_exists("sox")) throw std::runtime_error("speech_8k: sox not found (install the Debian package sox)");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("speech_8k: cannot create cache dir " + dir.string() + ": " + ec.message());
  // Unique temporaries per process, renamed into place: parallel test processes may race.
  const std::string tmp_base = (dir / (std::string(key) + "." + std::to_string(::getpid()))).string();
  const std::string txt = tmp_base + ".txt", wav = tmp_base + ".wav", raw = tmp_base + ".raw";
  {
    std::ofstream t(txt, std::ios::binary);
    t << text << '\n';
  }
  const std::string cmd = "espeak-ng -v " + std::string(voice) + " -s " + std::to_string(rate_wpm) +
                          " -f " + shell_quote(txt) + " -w " + shell_quote(wav) +
                          " >/dev/null 2>&1 && sox " + shell_quote(wav) +
                          " -r 8000 -c 1 -b 16 -e signed-integer -t raw " + shell_quote(raw) +
                          " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  fs::remove(txt, ec);
  fs::remove(wav, ec);
  if (rc != 0) {
    fs::remove(raw, ec);
    throw std::runtime_error("speech_8k: espeak-ng/sox failed for voice '" + std::string(voice) + "'");
  }
  auto v = read_raw(raw);
  if (v.empty()) throw std::runtime_error("speech_8k: espeak-ng/sox produced no audio");
  fs::rename(raw, cached, ec);
  if (ec) fs::remove(raw, ec);
  return v;
}

// Trims leading/trailing near-silence (espeak-ng pads each utterance).
std::vector<std::int16_t> trim(std::vector<std::int16_t> v) {
  auto loud = [](std::int16_t s) { return std::abs(static_cast<int>(s)) > 64; };
  const auto b = std::find_if(v.begin(), v.end(), loud);
  const auto e = std::find_if(v.rbegin(), v.rend(), loud).base();
  if (b >= e) return {};
  return {b, e};
}

}  // namespace

std::vector<std::int16_t> speech_8k(std::string_view text, std::string_view voice) {
  return render(text, voice, 160);
}

std::vector<std::int16_t> speech_corpus_8k(unsigned seed, double seconds) {
  const auto total = static_cast<std::size_t>(std::llround(std::max(0.0, seconds) * 8000.0));
  std::vector<std::int16_t> out;
  out.reserve(total + 8000);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick_sentence(0, sentences.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_voice(0, voices.size() - 1);
  std::uniform_int_distribution<int> pick_rate(140, 190);
  std::uniform_real_distribution<double> pick_level_db(-30.0, -22.0);
  std::uniform_real_distribution<double> pick_pause_s(0.15, 1.2);
  while (out.size() < total) {
    const auto s = sentences[pick_sentence(rng)];
    const auto voice = voices[pick_voice(rng)];
    const int rate = pick_rate(rng);
    const double level_db = pick_level_db(rng);
    const double pause_s = pick_pause_s(rng);
    auto u = trim(render(s, voice, rate));
    // Active level: RMS over samples above a -50 dBFS gate (a simplified P.56 activity).
    double acc = 0;
    std::size_t n = 0;
    for (auto x : u) {
      if (std::abs(static_cast<int>(x)) > 103) {
        acc += static_cast<double>(x) * x;
        ++n;
      }
    }
    if (n > 0) {
      const double rms = std::sqrt(acc / static_cast<double>(n)) / 32768.0;
      double g = std::pow(10.0, level_db / 20.0) / rms;
      int peak = 1;
      for (auto x : u) peak = std::max(peak, std::abs(static_cast<int>(x)));
      g = std::min(g, 0.9 * 32767.0 / peak);  // keep peaks 1 dB below full scale
      for (auto& x : u) x = static_cast<std::int16_t>(std::lrint(x * g));
    }
    out.insert(out.end(), u.begin(), u.end());
    out.insert(out.end(), static_cast<std::size_t>(pause_s * 8000.0), std::int16_t{0});
  }
  out.resize(total);
  return out;
}

}  // namespace test
