// SPDX-License-Identifier: BSD-3-Clause
// Command line of tests/bench/vad_fit (the advanced VAD's classifier fitting tool).
#pragma once

#include <optional>
#include <string>

namespace vad_fit {

struct options {
  int hidden = 32;          // ReLU units of the hidden layer (1..64)
  int epochs = 40;          // passes over the training frames
  unsigned init_seed = 1;   // seeds the initial weights and the minibatch order
  double seconds = 60.0;    // speech per training / held-out condition (the model header's data: 60)
  std::string out;          // header to write (empty: only print the scores)
  std::string fft_wisdom;   // FFTW wisdom: read before planning if the file exists, else written after
  bool analyse = false;     // print the error analysis of the validation seed
};

// Parses argv; on a bad or unknown argument returns nullopt and writes the reason and the usage to stderr.
std::optional<options> parse(int argc, char** argv);

}  // namespace vad_fit
