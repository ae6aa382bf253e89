// SPDX-License-Identifier: BSD-3-Clause
// RTCP translation under SSRC rewrite: every SSRC field of every packet type, exact values, checksum delta.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/rtcp_translate.h"
#include "tests/common/guarded_buffer.h"

namespace {

// Leg A's RTP arrives as SSRC 0xA1 and leaves as 0xE0A1 with timestamps +1000;
// leg B's arrives as 0xB1 and leaves toward A as 0xE0B1 with sequence numbers +500.
const dp::rtcp_stream_map map{true, 0xA1, 0xE0A1, 1000, true, 0xB1, 0xE0B1, 500};

struct writer {
  std::vector<std::uint8_t> b;
  void u8(std::uint8_t v) { b.push_back(v); }
  void u16(std::uint16_t v) { u8(static_cast<std::uint8_t>(v >> 8)), u8(static_cast<std::uint8_t>(v)); }
  void u32(std::uint32_t v) { u16(static_cast<std::uint16_t>(v >> 16)), u16(static_cast<std::uint16_t>(v)); }
  // Header of a sub-packet of `words` 32-bit words after the header.
  void header(std::uint8_t count, std::uint8_t pt, std::uint16_t words) {
    u8(static_cast<std::uint8_t>(0x80 | count));
    u8(pt);
    u16(words);
  }
  void block(std::uint32_t ssrc, std::uint32_t ext_seq) {
    u32(ssrc);
    u32(0x05000003);  // fraction lost 5/256, 3 packets lost
    u32(ext_seq);
    u32(77);          // jitter
    u32(0x12345678);  // LSR
    u32(0x00010000);  // DLSR
  }
};

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t off) { return dp::load_be32(&b[off]); }

// Applies the translation and checks that its checksum delta turns the checksum of
// the old bytes into the checksum of the new ones (RFC 1624).
dp::rtcp_translation translate(std::vector<std::uint8_t>& b) {
  EXPECT_TRUE(dp::valid_rtcp(b));
  const std::uint16_t before = dp::csum_finish(dp::csum_partial(b));
  const auto t = dp::translate_rtcp(b, map);
  EXPECT_EQ(dp::csum_apply_delta(before, t.csum_delta), dp::csum_finish(dp::csum_partial(b)));
  return t;
}

TEST(RtcpTranslate, SenderReportMovesToTheEgressStreamAndBlocksBackToTheSource) {
  writer w;
  w.header(2, 200, 6 + 12);
  w.u32(0xA1);        // sender: leg A's current ingress SSRC
  w.u32(0xE1000000);  // NTP seconds
  w.u32(0x80000000);  // NTP fraction
  w.u32(160000);      // RTP timestamp
  w.u32(42);          // packets
  w.u32(6720);        // octets
  w.block(0xE0B1, 0x00010010);  // about what the gateway sends to A
  w.block(0x5555, 0x00000009);  // about some other source: untouched
  auto b = w.b;
  const auto t = translate(b);
  EXPECT_EQ(be32(b, 4), 0xE0A1u);
  EXPECT_EQ(be32(b, 8), 0xE1000000u) << "NTP untouched";
  EXPECT_EQ(be32(b, 16), 161000u) << "RTP timestamp on the egress timeline";
  EXPECT_EQ(be32(b, 20), 42u);
  EXPECT_EQ(be32(b, 24), 6720u);
  EXPECT_EQ(be32(b, 28), 0xB1u) << "block SSRC back to B's own";
  EXPECT_EQ(be32(b, 28 + 8), 0x00010010u - 500u) << "extended highest seq in B's sequence space";
  EXPECT_EQ(be32(b, 28 + 16), 0x12345678u) << "LSR untouched";
  EXPECT_EQ(be32(b, 52), 0x5555u);
  EXPECT_EQ(be32(b, 52 + 8), 9u);
  EXPECT_EQ(t.fields, 4u);
}

TEST(RtcpTranslate, CompoundReceiverReportSdesByeAndFeedback) {
  writer w;
  w.header(1, 201, 1 + 6);  // RR
  w.u32(0xA1);
  w.block(0xE0B1, 0x0000FFF0);  // seq below the delta: the subtraction borrows from the cycle count
  w.header(2, 202, 5);      // SDES, two chunks
  w.u32(0xA1);
  w.u8(1), w.u8(5), w.b.insert(w.b.end(), {'a', 'l', 'i', 'c', 'e'});  // CNAME "alice"
  w.u8(0);                             // the null item ends the chunk at the 32-bit boundary
  w.u32(0x7777);                       // second chunk: another source
  w.u8(0), w.u8(0), w.u8(0), w.u8(0);  // null item + padding
  w.header(2, 203, 2);  // BYE for A's stream and an unknown one
  w.u32(0x7777);
  w.u32(0xA1);
  w.header(1, 205, 3);  // RTPFB generic NACK from A about what it receives
  w.u32(0xA1);
  w.u32(0xE0B1);
  w.u32(0x00100000);
  w.header(1, 206, 2);  // PSFB PLI about another source
  w.u32(0xA1);
  w.u32(0x9999);
  auto b = w.b;
  ASSERT_EQ(b.size(), 32u + 24u + 12u + 16u + 12u);
  const auto t = translate(b);
  EXPECT_EQ(be32(b, 4), 0xE0A1u);
  EXPECT_EQ(be32(b, 8), 0xB1u);
  EXPECT_EQ(be32(b, 16), 0x0000FFF0u - 500u);
  EXPECT_EQ(be32(b, 36), 0xE0A1u) << "SDES chunk 1";
  EXPECT_EQ(be32(b, 48), 0x7777u) << "SDES chunk 2 untouched";
  EXPECT_EQ(b[42], 'a') << "CNAME text untouched";
  EXPECT_EQ(be32(b, 60), 0x7777u);
  EXPECT_EQ(be32(b, 64), 0xE0A1u) << "BYE";
  EXPECT_EQ(be32(b, 72), 0xE0A1u) << "NACK sender";
  EXPECT_EQ(be32(b, 76), 0xB1u) << "NACK media source";
  EXPECT_EQ(be32(b, 80), 0x00100000u) << "FCI untouched";
  EXPECT_EQ(be32(b, 88), 0xE0A1u) << "PLI sender";
  EXPECT_EQ(be32(b, 92), 0x9999u);
  EXPECT_EQ(t.fields, 8u);
}

