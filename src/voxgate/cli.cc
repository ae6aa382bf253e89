// SPDX-License-Identifier: BSD-3-Clause
// voxgate command-line parsing (CLI11).
#include "src/voxgate/cli.h"

#include <CLI/CLI.hpp>

#include "controlplane/argv.h"

#include <string>
#include <vector>

std::optional<cp::gateway_options> parse_cli(int argc, char** argv, int& exit_code) {
  cp::gateway_options opt;
  // Everything after "--" goes to EAL untouched.
  const int own_argc = cp::split_eal_args(argc, argv, opt.extra_eal_args);
  CLI::App app{"voxgate: kernel-bypass RTP media gateway (DPDK)\nusage: voxgate -c FILE [options] [-- EAL args]"};
  app.add_option("-c,--config", opt.config_path, "TOML configuration file")->required();
  app.add_option("--exit-when-idle", opt.exit_when_idle_s,
                 "stop after SECONDS without any received packet (pcap runs)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--stats-file", opt.stats_file, "write the final stats snapshot (JSON) here");
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e) == 0 ? 0 : cp::exit_config_error;
    return std::nullopt;
  }
  return opt;
}
