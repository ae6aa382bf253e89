// SPDX-License-Identifier: BSD-3-Clause
// G.711 SIMD codecs with Google Highway dynamic dispatch; equal to dsp::g711::scalar for every input.
//
// This file is compiled once per Highway target (foreach_target.h re-includes
// it); the dispatching wrappers at the end pick the best target at run time.
//
// Everything runs on 16-bit lanes with pshufb-style 16-byte table lookups
// (TableLookupBytes) standing in for leading-zero counts and variable shifts:
// encoders find the segment as the bit length of the top 7 magnitude bits (two
// nibble lookups and a max) and the mantissa with a multiply by 2^k from a
// lookup (G.191 ulaw_compress / alaw_compress); decoders evaluate
// G.191's ulaw_expand / alaw_expand formulas, shifting by a looked-up 2^e.
// Transcoders look up the code in sixteen 16-byte tables with
// TableLookupBytesOr0 (pshufb on x86), XOR-chained so the lanes of every
// segment collect exactly their entry (see xor_tables).
//
// Tails shorter than a vector go through a zeroed stack copy, so nothing is
// read or written past the caller's spans (the guard-page test checks it).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dsp/g711_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "dsp/g711.h"

#ifndef VOXGATE_DSP_G711_SIMD_TABLES
#define VOXGATE_DSP_G711_SIMD_TABLES
namespace dsp::g711::detail {

// Sixteen 16-byte tables per direction, two XOR chains of eight: row 8s + k
// holds T[c] ^ T[c - 16] for the code c = 128 s + 16 k + j (row 8s: just T[c]),
// s = 1 for codes with bit 7 set. For a lane in segment h of its half, XOR of
// rows 8s..8s+h telescopes to T[128 s + 16 h + j]. Both halves are needed: the
// laws are not odd functions of the code (G.191 one's-complements negatives, so
// -x and x can quantise differently), and mu-law 0x7F ("-0") becomes A-law +0.
struct xor_tables {
  alignas(64) std::uint8_t rows[16][16];
};

template <std::uint8_t (*F)(std::uint8_t)>
constexpr xor_tables make_xor_tables() {
  xor_tables t{};
  for (int half = 0; half < 2; ++half) {
    for (int k = 0; k < 8; ++k) {
      for (int j = 0; j < 16; ++j) {
        const int c = 128 * half + 16 * k + j;
        const int cur = F(static_cast<std::uint8_t>(c));
        const int prev = k == 0 ? 0 : F(static_cast<std::uint8_t>(c - 16));
        t.rows[8 * half + k][j] = static_cast<std::uint8_t>(cur ^ prev);
      }
    }
  }
  return t;
}

constexpr std::uint8_t u2a(std::uint8_t u) { return ulaw_to_alaw_sample(u); }
constexpr std::uint8_t a2u(std::uint8_t a) { return alaw_to_ulaw_sample(a); }
inline constexpr xor_tables ulaw_to_alaw_rows = make_xor_tables<&u2a>();
inline constexpr xor_tables alaw_to_ulaw_rows = make_xor_tables<&a2u>();

}  // namespace dsp::g711::detail
#endif  // VOXGATE_DSP_G711_SIMD_TABLES

HWY_BEFORE_NAMESPACE();
namespace dsp::g711::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_SCALAR
// Highway's one-lane HWY_SCALAR target (the baseline with GCC < 12.3, for CPUs
// without SSSE3) lacks the byte shuffles and promotions used below: it runs
// the scalar reference.
void ulaw_encode_simd(const std::int16_t* in, std::uint8_t* out, std::size_t n) {
  scalar::ulaw_encode({in, n}, {out, n});
}
void alaw_encode_simd(const std::int16_t* in, std::uint8_t* out, std::size_t n) {
  scalar::alaw_encode({in, n}, {out, n});
}
void ulaw_decode_simd(const std::uint8_t* in, std::int16_t* out, std::size_t n) {
  scalar::ulaw_decode({in, n}, {out, n});
}
void alaw_decode_simd(const std::uint8_t* in, std::int16_t* out, std::size_t n) {
  scalar::alaw_decode({in, n}, {out, n});
}
void ulaw_to_alaw_simd(const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
  scalar::ulaw_to_alaw({in, n}, {out, n});
}
void alaw_to_ulaw_simd(const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
  scalar::alaw_to_ulaw({in, n}, {out, n});
}
#else

