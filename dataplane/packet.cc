// SPDX-License-Identifier: BSD-3-Clause
// Pure packet parsing: Ethernet[/802.1Q]/IPv4/UDP, RTP (RFC 3550 §5.1) and RTCP (§6.4.1).
#include "dataplane/packet.h"


namespace dp {

std::variant<rtp_header, parse_error> parse_rtp(std::span<const std::uint8_t> b) noexcept {
  std::size_t header = 0;
  std::size_t pad = 0;
  if (const drop_reason r = check_rtp(b, header, pad); r != drop_reason::count_) return parse_error{r};
  rtp_header h;
  h.marker = (b[1] & 0x80) != 0;
  h.payload_type = b[1] & 0x7F;
  h.sequence = load_be16(&b[2]);
  h.timestamp = load_be32(&b[4]);
  h.ssrc = load_be32(&b[8]);
  h.header_len = static_cast<std::uint16_t>(header);
  h.padding_len = static_cast<std::uint8_t>(pad);
  h.payload_len = static_cast<std::uint16_t>(b.size() - header - pad);
  return h;
}

bool valid_rtcp(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < 4) return false;
  std::size_t off = 0;
  while (off < b.size()) {
    if (b.size() - off < 4) return false;
    const std::uint8_t v_p_count = b[off];
    const std::uint8_t pt = b[off + 1];
    if ((v_p_count >> 6) != 2) return false;
    if (pt < 192 || pt > 223) return false;
    const std::size_t len = (static_cast<std::size_t>(load_be16(&b[off + 2])) + 1) * 4;
    if (len > b.size() - off) return false;
    const bool last = off + len == b.size();
    if ((v_p_count & 0x20) != 0 && !last) return false;  // only the last sub-packet may pad
    off += len;
  }
  return true;
}

}  // namespace dp
