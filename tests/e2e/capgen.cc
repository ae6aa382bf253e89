// SPDX-License-Identifier: BSD-3-Clause
// Capture generator: calls with known payloads plus junk of every drop class.
#include "tests/e2e/capgen.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <sstream>

#include "controlplane/config.h"
#include "dataplane/checksum.h"
#include "dataplane/packet.h"
#include "dataplane/packet_build.h"
#include "dsp/g711.h"

namespace test {

namespace {

constexpr dp::mac_addr peer_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x10};
constexpr dp::mac_addr gw_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

dp::mac_addr leg_mac(int leg, std::size_t call) {
  return {0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(leg == 0 ? 0x0a : 0x0b), static_cast<std::uint8_t>(call)};
}


}  // namespace

capture_set generate(const capgen_options& o) {
  capture_set c;
  std::mt19937 rng(o.seed);
  for (unsigned i = 0; i < o.calls; ++i) {
    dp::session_spec s;
    s.id = "call-" + std::to_string(i + 1);
    const auto port = static_cast<std::uint16_t>(o.first_port + 4 * i);
    s.legs[0].local = {capgen_gateway_ip, port};
    s.legs[0].remote = {0xC6336400u + 10 + i, static_cast<std::uint16_t>(30000 + 2 * i)};  // 198.51.100.x
    s.legs[0].remote_mac = leg_mac(0, i);
    s.legs[1].local = {capgen_gateway_ip, static_cast<std::uint16_t>(port + 2)};
    s.legs[1].remote = {0xCB007100u + 20 + i, static_cast<std::uint16_t>(40000 + 2 * i)};  // 203.0.113.x
    s.legs[1].remote_mac = leg_mac(1, i);
    if (o.mixed_codecs && i % 2 == 1) {
      s.legs[1].leg_codec = dp::codec::pcma;
      s.legs[1].payload_type = 8;
    }
    c.sessions.push_back(s);
  }
  std::uint16_t ip_id = 1;
  // Valid media: per call and direction, RTP with a known payload (bytes derived
  // from call, leg and sequence) and a few RTCP receiver reports.
  std::vector<gen_packet> media;
  for (std::size_t i = 0; i < c.sessions.size(); ++i) {
    for (int leg = 0; leg < 2; ++leg) {
      const std::uint32_t ssrc = 0x10000000u + static_cast<std::uint32_t>(i * 2 + static_cast<std::size_t>(leg));
      for (unsigned k = 0; k < o.packets; ++k) {
        std::vector<std::uint8_t> audio(o.payload_bytes);
        for (std::size_t b = 0; b < audio.size(); ++b) audio[b] = static_cast<std::uint8_t>(i * 31 + static_cast<std::size_t>(leg) * 17 + k * 7 + b);
        const std::uint8_t pt = c.sessions[i].legs[static_cast<std::size_t>(leg)].payload_type;
        dp::rtp_spec h{pt, k == 0, static_cast<std::uint16_t>(1000 + k), 160 * k, ssrc};
        gen_packet p;
        p.data = udp_to(c.sessions[i], leg, false, dp::build_rtp(h, audio), ip_id++);
        p.relayed = true;
        p.session = i;
        p.leg = leg;
        p.audio = true;
        media.push_back(std::move(p));
      }
      for (unsigned k = 0; k < o.telephone_events; ++k) {
        // RFC 4733 §2.3: event 5, end bit on the last, volume 10, duration.
        const std::vector<std::uint8_t> ev = {5, static_cast<std::uint8_t>(k + 1 == o.telephone_events ? 0x8A : 0x0A), 0x00,
                                              static_cast<std::uint8_t>(160 * (k + 1) & 0xFF)};
        gen_packet p;
        p.data = udp_to(c.sessions[i], leg, false,
                        dp::build_rtp({101, k == 0, static_cast<std::uint16_t>(3000 + k), 8000, ssrc}, ev), ip_id++);
        p.relayed = true;
        p.session = i;
        p.leg = leg;
        media.push_back(std::move(p));
      }
      for (unsigned k = 0; k < o.rtcp; ++k) {
        gen_packet p;
        p.data = udp_to(c.sessions[i], leg, true, dp::build_rtcp_rr(ssrc), ip_id++);
        p.relayed = true;
        p.session = i;
        p.leg = leg;
        p.rtcp = true;
        media.push_back(std::move(p));
      }
    }
  }
  // One VLAN-tagged RTP packet per call: relayed, tag kept.
  for (std::size_t i = 0; i < c.sessions.size(); ++i) {
    const auto& l = c.sessions[i].legs[0];
    dp::udp_frame_spec f{peer_mac, gw_mac, std::uint16_t{100}, l.remote, l.local, 64, ip_id++, true};
    const std::vector<std::uint8_t> audio(o.payload_bytes, 0xFF);
    gen_packet p;
    p.data = dp::build_udp_frame(f, dp::build_rtp({0, false, 5000, 0, 0x20000000u}, audio));
    p.relayed = true;
    p.session = i;
    p.audio = true;
    media.push_back(std::move(p));
  }

  // Junk: one of each drop class per round.
  std::vector<gen_packet> junk;
  auto add_junk = [&](frame f, dp::drop_reason r) {
    gen_packet p;
    p.data = std::move(f);
    p.reason = r;
    junk.push_back(std::move(p));
  };
  const auto& s0 = c.sessions.front();
  const std::vector<std::uint8_t> audio(o.payload_bytes, 0x55);
  const auto rtp_ok = dp::build_rtp({0, false, 1, 1, 1}, audio);
  for (unsigned r = 0; r < o.junk_rounds; ++r) {
    add_junk(frame(10, 0xAB), dp::drop_reason::eth_truncated);
    {  // ARP request
      frame f(42, 0);
      std::copy(gw_mac.begin(), gw_mac.end(), f.begin());
      std::copy(peer_mac.begin(), peer_mac.end(), f.begin() + 6);
      dp::store_be16(&f[12], 0x0806);
      add_junk(std::move(f), dp::drop_reason::not_ipv4);
    }
    {  // IPv6 ethertype
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      dp::store_be16(&f[12], 0x86DD);
      add_junk(std::move(f), dp::drop_reason::not_ipv4);
    }
    {  // two VLAN tags
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      const std::uint8_t tags[8] = {0x81, 0x00, 0x00, 0x0A, 0x81, 0x00, 0x00, 0x0B};
      f.insert(f.begin() + 12, tags, tags + 8);
      add_junk(std::move(f), dp::drop_reason::vlan_nested);
    }
    {  // IP header cut short
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      f.resize(14 + 12);
      add_junk(std::move(f), dp::drop_reason::ip_truncated);
    }
    {  // total length beyond the frame
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      f.resize(f.size() - 20);
      add_junk(std::move(f), dp::drop_reason::ip_truncated);
    }
    {  // bad IPv4 checksum
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      f[14 + 10] ^= 0x01;
      add_junk(std::move(f), dp::drop_reason::ip_bad_checksum);
    }
    auto reip = [](frame& f) {  // recompute the IPv4 header checksum after an edit
      f[24] = f[25] = 0;
      dp::store_be16(&f[24], dp::csum_finish(dp::csum_partial({&f[14], 20})));
    };
    {  // fragment (MF set)
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      dp::store_be16(&f[14 + 6], 0x2000);
      reip(f);
      add_junk(std::move(f), dp::drop_reason::ip_fragment);
    }
    {  // TCP
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      f[14 + 9] = 6;
      reip(f);
      add_junk(std::move(f), dp::drop_reason::not_udp);
    }
    {  // UDP length beyond the IP payload
      frame f = udp_to(s0, 0, false, rtp_ok, ip_id++);
      dp::store_be16(&f[34 + 4], static_cast<std::uint16_t>(dp::load_be16(&f[34 + 4]) + 50));
      add_junk(std::move(f), dp::drop_reason::udp_bad_length);
    }
    {  // nobody's port
      dp::session_spec ghost = s0;
      ghost.legs[0].local.port = 9;
      add_junk(udp_to(ghost, 0, false, rtp_ok, ip_id++), dp::drop_reason::unknown_session);
    }
    {  // right port, wrong source
      dp::session_spec spoof = s0;
      spoof.legs[0].remote.port = 31999;
      add_junk(udp_to(spoof, 0, false, rtp_ok, ip_id++), dp::drop_reason::source_mismatch);
    }
    {  // RTP version 1
      auto b = rtp_ok;
      b[0] = 0x40;
      add_junk(udp_to(s0, 0, false, b, ip_id++), dp::drop_reason::rtp_bad_version);
    }
    {  // 15 CSRCs announced, payload too short for them
      std::vector<std::uint8_t> b = dp::build_rtp({0, false, 1, 1, 1}, std::vector<std::uint8_t>(20, 0));
      b[0] = 0x8F;
      add_junk(udp_to(s0, 1, false, b, ip_id++), dp::drop_reason::rtp_truncated);
    }
    {  // padding count larger than the payload
      auto b = rtp_ok;
      b[0] |= 0x20;
      b.back() = 250;
      add_junk(udp_to(s0, 1, false, b, ip_id++), dp::drop_reason::rtp_bad_padding);
    }
    {  // garbage to the RTCP port
      const std::vector<std::uint8_t> b = {0x80, 0x10, 0x00, 0x07, 1, 2, 3};
      add_junk(udp_to(s0, 0, true, b, ip_id++), dp::drop_reason::rtcp_malformed);
    }
  }
  // Interleave junk into the media at seeded random places, keeping media order.
  std::vector<std::size_t> slots(media.size() + junk.size(), 0);
  std::fill(slots.begin(), slots.begin() + static_cast<std::ptrdiff_t>(junk.size()), 1);
  std::shuffle(slots.begin(), slots.end(), rng);
  std::size_t mi = 0;
  std::size_t ji = 0;
  for (auto s : slots) c.packets.push_back(s != 0 ? std::move(junk[ji++]) : std::move(media[mi++]));
  return c;
}

