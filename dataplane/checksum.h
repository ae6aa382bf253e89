// SPDX-License-Identifier: BSD-3-Clause
// Internet checksum helpers (RFC 1071) and incremental update (RFC 1624): pure, no DPDK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace dp {

// One's-complement sum of 16-bit big-endian words, not folded, not inverted.
inline std::uint32_t csum_partial(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) noexcept {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += static_cast<std::uint32_t>((bytes[i] << 8) | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i] << 8);
  return sum;
}

inline std::uint16_t csum_fold(std::uint32_t sum) noexcept {
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// The checksum field value for the given bytes (with their checksum field zeroed).
inline std::uint16_t csum_finish(std::uint32_t sum) noexcept {
  return static_cast<std::uint16_t>(~csum_fold(sum));
}

// Accumulates the RFC 1624 delta for one 16-bit word changing from old_word to new_word:
// HC' = ~(~HC + ~m + m'). Summing the deltas of all changed words once per route
// lets the per-packet update be a single add and fold.
inline std::uint32_t csum_delta_add(std::uint32_t delta, std::uint16_t old_word, std::uint16_t new_word) noexcept {
  return delta + static_cast<std::uint16_t>(~old_word) + new_word;
}
inline std::uint32_t csum_delta_add32(std::uint32_t delta, std::uint32_t old_v, std::uint32_t new_v) noexcept {
  delta = csum_delta_add(delta, static_cast<std::uint16_t>(old_v >> 16), static_cast<std::uint16_t>(new_v >> 16));
  return csum_delta_add(delta, static_cast<std::uint16_t>(old_v), static_cast<std::uint16_t>(new_v));
}

// Applies a precomputed delta (RFC 1624 eq. 3) to a checksum field value.
inline std::uint16_t csum_apply_delta(std::uint16_t field, std::uint32_t delta) noexcept {
  return static_cast<std::uint16_t>(~csum_fold(static_cast<std::uint16_t>(~field) + csum_fold(delta)));
}

// UDP variant: a zero field means "no checksum" over IPv4 (RFC 768) and stays
// zero; a computed zero is sent as 0xFFFF.
inline std::uint16_t udp_csum_apply_delta(std::uint16_t field, std::uint32_t delta) noexcept {
  if (field == 0) return 0;
  const std::uint16_t r = csum_apply_delta(field, delta);
  return r == 0 ? 0xFFFF : r;
}

// csum_partial's result (folded to 16 bits) computed with 8-byte loads: the
// one's-complement sum of little-endian words is the byte swap of the big-endian
// one (RFC 1071 §2(B)). For payload-sized ranges on the per-packet path.
inline std::uint16_t csum_fast(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    sum += (w & 0xFFFFFFFF) + (w >> 32);
  }
  for (; i + 2 <= n; i += 2) {
    std::uint16_t w;
    std::memcpy(&w, p + i, 2);
    sum += w;
  }
  if (i < n) sum += p[i];  // a trailing odd byte is the high byte of a big-endian word
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  return __builtin_bswap16(csum_fold(static_cast<std::uint32_t>(sum)));
}

// Verifies an IPv4 header checksum with 32-bit loads (the one's-complement sum
// is byte-order independent, RFC 1071 §2(B), and 0xFFFF is its own byte swap).
// ihl_bytes is a multiple of 4 (IHL * 4).
inline bool ipv4_header_checksum_ok(const std::uint8_t* ip, std::size_t ihl_bytes) noexcept {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  if (ihl_bytes >= 20) {
    // The usual header without options: five loads, no loop (~5% of the relay's
    // cycles went to the loop branch, perf record on voxgate-bench relay).
    std::uint32_t w[5];
    std::memcpy(w, ip, 20);
    sum = std::uint64_t{w[0]} + w[1] + w[2] + w[3] + w[4];
    i = 20;
  }
  for (; i < ihl_bytes; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, ip + i, 4);
    sum += w;
  }
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  return csum_fold(static_cast<std::uint32_t>(sum)) == 0xFFFF;
}

// Full UDP checksum over IPv4 (pseudo header + UDP header + payload), for
// verification in tests and for payload-changing paths without offload.
inline std::uint16_t udp4_checksum(std::uint32_t src_ip, std::uint32_t dst_ip,
                                   std::span<const std::uint8_t> udp_with_zero_csum) noexcept {
  std::uint32_t sum = (src_ip >> 16) + (src_ip & 0xFFFF) + (dst_ip >> 16) + (dst_ip & 0xFFFF);
  sum += 17u + static_cast<std::uint32_t>(udp_with_zero_csum.size());
  sum = csum_partial(udp_with_zero_csum, sum);
  const std::uint16_t r = csum_finish(sum);
  return r == 0 ? 0xFFFF : r;
}

}  // namespace dp
