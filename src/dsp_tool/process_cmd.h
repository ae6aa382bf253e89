// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp process: a WAV file through the processing chain (AEC -> VAD -> AGC) with a JSON report.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace dsp_tool {

struct process_options {
  std::string in, out, far, report;
  std::string fft_wisdom;  // FFTW wisdom file: imported when it exists, else written after planning
  std::string vad = "advanced", agc = "advanced", aec = "off";
  int frame_samples = 160;
};

struct process_summary {
  std::size_t frames = 0;
  double speech_ratio = 0;
  double mean_agc_gain_db = 0;
  std::size_t fallbacks = 0;
};

// Registers `process` (its options are parsed in add_process_command; the work is
// run_process). Usage mistakes throw usage_error (exit 2).
void add_process_command(CLI::App& app);

// Checks the options (usage_error naming the option and reason), runs the chain
// over IN (and FAR), writes OUT (time-aligned: the AGC's look-ahead delay is
// removed) and, when set, the JSON report.
process_summary run_process(const process_options& opt);

}  // namespace dsp_tool
