// SPDX-License-Identifier: BSD-3-Clause
// Stats snapshot: workers, ports, pools and sessions as JSON, and a one-screen summary.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "controlplane/session_manager.h"
#include "dataplane/runtime.h"

namespace cp {

nlohmann::json stats_snapshot(const dp::runtime& rt, const session_manager& sm);

// Human summary of a snapshot (a few lines: totals, drops by reason, per worker).
std::string stats_summary(const nlohmann::json& snap);

}  // namespace cp