TEST(RtcpTranslate, UnknownStreamsAndForeignSsrcsPassUnchanged) {
  writer w;
  w.header(1, 200, 6 + 6);
  w.u32(0xA2);  // not leg A's current SSRC (an old stream, or a stranger)
  for (int i = 0; i < 5; ++i) w.u32(static_cast<std::uint32_t>(i));
  w.block(0xB1, 3);  // the source's ingress SSRC, not the egress one A knows: no match
  w.header(0, 204, 2);  // APP
  w.u32(0xA1);
  w.u32(0x54455354);
  auto b = w.b;
  auto copy = b;
  dp::rtcp_stream_map none = map;
  none.own_known = false;
  none.peer_known = false;
  EXPECT_EQ(dp::translate_rtcp(b, none).fields, 0u);
  EXPECT_EQ(b, copy) << "nothing known yet: nothing mapped";
  const auto t = translate(b);
  EXPECT_EQ(t.fields, 1u) << "only the APP sender";
  EXPECT_EQ(be32(b, 4), 0xA2u);
  EXPECT_EQ(be32(b, 16), 2u) << "no timestamp shift for an unmapped sender";
  EXPECT_EQ(be32(b, 28), 0xB1u);
  EXPECT_EQ(be32(b, 36), 3u);
  EXPECT_EQ(be32(b, 56), 0xE0A1u);
}

TEST(RtcpTranslate, TruncatedSdesAndShortSubPacketsStopSafely) {
  writer w;
  w.header(3, 202, 2);  // claims 3 chunks; the first item's length runs past the sub-packet
  w.u32(0xA1);
  w.u8(1), w.u8(200), w.u8('x'), w.u8('y');
  w.header(1, 201, 1);  // RR claiming one block in a sub-packet with room for none
  w.u32(0xA1);
  w.header(0, 205, 1);  // feedback without a media-source field
  w.u32(0xA1);
  auto b = w.b;
  const auto t = translate(b);
  EXPECT_EQ(be32(b, 4), 0xE0A1u) << "the chunk's SSRC was inside the sub-packet";
  EXPECT_EQ(b[9], 200) << "item bytes untouched";
  EXPECT_EQ(be32(b, 16), 0xA1u) << "malformed RR left alone";
  EXPECT_EQ(be32(b, 24), 0xA1u) << "short feedback left alone";
  EXPECT_EQ(t.fields, 1u);
}

// Random compound packets that pass valid_rtcp (every type 200..207, any count and
// length, SDES items running anywhere), each ending at a guard page: no read or
// write past the packet, nothing changed but the mapped SSRC/timestamp/sequence
// words, and the checksum delta always right.
TEST(RtcpTranslate, RandomValidCompoundsStayInBoundsAndKeepTheChecksum) {
  std::mt19937 rng(20261125);
  auto byte = [&] { return static_cast<std::uint8_t>(rng()); };
  // SSRC-like words are drawn from the mapped ones half of the time.
  const std::uint32_t ssrcs[] = {0xA1, 0xE0B1, 0xB1, 0xE0A1};
  unsigned changed_packets = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    writer w;
    const int subs = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < subs; ++k) {
      const auto pt = static_cast<std::uint8_t>(200 + rng() % 8);
      const auto words = static_cast<std::uint16_t>(rng() % 16);
      w.header(static_cast<std::uint8_t>(rng() % 32), pt, words);
      for (int i = 0; i < words; ++i) {
        if (rng() % 2 == 0) {
          w.u32(ssrcs[rng() % 4]);
        } else {
          for (int b = 0; b < 4; ++b) w.u8(rng() % 3 == 0 ? 0 : byte());
        }
      }
    }
    ASSERT_TRUE(dp::valid_rtcp(w.b));
    test::guarded_buffer<std::uint8_t> g(w.b.size());
    std::memcpy(g.data(), w.b.data(), w.b.size());
    const std::uint16_t before = dp::csum_finish(dp::csum_partial(w.b));
    const auto t = dp::translate_rtcp(g.span(), map);
    const std::vector<std::uint8_t> after(g.data(), g.data() + w.b.size());
    ASSERT_EQ(dp::csum_apply_delta(before, t.csum_delta), dp::csum_finish(dp::csum_partial(after))) << iter;
    unsigned words_changed = 0;
    for (std::size_t i = 0; i < after.size(); i += 4)
      if (std::memcmp(&after[i], &w.b[i], 4) != 0) ++words_changed;
    ASSERT_EQ(words_changed, t.fields) << iter;
    changed_packets += t.fields != 0 ? 1 : 0;
  }
  EXPECT_GT(changed_packets, 5000u) << "the generator reaches the mapped fields";
}

}  // namespace
