// SPDX-License-Identifier: BSD-3-Clause
// Runs a child process with a deadline, capturing stdout/stderr to files (e2e tests, demo checks).
#pragma once

#include <string>
#include <vector>

namespace test {

struct process_result {
  int exit_code = -1;   // -1 when killed or not started
  bool timed_out = false;
  std::string out;      // captured stdout
  std::string err;      // captured stderr
};

// Runs argv[0] with argv; after `signal_after_s` seconds (if > 0) sends SIGTERM;
// kills with SIGKILL after `timeout_s`.
process_result run_process(const std::vector<std::string>& argv, const std::string& work_dir, double timeout_s,
                           double signal_after_s = 0);

std::string read_file(const std::string& path);
std::string make_temp_dir(const std::string& tag);

}  // namespace test
