// SPDX-License-Identifier: BSD-3-Clause
// Packet parsing: every malformed class is rejected with its reason; valid frames parse exactly.
#include <gtest/gtest.h>

#include <random>

#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/packet_build.h"

namespace {

using dp::drop_reason;

const dp::endpoint src{0xC633640A, 30000};  // 198.51.100.10
const dp::endpoint dst{0xC0000201, 20000};  // 192.0.2.1

std::vector<std::uint8_t> rtp_frame(std::size_t payload = 160, std::optional<std::uint16_t> vlan = std::nullopt) {
  dp::udp_frame_spec f;
  f.src = src;
  f.dst = dst;
  f.vlan = vlan;
  return dp::build_udp_frame(f, dp::build_rtp({0, true, 7, 1234, 0xCAFEBABE}, std::vector<std::uint8_t>(payload, 0x5A)));
}

drop_reason reason_of(const std::vector<std::uint8_t>& f) {
  const auto r = dp::parse_udp(f);
  if (std::holds_alternative<dp::udp_packet>(r)) return drop_reason::count_;
  return std::get<dp::parse_error>(r).reason;
}

void fix_ip_csum(std::vector<std::uint8_t>& f, std::size_t l3 = 14) {
  f[l3 + 10] = f[l3 + 11] = 0;
  const std::size_t ihl = static_cast<std::size_t>(f[l3] & 0x0F) * 4;
  dp::store_be16(&f[l3 + 10], dp::csum_finish(dp::csum_partial({&f[l3], ihl})));
}

TEST(ParseUdp, ValidFrameGivesOffsetsAndAddresses) {
  const auto f = rtp_frame();
  const auto r = dp::parse_udp(f);
  ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(r));
  const auto& u = std::get<dp::udp_packet>(r);
  EXPECT_EQ(u.l3_offset, 14);
  EXPECT_EQ(u.l4_offset, 34);
  EXPECT_EQ(u.payload_offset, 42);
  EXPECT_EQ(u.payload_len, 172);
  EXPECT_EQ(u.src_ip, src.ip);
  EXPECT_EQ(u.dst_ip, dst.ip);
  EXPECT_EQ(u.src_port, src.port);
  EXPECT_EQ(u.dst_port, dst.port);
}

TEST(ParseUdp, VlanTaggedFrame) {
  const auto f = rtp_frame(160, 42);
  const auto r = dp::parse_udp(f);
  ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(r));
  EXPECT_EQ(std::get<dp::udp_packet>(r).l3_offset, 18);
  EXPECT_EQ(std::get<dp::udp_packet>(r).payload_offset, 46);
}

TEST(ParseUdp, EthernetPaddingAfterDatagramIsIgnored) {
  auto f = rtp_frame(4);  // 60-byte minimum frames carry padding
  f.resize(f.size() + 10, 0);
  const auto r = dp::parse_udp(f);
  ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(r));
  EXPECT_EQ(std::get<dp::udp_packet>(r).payload_len, 16);
}

TEST(ParseUdp, IpOptionsShiftTheUdpHeader) {
  auto f = rtp_frame();
  f.insert(f.begin() + 34, 8, 0x01);  // 8 bytes of NOP options
  f[14] = 0x47;                       // IHL 7
  dp::store_be16(&f[16], static_cast<std::uint16_t>(dp::load_be16(&f[16]) + 8));
  fix_ip_csum(f);
  const auto r = dp::parse_udp(f);
  ASSERT_TRUE(std::holds_alternative<dp::udp_packet>(r));
  EXPECT_EQ(std::get<dp::udp_packet>(r).l4_offset, 42);
  EXPECT_EQ(std::get<dp::udp_packet>(r).dst_port, dst.port);
}

