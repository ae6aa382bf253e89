// SPDX-License-Identifier: BSD-3-Clause
// The gateway process: config -> lcore plan -> EAL/ports/workers -> sessions -> control loop.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace cp {

struct gateway_options {
  std::string config_path;
  std::vector<std::string> extra_eal_args;  // after "--" on the command line
  double exit_when_idle_s = 0;              // stop when no packet arrived for this long (pcap runs)
  std::string stats_file;                   // JSON snapshot written at exit ("" = none)
};

// Exit codes: 0 clean stop, 1 runtime/setup failure, 2 bad configuration.
inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime_error = 1;
inline constexpr int exit_config_error = 2;

// Runs until *stop becomes true (signal handler) or the idle timeout fires.
int run_gateway(const gateway_options& opt, const std::atomic<bool>& stop);

// The EAL argv the gateway would use, and the worker lcore ids (exposed for tests).
struct eal_plan {
  std::vector<std::string> args;
  std::vector<unsigned> worker_lcores;
  std::vector<std::string> notes;
};
struct config;
eal_plan make_eal_plan(const config& c, const std::vector<std::string>& extra_eal_args);

}  // namespace cp
