// SPDX-License-Identifier: BSD-3-Clause
// Session manager: places sessions on workers, publishes them over the control rings,
// and frees their memory once the worker has let go.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/control.h"
#include "dataplane/media.h"
#include "dataplane/socket_resource.h"
#include "dataplane/runtime.h"
#include "dataplane/session.h"

namespace cp {

class session_manager {
 public:
  // max_per_worker: admission limit per worker (performance.sessions_per_worker).
  explicit session_manager(dp::runtime& rt, unsigned max_per_worker = 16384);
  ~session_manager();
  session_manager(const session_manager&) = delete;
  session_manager& operator=(const session_manager&) = delete;

  // Places the session on a worker and posts it; it goes live when the worker
  // applies it between bursts. Returns an error message (nothing changed) or "".
  std::string add(const dp::session_spec& spec);
  // Posts a removal; memory is freed when the worker's reply arrives (poll()).
  std::string remove(const std::string& id);
  // Collects worker replies; never waits. Returns the number of replies handled.
  unsigned poll();

  enum class state : std::uint8_t { pending, active, failed, removing };
  struct entry {
    dp::session_spec spec;
    unsigned worker = 0;
    state st = state::pending;
    dp::session_state* mem = nullptr;  // on the worker's socket
    dsp::resource_ptr<dp::media_session> media;  // same socket; empty for a pure relay
    dp::ctl_msg msg;
  };
  const std::map<std::string, std::unique_ptr<entry>>& sessions() const noexcept { return sessions_; }
  std::size_t pending() const noexcept;
  std::size_t sessions_on(unsigned worker) const noexcept;
  // Adds a worker refused (a local address already routed).
  std::uint64_t failed_adds() const noexcept { return failed_adds_; }

 private:
  void release_ports(const entry& e);
  static void free_memory(entry& e) noexcept;
  void handle_reply(unsigned worker, dp::ctl_msg& m);

  dp::runtime& rt_;
  unsigned max_per_worker_;
  std::map<std::string, std::unique_ptr<entry>> sessions_;
  std::vector<std::unique_ptr<entry>> retiring_;  // removed from the map, waiting for the worker
  std::vector<unsigned> load_;                     // sessions per worker
  std::vector<std::uint16_t> port_refs_;           // local UDP port -> sessions using it
  // Per worker: local addresses handed over with their session-table slot memory
  // (freed when the manager goes, after the workers stopped).
  std::vector<std::map<std::uint32_t, void*>> worker_addresses_;
  std::uint64_t failed_adds_ = 0;
  std::vector<std::unique_ptr<dp::socket_resource>> memory_;  // per worker: its socket's rte_malloc
  std::uint32_t ssrc_seed_;
};

}  // namespace cp