TEST(ParseUdp, EveryTruncationPointIsRejected) {
  const auto f = rtp_frame(8);
  const std::size_t datagram_end = f.size();
  for (std::size_t n = 0; n < datagram_end; ++n) {
    std::vector<std::uint8_t> t(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    const drop_reason r = reason_of(t);
    if (n < 14) {
      EXPECT_EQ(r, drop_reason::eth_truncated) << n;
    } else {
      EXPECT_EQ(r, drop_reason::ip_truncated) << n;
    }
  }
}

TEST(ParseUdp, MalformedClasses) {
  {
    auto f = rtp_frame();
    dp::store_be16(&f[12], 0x0806);
    EXPECT_EQ(reason_of(f), drop_reason::not_ipv4);
  }
  {
    auto f = rtp_frame(160, 5);
    dp::store_be16(&f[16], 0x8100);  // inner ethertype is another tag
    EXPECT_EQ(reason_of(f), drop_reason::vlan_nested);
  }
  {
    auto f = rtp_frame();
    f.resize(16);
    dp::store_be16(&f[12], 0x8100);
    EXPECT_EQ(reason_of(f), drop_reason::eth_truncated);
  }
  {
    auto f = rtp_frame();
    f[14] = 0x65;  // version 6
    EXPECT_EQ(reason_of(f), drop_reason::ip_bad_version);
  }
  {
    auto f = rtp_frame();
    f[14] = 0x44;  // IHL 4
    EXPECT_EQ(reason_of(f), drop_reason::ip_bad_header_len);
  }
  {
    auto f = rtp_frame();
    f[14] = 0x4F;  // IHL 15: 60 bytes, more than the frame has after a tiny payload
    f.resize(14 + 40);
    EXPECT_EQ(reason_of(f), drop_reason::ip_truncated);
  }
  {
    auto f = rtp_frame();
    dp::store_be16(&f[16], 19);  // total length below the header
    fix_ip_csum(f);
    EXPECT_EQ(reason_of(f), drop_reason::ip_bad_total_len);
  }
  {
    auto f = rtp_frame();
    f[24] ^= 0xFF;
    EXPECT_EQ(reason_of(f), drop_reason::ip_bad_checksum);
  }
  for (std::uint16_t frag : {std::uint16_t{0x2000}, std::uint16_t{0x0001}, std::uint16_t{0x1FFF}}) {
    auto f = rtp_frame();
    dp::store_be16(&f[20], frag);
    fix_ip_csum(f);
    EXPECT_EQ(reason_of(f), drop_reason::ip_fragment) << frag;
  }
  {
    auto f = rtp_frame();
    f[23] = 6;
    fix_ip_csum(f);
    EXPECT_EQ(reason_of(f), drop_reason::not_udp);
  }
  {
    auto f = rtp_frame();
    dp::store_be16(&f[16], 20 + 7);  // IP payload of 7 bytes cannot hold a UDP header
    fix_ip_csum(f);
    EXPECT_EQ(reason_of(f), drop_reason::udp_truncated);
  }
  for (std::uint16_t len : {std::uint16_t{0}, std::uint16_t{7}, std::uint16_t{8 + 173}}) {
    auto f = rtp_frame();
    dp::store_be16(&f[38], len);
    EXPECT_EQ(reason_of(f), drop_reason::udp_bad_length) << len;
  }
}

TEST(ParseUdp, RandomBytesNeverCrashAndNeverParseOutOfBounds) {
  std::mt19937 rng(7);
  const auto base = rtp_frame(20);
  for (int i = 0; i < 20000; ++i) {
    auto f = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) f[rng() % 42] = static_cast<std::uint8_t>(rng());
    f.resize(rng() % (f.size() + 1));
    const auto r = dp::parse_udp(f);
    if (const auto* u = std::get_if<dp::udp_packet>(&r)) {
      ASSERT_LE(static_cast<std::size_t>(u->payload_offset) + u->payload_len, f.size());
    }
  }
}

std::span<const std::uint8_t> rtp_of(const std::vector<std::uint8_t>& b) { return {b.data(), b.size()}; }

TEST(ParseRtp, FixedHeaderFields) {
  const auto b = dp::build_rtp({96, true, 0xBEEF, 0x01020304, 0xA1B2C3D4}, std::vector<std::uint8_t>(160, 1));
  const auto r = dp::parse_rtp(rtp_of(b));
  ASSERT_TRUE(std::holds_alternative<dp::rtp_header>(r));
  const auto& h = std::get<dp::rtp_header>(r);
  EXPECT_EQ(h.payload_type, 96);
  EXPECT_TRUE(h.marker);
  EXPECT_EQ(h.sequence, 0xBEEF);
  EXPECT_EQ(h.timestamp, 0x01020304u);
  EXPECT_EQ(h.ssrc, 0xA1B2C3D4u);
  EXPECT_EQ(h.header_len, 12);
  EXPECT_EQ(h.payload_len, 160);
  EXPECT_EQ(h.padding_len, 0);
}