// Runs Op::step (exactly `lanes` elements per call) over n elements; the last
// partial vector goes through zero-padded stack copies.
template <class Op, class TIn, class TOut>
HWY_INLINE void for_each_vector(const TIn* in, TOut* out, std::size_t n, std::size_t lanes) {
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) Op::step(in + i, out + i);
  if (i == n) return;
  HWY_ALIGN TIn tail_in[HWY_MAX_BYTES] = {};
  HWY_ALIGN TOut tail_out[HWY_MAX_BYTES];
  std::memcpy(tail_in, in + i, (n - i) * sizeof(TIn));
  Op::step(tail_in, tail_out);
  std::memcpy(out + i, tail_out, (n - i) * sizeof(TOut));
}

using d16_t = hn::ScalableTag<std::int16_t>;
using d8_t = hn::ScalableTag<std::uint8_t>;

// Bit length (0..7) of v in 0..127 per 16-bit lane: two nibble lookups
// (pshufb) and a byte max. High bytes are 0 and index entry 0, which is 0.
HWY_INLINE hn::VFromD<d16_t> bit_length7(hn::VFromD<d16_t> v) {
  const d16_t d;
  const hn::Repartition<std::uint8_t, d16_t> d8;
  alignas(16) static constexpr std::uint8_t len_lo[16] = {0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4};
  alignas(16) static constexpr std::uint8_t len_hi[16] = {0, 5, 6, 6, 7, 7, 7, 7};  // 4 + length of v >> 4
  const auto hi = hn::TableLookupBytes(hn::LoadDup128(d8, len_hi), hn::BitCast(d8, hn::ShiftRight<4>(v)));
  const auto lo =
      hn::TableLookupBytes(hn::LoadDup128(d8, len_lo), hn::BitCast(d8, hn::And(v, hn::Set(d, 15))));
  return hn::BitCast(d, hn::Max(hi, lo));
}

// table[e] per 16-bit lane for e in 0..7 (a byte-table lookup; the high byte of
// each index has bit 7 set, so it reads 0).
HWY_INLINE hn::VFromD<d16_t> lookup8(const std::uint8_t* table16, hn::VFromD<d16_t> e) {
  const d16_t d;
  const hn::Repartition<std::uint8_t, d16_t> d8;
  const auto idx = hn::Or(e, hn::Set(d, static_cast<std::int16_t>(0x8000)));
  return hn::BitCast(d, hn::TableLookupBytesOr0(hn::LoadDup128(d8, table16), hn::BitCast(d8, idx)));
}

struct ulaw_encode_op {
  static HWY_INLINE void step(const std::int16_t* in, std::uint8_t* out) {
    const d16_t d;
    alignas(16) static constexpr std::uint8_t scale[16] = {128, 64, 32, 16, 8, 4, 2, 1};  // 2^(7 - e)
    const auto x = hn::LoadU(d, in);
    const auto sign = hn::ShiftRight<15>(x);  // 0 or -1
    const auto mag = hn::Xor(x, sign);        // one's complement of negatives (G.191)
    const auto biased = hn::Min(hn::Add(hn::ShiftRight<2>(mag), hn::Set(d, 33)), hn::Set(d, 0x1FFF));
    // Segment e (0..7) = bit length of biased >> 6; biased lies in [2^(e+5), 2^(e+6)).
    const auto e = bit_length7(hn::ShiftRight<6>(biased));
    // Mantissa (biased >> (e + 1)) & 15, as (biased << (7 - e)) >> 8: the product is below 2^13.
    const auto mant = hn::And(hn::ShiftRight<8>(hn::Mul(biased, lookup8(scale, e))), hn::Set(d, 15));
    // Codes are sent inverted; bit 7 set for non-negative samples.
    const auto code = hn::Or(hn::Xor(hn::Or(hn::ShiftLeft<4>(e), mant), hn::Set(d, 0x7F)),
                             hn::AndNot(sign, hn::Set(d, 0x80)));
    hn::StoreU(hn::DemoteTo(hn::Rebind<std::uint8_t, d16_t>(), code), hn::Rebind<std::uint8_t, d16_t>(), out);
  }
};

