// SPDX-License-Identifier: BSD-3-Clause
// The media path piece by piece: stage histograms, far-end history alignment, RTP
// stream continuity and SSRC rewrite, bypass rules, pool exhaustion, checksums.
// Needs EAL for the frame pools (--no-huge --no-shconf: no hugepages, no shared files).
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "dataplane/checksum.h"
#include "dataplane/media.h"
#include "dataplane/packet_build.h"

namespace {

dp::frame_pools* g_pools = nullptr;  // made once in main()

// --- stage histograms ---------------------------------------------------------

TEST(CycleHistogram, BucketsBracketEveryValue) {
  using h = dp::cycle_histogram;
  for (std::uint64_t v : {0ull, 1ull, 3ull, 4ull, 5ull, 7ull, 8ull, 9ull, 100ull, 1000ull, 123456ull, 1ull << 28}) {
    const unsigned b = h::bucket_of(v);
    EXPECT_LE(h::lower_of(b), v) << v;
    EXPECT_GT(h::lower_of(b + 1), v) << v;
  }
  EXPECT_EQ(h::bucket_of(~0ull), h::buckets - 1);  // clamps
}

TEST(CycleHistogram, PercentilesAndMean) {
  dp::cycle_histogram hist;
  hist.record(100, 99);  // 99 samples of 100 cycles (a burst recorded per packet)
  hist.record(10000);
  const dp::stage_summary s = dp::summarize(hist);
  EXPECT_EQ(s.samples, 100u);
  EXPECT_DOUBLE_EQ(s.mean_cycles, (99.0 * 100 + 10000) / 100);
  EXPECT_EQ(s.p50_cycles, 96u);    // [96, 112) holds 100
  EXPECT_EQ(s.p99_cycles, 8192u);  // the 100th sample: [8192, 10240) holds 10000
  EXPECT_EQ(dp::summarize(dp::cycle_histogram{}).samples, 0u);
}

// --- far-end history ------------------------------------------------------------

std::int16_t sample_at(std::uint32_t ts) { return static_cast<std::int16_t>(ts % 30000); }

dp::pooled_frame* far_frame(std::uint32_t ts, std::size_t n) {
  dp::pooled_frame* f = g_pools->get(n);
  EXPECT_NE(f, nullptr);
  f->rtp_timestamp = ts;
  for (std::size_t i = 0; i < n; ++i) f->data()[i] = sample_at(ts + static_cast<std::uint32_t>(i));
  return f;
}

unsigned available_160() { return rte_mempool_avail_count(g_pools->by_class[1]); }

TEST(FarHistory, AlignsByTimestampAndReturnsConsumedFrames) {
  const unsigned before = available_160();
  {
    dp::far_history h;
    std::vector<std::int16_t> w(160);
    h.window(5000, w);  // nothing sent yet: silence, no anchor
    EXPECT_EQ(w, std::vector<std::int16_t>(160, 0));
    // Far stream at ts 1000, 1160; near stream at 70000: anchored so that the
    // newest far frame lines up with this near frame.
    h.push(far_frame(1000, 160));
    h.push(far_frame(1160, 160));
    h.window(70000, w);
    for (std::size_t i = 0; i < 160; ++i) ASSERT_EQ(w[i], sample_at(1160 + static_cast<std::uint32_t>(i))) << i;
    EXPECT_EQ(h.size(), 0u);  // both frames ended at or before the window's end
    EXPECT_EQ(available_160(), before);
    // Later near frames follow the same offset, also when the far side runs ahead.
    h.push(far_frame(1320, 160));
    h.push(far_frame(1480, 160));
    h.window(70160, w);
    for (std::size_t i = 0; i < 160; ++i) ASSERT_EQ(w[i], sample_at(1320 + static_cast<std::uint32_t>(i))) << i;
    EXPECT_EQ(h.size(), 1u);
    // A window half covered: the rest is silence.
    h.window(70400, w);
    for (std::size_t i = 80; i < 160; ++i) ASSERT_EQ(w[i], 0) << i;
    for (std::size_t i = 0; i < 80; ++i) ASSERT_EQ(w[i], sample_at(1560 + static_cast<std::uint32_t>(i))) << i;
    EXPECT_EQ(h.size(), 0u);
    // The far stream restarts elsewhere (new SSRC): re-anchored, not silence forever.
    h.push(far_frame(900000, 160));
    h.window(70560, w);
    for (std::size_t i = 0; i < 160; ++i) ASSERT_EQ(w[i], sample_at(900000 + static_cast<std::uint32_t>(i))) << i;
    // Nobody reads: the history keeps `depth` frames, the oldest go back.
    for (unsigned k = 0; k < 20; ++k) h.push(far_frame(2000000 + 160 * k, 160));
    EXPECT_EQ(h.size(), dp::far_history::depth);
    EXPECT_EQ(available_160(), before - dp::far_history::depth);
  }  // (a far_history does not own frames on destruction: media_session clears it)
}

TEST(FarHistory, ClearReturnsEverything) {
  const unsigned before = available_160();
  dp::far_history h;
  for (unsigned k = 0; k < 5; ++k) h.push(far_frame(160 * k, 160));
  EXPECT_EQ(available_160(), before - 5);
  h.clear();
  EXPECT_EQ(available_160(), before);
}

// --- the media path on whole packets ---------------------------------------------

struct call {
  dp::session_spec spec;
  dp::session_state state;
  dsp::resource_ptr<dp::media_session> media;
  dp::media_worker mw;
  dp::stage_timing timing;