TEST(ParseRtp, CsrcExtensionAndPaddingLengths) {
  std::vector<std::uint8_t> b(12 + 2 * 4 + 4 + 3 * 4 + 160 + 4, 0);
  b[0] = 0x80 | 0x20 | 0x10 | 2;  // V=2, P, X, CC=2
  dp::store_be16(&b[12 + 8 + 2], 3);  // extension of 3 words
  b.back() = 4;                        // 4 bytes of padding
  const auto r = dp::parse_rtp(rtp_of(b));
  ASSERT_TRUE(std::holds_alternative<dp::rtp_header>(r));
  const auto& h = std::get<dp::rtp_header>(r);
  EXPECT_EQ(h.header_len, 12 + 8 + 4 + 12);
  EXPECT_EQ(h.padding_len, 4);
  EXPECT_EQ(h.payload_len, 160);
}

TEST(ParseRtp, MalformedClasses) {
  auto reason = [](const std::vector<std::uint8_t>& b) {
    const auto r = dp::parse_rtp(rtp_of(b));
    return std::holds_alternative<dp::parse_error>(r) ? std::get<dp::parse_error>(r).reason : drop_reason::count_;
  };
  const auto ok = dp::build_rtp({0, false, 1, 2, 3}, std::vector<std::uint8_t>(8, 0));
  for (std::size_t n = 0; n < 12; ++n) EXPECT_EQ(reason({ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(n)}), drop_reason::rtp_truncated);
  for (std::uint8_t v : {0x00, 0x40, 0xC0}) {
    auto b = ok;
    b[0] = static_cast<std::uint8_t>(v | (b[0] & 0x3F));
    EXPECT_EQ(reason(b), drop_reason::rtp_bad_version);
  }
  {
    auto b = ok;
    b[0] = 0x83;  // 3 CSRCs = 12 bytes, only 8 present
    EXPECT_EQ(reason(b), drop_reason::rtp_truncated);
  }
  {
    auto b = ok;
    b[0] = 0x90;  // extension header needs 4 bytes + words
    dp::store_be16(&b[14], 5);
    EXPECT_EQ(reason(b), drop_reason::rtp_truncated);
  }
  {
    auto b = dp::build_rtp({0, false, 1, 2, 3}, {});
    b[0] = 0x90;  // extension bit, nothing after the fixed header
    EXPECT_EQ(reason(b), drop_reason::rtp_truncated);
  }
  {
    auto b = ok;
    b[0] |= 0x20;
    b.back() = 0;
    EXPECT_EQ(reason(b), drop_reason::rtp_bad_padding);
    b.back() = 9;  // more than the 8 payload bytes
    EXPECT_EQ(reason(b), drop_reason::rtp_bad_padding);
    b.back() = 8;  // exactly the payload: valid, empty audio
    EXPECT_EQ(reason(b), drop_reason::count_);
  }
}

TEST(ValidRtcp, CompoundAndMalformed) {
  auto rr = dp::build_rtcp_rr(1);
  EXPECT_TRUE(dp::valid_rtcp(rr));
  auto compound = rr;
  const auto sdes_like = std::vector<std::uint8_t>{0x81, 202, 0x00, 0x01, 0, 0, 0, 1};
  compound.insert(compound.end(), sdes_like.begin(), sdes_like.end());
  EXPECT_TRUE(dp::valid_rtcp(compound));
  EXPECT_FALSE(dp::valid_rtcp(std::span<const std::uint8_t>(rr.data(), 3)));
  auto bad = rr;
  bad[0] = 0x40;
  EXPECT_FALSE(dp::valid_rtcp(bad));
  bad = rr;
  bad[1] = 0x00;  // an RTP payload type, not RTCP
  EXPECT_FALSE(dp::valid_rtcp(bad));
  bad = rr;
  dp::store_be16(&bad[2], 2);  // claims 12 bytes, has 8
  EXPECT_FALSE(dp::valid_rtcp(bad));
  bad = compound;
  bad[0] |= 0x20;  // padding on a sub-packet that is not the last
  EXPECT_FALSE(dp::valid_rtcp(bad));
  bad = rr;
  bad.push_back(0);  // trailing bytes that are no sub-packet
  EXPECT_FALSE(dp::valid_rtcp(bad));
}

}  // namespace
