// SPDX-License-Identifier: BSD-3-Clause
// Messages on the control plane -> worker rings (add/remove a session) and their replies.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/session.h"

namespace dp {

// Control plane -> worker message, and its reply.
struct ctl_msg {
  enum class op : std::uint8_t { add, remove } what = op::add;
  bool ok = false;  // set by the worker in the reply
  session_state* session = nullptr;
  void* cookie = nullptr;  // the control plane's own record of this request; the worker ignores it
  // Local addresses new to this worker, with their zeroed session_table slot
  // memory (allocated by the control plane on the worker's socket).
  struct new_address {
    std::uint32_t ip = 0;
    void* slots = nullptr;
  };
  std::array<new_address, 2> new_addresses{};
};

}  // namespace dp
