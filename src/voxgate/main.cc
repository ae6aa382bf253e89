// SPDX-License-Identifier: BSD-3-Clause
// voxgate: the gateway executable (signals set a flag; everything else is the control plane's).
#include <atomic>
#include <csignal>

#include "controlplane/gateway.h"
#include "src/voxgate/cli.h"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  const auto opt = parse_cli(argc, argv, code);
  if (!opt) return code;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return cp::run_gateway(*opt, g_stop);
}