struct alaw_encode_op {
  static HWY_INLINE void step(const std::int16_t* in, std::uint8_t* out) {
    const d16_t d;
    alignas(16) static constexpr std::uint8_t scale[16] = {128, 128, 64, 32,
                                                           16,  8,   4,  2};  // 2^(8 - max(e, 1))
    const auto x = hn::LoadU(d, in);
    const auto sign = hn::ShiftRight<15>(x);
    const auto ix = hn::ShiftRight<4>(hn::Xor(x, sign));  // 0..2047
    // Segment e (0..7) = bit length of ix >> 4 (segment 0, ix < 16, is linear).
    const auto e = bit_length7(hn::ShiftRight<4>(ix));
    // Mantissa (ix >> (max(e, 1) - 1)) & 15, as (ix << (8 - max(e, 1))) >> 7: below 2^12.
    const auto mant = hn::And(hn::ShiftRight<7>(hn::Mul(ix, lookup8(scale, e))), hn::Set(d, 15));
    const auto code = hn::Xor(hn::Or(hn::Or(hn::ShiftLeft<4>(e), mant), hn::AndNot(sign, hn::Set(d, 0x80))),
                              hn::Set(d, 0x55));  // G.711 §3: even bits inverted
    hn::StoreU(hn::DemoteTo(hn::Rebind<std::uint8_t, d16_t>(), code), hn::Rebind<std::uint8_t, d16_t>(), out);
  }
};

// (mag ^ s) - s with s = 0 (code bit 7 set: positive) or -1 (negative).
template <class V>
HWY_INLINE V apply_code_sign(V mag, V code) {
  const d16_t d;
  const auto s = hn::Sub(hn::ShiftRight<7>(code), hn::Set(d, 1));
  return hn::Sub(hn::Xor(mag, s), s);
}

// 1 << e. A per-lane multiply stands in for a variable shift: Highway 1.0.3's
// 16-bit variable shift does not compile for its SSSE3 target (it uses SSE4.1's _mm_packus_epi32).
alignas(16) inline constexpr std::uint8_t pow2[16] = {1, 2, 4, 8, 16, 32, 64, 128};

struct ulaw_decode_op {
  static HWY_INLINE void step(const std::uint8_t* in, std::int16_t* out) {
    const d16_t d;
    const auto c = hn::PromoteTo(d, hn::LoadU(hn::Rebind<std::uint8_t, d16_t>(), in));
    const auto inv = hn::Xor(c, hn::Set(d, 0xFF));
    const auto e = hn::And(hn::ShiftRight<4>(inv), hn::Set(d, 7));
    const auto m = hn::And(inv, hn::Set(d, 15));
    // ((8m + 132) << e) - 132, at most 32124.
    const auto mag =
        hn::Sub(hn::Mul(hn::Add(hn::ShiftLeft<3>(m), hn::Set(d, 132)), lookup8(pow2, e)), hn::Set(d, 132));
    hn::StoreU(apply_code_sign(mag, c), d, out);
  }
};

struct alaw_decode_op {
  static HWY_INLINE void step(const std::uint8_t* in, std::int16_t* out) {
    const d16_t d;
    const auto c = hn::PromoteTo(d, hn::LoadU(hn::Rebind<std::uint8_t, d16_t>(), in));
    const auto v = hn::And(hn::Xor(c, hn::Set(d, 0x55)), hn::Set(d, 0x7F));
    const auto e = hn::ShiftRight<4>(v);
    const auto m = hn::And(v, hn::Set(d, 15));
    // Segment 0: (2m + 1) << 3; segment e >= 1: (2m + 33) << (e + 2); both are
    // ((2m + 1 + 32 [e > 0]) << 2) << max(e, 1). At most 32256.
    const auto one = hn::Set(d, 1);
    const auto base = hn::Add(hn::Add(hn::ShiftLeft<1>(m), one), hn::ShiftLeft<5>(hn::Min(e, one)));
    const auto mag = hn::Mul(hn::ShiftLeft<2>(base), lookup8(pow2, hn::Max(e, one)));
    hn::StoreU(apply_code_sign(mag, c), d, out);
  }
};

// Keeps bit 7 (zero the lane) and the low nibble (the entry) of a lookup index.
// x86's pshufb reads only those bits, so there the mask is skipped (-16 ops per vector).
template <class V>
HWY_INLINE V index_bits(V idx) {
#if HWY_ARCH_X86 && HWY_TARGET != HWY_EMU128
  return idx;
#else
  return hn::And(idx, hn::Set(d8_t(), 0x8F));
#endif
}

