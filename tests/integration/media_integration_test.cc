// SPDX-License-Identifier: BSD-3-Clause
// The media pipeline in-process: 100k+ RTP packets through the full advanced chain
// (AEC -> VAD -> AGC on both legs, transcoding on half the calls) on two workers
// with hand-off; proves zero heap allocation on the workers and every pool refilled.
#include <rte_malloc.h>

#include <atomic>
#include <map>
#include <cstdio>

#include "tests/integration/ring_harness.h"

namespace {

using namespace test;

std::uint64_t rte_heap_allocated(int socket) {
  rte_malloc_socket_stats st{};
  return rte_malloc_get_socket_stats(socket, &st) == 0 ? st.heap_allocsz_bytes : 0;
}

dsp::chain_config all_advanced() {
  dsp::chain_config c = dp::media_spec::off_chain();
  c.aec.mode = dsp::grade::advanced;
  c.aec.tail_ms = 64;
  c.vad.mode = dsp::grade::advanced;
  c.agc.mode = dsp::grade::advanced;
  return c;
}

TEST(MediaIntegration, HundredThousandPacketsFullAdvancedChainTwoWorkersNoHeapNoLeaks) {
  ring_port rp;
  dp::runtime_config rc = ring_runtime_config("media_integration_test", rp);
  rc.frames_per_class = 1024;
  dp::runtime rt(rc);
  ASSERT_EQ(rt.n_workers(), 2u);
  const int socket = rt.worker_socket(0);
  const auto mbufs_before = rt.pool_usage_now();
  const auto frames_before = rt.frame_pool_usage_now();
  ASSERT_EQ(frames_before.size(), dp::frame_class_count);
  for (const auto& u : frames_before) ASSERT_EQ(u.available, u.size);
  const std::uint64_t heap_before = rte_heap_allocated(socket);

  capgen_options o;
  o.calls = 4;
  o.packets = 12500;  // 4 calls x 2 directions x 12500 = 100000 RTP packets
  o.rtcp = 2;
  o.junk_rounds = 0;
  o.mixed_codecs = true;  // calls 2 and 4: PCMU <-> PCMA, decoded in one law and encoded in the other
  o.telephone_events = 3;
  auto c = generate(o);
  for (auto& s : c.sessions) s.media.chain = {all_advanced(), all_advanced()};
  std::size_t relayed = 0, audio = 0;
  std::map<std::pair<std::size_t, int>, std::uint64_t> audio_by_leg;  // (session, leg)
  for (const auto& p : c.packets) {
    relayed += p.relayed ? 1 : 0;
    if (p.audio && !p.rtcp) {
      ++audio;
      ++audio_by_leg[{p.session, p.leg}];
    }
  }
  ASSERT_GE(audio, 100000u);

  std::atomic<std::size_t> out{0};
  std::atomic<bool> done{false};
  {
    cp::session_manager sm(rt);
    for (const auto& s : c.sessions) ASSERT_EQ(sm.add(s), "");
    const std::uint64_t heap_with_sessions = rte_heap_allocated(socket);
    EXPECT_GT(heap_with_sessions, heap_before) << "chains live in rte_malloc memory on the worker's socket";
    rt.launch();
    wait_idle(sm);
    ASSERT_EQ(sm.pending(), 0u);
    EXPECT_EQ(sm.sessions_on(0), 2u);
    EXPECT_EQ(sm.sessions_on(1), 2u);

    std::thread drain([&] {
      while (!done.load()) {
        const auto got = collect(rp, 1u << 30, 0.002);
        out += got.size();
      }
    });
    inject(rt, rp, c.packets, &out, 512);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (out.load() < relayed && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    done = true;
    drain.join();
    EXPECT_EQ(out.load(), relayed);
    for (unsigned w = 0; w < 2; ++w) {  // for the log: what the stages cost here
      const auto snap = rt.snapshot(w);
      std::printf("worker %u:", w);
      for (std::size_t k = 0; k < dp::stage_count; ++k)
        std::printf(" %s %llu", std::string(dp::to_string(static_cast<dp::stage>(k))).c_str(),
                    static_cast<unsigned long long>(snap.stages[k].p50_cycles));
      std::printf(" (median TSC cycles per packet, sampled)\n");
    }

    // Every audio packet went through the chain; events passed untouched.
    EXPECT_EQ(total(rt, &dp::worker_snapshot::media_processed), audio);
    EXPECT_EQ(total(rt, &dp::worker_snapshot::media_other_payload), 4u * 2u * o.telephone_events);
    EXPECT_EQ(total(rt, &dp::worker_snapshot::media_bypassed_pool), 0u);
    EXPECT_EQ(total(rt, &dp::worker_snapshot::media_bypassed_frame_size), 0u);
    EXPECT_EQ(rt.snapshot(0).total_drops() + rt.snapshot(1).total_drops(), 0u);
    EXPECT_GT(total(rt, &dp::worker_snapshot::handoff_out), 0u);
    for (std::size_t i = 0; i < c.sessions.size(); ++i) {
      const auto& e = sm.sessions().at(c.sessions[i].id);
      ASSERT_TRUE(e->media);
      for (int l = 0; l < 2; ++l) {
        const dp::media_leg& leg = e->media->legs[static_cast<std::size_t>(l)];
        const std::uint64_t want = audio_by_leg[{i, l}];
        EXPECT_GE(want, o.packets);
        EXPECT_EQ(leg.counters.processed.get(), want) << c.sessions[i].id;
        EXPECT_EQ(leg.counters.frames.get(), want) << c.sessions[i].id;  // 160-byte payloads, 20 ms frames
        EXPECT_EQ(leg.chain->aec_grade(), dsp::grade::advanced);
        EXPECT_EQ(leg.chain->vad_grade(), dsp::grade::advanced);
        EXPECT_EQ(leg.chain->agc_grade(), dsp::grade::advanced);
      }
    }
    // Stage timing was sampled for every media stage.
    for (dp::stage s : {dp::stage::parse, dp::stage::decode, dp::stage::aec, dp::stage::vad, dp::stage::agc,
                        dp::stage::encode, dp::stage::tx, dp::stage::packet})
      EXPECT_GT(rt.snapshot(0).stages[static_cast<std::size_t>(s)].samples, 0u) << dp::to_string(s);

    for (const auto& s : c.sessions) ASSERT_EQ(sm.remove(s.id), "");
    wait_idle(sm);
    ASSERT_EQ(sm.pending(), 0u);
    rt.stop();
    for (unsigned w = 0; w < 2; ++w) {
      const auto s = rt.snapshot(w);
      ASSERT_EQ(s.heap_probe_ok, 1u) << "jemalloc's thread.allocated counter is needed for the proof";
      EXPECT_EQ(s.heap_bytes, 0u) << "worker " << w << " allocated on the heap";
      EXPECT_GT(s.media_processed, 0u) << "worker " << w;
    }
    // Sessions removed: their frames went back to the pools from the workers.
    const auto frames_after = rt.frame_pool_usage_now();
    ASSERT_EQ(frames_after.size(), frames_before.size());
    for (std::size_t i = 0; i < frames_after.size(); ++i)
      EXPECT_EQ(frames_after[i].available, frames_before[i].available) << frames_after[i].samples << "-sample class";
  }
  // The session manager is gone: every chain, history and table freed.
  EXPECT_EQ(rte_heap_allocated(socket), heap_before);
  const auto mbufs_after = rt.pool_usage_now();
  ASSERT_EQ(mbufs_after.size(), mbufs_before.size());
  for (std::size_t i = 0; i < mbufs_after.size(); ++i) EXPECT_EQ(mbufs_after[i].available, mbufs_before[i].available);
}

}  // namespace
