// SPDX-License-Identifier: BSD-3-Clause
// Worker poll loop: rx bursts, owner hand-off, session lookup, relay rewrite, batched tx.
#include "dataplane/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dataplane/heap_meter.h"
#include "dataplane/packet.h"
#include "dataplane/rewrite.h"

namespace dp {

namespace {

constexpr unsigned prefetch_ahead = 3;  // l3fwd's habit: headers of packet i+3 while parsing i

// Per-burst counter accumulation, added to the worker's counters once per burst.
struct burst_counts {
  std::uint64_t rtp = 0;
  std::uint64_t rtcp = 0;
  std::uint64_t transcoded = 0;
  std::uint64_t passthrough = 0;
  std::array<std::uint32_t, 4> media{};  // by media_outcome
  std::array<std::uint32_t, drop_reason_count> drops{};
  bool any_drop = false;
};

inline void drop(burst_counts& bc, rte_mbuf* m, drop_reason r) noexcept {
  ++bc.drops[static_cast<std::size_t>(r)];
  bc.any_drop = true;
  rte_pktmbuf_free(m);
}

inline void route_drop(burst_counts& bc, rte_mbuf* m, route& r, drop_reason why) noexcept {
  r.dropped.add(1);
  r.drops_by[route_drop_slot(why)].add(1);
  drop(bc, m, why);
}

void commit(worker_context& ctx, const burst_counts& bc) noexcept {
  ctx.stats.relayed_rtp.add(bc.rtp);
  ctx.stats.relayed_rtcp.add(bc.rtcp);
  if (bc.transcoded != 0) ctx.stats.transcoded.add(bc.transcoded);
  if (bc.passthrough != 0) ctx.stats.payload_passthrough.add(bc.passthrough);
  if (bc.media[0] != 0) ctx.stats.media_processed.add(bc.media[0]);
  if (bc.media[1] != 0) ctx.stats.media_other_payload.add(bc.media[1]);
  if (bc.media[2] != 0) ctx.stats.media_bypassed_frame_size.add(bc.media[2]);
  if (bc.media[3] != 0) ctx.stats.media_bypassed_pool.add(bc.media[3]);
  if (!bc.any_drop) return;
  for (std::size_t i = 0; i < drop_reason_count; ++i)
    if (bc.drops[i] != 0) ctx.stats.drops[i].add(bc.drops[i]);
}

inline std::span<const std::uint8_t> frame_of(const rte_mbuf* m) noexcept {
  // Single-segment mbufs only: a chained mbuf is parsed over its first segment,
  // so anything beyond it fails the length checks and is counted, never read.
  return {rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m)};
}

// Sampled stage timing of a whole burst, recorded per packet.
struct burst_clock {
  cycle_histogram* h = nullptr;
  std::uint64_t t0 = 0;
  burst_clock(worker_context& ctx, stage s) noexcept {
    if (!ctx.media.sampled) return;
    h = &ctx.timing[s];
    t0 = tsc_now();
  }
  void done(unsigned packets) noexcept {
    if (h != nullptr && packets != 0) h->record((tsc_now() - t0) / packets, packets);
  }
};

void tx_port(worker_context& ctx, unsigned p) noexcept {
  tx_stage& st = ctx.tx;
  const std::uint16_t n = st.count[p];
  if (n == 0) return;
  burst_clock clk(ctx, stage::tx);
  const std::uint16_t sent = rte_eth_tx_burst(ctx.ports[p].port_id, ctx.index, st.pkts[p].data(), n);
  clk.done(n);
  ctx.stats.tx_packets.add(sent);
  if (sent < n) {
    ctx.stats.drops[static_cast<std::size_t>(drop_reason::tx_full)].add(n - sent);
    for (std::uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(st.pkts[p][i]);
  }
  st.count[p] = 0;
}

inline void stage_tx(worker_context& ctx, unsigned p, rte_mbuf* m) noexcept {
  tx_stage& st = ctx.tx;
  if (st.count[p] == tx_stage::capacity) tx_port(ctx, p);
  st.pkts[p][st.count[p]++] = m;
}

// Session lookup, source check, RTP/RTCP validation, rewrite and tx staging of
// one parsed packet this worker owns. 32..38 TSC cycles per packet with parsing
// (voxgate-bench relay, AMD EPYC, see README).
[[gnu::always_inline]] inline void relay_one_untimed(worker_context& ctx, burst_counts& bc, rte_mbuf* m,
                                                     const udp_packet& u, route* r) noexcept {
  if (r == nullptr) {
    drop(bc, m, drop_reason::unknown_session);
    return;
  }
  if (u.src_ip != r->expect_src_ip || u.src_port != r->expect_src_port) {
    route_drop(bc, m, *r, drop_reason::source_mismatch);
    return;
  }
  std::uint8_t* d = rte_pktmbuf_mtod(m, std::uint8_t*);
  const std::span<const std::uint8_t> payload{d + u.payload_offset, u.payload_len};
  if (r->kind == route_kind::rtp) {
    std::size_t header = 0;
    std::size_t pad = 0;
    if (const drop_reason why = check_rtp(payload, header, pad); why != drop_reason::count_) {
      route_drop(bc, m, *r, why);
      return;
    }
    if (r->media != nullptr) [[unlikely]] {
      const media_outcome o = process_rtp_media(ctx.media, d, u, header, pad, *r);
      ++bc.media[static_cast<std::size_t>(o)];
      // Audio in another law leaves in the egress law on every media outcome but "other payload".
      if (r->transcode != nullptr && o != media_outcome::other_payload) ++bc.transcoded;
    } else if (r->payload_rewrite) [[unlikely]] {
      if (rewrite_rtp_payload(d, u, header, pad, *r)) {
        ++bc.transcoded;
      } else {
        ++bc.passthrough;
      }
    }
    ++bc.rtp;
  } else {
    if (!valid_rtcp(payload)) {
      route_drop(bc, m, *r, drop_reason::rtcp_malformed);
      return;
    }
    if (r->media != nullptr) [[unlikely]]
      process_rtcp_media(d, u, *r);
    ++bc.rtcp;
  }
  rewrite_for_route(d, u, *r);
  r->packets.add(1);
  r->bytes.add(rte_pktmbuf_pkt_len(m));
  stage_tx(ctx, r->out_port_index, m);
}

// relay_one_untimed, timed as the `packet` stage in sampled iterations.
// `timed` is the iteration's sampling flag, read once per burst by the caller: a
// member read here would be reloaded after every packet's byte stores.
[[gnu::always_inline]] inline void relay_one(worker_context& ctx, burst_counts& bc, rte_mbuf* m, const udp_packet& u,
                                             route* r, bool timed) noexcept {
  if (!timed) [[likely]] {
    relay_one_untimed(ctx, bc, m, u, r);
    return;
  }
  const std::uint64_t t0 = tsc_now();
  relay_one_untimed(ctx, bc, m, u, r);
  ctx.timing[stage::packet].record(tsc_now() - t0);
}

// Relays parsed packets this worker owns; with a large table in three passes so that the session
// table slots and then the routes of the whole burst are being fetched from
// memory together rather than one miss after another: with 100k sessions the
// working set is far beyond the caches (README, session scaling table).
// Below this many routes the table and routes stay cache-resident and the
// extra passes only cost (2 sessions: 15.5 -> 18.2 ns per packet; 100k
// sessions: 136 -> 72 ns; voxgate-bench relay --sessions N).
constexpr std::size_t prefetch_min_routes = 16384;

// The batched path with prefetching: a large table, or any session with media
// state, whose per-leg state (legs, chains, processors: KBs per session) misses
// the caches long before the table does (basic chain at 1 000 sessions: 209..216
// -> 185..190 ns per packet, at 10: 173..179 -> 163..167; voxgate-bench relay
// --chain basic, alternating builds).
inline bool batch_relay(const worker_context& ctx) noexcept {
  return ctx.table.size() >= prefetch_min_routes || ctx.media_sessions != 0;
}

void relay_owned(worker_context& ctx, burst_counts& bc, rte_mbuf** ms, const udp_packet* us, unsigned n) noexcept {
  const bool timed = ctx.media.sampled;
  if (!batch_relay(ctx)) {
    for (unsigned k = 0; k < n; ++k)
      relay_one(ctx, bc, ms[k], us[k], ctx.table.find(us[k].dst_ip, us[k].dst_port), timed);
    return;
  }
  route* const* slot[burst_size];
  route* routes[burst_size];
  for (unsigned k = 0; k < n; ++k) {
    slot[k] = ctx.table.slot_of(us[k].dst_ip, us[k].dst_port);
    if (slot[k] != nullptr) rte_prefetch0(slot[k]);
  }
  for (unsigned k = 0; k < n; ++k) {
    routes[k] = slot[k] != nullptr ? *slot[k] : nullptr;
    if (routes[k] != nullptr) rte_prefetch0(routes[k]);  // one line: match, rewrite, counters
  }
  // Media routes: their leg state (three lines), then, two packets ahead of the
  // work, the chain object it points to, and one packet ahead its processors
  // (voxgate-bench relay --chain basic --sessions 10000: 865 -> 735 ns with the
  // leg and chain prefetches).
  bool any_media = false;
  for (unsigned k = 0; k < n; ++k) {
    if (routes[k] == nullptr || routes[k]->media == nullptr) continue;
    const auto* leg = reinterpret_cast<const char*>(routes[k]->media);
    rte_prefetch0(leg);
    rte_prefetch0(leg + 64);
    rte_prefetch0(leg + 128);
    any_media = true;
  }
  // The chain of the packet j of this burst, when it has one.
  const auto chain_at = [&](unsigned j) -> const dsp::processing_chain* {
    return j < n && routes[j] != nullptr && routes[j]->media != nullptr ? routes[j]->media->chain : nullptr;
  };
  for (unsigned k = 0; k < n; ++k) {
    if (any_media) {
      if (const auto* c = chain_at(k + 2)) rte_prefetch0(c);
      if (const auto* c = chain_at(k + 1)) c->prefetch();
    }
    relay_one(ctx, bc, ms[k], us[k], routes[k], timed);
  }
}

// Parses a burst from a NIC queue, drops junk, hands other workers' packets over
// and relays the rest.
void classify(worker_context& ctx, rte_mbuf** pkts, unsigned n) noexcept {
  burst_counts bc;
  // Hand-off staging: per destination worker, filled in arrival order.
  rte_mbuf* out[max_workers][burst_size];
  std::uint8_t out_n[max_workers];
  std::uint64_t out_used = 0;  // bit w: out[w] has packets (n_workers <= 64)
  // Small relay-only tables: each packet relayed as soon as it is parsed. Large
  // ones, or any media session: owned packets collected and relayed with
  // prefetching (relay_owned).
  const bool batch = batch_relay(ctx);
  rte_mbuf* owned[burst_size];
  udp_packet owned_parsed[burst_size];
  unsigned n_owned = 0;

  const bool timed = ctx.media.sampled;
  for (unsigned i = 0; i < n && i < prefetch_ahead; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  for (unsigned i = 0; i < n; ++i) {
    if (i + prefetch_ahead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + prefetch_ahead], void*));
    rte_mbuf* m = pkts[i];
    const std::uint64_t tp = timed ? tsc_now() : 0;
    const auto res = parse_udp(frame_of(m));
    if (timed) ctx.timing[stage::parse].record(tsc_now() - tp);
    if (const auto* e = std::get_if<parse_error>(&res)) {
      drop(bc, m, e->reason);
      continue;
    }
    const udp_packet& u = std::get<udp_packet>(res);
    const std::uint8_t w = ctx.owners->owner(u.dst_port);
    if (w == ctx.index) {
      if (!batch) {
        relay_one(ctx, bc, m, u, ctx.table.find(u.dst_ip, u.dst_port), timed);
        continue;
      }
      owned[n_owned] = m;
      owned_parsed[n_owned] = u;
      ++n_owned;
    } else if (w >= ctx.n_workers) {
      drop(bc, m, drop_reason::unknown_session);
    } else {
      if (((out_used >> w) & 1) == 0) {
        out_used |= std::uint64_t{1} << w;
        out_n[w] = 0;
      }
      out[w][out_n[w]++] = m;
    }
  }
  burst_clock handoff_clk(ctx, stage::handoff);
  unsigned handed = 0;
  while (out_used != 0) {
    const unsigned w = static_cast<unsigned>(__builtin_ctzll(out_used));
    handed += out_n[w];
    out_used &= out_used - 1;
    const unsigned sent = rte_ring_enqueue_burst(ctx.handoff[w], reinterpret_cast<void**>(out[w]), out_n[w], nullptr);
    ctx.stats.handoff_out.add(sent);
    for (unsigned k = sent; k < out_n[w]; ++k) drop(bc, out[w][k], drop_reason::handoff_full);
  }
  handoff_clk.done(handed);
  relay_owned(ctx, bc, owned, owned_parsed, n_owned);
  commit(ctx, bc);
}

}  // namespace