template <const detail::xor_tables& Rows>
struct transcode_op {
  static HWY_INLINE void step(const std::uint8_t* in, std::uint8_t* out) {
    const d8_t d;
    const hn::RebindToSigned<d8_t> di;
    const auto x = hn::LoadU(d, in);
    // 0xFF in lanes whose code has bit 7 set.
    const auto upper = hn::BitCast(d, hn::VecFromMask(di, hn::Lt(hn::BitCast(di, x), hn::Zero(di))));
    const auto poison = hn::Set(d, 0x70);
    // Per half: its lanes carry their 7-bit code, the other half's lanes 0xF0 or more,
    // which stays >= 0x80 after subtracting up to 7 * 16, so their lookups give 0.
    const auto idx_lower = hn::Or(x, hn::And(upper, poison));
    const auto idx_upper = hn::Or(hn::Xor(x, hn::Set(d, 0x80)), hn::AndNot(upper, poison));
    const auto seg = hn::Set(d, 16);
    auto r = hn::Zero(d);
    auto il = idx_lower;
    auto iu = idx_upper;
    for (int k = 0; k < 8; ++k) {
      // il/iu hold code7 - 16k: below 0 (bit 7 set after wrapping) in lanes of lower
      // segments, which read 0; the others read their low nibble's entry.
      r = hn::Xor(r, hn::TableLookupBytesOr0(hn::LoadDup128(d, Rows.rows[k]), index_bits(il)));
      r = hn::Xor(r, hn::TableLookupBytesOr0(hn::LoadDup128(d, Rows.rows[8 + k]), index_bits(iu)));
      il = hn::Sub(il, seg);
      iu = hn::Sub(iu, seg);
    }
    hn::StoreU(r, d, out);
  }
};

// ~27 ns per 160-sample frame AVX2, ~13 ns AVX-512 (scalar ~400-590), dsp_core_bench g711_ulaw_encode/*.
void ulaw_encode_simd(const std::int16_t* in, std::uint8_t* out, std::size_t n) {
  for_each_vector<ulaw_encode_op>(in, out, n, hn::Lanes(d16_t()));
}
// ~23 ns AVX2, ~10 ns AVX-512 (scalar ~290), g711_alaw_encode/*.
void alaw_encode_simd(const std::int16_t* in, std::uint8_t* out, std::size_t n) {
  for_each_vector<alaw_encode_op>(in, out, n, hn::Lanes(d16_t()));
}
// ~17-22 ns AVX2, ~11-15 ns AVX-512 (scalar ~140-190), g711_ulaw_decode/*.
void ulaw_decode_simd(const std::uint8_t* in, std::int16_t* out, std::size_t n) {
  for_each_vector<ulaw_decode_op>(in, out, n, hn::Lanes(d16_t()));
}
// ~21-23 ns AVX2, ~15 ns AVX-512 (scalar ~200), g711_alaw_decode/*.
void alaw_decode_simd(const std::uint8_t* in, std::int16_t* out, std::size_t n) {
  for_each_vector<alaw_decode_op>(in, out, n, hn::Lanes(d16_t()));
}
// ~26 ns AVX2 and AVX-512 (scalar 256-entry table ~75), g711_ulaw_to_alaw/*: 16 pshufb per vector.
void ulaw_to_alaw_simd(const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
  for_each_vector<transcode_op<detail::ulaw_to_alaw_rows> >(in, out, n, hn::Lanes(d8_t()));
}
// ~26-35 ns AVX2, ~27 ns AVX-512 (scalar ~75-80), g711_alaw_to_ulaw/*.
void alaw_to_ulaw_simd(const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
  for_each_vector<transcode_op<detail::alaw_to_ulaw_rows> >(in, out, n, hn::Lanes(d8_t()));
}
#endif  // HWY_TARGET == HWY_SCALAR

std::int64_t target_simd() { return HWY_TARGET; }

}  // namespace dsp::g711::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dsp::g711 {

HWY_EXPORT(ulaw_encode_simd);
HWY_EXPORT(alaw_encode_simd);
HWY_EXPORT(ulaw_decode_simd);
HWY_EXPORT(alaw_decode_simd);
HWY_EXPORT(ulaw_to_alaw_simd);
HWY_EXPORT(alaw_to_ulaw_simd);
HWY_EXPORT(target_simd);

void ulaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(ulaw_encode_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
void alaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(alaw_encode_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
void ulaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(ulaw_decode_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
void alaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(alaw_decode_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
void ulaw_to_alaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(ulaw_to_alaw_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
void alaw_to_ulaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
  HWY_DYNAMIC_DISPATCH(alaw_to_ulaw_simd)(in.data(), out.data(), std::min(in.size(), out.size()));
}
std::int64_t simd_dispatch_target() noexcept { return HWY_DYNAMIC_DISPATCH(target_simd)(); }

}  // namespace dsp::g711
#endif  // HWY_ONCE
