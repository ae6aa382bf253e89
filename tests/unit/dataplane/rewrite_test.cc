// SPDX-License-Identifier: BSD-3-Clause
// Relay rewrite: incremental checksums equal a full recomputation, for random addresses.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <stdexcept>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/packet_build.h"
#include "dataplane/rewrite.h"
#include "dataplane/session.h"
#include "dsp/g711.h"

namespace {

dp::session_spec random_session(std::mt19937& rng) {
  dp::session_spec s;
  s.id = "s";
  for (auto& l : s.legs) {
    l.local = {static_cast<std::uint32_t>(rng()), static_cast<std::uint16_t>(1 + rng() % 65533)};
    l.remote = {static_cast<std::uint32_t>(rng()), static_cast<std::uint16_t>(1 + rng() % 65533)};
    for (auto& b : l.remote_mac) b = static_cast<std::uint8_t>(rng());
  }
  s.legs[1].port_index = 1;
  return s;
}

// Independent reference: the frame a relay must emit, checksums computed from scratch.
std::vector<std::uint8_t> reference(std::vector<std::uint8_t> f, const dp::leg_spec& out, const dp::mac_addr& src_mac,
                                    std::uint16_t off, bool had_udp_csum) {
  if (f.size() < 42) throw std::logic_error("frame shorter than Ethernet/IPv4/UDP headers");
  std::memcpy(f.data(), out.remote_mac.data(), 6);
  std::memcpy(f.data() + 6, src_mac.data(), 6);
  dp::store_be32(&f[26], out.local.ip);
  dp::store_be32(&f[30], out.remote.ip);
  f[24] = f[25] = 0;
  dp::store_be16(&f[24], dp::csum_finish(dp::csum_partial({&f[14], 20})));
  dp::store_be16(&f[34], static_cast<std::uint16_t>(out.local.port + off));
  dp::store_be16(&f[36], static_cast<std::uint16_t>(out.remote.port + off));
  f[40] = f[41] = 0;
  if (had_udp_csum) dp::store_be16(&f[40], dp::udp4_checksum(out.local.ip, out.remote.ip, {&f[34], f.size() - 34}));
  return f;
}

TEST(Rewrite, IncrementalChecksumsMatchFullRecomputation) {
  std::mt19937 rng(2024);
  const dp::mac_addr macs[2] = {{0x02, 0, 0, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2}};
  for (int iter = 0; iter < 5000; ++iter) {
    const auto s = random_session(rng);
    dp::session_state st;
    dp::build_session_state(s, macs, 2, 0, st);
    const int leg = static_cast<int>(rng() % 2);
    const bool rtcp = (rng() % 2) != 0;
    const bool udp_csum = (rng() % 8) != 0;
    const auto& in = s.legs[static_cast<std::size_t>(leg)];
    const auto& out = s.legs[static_cast<std::size_t>(1 - leg)];
    const std::uint16_t off = rtcp ? 1 : 0;
    dp::udp_frame_spec fs;
    fs.src = {in.remote.ip, static_cast<std::uint16_t>(in.remote.port + off)};
    fs.dst = {in.local.ip, static_cast<std::uint16_t>(in.local.port + off)};
    fs.ttl = static_cast<std::uint8_t>(rng());
    fs.ip_id = static_cast<std::uint16_t>(rng());
    fs.udp_checksum = udp_csum;
    std::vector<std::uint8_t> payload(rng() % 300);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    auto f = dp::build_udp_frame(fs, payload);
    const auto ref = reference(f, out, macs[out.port_index], off, udp_csum);

    const auto parsed = dp::parse_udp(f);
    ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(parsed));
    const dp::route& r = st.routes[static_cast<std::size_t>(leg * 2 + (rtcp ? 1 : 0))];
    ASSERT_EQ(r.expect_src_ip, fs.src.ip);
    ASSERT_EQ(r.expect_src_port, fs.src.port);
    dp::rewrite_for_route(f.data(), std::get<dp::udp_packet>(parsed), r);
    ASSERT_EQ(f, ref) << "iteration " << iter;
    // And the result is itself a valid frame.
    ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(dp::parse_udp(f)));
  }
}

TEST(Rewrite, RoutesAndKeysOfASession) {
  dp::session_spec s;
  s.id = "call-7";
  s.legs[0].local = {0xC0000201, 20000};
  s.legs[0].remote = {0xC633640A, 30000};
  s.legs[1].local = {0xC0000201, 20002};
  s.legs[1].remote = {0xCB007114, 40000};
  const dp::mac_addr mac{2, 0, 0, 0, 0, 1};
  dp::session_state st;
  dp::build_session_state(s, &mac, 1, 3, st);
  EXPECT_STREQ(st.id, "call-7");
  EXPECT_EQ(st.worker, 3u);
  const std::uint16_t ports[4] = {20000, 20001, 20002, 20003};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(st.routes[static_cast<std::size_t>(i)].local_ip, 0xC0000201u);
    EXPECT_EQ(st.routes[static_cast<std::size_t>(i)].local_port, ports[i]);
  }
  // a.rtcp: from a.remote+1, out of b.local+1 to b.remote+1
  const auto& r = st.routes[1];
  EXPECT_EQ(r.kind, dp::route_kind::rtcp);
  EXPECT_EQ(r.expect_src_port, 30001);
  EXPECT_EQ(r.new_src_port, 20003);
  EXPECT_EQ(r.new_dst_port, 40001);
  EXPECT_EQ(r.new_dst_ip, 0xCB007114u);
  EXPECT_EQ(st.routes[2].new_dst_port, 30000);
  EXPECT_EQ(st.routes[2].leg, 1);
}