void worker_process_owned(worker_context& ctx, rte_mbuf** pkts, unsigned n) noexcept {
  burst_counts bc;
  rte_mbuf* ok[burst_size];
  udp_packet parsed[burst_size];
  unsigned k = 0;
  for (unsigned i = 0; i < n; ++i) {
    const auto res = parse_udp(frame_of(pkts[i]));
    if (const auto* e = std::get_if<parse_error>(&res)) {
      drop(bc, pkts[i], e->reason);
      continue;
    }
    ok[k] = pkts[i];
    parsed[k] = std::get<udp_packet>(res);
    ++k;
  }
  relay_owned(ctx, bc, ok, parsed, k);
  commit(ctx, bc);
}

void worker_flush(worker_context& ctx) noexcept {
  for (unsigned p = 0; p < ctx.n_ports; ++p) tx_port(ctx, p);
}

unsigned worker_apply_control(worker_context& ctx) noexcept {
  ctl_msg* msgs[8];
  const unsigned n = rte_ring_dequeue_burst(ctx.ctl_in, reinterpret_cast<void**>(msgs), 8, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    ctl_msg& m = *msgs[i];
    session_state& s = *m.session;
    if (m.what == ctl_msg::op::add) {
      for (const auto& na : m.new_addresses)
        if (na.slots != nullptr) ctx.table.add_address(na.ip, na.slots);
      m.ok = true;
      unsigned added = 0;
      for (; added < s.routes.size(); ++added) {
        if (!ctx.table.insert(s.routes[added])) {
          m.ok = false;
          break;
        }
      }
      if (!m.ok)
        for (unsigned j = 0; j < added; ++j) ctx.table.erase(s.routes[j]);
      else if (s.media != nullptr)
        ++ctx.media_sessions;
    } else {
      for (auto& r : s.routes) ctx.table.erase(r);
      if (s.media != nullptr) {
        --ctx.media_sessions;
        // Frames kept as far-end history go back to the pools from this lcore.
        for (auto& h : s.media->history) h.clear();
      }
      m.ok = true;
    }
    // The reply ring is as large as the request ring, so this cannot fail.
    rte_ring_enqueue(ctx.ctl_out, &m);
  }
  ctx.stats.ctl_applied.add(n);
  return n;
}

