// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp: offline G.711 and DSP tool; builds the command line from the subcommand groups and runs it.
#include "src/dsp_tool/cli.h"
#include "src/dsp_tool/process_cmd.h"

int main(int argc, char** argv) {
  CLI::App app;
  dsp_tool::configure_app(app);
  dsp_tool::add_codec_commands(app);
  dsp_tool::add_process_command(app);
  return dsp_tool::run_cli(app, argc, argv);
}