  explicit call(const dp::media_spec& m, dp::codec a_codec = dp::codec::pcmu, dp::codec b_codec = dp::codec::pcmu) {
    spec.id = "t";
    spec.legs[0] = {{0xC0000201, 20000}, {0xC6336401, 30000}, {}, 0, a_codec, a_codec == dp::codec::pcmu ? std::uint8_t{0} : std::uint8_t{8}};
    spec.legs[1] = {{0xC0000201, 20002}, {0xCB007114, 40000}, {}, 0, b_codec, b_codec == dp::codec::pcmu ? std::uint8_t{0} : std::uint8_t{8}};
    spec.media = m;
    const dp::mac_addr mac{2, 0, 0, 0, 0, 1};
    dp::build_session_state(spec, &mac, 1, 0, state);
    media = dp::make_media_session(spec, 7, std::pmr::get_default_resource());
    dp::attach_media(state, *media);
    mw.pools = g_pools;
    mw.timing = &timing;
    mw.sampled = true;
  }

  // Leg `leg` sends one RTP packet; returns the frame after the media path.
  std::vector<std::uint8_t> send(int leg, const dp::rtp_spec& h, const std::vector<std::uint8_t>& payload,
                                 dp::media_outcome* outcome = nullptr) {
    const auto& l = spec.legs[static_cast<std::size_t>(leg)];
    dp::udp_frame_spec f{{}, {}, std::nullopt, l.remote, l.local, 64, 1, true};
    auto frame = dp::build_udp_frame(f, dp::build_rtp(h, payload));
    const auto parsed = std::get<dp::udp_packet>(dp::parse_udp(frame));
    std::size_t header = 0, pad = 0;
    EXPECT_EQ(dp::check_rtp({frame.data() + parsed.payload_offset, parsed.payload_len}, header, pad), dp::drop_reason::count_);
    const auto o = dp::process_rtp_media(mw, frame.data(), parsed, header, pad, state.routes[leg == 0 ? 0 : 2]);
    if (outcome != nullptr) *outcome = o;
    // The UDP checksum was kept right: recompute from scratch over the new bytes.
    EXPECT_EQ(dp::load_be16(&frame[parsed.l4_offset + 6]), dp::recomputed_udp_checksum(frame, parsed));
    return std::vector<std::uint8_t>(frame.begin() + parsed.payload_offset, frame.end());
  }

