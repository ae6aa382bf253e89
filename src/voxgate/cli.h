// SPDX-License-Identifier: BSD-3-Clause
// voxgate command line: -c FILE, --exit-when-idle, --stats-file, -- EAL args.
#pragma once

#include <optional>

#include "controlplane/gateway.h"

// Parses argv; prints help/errors itself. Returns nullopt with exit_code set when
// the process should exit (help shown: 0, bad usage: 2).
std::optional<cp::gateway_options> parse_cli(int argc, char** argv, int& exit_code);
