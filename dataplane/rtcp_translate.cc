// SPDX-License-Identifier: BSD-3-Clause
// RTCP translation for SSRC-rewritten streams: walks each sub-packet's SSRC fields (RFC 3550 §6.4-6.6, RFC 4585 §6.1, RFC 3611 §2).
#include "dataplane/rtcp_translate.h"

#include "dataplane/checksum.h"
#include "dataplane/packet.h"

namespace dp {

namespace {

// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2).
constexpr std::uint8_t pt_sr = 200, pt_rr = 201, pt_sdes = 202, pt_bye = 203, pt_app = 204, pt_rtpfb = 205,
                       pt_psfb = 206, pt_xr = 207;
constexpr std::size_t report_block_bytes = 24;  // RFC 3550 §6.4.1

class rewriter {
 public:
  rewriter(std::uint8_t* base, const rtcp_stream_map& map) noexcept : base_(base), map_(map) {}

  // The sender's own SSRC at off; true when it was the sender's current stream.
  bool own(std::size_t off) noexcept {
    if (!map_.own_known || load_be32(base_ + off) != map_.own_in_ssrc) return false;
    put(off, map_.own_out_ssrc);
    return true;
  }
  // A received-stream SSRC at off: the gateway's egress SSRC goes back to the real source's.
  bool peer(std::size_t off) noexcept {
    if (!map_.peer_known || load_be32(base_ + off) != map_.peer_out_ssrc) return false;
    put(off, map_.peer_in_ssrc);
    return true;
  }
  void add(std::size_t off, std::uint32_t delta) noexcept { put(off, load_be32(base_ + off) + delta); }

  // Report blocks from `off`: SSRC, then the extended highest sequence number 8 bytes in.
  void report_blocks(std::size_t off, std::size_t count) noexcept {
    for (std::size_t k = 0; k < count; ++k, off += report_block_bytes)
      if (peer(off)) add(off + 8, static_cast<std::uint32_t>(0u - map_.peer_seq_delta));
  }

  rtcp_translation result() const noexcept { return r_; }

 private:
  void put(std::size_t off, std::uint32_t v) noexcept {
    const std::uint32_t old = load_be32(base_ + off);
    if (old == v) return;
    r_.csum_delta = csum_delta_add32(r_.csum_delta, old, v);
    store_be32(base_ + off, v);
    ++r_.fields;
  }

  std::uint8_t* base_;
  const rtcp_stream_map& map_;
  rtcp_translation r_;
};

// SDES chunks (RFC 3550 §6.5): an SSRC, items (type, length, text) up to a null
// type octet, then padding to the next 32-bit boundary.
void sdes_chunks(rewriter& w, const std::uint8_t* b, std::size_t start, std::size_t end, std::size_t count) noexcept {
  std::size_t off = start + 4;
  for (std::size_t c = 0; c < count; ++c) {
    if (off + 4 > end) return;
    w.own(off);
    std::size_t i = off + 4;
    while (i < end && b[i] != 0) {
      if (i + 2 > end) return;
      i += 2 + b[i + 1];
    }
    if (i >= end) return;
    off = (i + 4) & ~std::size_t{3};  // past the null octet, to the boundary
  }
}

}  // namespace

rtcp_translation translate_rtcp(std::span<std::uint8_t> rtcp, const rtcp_stream_map& map) noexcept {
  std::uint8_t* b = rtcp.data();
  rewriter w(b, map);
  std::size_t off = 0;
  while (off + 4 <= rtcp.size()) {
    const std::size_t len = (static_cast<std::size_t>(load_be16(b + off + 2)) + 1) * 4;
    const std::size_t end = off + len;
    if (end > rtcp.size()) break;
    const std::size_t count = b[off] & 0x1F;
    switch (b[off + 1]) {
      case pt_sr:
        // Sender info: SSRC, NTP (8), RTP timestamp, packet and octet counts; then blocks.
        if (len < 28 + count * report_block_bytes) break;
        if (w.own(off + 4)) w.add(off + 16, map.own_ts_delta);
        w.report_blocks(off + 28, count);
        break;
      case pt_rr:
        if (len < 8 + count * report_block_bytes) break;
        w.own(off + 4);
        w.report_blocks(off + 8, count);
        break;
      case pt_sdes:
        sdes_chunks(w, b, off, end, count);
        break;
      case pt_bye:
        for (std::size_t k = 0; k < count && off + 8 + 4 * k <= end; ++k) w.own(off + 4 + 4 * k);
        break;
      case pt_app:
      case pt_xr:
        if (len >= 8) w.own(off + 4);
        break;
      case pt_rtpfb:
      case pt_psfb:
        // Packet sender, then the media source the feedback is about.
        if (len < 12) break;
        w.own(off + 4);
        w.peer(off + 8);
        break;
      default:
        break;
    }
    off = end;
  }
  return w.result();
}

}  // namespace dp
