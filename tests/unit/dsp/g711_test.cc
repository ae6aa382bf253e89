// SPDX-License-Identifier: BSD-3-Clause
// G.711 tests: bit-exactness to ITU-T G.191 (all inputs), scalar vs every SIMD target, lengths, guard pages.
#include "dsp/g711.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/common/guarded_buffer.h"
#include "tests/common/hwy_targets.h"
#include "tests/common/sha256.h"

namespace {

using dsp::g711::law;

// SHA-256 digests of the ITU-T G.191 G.711 test vectors (STL src/g711: sweep-r.u,
// sweep-r.a, sweep-r.u-u, sweep-r.a-a; /work/shared/testdata/g191/README.md):
// encoders for inputs -32768..32767 in order (one code byte each), decoders for
// codes 0..255 (one little-endian int16 each).
constexpr const char* ulaw_encode_sha256 = "90c29de505fb68e766118303bd552a16005dcf810873698bee1d8f3b247ce28c";
constexpr const char* alaw_encode_sha256 = "38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b";
constexpr const char* ulaw_decode_sha256 = "3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827";
constexpr const char* alaw_decode_sha256 = "e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174";

std::vector<std::int16_t> all_int16() {
  std::vector<std::int16_t> v(65536);
  for (int i = 0; i < 65536; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(i - 32768);
  return v;
}

std::vector<std::uint8_t> all_codes() {
  std::vector<std::uint8_t> v(256);
  for (int i = 0; i < 256; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return v;
}

std::string digest_of_int16(std::span<const std::int16_t> v) {
  std::vector<std::uint8_t> bytes;
  for (const std::int16_t s : v) {
    const auto u = static_cast<std::uint16_t>(s);
    bytes.push_back(static_cast<std::uint8_t>(u & 0xFF));
    bytes.push_back(static_cast<std::uint8_t>(u >> 8));
  }
  return test::sha256::of(bytes);
}

TEST(sha256, known_answers) {
  // FIPS 180-2 appendix B.1 and the empty message.
  const std::string abc = "abc";
  EXPECT_EQ(test::sha256::of({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(test::sha256::of({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // 56 bytes: the padding spills into a second block (FIPS 180-2 appendix B.2).
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(test::sha256::of({reinterpret_cast<const std::uint8_t*>(two.data()), two.size()}),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// The guard-page tests below only mean something if touching the byte after a
// guarded buffer really kills the process.
TEST(guarded_buffer, reading_past_the_end_crashes) {
  test::guarded_buffer<std::uint8_t> b(5);
  b.data()[4] = 1;  // the last byte is usable
  EXPECT_DEATH(
      {
        volatile std::uint8_t v = b.data()[5];
        (void)v;
      },
      "");
}

// --- scalar reference against G.191 ------------------------------------------

TEST(g711_scalar, ulaw_encode_all_inputs_match_g191) {
  const auto in = all_int16();
  std::vector<std::uint8_t> out(in.size());
  dsp::g711::scalar::ulaw_encode(in, out);
  EXPECT_EQ(test::sha256::of(out), ulaw_encode_sha256);
}

TEST(g711_scalar, alaw_encode_all_inputs_match_g191) {
  const auto in = all_int16();
  std::vector<std::uint8_t> out(in.size());
  dsp::g711::scalar::alaw_encode(in, out);
  EXPECT_EQ(test::sha256::of(out), alaw_encode_sha256);
}

TEST(g711_scalar, ulaw_decode_all_codes_match_g191) {
  const auto in = all_codes();
  std::vector<std::int16_t> out(256);
  dsp::g711::scalar::ulaw_decode(in, out);
  EXPECT_EQ(digest_of_int16(out), ulaw_decode_sha256);
}

TEST(g711_scalar, alaw_decode_all_codes_match_g191) {
  const auto in = all_codes();
  std::vector<std::int16_t> out(256);
  dsp::g711::scalar::alaw_decode(in, out);
  EXPECT_EQ(digest_of_int16(out), alaw_decode_sha256);
}

TEST(g711_scalar, g191_one_complement_points) {
  // Where G.191 and Sun-derived encoders differ: negatives are one's-complemented.
  EXPECT_EQ(dsp::g711::ulaw_encode_sample(-1), 0x7F);
  EXPECT_EQ(dsp::g711::ulaw_encode_sample(0), 0xFF);
  EXPECT_EQ(dsp::g711::ulaw_encode_sample(32767), 0x80);
  EXPECT_EQ(dsp::g711::ulaw_encode_sample(-32768), 0x00);
  EXPECT_EQ(dsp::g711::alaw_encode_sample(0), 0xD5);
  EXPECT_EQ(dsp::g711::alaw_encode_sample(-1), 0x55);
  EXPECT_EQ(dsp::g711::alaw_encode_sample(32767), 0xAA);
  EXPECT_EQ(dsp::g711::alaw_encode_sample(-32768), 0x2A);
  EXPECT_EQ(dsp::g711::ulaw_decode_sample(0x00), -32124);
  EXPECT_EQ(dsp::g711::ulaw_decode_sample(0x80), 32124);
  EXPECT_EQ(dsp::g711::ulaw_decode_sample(0x7F), 0);
  EXPECT_EQ(dsp::g711::alaw_decode_sample(0xD5), 8);
  EXPECT_EQ(dsp::g711::alaw_decode_sample(0x2A), -32256);
}

TEST(g711_scalar, transcode_tables_equal_decode_then_encode) {
  const auto codes = all_codes();
  std::vector<std::uint8_t> u2a(256), a2u(256);
  dsp::g711::scalar::ulaw_to_alaw(codes, u2a);
  dsp::g711::scalar::alaw_to_ulaw(codes, a2u);
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    EXPECT_EQ(u2a[code], dsp::g711::alaw_encode_sample(dsp::g711::ulaw_decode_sample(code))) << c;
    EXPECT_EQ(a2u[code], dsp::g711::ulaw_encode_sample(dsp::g711::alaw_decode_sample(code))) << c;
  }
}

TEST(g711_scalar, encode_of_decode_is_identity_except_negative_zero) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    // mu-law 0x7F ("-0") decodes to 0, which encodes as +0 (0xFF); every other code round-trips.
    const std::uint8_t want_u = c == 0x7F ? 0xFF : code;
    EXPECT_EQ(dsp::g711::ulaw_encode_sample(dsp::g711::ulaw_decode_sample(code)), want_u) << c;
    EXPECT_EQ(dsp::g711::alaw_encode_sample(dsp::g711::alaw_decode_sample(code)), code) << c;
  }
}

TEST(g711, law_names_and_function_tables) {
  EXPECT_EQ(dsp::g711::parse_law("ulaw"), law::ulaw);
  EXPECT_EQ(dsp::g711::parse_law("alaw"), law::alaw);
  EXPECT_FALSE(dsp::g711::parse_law("gsm").has_value());
  EXPECT_EQ(dsp::g711::rtp_payload_type(law::ulaw), 0);
  EXPECT_EQ(dsp::g711::rtp_payload_type(law::alaw), 8);
  EXPECT_EQ(dsp::g711::encoder_for(law::alaw), &dsp::g711::alaw_encode);
  EXPECT_EQ(dsp::g711::decoder_for(law::ulaw), &dsp::g711::ulaw_decode);
  EXPECT_EQ(dsp::g711::transcoder_for(law::ulaw, law::alaw), &dsp::g711::ulaw_to_alaw);
  EXPECT_EQ(dsp::g711::transcoder_for(law::alaw, law::alaw), nullptr);
}

// --- every SIMD target vs the reference ---------------------------------------

class g711_simd : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override {
    if (!test::cpu_supports(GetParam()))
      GTEST_SKIP() << hwy::TargetName(GetParam()) << " is not supported by this CPU";
    forced_.emplace(GetParam());
    ASSERT_EQ(dsp::g711::simd_dispatch_target(), GetParam()) << "dispatch did not pick the forced target";
  }
  void TearDown() override { forced_.reset(); }
  std::optional<test::scoped_target> forced_;
};

// Index of the first difference, or -1.
template <class T>
long first_mismatch(const std::vector<T>& a, const std::vector<T>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return static_cast<long>(i);
  return -1;
}

TEST_P(g711_simd, encoders_all_inputs) {
  const auto in = all_int16();
  std::vector<std::uint8_t> ref(in.size()), got(in.size());
  dsp::g711::scalar::ulaw_encode(in, ref);
  dsp::g711::ulaw_encode(in, got);
  long at = first_mismatch(ref, got);
  EXPECT_EQ(at, -1) << "ulaw input " << (at - 32768) << ": "
                    << int(got[static_cast<std::size_t>(at < 0 ? 0 : at)]);
  EXPECT_EQ(test::sha256::of(got), ulaw_encode_sha256);
  dsp::g711::scalar::alaw_encode(in, ref);
  dsp::g711::alaw_encode(in, got);
  at = first_mismatch(ref, got);
  EXPECT_EQ(at, -1) << "alaw input " << (at - 32768);
  EXPECT_EQ(test::sha256::of(got), alaw_encode_sha256);
}

TEST_P(g711_simd, decoders_all_codes) {
  const auto in = all_codes();
  std::vector<std::int16_t> ref(256), got(256);
  dsp::g711::scalar::ulaw_decode(in, ref);
  dsp::g711::ulaw_decode(in, got);
  for (int c = 0; c < 256; ++c)
    EXPECT_EQ(got[static_cast<std::size_t>(c)], ref[static_cast<std::size_t>(c)]) << "ulaw " << c;
  EXPECT_EQ(digest_of_int16(got), ulaw_decode_sha256);
  dsp::g711::scalar::alaw_decode(in, ref);
  dsp::g711::alaw_decode(in, got);
  for (int c = 0; c < 256; ++c)
    EXPECT_EQ(got[static_cast<std::size_t>(c)], ref[static_cast<std::size_t>(c)]) << "alaw " << c;
  EXPECT_EQ(digest_of_int16(got), alaw_decode_sha256);
}

TEST_P(g711_simd, transcoders_all_codes_and_in_place) {
  const auto in = all_codes();
  for (const bool from_ulaw : {true, false}) {
    std::vector<std::uint8_t> ref(256), got(256);
    auto* ref_fn = from_ulaw ? &dsp::g711::scalar::ulaw_to_alaw : &dsp::g711::scalar::alaw_to_ulaw;
    auto* simd_fn = from_ulaw ? &dsp::g711::ulaw_to_alaw : &dsp::g711::alaw_to_ulaw;
    ref_fn(in, ref);
    simd_fn(in, got);
    for (int c = 0; c < 256; ++c)
      EXPECT_EQ(int(got[static_cast<std::size_t>(c)]), int(ref[static_cast<std::size_t>(c)]))
          << from_ulaw << " code " << c;
    std::vector<std::uint8_t> inplace = in;
    simd_fn(inplace, inplace);
    EXPECT_EQ(inplace, ref);
  }
}

constexpr std::array<std::size_t, 24> test_lengths = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,   10,  11,
                                                      12, 13, 14, 15, 16, 17, 31, 32, 33, 159, 160, 161};

// Pseudo-random codes/samples (fixed seed) for length tests.
std::uint32_t lcg(std::uint32_t& s) { return s = s * 1664525u + 1013904223u; }

TEST_P(g711_simd, every_length_leaves_neighbours_untouched) {
  std::uint32_t seed = 12345;
  for (const std::size_t n : test_lengths) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
      std::vector<std::int16_t> pcm(n + 8);
      std::vector<std::uint8_t> codes(n + 8);
      for (auto& v : pcm) v = static_cast<std::int16_t>(lcg(seed) >> 16);
      for (auto& c : codes) c = static_cast<std::uint8_t>(lcg(seed) >> 24);
      const std::span<const std::int16_t> pin(pcm.data() + offset, n);
      const std::span<const std::uint8_t> cin(codes.data() + offset, n);
      // Outputs with canaries on both sides.
      std::vector<std::uint8_t> enc(n + 2, 0xA5), enc_ref(n + 2, 0xA5);
      std::vector<std::int16_t> dec(n + 2, 0x5A5A), dec_ref(n + 2, 0x5A5A);
      std::vector<std::uint8_t> tr(n + 2, 0xA5), tr_ref(n + 2, 0xA5);
      const std::span<std::uint8_t> enc_s(enc.data() + 1, n), enc_ref_s(enc_ref.data() + 1, n);
      const std::span<std::int16_t> dec_s(dec.data() + 1, n), dec_ref_s(dec_ref.data() + 1, n);
      const std::span<std::uint8_t> tr_s(tr.data() + 1, n), tr_ref_s(tr_ref.data() + 1, n);

      dsp::g711::ulaw_encode(pin, enc_s);
      dsp::g711::scalar::ulaw_encode(pin, enc_ref_s);
      EXPECT_EQ(enc, enc_ref) << "ulaw_encode n=" << n << " offset=" << offset;
      dsp::g711::alaw_encode(pin, enc_s);
      dsp::g711::scalar::alaw_encode(pin, enc_ref_s);
      EXPECT_EQ(enc, enc_ref) << "alaw_encode n=" << n << " offset=" << offset;
      dsp::g711::ulaw_decode(cin, dec_s);
      dsp::g711::scalar::ulaw_decode(cin, dec_ref_s);
      EXPECT_EQ(dec, dec_ref) << "ulaw_decode n=" << n << " offset=" << offset;
      dsp::g711::alaw_decode(cin, dec_s);
      dsp::g711::scalar::alaw_decode(cin, dec_ref_s);
      EXPECT_EQ(dec, dec_ref) << "alaw_decode n=" << n << " offset=" << offset;
      dsp::g711::ulaw_to_alaw(cin, tr_s);
      dsp::g711::scalar::ulaw_to_alaw(cin, tr_ref_s);
      EXPECT_EQ(tr, tr_ref) << "ulaw_to_alaw n=" << n << " offset=" << offset;
      dsp::g711::alaw_to_ulaw(cin, tr_s);
      dsp::g711::scalar::alaw_to_ulaw(cin, tr_ref_s);
      EXPECT_EQ(tr, tr_ref) << "alaw_to_ulaw n=" << n << " offset=" << offset;
      EXPECT_EQ(enc.front(), 0xA5);
      EXPECT_EQ(enc.back(), 0xA5);
      EXPECT_EQ(dec.front(), 0x5A5A);
      EXPECT_EQ(dec.back(), 0x5A5A);
    }
  }
}

// Inputs and outputs end right before a PROT_NONE page: any access past the
// span's end kills the test with SIGSEGV.
TEST_P(g711_simd, buffers_ending_at_guard_page) {
  std::uint32_t seed = 777;
  for (const std::size_t n : test_lengths) {
    test::guarded_buffer<std::int16_t> pcm(n), pcm_out(n);
    test::guarded_buffer<std::uint8_t> codes(n), codes_out(n);
    for (auto& v : pcm.span()) v = static_cast<std::int16_t>(lcg(seed) >> 16);
    for (auto& c : codes.span()) c = static_cast<std::uint8_t>(lcg(seed) >> 24);
    std::vector<std::uint8_t> want_codes(n);
    std::vector<std::int16_t> want_pcm(n);

    dsp::g711::ulaw_encode(pcm.span(), codes_out.span());
    dsp::g711::scalar::ulaw_encode(pcm.span(), want_codes);
    EXPECT_TRUE(std::equal(want_codes.begin(), want_codes.end(), codes_out.data())) << n;
    dsp::g711::alaw_encode(pcm.span(), codes_out.span());
    dsp::g711::scalar::alaw_encode(pcm.span(), want_codes);
    EXPECT_TRUE(std::equal(want_codes.begin(), want_codes.end(), codes_out.data())) << n;
    dsp::g711::ulaw_decode(codes.span(), pcm_out.span());
    dsp::g711::scalar::ulaw_decode(codes.span(), want_pcm);
    EXPECT_TRUE(std::equal(want_pcm.begin(), want_pcm.end(), pcm_out.data())) << n;
    dsp::g711::alaw_decode(codes.span(), pcm_out.span());
    dsp::g711::scalar::alaw_decode(codes.span(), want_pcm);
    EXPECT_TRUE(std::equal(want_pcm.begin(), want_pcm.end(), pcm_out.data())) << n;
    dsp::g711::ulaw_to_alaw(codes.span(), codes_out.span());
    dsp::g711::scalar::ulaw_to_alaw(codes.span(), want_codes);
    EXPECT_TRUE(std::equal(want_codes.begin(), want_codes.end(), codes_out.data())) << n;
    // In place, at the guard page.
    dsp::g711::scalar::alaw_to_ulaw(codes.span(), want_codes);
    dsp::g711::alaw_to_ulaw(codes.span(), codes.span());
    EXPECT_TRUE(std::equal(want_codes.begin(), want_codes.end(), codes.data())) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(targets, g711_simd, ::testing::ValuesIn(test::compiled_targets()),
                         [](const ::testing::TestParamInfo<std::int64_t>& p) {
                           return test::target_param_name(p.param);
                         });

}  // namespace
