// SPDX-License-Identifier: BSD-3-Clause
// Session placement and publication over the worker control rings.
#include "controlplane/session_manager.h"

#include <rte_malloc.h>

#include "dataplane/session_table.h"

#include <algorithm>
#include <new>
#include <random>
#include <stdexcept>

namespace cp {

namespace {
std::array<std::uint16_t, 4> ports_of(const dp::session_spec& s) {
  return {s.legs[0].local.port, static_cast<std::uint16_t>(s.legs[0].local.port + 1), s.legs[1].local.port,
          static_cast<std::uint16_t>(s.legs[1].local.port + 1)};
}
}  // namespace

session_manager::session_manager(dp::runtime& rt, unsigned max_per_worker)
    : rt_(rt),
      max_per_worker_(max_per_worker),
      load_(rt.n_workers(), 0),
      port_refs_(65536, 0),
      worker_addresses_(rt.n_workers()),
      ssrc_seed_(std::random_device{}()) {
  for (unsigned w = 0; w < rt.n_workers(); ++w) memory_.push_back(std::make_unique<dp::socket_resource>(rt.worker_socket(w)));
}

void session_manager::free_memory(entry& e) noexcept {
  rte_free(e.mem);
  e.mem = nullptr;
  e.media.reset();
}

session_manager::~session_manager() {
  // The workers read the memory freed here: stop them first (idempotent).
  rt_.stop();
  for (auto& [id, e] : sessions_) free_memory(*e);
  for (auto& e : retiring_) free_memory(*e);
  for (auto& addrs : worker_addresses_)
    for (auto& [ip, slots] : addrs) rte_free(slots);
}

std::string session_manager::add(const dp::session_spec& spec) {
  if (sessions_.count(spec.id) != 0) return "session \"" + spec.id + "\" already exists";
  for (const auto& leg : spec.legs)
    if (leg.port_index >= rt_.ports().size())
      return "session \"" + spec.id + "\": port index " + std::to_string(leg.port_index) + " but only " +
             std::to_string(rt_.ports().size()) + " port(s) configured";
  // Both legs must live on one worker (DESIGN.md §2). A port already owned by a
  // worker (another session on another local address) pins the choice.
  unsigned forced = dp::no_owner;
  for (std::uint16_t p : ports_of(spec)) {
    const std::uint8_t o = rt_.owners().owner(p);
    if (o == dp::no_owner) continue;
    if (forced != dp::no_owner && forced != o)
      return "session \"" + spec.id + "\": its local ports are owned by different workers";
    forced = o;
  }
  unsigned w = forced;
  if (w == dp::no_owner) w = static_cast<unsigned>(std::min_element(load_.begin(), load_.end()) - load_.begin());
  if (load_[w] >= max_per_worker_)
    return "session \"" + spec.id + "\": worker " + std::to_string(w) + " already has performance.sessions_per_worker (" +
           std::to_string(max_per_worker_) + ") sessions";

  // Local addresses new to this worker come with their session-table slots.
  std::array<dp::ctl_msg::new_address, 2> fresh{};
  {
    unsigned n_new = 0;
    for (const auto& leg : spec.legs) {
      const std::uint32_t ip = leg.local.ip;
      if (worker_addresses_[w].count(ip) != 0 || (n_new == 1 && fresh[0].ip == ip)) continue;
      fresh[n_new++].ip = ip;
    }
    if (worker_addresses_[w].size() + n_new > dp::session_table::max_addresses)
      return "session \"" + spec.id + "\": worker " + std::to_string(w) + " would serve more than " +
             std::to_string(dp::session_table::max_addresses) + " local addresses";
    for (unsigned i = 0; i < n_new; ++i) {
      fresh[i].slots = rte_zmalloc_socket("vg_slots", dp::session_table::slot_bytes, 64, rt_.worker_socket(w));
      if (fresh[i].slots == nullptr) {
        for (unsigned k = 0; k < i; ++k) rte_free(fresh[k].slots);
        return "session \"" + spec.id + "\": out of memory for a session table on socket " +
               std::to_string(rt_.worker_socket(w));
      }
    }
  }

  auto e = std::make_unique<entry>();
  e->spec = spec;
  e->worker = w;
  void* mem = rte_zmalloc_socket("vg_session", sizeof(dp::session_state), alignof(dp::session_state), rt_.worker_socket(w));
  if (mem == nullptr) {
    for (auto& f : fresh) rte_free(f.slots);
    return "session \"" + spec.id + "\": out of session memory on socket " + std::to_string(rt_.worker_socket(w));
  }
  e->mem = new (mem) dp::session_state();
  std::vector<dp::mac_addr> macs;
  for (const auto& p : rt_.ports()) macs.push_back(p.mac);
  dp::build_session_state(spec, macs.data(), macs.size(), w, *e->mem);
  if (spec.media.active()) {
    // Chains, FFT buffers and far-end histories on the worker's socket, built
    // here on the control thread (FFT plans are made here too, never on a worker).
    std::string why;
    try {
      e->media = dp::make_media_session(spec, ssrc_seed_++, memory_[w].get());
    } catch (const std::bad_alloc&) {
      why = "out of memory for its media state on socket " + std::to_string(rt_.worker_socket(w));
    } catch (const std::invalid_argument& ex) {
      why = ex.what();
    }
    if (!why.empty()) {
      free_memory(*e);
      for (auto& f : fresh) rte_free(f.slots);
      return "session \"" + spec.id + "\": " + why;
    }
    dp::attach_media(*e->mem, *e->media);
  }
  e->msg.what = dp::ctl_msg::op::add;
  e->msg.session = e->mem;
  e->msg.cookie = e.get();
  e->msg.new_addresses = fresh;
  // Ownership first, then the session: a packet that reaches the worker before the
  // add is applied is counted as unknown_session, never misrouted.
  for (std::uint16_t p : ports_of(spec)) {
    rt_.owners().set(p, static_cast<std::uint8_t>(w));
    ++port_refs_[p];
  }
  if (!rt_.post(w, &e->msg)) {
    release_ports(*e);
    free_memory(*e);
    for (auto& f : fresh) rte_free(f.slots);
    return "session \"" + spec.id + "\": worker " + std::to_string(w) + " control ring full, try again";
  }
  ++load_[w];
  // Posted: the worker installs the new addresses before this session's routes.
  for (const auto& f : fresh)
    if (f.slots != nullptr) worker_addresses_[w].emplace(f.ip, f.slots);
  sessions_.emplace(spec.id, std::move(e));
  return {};
}

std::string session_manager::remove(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return "session \"" + id + "\" not found";
  entry& e = *it->second;
  if (e.st == state::pending) return "session \"" + id + "\" is still being set up";
  if (e.st == state::failed) {  // never went live; its resources are already released
    sessions_.erase(it);
    return {};
  }
  e.msg.what = dp::ctl_msg::op::remove;
  e.msg.new_addresses = {};
  e.st = state::removing;
  if (!rt_.post(e.worker, &e.msg)) {
    e.st = state::active;
    return "session \"" + id + "\": worker control ring full, try again";
  }
  retiring_.push_back(std::move(it->second));
  sessions_.erase(it);
  return {};
}

void session_manager::release_ports(const entry& e) {
  for (std::uint16_t p : ports_of(e.spec))
    if (--port_refs_[p] == 0) rt_.owners().set(p, dp::no_owner);
}

unsigned session_manager::poll() {
  unsigned handled = 0;
  for (unsigned w = 0; w < rt_.n_workers(); ++w) {
    dp::ctl_msg* replies[32];
    unsigned n;
    while ((n = rt_.collect(w, replies, 32)) != 0) {
      for (unsigned i = 0; i < n; ++i) handle_reply(w, *replies[i]);
      handled += n;
    }
  }
  return handled;
}

void session_manager::handle_reply(unsigned w, dp::ctl_msg& m) {
  auto* e = static_cast<entry*>(m.cookie);
  if (m.what == dp::ctl_msg::op::add) {
    if (m.ok) {
      e->st = state::active;
      return;
    }
    // The worker found a route already present: undo everything, keep a record for the caller.
    e->st = state::failed;
    --load_[w];
    release_ports(*e);
    free_memory(*e);
    ++failed_adds_;
    return;
  }
  // The worker no longer references the session: free it (the reply is the grace period).
  release_ports(*e);
  --load_[w];
  free_memory(*e);
  std::erase_if(retiring_, [e](const auto& r) { return r.get() == e; });
}

std::size_t session_manager::pending() const noexcept {
  std::size_t n = retiring_.size();
  for (const auto& [id, e] : sessions_) n += e->st == state::pending ? 1 : 0;
  return n;
}

std::size_t session_manager::sessions_on(unsigned worker) const noexcept {
  return worker < load_.size() ? load_[worker] : 0;
}

}  // namespace cp
