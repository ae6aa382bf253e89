// SPDX-License-Identifier: BSD-3-Clause
// RTCP translation for SSRC-rewritten RTP streams (RFC 3550 §7.2, §7.3): pure, no DPDK.
//
// With ssrc_rewrite the gateway sends each leg's RTP under its own egress SSRC,
// sequence and timestamp (dataplane/media.h, rtp_stream). The RTCP that travels
// alongside must say the same, or the far end sees reports from a source it never
// received RTP from, and reports about a source it never sent:
//  - what the RTCP sender says about ITS OWN stream (SR sender SSRC and RTP
//    timestamp, RR sender SSRC, SDES chunk SSRCs, BYE SSRCs, APP, the packet
//    sender of RTPFB/PSFB (RFC 4585 §6.1) and XR (RFC 3611 §2)) is moved to the
//    egress SSRC and timeline that the receiving endpoint knows;
//  - what it says about the stream IT RECEIVES (report block SSRC and extended
//    highest sequence number, RFC 3550 §6.4.1; the media source of RTPFB/PSFB) is
//    about the gateway's egress SSRC toward it, and goes back to the SSRC and
//    sequence space of the endpoint that really sends that stream.
// Fields naming any other SSRC, SR NTP times, LSR/DLSR (so round-trip times stay
// right end to end), loss and jitter pass unchanged. SR packet and octet counts
// stay the sender's own for its current SSRC (the egress stream may span several).
#pragma once

#include <cstdint>
#include <span>

namespace dp {

// The two streams an RTCP packet from one leg can speak of, as the media path
// keeps them. A side with known == false (no RTP seen yet) maps nothing.
struct rtcp_stream_map {
  // The sender's own RTP stream: ingress SSRC -> egress SSRC, timestamp offset.
  bool own_known = false;
  std::uint32_t own_in_ssrc = 0;
  std::uint32_t own_out_ssrc = 0;
  std::uint32_t own_ts_delta = 0;  // egress = ingress + delta (mod 2^32)
  // The stream the sender receives: the other leg's, egress SSRC -> its ingress SSRC.
  bool peer_known = false;
  std::uint32_t peer_in_ssrc = 0;
  std::uint32_t peer_out_ssrc = 0;
  std::uint16_t peer_seq_delta = 0;  // egress = ingress + delta (mod 2^16)
};

struct rtcp_translation {
  std::uint32_t csum_delta = 0;  // RFC 1624 delta of every changed word (csum_delta_add)
  unsigned fields = 0;           // SSRC / timestamp / sequence fields rewritten
};

// Rewrites a compound RTCP packet in place. `rtcp` must have passed valid_rtcp()
// (dataplane/packet.h); SDES chunks that run past their sub-packet end the walk of
// that sub-packet (what was already mapped stays mapped). Every rewritten field
// sits at an even offset from the start of the UDP payload, so the delta applies
// to the UDP checksum as is.
rtcp_translation translate_rtcp(std::span<std::uint8_t> rtcp, const rtcp_stream_map& map) noexcept;

}  // namespace dp