TEST(Checksum, ZeroUdpChecksumStaysZeroAndComputedZeroBecomesFFFF) {
  EXPECT_EQ(dp::udp_csum_apply_delta(0, 0x1234), 0);
  // A delta that turns the sum into 0xFFFF (checksum 0) must give 0xFFFF.
  const std::uint16_t field = 0x0F0F;
  const std::uint32_t delta = static_cast<std::uint16_t>(~field);  // ~field + delta = 0xFFFF..
  const std::uint16_t plain = dp::csum_apply_delta(field, delta);
  EXPECT_EQ(dp::udp_csum_apply_delta(field, delta), plain == 0 ? 0xFFFF : plain);
}

}  // namespace

namespace {

TEST(Checksum, FastSumEqualsBytewiseSum) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::uint8_t> b(rng() % 600);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    ASSERT_EQ(dp::csum_fast(b.data(), b.size()), dp::csum_fold(dp::csum_partial(b))) << b.size();
  }
}

// A PCMU leg (payload type 0) toward a PCMA leg (8): audio transcoded in place,
// payload type mapped, UDP checksum equal to a full recomputation.
TEST(RewritePayload, TranscodesMapsTypeAndKeepsChecksumExact) {
  std::mt19937 rng(5);
  dp::session_spec s;
  s.id = "x";
  s.legs[0].local = {0xC0000201, 20000};
  s.legs[0].remote = {0xC633640A, 30000};
  s.legs[0].leg_codec = dp::codec::pcmu;
  s.legs[0].payload_type = 0;
  s.legs[1].local = {0xC0000201, 20002};
  s.legs[1].remote = {0xCB007114, 40000};
  s.legs[1].leg_codec = dp::codec::pcma;
  s.legs[1].payload_type = 8;
  const dp::mac_addr mac{2, 0, 0, 0, 0, 1};
  dp::session_state st;
  dp::build_session_state(s, &mac, 1, 0, st);
  ASSERT_TRUE(st.routes[0].payload_rewrite);
  ASSERT_FALSE(st.routes[1].payload_rewrite);  // RTCP is never rewritten
  for (int iter = 0; iter < 500; ++iter) {
    const int leg = static_cast<int>(rng() % 2);
    const auto& in = s.legs[static_cast<std::size_t>(leg)];
    const dp::route& r = st.routes[static_cast<std::size_t>(leg * 2)];
    std::vector<std::uint8_t> audio(rng() % 481);
    for (auto& x : audio) x = static_cast<std::uint8_t>(rng());
    const bool marker = (rng() % 2) != 0;
    dp::udp_frame_spec fs;
    fs.src = in.remote;
    fs.dst = in.local;
    fs.udp_checksum = (rng() % 10) != 0;
    auto rtp = dp::build_rtp({in.payload_type, marker, 7, 8, 9}, audio);
    const bool padded = (rng() % 4) == 0;
    if (padded) {
      rtp[0] |= 0x20;
      rtp.insert(rtp.end(), {0xAA, 0xBB, 3});
    }
    auto f = dp::build_udp_frame(fs, rtp);
    const auto u = std::get<dp::udp_packet>(dp::parse_udp(f));
    std::size_t header = 0;
    std::size_t pad = 0;
    ASSERT_EQ(dp::check_rtp({f.data() + u.payload_offset, u.payload_len}, header, pad), dp::drop_reason::count_);
    ASSERT_TRUE(dp::rewrite_rtp_payload(f.data(), u, header, pad, r));
    dp::rewrite_for_route(f.data(), u, r);

    // Reference: the expected RTP built from scratch, then the whole frame.
    std::vector<std::uint8_t> out_audio(audio.size());
    if (leg == 0) {
      dsp::g711::scalar::ulaw_to_alaw(audio, out_audio);
    } else {
      dsp::g711::scalar::alaw_to_ulaw(audio, out_audio);
    }
    const auto& out = s.legs[static_cast<std::size_t>(1 - leg)];
    auto want_rtp = dp::build_rtp({out.payload_type, marker, 7, 8, 9}, out_audio);
    if (padded) {
      want_rtp[0] |= 0x20;
      want_rtp.insert(want_rtp.end(), {0xAA, 0xBB, 3});
    }
    dp::udp_frame_spec ws;
    ws.dst_mac = out.remote_mac;
    ws.src_mac = mac;
    ws.src = out.local;
    ws.dst = out.remote;
    ws.udp_checksum = fs.udp_checksum;
    ASSERT_EQ(f, dp::build_udp_frame(ws, want_rtp)) << "iteration " << iter;
  }
}

TEST(RewritePayload, OtherPayloadTypesPassUntouched) {
  dp::session_spec s;
  s.id = "x";
  s.legs[0].local = {1, 20000};
  s.legs[0].remote = {2, 30000};
  s.legs[1].local = {1, 20002};
  s.legs[1].remote = {3, 40000};
  s.legs[1].leg_codec = dp::codec::pcma;
  s.legs[1].payload_type = 8;
  dp::session_state st;
  const dp::mac_addr mac{};
  dp::build_session_state(s, &mac, 1, 0, st);
  // RFC 4733 telephone-event (dynamic payload type 101): four bytes of event data.
  const std::vector<std::uint8_t> event = {5, 0x8A, 0x03, 0x20};
  dp::udp_frame_spec fs;
  fs.src = s.legs[0].remote;
  fs.dst = s.legs[0].local;
  auto f = dp::build_udp_frame(fs, dp::build_rtp({101, true, 1, 2, 3}, event));
  const auto before = f;
  const auto u = std::get<dp::udp_packet>(dp::parse_udp(f));
  EXPECT_FALSE(dp::rewrite_rtp_payload(f.data(), u, 12, 0, st.routes[0]));
  EXPECT_EQ(f, before);
}

}  // namespace
