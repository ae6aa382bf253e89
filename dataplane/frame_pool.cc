// SPDX-License-Identifier: BSD-3-Clause
// Frame pools per socket and size class (rte_mempool with per-lcore caches).
#include "dataplane/frame_pool.h"

#include <rte_errno.h>
#include <rte_mempool.h>

#include <algorithm>
#include <new>
#include <stdexcept>

namespace dp {

pooled_frame* frame_pools::get(std::size_t n) noexcept {
  const auto c = dsp::size_class_for_samples(n);
  if (!c) return nullptr;
  void* obj = nullptr;
  if (rte_mempool_get(by_class[static_cast<std::size_t>(*c)], &obj) != 0) return nullptr;
  auto* f = static_cast<pooled_frame*>(obj);
  f->samples = static_cast<std::uint16_t>(n);
  return f;
}

void frame_pools::put(pooled_frame* f) noexcept { rte_mempool_put(f->pool, f); }

namespace {

struct init_arg {
  rte_mempool* pool;
  std::uint16_t capacity;
};

void init_frame(rte_mempool* mp, void* arg, void* obj, unsigned /*index*/) {
  auto* f = new (obj) pooled_frame;
  f->pool = mp;
  f->capacity = static_cast<const init_arg*>(arg)->capacity;
}

}  // namespace

frame_pools create_frame_pools(int socket, unsigned frames_per_class, unsigned cache) {
  frame_pools p;
  p.socket = socket;
  for (std::size_t c = 0; c < frame_class_count; ++c) {
    const auto cap = static_cast<std::uint16_t>(dsp::capacity_samples(static_cast<dsp::frame_size_class>(c)));
    const std::string name = "vg_frames_s" + std::to_string(socket) + "_" + std::to_string(cap);
    const unsigned elt = static_cast<unsigned>(sizeof(pooled_frame) + cap * sizeof(std::int16_t));
    // rte_mempool caches hold at most RTE_MEMPOOL_CACHE_MAX_SIZE and must stay
    // below n / 1.5 (rte_mempool_create's check).
    unsigned c_size = std::min<unsigned>(cache, RTE_MEMPOOL_CACHE_MAX_SIZE);
    if (c_size * 3 / 2 > frames_per_class) c_size = frames_per_class * 2 / 3;
    rte_mempool* mp = rte_mempool_create_empty(name.c_str(), frames_per_class, elt, c_size, 0, socket, 0);
    if (mp == nullptr || rte_mempool_populate_default(mp) < 0) {
      if (mp != nullptr) rte_mempool_free(mp);
      free_frame_pools(p);
      throw std::runtime_error("frame pool " + name + " (" + std::to_string(frames_per_class) + " x " +
                               std::to_string(elt) + " bytes on socket " + std::to_string(socket) +
                               "): " + rte_strerror(rte_errno) + "; lower [pools] frames or give EAL more memory");
    }
    init_arg a{mp, cap};
    rte_mempool_obj_iter(mp, init_frame, &a);
    p.by_class[c] = mp;
  }
  return p;
}

void free_frame_pools(frame_pools& p) noexcept {
  for (auto& mp : p.by_class) {
    if (mp != nullptr) rte_mempool_free(mp);
    mp = nullptr;
  }
}

std::vector<frame_pool_usage> usage_of(const frame_pools& p) {
  std::vector<frame_pool_usage> u;
  for (std::size_t c = 0; c < frame_class_count; ++c) {
    if (p.by_class[c] == nullptr) continue;
    u.push_back({p.socket, static_cast<unsigned>(dsp::capacity_samples(static_cast<dsp::frame_size_class>(c))),
                 p.by_class[c]->size, rte_mempool_avail_count(p.by_class[c])});
  }
  return u;
}

}  // namespace dp