bool worker_poll(worker_context& ctx) noexcept {
  worker_begin_iteration(ctx);
  bool work = false;
  if (!rte_ring_empty(ctx.ctl_in)) work |= worker_apply_control(ctx) != 0;
  rte_mbuf* pkts[burst_size];
  std::uint64_t rx = 0;
  for (unsigned p = 0; p < ctx.n_ports; ++p) {
    const std::uint16_t n = rte_eth_rx_burst(ctx.ports[p].port_id, ctx.index, pkts, burst_size);
    if (n == 0) continue;
    rx += n;
    classify(ctx, pkts, n);
  }
  if (rx != 0) ctx.stats.rx_packets.add(rx);
  burst_clock dequeue_clk(ctx, stage::handoff);
  const unsigned h = rte_ring_dequeue_burst(ctx.handoff_in, reinterpret_cast<void**>(pkts), burst_size, nullptr);
  if (h != 0) {
    dequeue_clk.done(h);
    ctx.stats.handoff_in.add(h);
    worker_process_owned(ctx, pkts, h);
  }
  work |= rx != 0 || h != 0;
  worker_flush(ctx);
  return work;
}

void worker_drain(worker_context& ctx) noexcept {
  rte_mbuf* pkts[burst_size];
  unsigned h;
  while ((h = rte_ring_dequeue_burst(ctx.handoff_in, reinterpret_cast<void**>(pkts), burst_size, nullptr)) != 0) {
    ctx.stats.handoff_in.add(h);
    worker_process_owned(ctx, pkts, h);
    worker_flush(ctx);
  }
}

int worker_main(void* arg) {
  auto& ctx = *static_cast<worker_context*>(arg);
  // Sessions posted before launch (static ones) all go live before the first rx burst.
  while (worker_apply_control(ctx) != 0) {
  }
  const heap_meter heap;
  ctx.stats.heap_probe_ok.set(heap.available() ? 1 : 0);
  while (!ctx.stop->load(std::memory_order_relaxed)) {
    const bool work = worker_poll(ctx);
    ctx.stats.polls.add(1);
    if (work) {
      ctx.stats.busy_polls.add(1);
      ctx.stats.heap_bytes.set(heap.allocated_since_start());
    }
  }
  ctx.stats.heap_bytes.set(heap.allocated_since_start());
  return 0;
}

}  // namespace dp
