// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp command line: subcommand registration and the run loop mapping errors to exit codes.
//
// main.cc builds one CLI::App and calls one add_*_command(s) function per
// group of subcommands (each in its own files), then run_cli.
#pragma once

#include <CLI/CLI.hpp>

namespace dsp_tool {

// Sets the app's description and requires exactly one subcommand.
void configure_app(CLI::App& app);

// encode, decode, transcode.
void add_codec_commands(CLI::App& app);

// Parses and runs the chosen subcommand. Returns 0 on success (and for --help);
// for a command-line mistake or a usage_error (audio_io.h) prints one line
// "voxgate-dsp: <message>" on stderr and returns 2; any other failure returns 1.
int run_cli(CLI::App& app, int argc, char** argv);

}  // namespace dsp_tool
