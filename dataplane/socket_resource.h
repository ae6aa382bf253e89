// SPDX-License-Identifier: BSD-3-Clause
// A std::pmr::memory_resource over rte_malloc_socket: DSP state in hugepage memory on a worker's socket.
#pragma once

#include <rte_malloc.h>

#include <cstddef>
#include <memory_resource>
#include <new>

namespace dp {

// Every processor buffer of a session's chains (dsp/memory.h) comes from here,
// on the socket of the worker that runs the session (DESIGN.md §2). Used by the
// control plane at session setup and teardown, never per packet. Works the same
// with --no-huge (EAL then backs rte_malloc with ordinary pages).
class socket_resource final : public std::pmr::memory_resource {
 public:
  explicit socket_resource(int socket) noexcept : socket_(socket) {}
  int socket() const noexcept { return socket_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    void* p = rte_malloc_socket("vg_media", bytes, static_cast<unsigned>(align < 64 ? 64 : align), socket_);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void do_deallocate(void* p, std::size_t, std::size_t) override { rte_free(p); }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    const auto* s = dynamic_cast<const socket_resource*>(&o);
    return s != nullptr && s->socket_ == socket_;
  }

  int socket_;
};

}  // namespace dp
