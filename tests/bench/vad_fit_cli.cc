// SPDX-License-Identifier: BSD-3-Clause
// Command line of tests/bench/vad_fit: flags to options, with the usage on error.
#include "tests/bench/vad_fit_cli.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace vad_fit {

namespace {

constexpr const char* usage =
    "usage: vad_fit [--hidden N] [--epochs N] [--init-seed N] [--seconds S] [--analyse] [--fft-wisdom FILE]\n"
    "               [--out FILE]\n"
    "  fits the advanced VAD's frame classifier on the seeded generator and prints its\n"
    "  scores on the held-out seeds; --out writes dsp/vad_advanced_model.h. Defaults:\n"
    "  --hidden 32 --epochs 40 --init-seed 1 --seconds 60.\n";

bool parse_long(const char* s, long lo, long hi, long& v) {
  char* end = nullptr;
  v = std::strtol(s, &end, 10);
  return end != s && *end == '\0' && v >= lo && v <= hi;
}

}  // namespace

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    long v = 0;
    if (a == "--analyse") {
      o.analyse = true;
    } else if (a == "--hidden" && has_value && parse_long(argv[i + 1], 1, 64, v)) {
      o.hidden = static_cast<int>(v);
      ++i;
    } else if (a == "--epochs" && has_value && parse_long(argv[i + 1], 1, 1000, v)) {
      o.epochs = static_cast<int>(v);
      ++i;
    } else if (a == "--init-seed" && has_value && parse_long(argv[i + 1], 0, 1000000, v)) {
      o.init_seed = static_cast<unsigned>(v);
      ++i;
    } else if (a == "--seconds" && has_value && parse_long(argv[i + 1], 10, 3600, v)) {
      o.seconds = static_cast<double>(v);
      ++i;
    } else if (a == "--fft-wisdom" && has_value) {
      o.fft_wisdom = argv[i + 1];
      ++i;
    } else if (a == "--out" && has_value) {
      o.out = argv[i + 1];
      ++i;
    } else {
      std::fprintf(stderr, "vad_fit: bad argument '%s'\n%s", argv[i], usage);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace vad_fit
