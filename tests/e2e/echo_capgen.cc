// SPDX-License-Identifier: BSD-3-Clause
// Media e2e capture generator: speech on leg a, its echo (plus noise, near speech) on leg b, as RTP in pcap order.
#include "tests/e2e/echo_capgen.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

#include "dataplane/packet_build.h"
#include "dsp/g711.h"
#include "tests/common/speech_source.h"

namespace test {

namespace {

constexpr double fs_hz = 8000.0;
constexpr std::uint8_t event_payload_type = 101;  // the usual dynamic type for RFC 4733 telephone-event
constexpr std::size_t odd_payload_bytes = 100;    // 12.5 ms: not a whole 10 ms multiple

std::vector<std::uint8_t> encode(dp::codec c, std::span<const std::int16_t> x) {
  std::vector<std::uint8_t> out(x.size());
  dsp::g711::encoder_for(dp::law_of(c))(x, out);
  return out;
}

}  // namespace

media_call generate_media_call(const media_call_options& o) {
  if (o.packet_samples == 0 || o.packet_samples > 480) throw std::invalid_argument("packet_samples out of 1..480");
  media_call c;
  c.opt = o;
  std::mt19937 rng(o.seed * 2654435761u + 12345u);
  const unsigned i = o.call_index;
  auto& s = c.session;
  s.id = "call-" + std::to_string(i + 1);
  const auto port = static_cast<std::uint16_t>(20000 + 4 * i);
  s.legs[0].local = {capgen_gateway_ip, port};
  s.legs[0].remote = {0xC6336400u + 10 + i, static_cast<std::uint16_t>(30000 + 2 * i)};  // 198.51.100.x
  s.legs[0].remote_mac = {0x02, 0x00, 0x00, 0x00, 0x0a, static_cast<std::uint8_t>(i)};
  s.legs[1].local = {capgen_gateway_ip, static_cast<std::uint16_t>(port + 2)};
  s.legs[1].remote = {0xCB007100u + 20 + i, static_cast<std::uint16_t>(40000 + 2 * i)};  // 203.0.113.x
  s.legs[1].remote_mac = {0x02, 0x00, 0x00, 0x00, 0x0b, static_cast<std::uint8_t>(i)};
  s.legs[0].leg_codec = o.codec_a;
  s.legs[0].payload_type = o.codec_a == dp::codec::pcmu ? 0 : 8;
  s.legs[1].leg_codec = o.codec_b;
  s.legs[1].payload_type = o.codec_b == dp::codec::pcmu ? 0 : 8;

  const std::size_t ps = o.packet_samples;
  c.packets = static_cast<unsigned>(std::llround(o.seconds * fs_hz) / static_cast<long long>(ps));
  const std::size_t total = c.packets * ps;
  auto is_odd = [&](int leg, unsigned k) {
    return std::any_of(o.inserts.begin(), o.inserts.end(),
                       [&](const media_insert& m) { return m.leg == leg && m.at == k && m.what == media_extra::odd_size; });
  };

  // Leg a and what the gateway sends toward b: a's bytes, byte-transcoded when
  // the laws differ, as b's endpoint decodes them; an odd-size packet is relayed
  // as it is, so the samples it does not carry are silence at b.
  c.a_source = speech_corpus_8k(o.seed, static_cast<double>(total) / fs_hz);
  c.a_source.resize(total);
  c.a_payload = encode(o.codec_a, c.a_source);
  c.far.assign(total, 0);
  for (unsigned k = 0; k < c.packets; ++k) {
    const std::size_t n = is_odd(0, k) ? odd_payload_bytes : ps;
    std::vector<std::uint8_t> sent(c.a_payload.begin() + static_cast<std::ptrdiff_t>(k * ps),
                                   c.a_payload.begin() + static_cast<std::ptrdiff_t>(k * ps + n));
    if (o.codec_a != o.codec_b) dsp::g711::transcoder_for(dp::law_of(o.codec_a), dp::law_of(o.codec_b))(sent, sent);
    dsp::g711::decoder_for(dp::law_of(o.codec_b))(sent, std::span(c.far).subspan(k * ps, n));
  }

  // The echo path and the near end, by the same models as the DSP quality scenarios
  // (tests/common/echo_scenarios.h): bulk delay, then the response scaled to the ERL;
  // white noise and near-end speech in two segments (double talk).
  const auto delay = static_cast<std::size_t>(o.delay_ms) * 8;
  c.path = make_echo_path(rng, o.path, o.path_ms, o.erl_db);
  c.echo.assign(total, 0.0f);
  add_echo(c.far, c.path, delay, 0, total, c.echo);
  c.path.insert(c.path.begin(), delay, 0.0);
  const std::pair<double, double> talk[] = {{0.40, 0.52}, {0.70, 0.82}};
  c.near_speech = o.double_talk ? near_talk(o.seed + 5000u, total, o.near_speech_dbfs, talk)
                                : std::vector<float>(total, 0.0f);
  mix_near(rng, o.noise_dbfs, c.echo, c.near_speech, c.near_clean, c.b_source);
  c.b_payload = encode(o.codec_b, c.b_source);

  // RTP streams: random SSRC, first sequence number and timestamp per leg (RFC 3550 §5.1).
  std::uniform_int_distribution<std::uint32_t> u32;
  for (int l = 0; l < 2; ++l) {
    c.ssrc[l] = u32(rng);
    c.seq0[l] = static_cast<std::uint16_t>(u32(rng));
    c.ts0[l] = u32(rng);
  }
  c.ssrc_after_change = u32(rng);
  const auto seq_after_change = static_cast<std::uint16_t>(u32(rng));
  const std::uint32_t ts_after_change = u32(rng);

  std::uint16_t ip_id = static_cast<std::uint16_t>(u32(rng));
  std::uint16_t seq[2] = {c.seq0[0], c.seq0[1]};
  auto push = [&](int leg, std::span<const std::uint8_t> rtp, bool audio) {
    gen_packet p;
    p.data = udp_to(s, leg, false, rtp, ip_id++);
    p.relayed = true;
    p.leg = leg;
    p.audio = audio;
    c.capture.push_back(std::move(p));
  };
  auto push_bad = [&](int leg, std::vector<std::uint8_t> rtp, dp::drop_reason r) {
    gen_packet p;
    p.data = udp_to(s, leg, false, rtp, ip_id++);
    p.leg = leg;
    p.reason = r;
    c.capture.push_back(std::move(p));
  };
  for (unsigned k = 0; k < c.packets; ++k) {
    for (int l = 0; l < 2; ++l) {
      std::uint32_t ssrc = c.ssrc[l];
      std::uint32_t ts = c.ts0[l] + static_cast<std::uint32_t>(k * ps);
      if (l == 0 && o.ssrc_change_at != 0 && k >= o.ssrc_change_at) {
        if (k == o.ssrc_change_at) seq[0] = seq_after_change;
        ssrc = c.ssrc_after_change;
        ts = ts_after_change + static_cast<std::uint32_t>((k - o.ssrc_change_at) * ps);
      }
      const std::uint8_t pt = s.legs[static_cast<std::size_t>(l)].payload_type;
      for (const auto& m : o.inserts) {
        if (m.leg != l || m.at != k) continue;
        const std::vector<std::uint8_t> some(ps, 0x55);
        switch (m.what) {
          case media_extra::telephone_event:
            for (unsigned e = 0; e < m.count; ++e) {
              // RFC 4733 §2.3: event 1, end bit on the last packet, volume 10,
              // duration growing; every packet of the event has its start timestamp.
              const auto dur = static_cast<std::uint16_t>(ps * (e + 1));
              const std::vector<std::uint8_t> ev = {1, static_cast<std::uint8_t>(e + 1 == m.count ? 0x8A : 0x0A),
                                                    static_cast<std::uint8_t>(dur >> 8), static_cast<std::uint8_t>(dur)};
              push(l, dp::build_rtp({event_payload_type, e == 0, seq[l]++, ts, ssrc}, ev), false);
            }
            break;
          case media_extra::bad_version: {
            auto b = dp::build_rtp({pt, false, 7, 7, ssrc}, some);
            b[0] = 0x40;
            push_bad(l, std::move(b), dp::drop_reason::rtp_bad_version);
            break;
          }
          case media_extra::truncated_csrc: {
            auto b = dp::build_rtp({pt, false, 7, 7, ssrc}, std::vector<std::uint8_t>(20, 0));
            b[0] = 0x8F;
            push_bad(l, std::move(b), dp::drop_reason::rtp_truncated);
            break;
          }
          case media_extra::bad_padding: {
            auto b = dp::build_rtp({pt, false, 7, 7, ssrc}, some);
            b[0] |= 0x20;
            b.back() = 250;
            push_bad(l, std::move(b), dp::drop_reason::rtp_bad_padding);
            break;
          }
          case media_extra::odd_size:
            break;  // changes the audio packet below
        }
      }
      const auto& pay = l == 0 ? c.a_payload : c.b_payload;
      const std::size_t n = is_odd(l, k) ? odd_payload_bytes : ps;
      const std::span<const std::uint8_t> audio(pay.data() + k * ps, n);
      const bool marker = k == 0 || (l == 0 && k == o.ssrc_change_at && k != 0);
      push(l, dp::build_rtp({pt, marker, seq[l]++, ts, ssrc}, audio), true);
      if (o.rtcp_every != 0 && (k + 1) % o.rtcp_every == 0) {
        gen_packet p;
        p.data = udp_to(s, l, true, dp::build_rtcp_rr(ssrc), ip_id++);
        p.relayed = true;
        p.leg = l;
        p.rtcp = true;
        c.capture.push_back(std::move(p));
      }
    }
  }
  return c;
}

capture_set merge_calls(const std::vector<media_call>& calls) {
  capture_set out;
  std::vector<std::size_t> next(calls.size(), 0);
  for (const auto& c : calls) out.sessions.push_back(c.session);
  for (bool more = true; more;) {
    more = false;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      // One round = everything up to and including the next b-leg audio packet of call i.
      while (next[i] < calls[i].capture.size()) {
        gen_packet p = calls[i].capture[next[i]++];
        const bool end_of_round = p.leg == 1 && p.audio;
        p.session = i;
        out.packets.push_back(std::move(p));
        more = true;
        if (end_of_round) break;
      }
    }
  }
  return out;
}

std::string media_sessions_toml(const std::vector<media_call>& calls, const std::vector<std::string>& media_keys) {
  std::vector<dp::session_spec> sessions;
  for (const auto& c : calls) sessions.push_back(c.session);
  return sessions_toml(sessions, media_keys);
}

echo_scenario as_echo_scenario(const media_call& c) {
  echo_scenario s;
  s.cfg.seed = c.opt.seed;
  s.cfg.seconds = static_cast<double>(c.far.size()) / fs_hz;
  s.cfg.delay_ms = c.opt.delay_ms;
  s.cfg.path = c.opt.path;
  s.cfg.path_ms = c.opt.path_ms;
  s.cfg.erl_db = c.opt.erl_db;
  s.cfg.noise_dbfs = c.opt.noise_dbfs;
  s.cfg.double_talk = c.opt.double_talk;
  s.cfg.near_speech_dbfs = c.opt.near_speech_dbfs;
  s.far = c.far;
  s.near = c.b_source;
  s.echo = c.echo;
  s.near_clean = c.near_clean;
  s.near_speech = c.near_speech;
  return s;
}

}  // namespace test