  // Leg `leg` sends one RTCP packet on its RTCP port; returns the payload as relayed.
  std::vector<std::uint8_t> send_rtcp(int leg, const std::vector<std::uint8_t>& rtcp) {
    const auto& l = spec.legs[static_cast<std::size_t>(leg)];
    dp::udp_frame_spec f{{}, {}, std::nullopt, {l.remote.ip, static_cast<std::uint16_t>(l.remote.port + 1)},
                         {l.local.ip, static_cast<std::uint16_t>(l.local.port + 1)}, 64, 1, true};
    auto frame = dp::build_udp_frame(f, rtcp);
    const auto parsed = std::get<dp::udp_packet>(dp::parse_udp(frame));
    const dp::route& r = state.routes[leg == 0 ? 1 : 3];
    EXPECT_EQ(r.kind, dp::route_kind::rtcp);
    if (r.media != nullptr) dp::process_rtcp_media(frame.data(), parsed, r);
    EXPECT_EQ(dp::load_be16(&frame[parsed.l4_offset + 6]), dp::recomputed_udp_checksum(frame, parsed));
    return std::vector<std::uint8_t>(frame.begin() + parsed.payload_offset, frame.end());
  }
};

// An RTCP sender report from `ssrc` (RTP time rtp_ts) with one report block about
// `about` (extended highest sequence number ext_seq).
std::vector<std::uint8_t> sender_report(std::uint32_t ssrc, std::uint32_t rtp_ts, std::uint32_t about,
                                        std::uint32_t ext_seq) {
  std::vector<std::uint8_t> b(52, 0);
  b[0] = 0x81;
  b[1] = 200;
  dp::store_be16(&b[2], 12);
  dp::store_be32(&b[4], ssrc);
  dp::store_be32(&b[8], 0xE1000000);
  dp::store_be32(&b[16], rtp_ts);
  dp::store_be32(&b[28], about);
  dp::store_be32(&b[36], ext_seq);
  return b;
}

std::vector<std::uint8_t> tone(std::size_t n, unsigned phase) {
  std::vector<std::int16_t> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<std::int16_t>(8000 * ((i + phase) % 40 < 20 ? 1 : -1));
  std::vector<std::uint8_t> u(n);
  dsp::g711::ulaw_encode(x, u);
  return u;
}

TEST(MediaPath, SsrcRewriteKeepsTheEgressStreamContinuous) {
  dp::media_spec m;
  m.ssrc_rewrite = true;
  call c(m);
  const auto p = tone(160, 0);
  std::uint32_t out_ssrc = 0;
  std::uint16_t last_seq = 0;
  std::uint32_t last_ts = 0;
  for (int k = 0; k < 10; ++k) {
    // The caller's stream restarts at packet 5 (new SSRC, seq and ts elsewhere).
    const bool second = k >= 5;
    const dp::rtp_spec h{0, k == 5, static_cast<std::uint16_t>((second ? 40000 : 100) + k),
                         (second ? 7777777u : 1000u) + 160u * static_cast<std::uint32_t>(k), second ? 0xBBBBu : 0xAAAAu};
    const auto rtp = c.send(0, h, p);
    const std::uint32_t ssrc = dp::load_be32(&rtp[8]);
    const std::uint16_t seq = dp::load_be16(&rtp[2]);
    const std::uint32_t ts = dp::load_be32(&rtp[4]);
    if (k == 0) {
      out_ssrc = ssrc;
      EXPECT_NE(ssrc, 0xAAAAu);
    } else {
      EXPECT_EQ(ssrc, out_ssrc) << k;
      EXPECT_EQ(seq, static_cast<std::uint16_t>(last_seq + 1)) << k;
      EXPECT_EQ(ts, last_ts + 160) << k;
    }
    EXPECT_EQ((rtp[1] & 0x80) != 0, k == 5) << "marker kept";
    EXPECT_EQ(std::vector<std::uint8_t>(rtp.begin() + 12, rtp.end()), p) << "no processing: payload untouched";
    last_seq = seq;
    last_ts = ts;
  }
  EXPECT_EQ(c.media->legs[0].counters.ssrc_changes.get(), 1u);
  EXPECT_EQ(c.media->legs[0].counters.seq_lost.get(), 0u);
}

// RFC 3550 §7.3: RTCP follows the rewritten streams, in both directions.
TEST(MediaPath, SsrcRewriteTranslatesRtcp) {
  dp::media_spec m;
  m.ssrc_rewrite = true;
  call c(m);
  const auto p = tone(160, 0);
  // Nothing sent yet: nothing to map, the RTCP passes as it came.
  const auto early = sender_report(0xAAAA, 5000, 0x1234, 7);
  EXPECT_EQ(c.send_rtcp(0, early), early);
  const auto a = c.send(0, {0, false, 100, 1000, 0xAAAA}, p);
  const auto b = c.send(1, {0, false, 9000, 50000, 0xBBBB}, p);
  const std::uint32_t a_out = dp::load_be32(&a[8]), b_out = dp::load_be32(&b[8]);
  const std::uint16_t b_seq_out = dp::load_be16(&b[2]);
  const std::uint32_t a_ts_out = dp::load_be32(&a[4]);
  // A reports on its own stream and on what it got from the gateway (B's, rewritten).
  const auto sr = c.send_rtcp(0, sender_report(0xAAAA, 1160, b_out, 0x10000u + b_seq_out));
  EXPECT_EQ(dp::load_be32(&sr[4]), a_out);
  EXPECT_EQ(dp::load_be32(&sr[16]), a_ts_out + 160) << "SR RTP time on A's egress timeline";
  EXPECT_EQ(dp::load_be32(&sr[28]), 0xBBBBu) << "B hears about its own SSRC";
  EXPECT_EQ(dp::load_be32(&sr[36]), 0x10000u + 9000u) << "in B's sequence space";
  EXPECT_EQ(dp::load_be32(&sr[8]), 0xE1000000u) << "NTP untouched (LSR/RTT stay right)";
  // The other direction.
  const auto sr_b = c.send_rtcp(1, sender_report(0xBBBB, 50000, a_out, 0));
  EXPECT_EQ(dp::load_be32(&sr_b[4]), b_out);
  EXPECT_EQ(dp::load_be32(&sr_b[28]), 0xAAAAu);
  EXPECT_EQ(c.media->legs[0].counters.rtcp_translated.get(), 1u);
  EXPECT_EQ(c.media->legs[1].counters.rtcp_translated.get(), 1u);
}

TEST(MediaPath, RtcpUntouchedWithoutSsrcRewrite) {
  dp::media_spec m;
  m.chain[0].vad.mode = dsp::grade::basic;
  call c(m);
  EXPECT_EQ(c.state.routes[1].media, nullptr);
  EXPECT_EQ(c.state.routes[3].media, nullptr);
}

TEST(MediaPath, SequenceGapsAndLateArrivalsCounted) {
  dp::media_spec m;
  m.chain[0].vad.mode = dsp::grade::basic;
  call c(m);
  const auto p = tone(160, 0);
  for (std::uint16_t seq : {1, 2, 5, 4, 6, 6}) c.send(0, {0, false, seq, 160u * seq, 1}, p);
  EXPECT_EQ(c.media->legs[0].counters.seq_lost.get(), 2u);  // 3 and 4 missing when 5 came
  EXPECT_EQ(c.media->legs[0].counters.seq_late.get(), 2u);  // 4 late, 6 again
  EXPECT_EQ(c.media->legs[0].counters.processed.get(), 6u);
  EXPECT_EQ(c.media->legs[0].counters.frames.get(), 6u);
}

TEST(MediaPath, ChainRunsPerFrameAndTranscodesWithPayloadTypeMapped) {
  dp::media_spec m;
  m.chain[0].vad.mode = dsp::grade::basic;
  m.chain[0].agc.mode = dsp::grade::basic;
  call c(m, dp::codec::pcmu, dp::codec::pcma);
  dp::media_outcome o{};
  const auto p = tone(320, 3);  // 40 ms in one packet: two 20 ms frames
  const auto rtp = c.send(0, {0, false, 1, 0, 9}, p, &o);
  EXPECT_EQ(o, dp::media_outcome::processed);
  EXPECT_EQ(rtp[1] & 0x7F, 8) << "PCMA payload type";
  EXPECT_EQ(c.media->legs[0].counters.frames.get(), 2u);
  EXPECT_GT(c.timing[dp::stage::decode].samples(), 0u);
  EXPECT_EQ(c.timing[dp::stage::vad].samples(), 2u);
  EXPECT_EQ(c.timing[dp::stage::agc].samples(), 2u);
  EXPECT_EQ(c.timing[dp::stage::encode].samples(), 1u);
}

TEST(MediaPath, OddSizesAndOtherPayloadTypesPassUntouchedAndCounted) {
  dp::media_spec m;
  m.chain[0].agc.mode = dsp::grade::basic;
  m.chain[0].agc.basic.max_gain_db = 30;
  call c(m);
  dp::media_outcome o{};
  const auto odd = tone(100, 0);  // 12.5 ms: not a whole 20 ms frame
  auto rtp = c.send(0, {0, false, 1, 0, 9}, odd, &o);
  EXPECT_EQ(o, dp::media_outcome::bypass_frame_size);
  EXPECT_EQ(std::vector<std::uint8_t>(rtp.begin() + 12, rtp.end()), odd);
  const std::vector<std::uint8_t> event = {5, 0x8A, 0x03, 0x20};  // RFC 4733: digit 5, end, volume 10, 800
  rtp = c.send(0, {101, true, 2, 160, 9}, event, &o);
  EXPECT_EQ(o, dp::media_outcome::other_payload);
  EXPECT_EQ(rtp[1], 0x80 | 101);
  EXPECT_EQ(std::vector<std::uint8_t>(rtp.begin() + 12, rtp.end()), event);
  const auto big = tone(640, 0);  // 80 ms: above the 60 ms a frame may hold
  c.send(0, {0, false, 3, 320, 9}, big, &o);
  EXPECT_EQ(o, dp::media_outcome::bypass_frame_size);
  EXPECT_EQ(c.media->legs[0].counters.bypassed_frame_size.get(), 2u);
  EXPECT_EQ(c.media->legs[0].counters.other_payload.get(), 1u);
  EXPECT_EQ(c.media->legs[0].counters.frames.get(), 0u);
}

TEST(MediaPath, FarEndHistoryIsWhatWasSentAndPoolExhaustionBypasses) {
  dp::media_spec m;
  m.chain[1].aec.mode = dsp::grade::basic;  // leg b cancels the echo of what a says
  call c(m, dp::codec::pcmu, dp::codec::pcma);
  const unsigned before = available_160();
  const auto p = tone(160, 0);
  dp::media_outcome o{};
  const auto rtp = c.send(0, {0, false, 1, 5000, 9}, p, &o);
  EXPECT_EQ(o, dp::media_outcome::processed);
  ASSERT_EQ(c.media->history[1].size(), 1u);
  EXPECT_EQ(available_160(), before - 1);
  // The kept frame is the A-law the endpoint receives, decoded.
  std::vector<std::int16_t> sent(160);
  dsp::g711::alaw_decode({rtp.data() + 12, 160}, sent);
  std::vector<std::int16_t> far(160);
  c.media->history[1].window(123, far);
  EXPECT_EQ(far, sent);
  // Drain the pool: the next packet is relayed unprocessed (still transcoded) and counted.
  std::vector<void*> taken;
  void* obj = nullptr;
  while (rte_mempool_get(g_pools->by_class[1], &obj) == 0) taken.push_back(obj);
  const auto rtp2 = c.send(0, {0, false, 2, 5160, 9}, p, &o);
  EXPECT_EQ(o, dp::media_outcome::bypass_pool);
  EXPECT_EQ(rtp2[1] & 0x7F, 8);
  std::vector<std::uint8_t> want(160);
  dsp::g711::ulaw_to_alaw(p, want);
  EXPECT_EQ(std::vector<std::uint8_t>(rtp2.begin() + 12, rtp2.end()), want);
  EXPECT_EQ(c.media->legs[0].counters.bypassed_pool.get(), 1u);
  for (void* t : taken) rte_mempool_put(g_pools->by_class[1], t);
  c.media.reset();  // the session's frames go back with it
  EXPECT_EQ(available_160(), before);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> args = {"media_test", "--no-huge", "-m", "64", "--no-shconf", "--file-prefix",
                                   "vg_media_test_" + std::to_string(getpid()), "--no-pci", "-l", "0",
                                   "--log-level=lib.eal:error"};
  std::vector<char*> av;
  for (auto& a : args) av.push_back(a.data());
  if (rte_eal_init(static_cast<int>(av.size()), av.data()) < 0) {
    std::fprintf(stderr, "media_test: EAL init failed\n");
    return 1;
  }
  dp::frame_pools pools = dp::create_frame_pools(0, 256, 0);
  g_pools = &pools;
  const int rc = RUN_ALL_TESTS();
  dp::free_frame_pools(pools);
  rte_eal_cleanup();
  return rc;
}