std::string gateway_toml_head(const std::string& vdev, unsigned workers, unsigned memory_mb,
                              const std::string& file_prefix) {
  std::string lcores = "0@0", list;
  for (unsigned w = 1; w <= workers; ++w) {
    lcores += "," + std::to_string(w) + "@1";
    list += (w > 1 ? ", " : "") + std::to_string(w);
  }
  return "[dpdk]\neal_args = [\"--no-pci\", \"--no-huge\", \"-m\", \"" + std::to_string(memory_mb) +
         "\", \"--file-prefix\", \"" + file_prefix + "\", \"--lcores=" + lcores +
         "\", \"--log-level=lib.eal:error\"]\nvdevs = [\"" + vdev + "\"]\n\n[workers]\nlcores = [" + list +
         "]\nmain_lcore = 0\n\n";
}

std::string sessions_toml(const capture_set& c) { return sessions_toml(c.sessions); }

std::string sessions_toml(const std::vector<dp::session_spec>& sessions, const std::vector<std::string>& extra) {
  std::ostringstream os;
  os << "[network]\naddresses = [\"" << cp::format_ipv4(capgen_gateway_ip) << "\"]\n\n";
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    os << "[[session]]\nid = \"" << s.id << "\"\n";
    for (int l = 0; l < 2; ++l) {
      const auto& leg = s.legs[static_cast<std::size_t>(l)];
      os << (l == 0 ? "a" : "b") << " = { local = \"" << cp::format_endpoint(leg.local) << "\", remote = \""
         << cp::format_endpoint(leg.remote) << "\", codec = \"" << (leg.leg_codec == dp::codec::pcmu ? "PCMU" : "PCMA")
         << "\", remote_mac = \"" << cp::format_mac(leg.remote_mac) << "\" }\n";
    }
    if (i < extra.size()) os << extra[i] << "\n";
    os << "\n";
  }
  return os.str();
}

std::vector<std::string> write_inputs(const capture_set& c, const std::string& prefix, unsigned files) {
  std::vector<std::vector<frame>> split(files);
  for (std::size_t i = 0; i < c.packets.size(); ++i) split[i % files].push_back(c.packets[i].data);
  std::vector<std::string> names;
  for (unsigned f = 0; f < files; ++f) {
    names.push_back(files == 1 ? prefix + ".pcap" : prefix + "-" + std::to_string(f) + ".pcap");
    write_pcap(names.back(), split[f]);
  }
  return names;
}

void sort_frames(std::vector<frame>& frames) {
  // A plain std::sort on vectors of bytes trips GCC 12's -Wstringop-overread
  // false positive at -O3; comparing sizes first and then memcmp does not.
  std::sort(frames.begin(), frames.end(), [](const frame& a, const frame& b) {
    if (a.size() != b.size()) return a.size() < b.size();
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
  });
}

frame expected_output(const capture_set& c, const gen_packet& p, const dp::mac_addr& port_mac) {
  frame f = p.data;
  const auto& in = c.sessions[p.session].legs[static_cast<std::size_t>(p.leg)];
  const auto& out = c.sessions[p.session].legs[p.leg == 0 ? 1 : 0];
  std::copy(out.remote_mac.begin(), out.remote_mac.end(), f.begin());
  std::copy(port_mac.begin(), port_mac.end(), f.begin() + 6);
  const std::size_t l3 = dp::load_be16(&f[12]) == dp::ethertype_vlan ? 18 : 14;
  std::uint8_t* ip = &f[l3];
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
  dp::store_be32(ip + 12, out.local.ip);
  dp::store_be32(ip + 16, out.remote.ip);
  ip[10] = ip[11] = 0;
  dp::store_be16(ip + 10, dp::csum_finish(dp::csum_partial({ip, ihl})));
  std::uint8_t* udp = ip + ihl;
  const std::uint16_t off = p.rtcp ? 1 : 0;
  dp::store_be16(udp, static_cast<std::uint16_t>(out.local.port + off));
  dp::store_be16(udp + 2, static_cast<std::uint16_t>(out.remote.port + off));
  udp[6] = udp[7] = 0;
  const std::size_t udp_len = dp::load_be16(udp + 4);
  if (p.audio && !p.rtcp && (in.leg_codec != out.leg_codec || in.payload_type != out.payload_type)) {
    // The generator's RTP has a plain 12-byte header and no padding.
    std::uint8_t* rtp = udp + 8;
    rtp[1] = static_cast<std::uint8_t>((rtp[1] & 0x80) | out.payload_type);
    const std::span<std::uint8_t> audio(rtp + 12, udp_len - 8 - 12);
    if (in.leg_codec == dp::codec::pcmu && out.leg_codec == dp::codec::pcma) dsp::g711::scalar::ulaw_to_alaw(audio, audio);
    if (in.leg_codec == dp::codec::pcma && out.leg_codec == dp::codec::pcmu) dsp::g711::scalar::alaw_to_ulaw(audio, audio);
  }
  dp::store_be16(udp + 6, dp::udp4_checksum(out.local.ip, out.remote.ip, {udp, udp_len}));
  return f;
}

frame udp_to(const dp::session_spec& s, int leg, bool rtcp, std::span<const std::uint8_t> payload, std::uint16_t ip_id) {
  const auto& l = s.legs[static_cast<std::size_t>(leg)];
  dp::udp_frame_spec f;
  f.src_mac = peer_mac;
  f.dst_mac = gw_mac;
  f.src = l.remote;
  f.dst = l.local;
  if (rtcp) {
    ++f.src.port;
    ++f.dst.port;
  }
  f.ip_id = ip_id;
  return dp::build_udp_frame(f, payload);
}

}  // namespace test
