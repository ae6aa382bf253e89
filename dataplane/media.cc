// SPDX-License-Identifier: BSD-3-Clause
// Media path: far-end history, RTP stream continuity, decode -> chain -> encode in the mbuf.
#include "dataplane/media.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dataplane/checksum.h"
#include "dataplane/rtcp_translate.h"

namespace dp {

// --- far-end history ----------------------------------------------------------

void far_history::pop_front() noexcept {
  frame_pools::put(frames_[head_]);
  frames_[head_] = nullptr;
  head_ = (head_ + 1) % depth;
  --count_;
}

void far_history::push(pooled_frame* f) noexcept {
  if (count_ == depth) pop_front();
  frames_[(head_ + count_) % depth] = f;
  ++count_;
}

void far_history::clear() noexcept {
  while (count_ != 0) pop_front();
  anchored_ = false;
}

void far_history::window(std::uint32_t near_ts, std::span<std::int16_t> out) noexcept {
  std::fill(out.begin(), out.end(), std::int16_t{0});
  if (count_ == 0) return;
  const auto n = static_cast<std::uint32_t>(out.size());
  const pooled_frame* newest = at(count_ - 1);
  const std::uint32_t newest_end = newest->rtp_timestamp + newest->samples;
  if (!anchored_) {
    offset_ = newest_end - (near_ts + n);
    anchored_ = true;
  }
  std::uint32_t start = near_ts + offset_;
  const auto off_span = [&](std::uint32_t s) {
    return static_cast<std::int32_t>(s - at(0)->rtp_timestamp) < -max_skew_samples ||
           static_cast<std::int32_t>(s - newest_end) > max_skew_samples;
  };
  if (off_span(start)) {
    offset_ = newest_end - (near_ts + n);
    start = near_ts + offset_;
  }
  for (unsigned i = 0; i < count_; ++i) {
    const pooled_frame* f = at(i);
    const std::int32_t a = static_cast<std::int32_t>(f->rtp_timestamp - start);  // frame start in window coordinates
    const std::int32_t b = a + f->samples;
    const std::int32_t lo = std::max(a, 0);
    const std::int32_t hi = std::min(b, static_cast<std::int32_t>(n));
    if (lo < hi)
      std::memcpy(out.data() + lo, f->data() + (lo - a), static_cast<std::size_t>(hi - lo) * sizeof(std::int16_t));
  }
  const std::uint32_t end = start + n;
  while (count_ != 0 && static_cast<std::int32_t>(end - (at(0)->rtp_timestamp + at(0)->samples)) >= 0) pop_front();
}

// --- setup -------------------------------------------------------------------

dsp::resource_ptr<media_session> make_media_session(const session_spec& spec, std::uint32_t ssrc_seed,
                                                   std::pmr::memory_resource* mr) {
  auto m = dsp::make_in<media_session>(mr);
  const media_spec& ms = spec.media;
  for (std::size_t l = 0; l < 2; ++l) {
    const std::size_t o = 1 - l;
    media_leg& leg = m->legs[l];
    if (ms.processes(l)) {
      dsp::chain_config c = ms.chain[l];
      c.frame_samples = ms.frame_samples();
      if (const auto err = c.validate()) throw std::invalid_argument("chain_" + std::string(l == 0 ? "a" : "b") + ": " + *err);
      m->chains[l] = dsp::make_in<dsp::processing_chain>(mr, c, mr);
      leg.chain = m->chains[l].get();
    }
    leg.reference = ms.cancels_echo(l) ? &m->history[l] : nullptr;
    leg.egress_history = ms.cancels_echo(o) ? &m->history[o] : nullptr;
    leg.decode_in = dsp::g711::decoder_for(law_of(spec.legs[l].leg_codec));
    leg.encode_out = dsp::g711::encoder_for(law_of(spec.legs[o].leg_codec));
    leg.decode_out = dsp::g711::decoder_for(law_of(spec.legs[o].leg_codec));
    leg.frame_samples = static_cast<std::uint16_t>(ms.frame_samples());
    leg.ssrc_rewrite = ms.ssrc_rewrite;
    // Distinct per leg and session; RFC 3550 §8.1 asks for random SSRCs, the
    // control plane seeds this from its random source.
    leg.stream.out_ssrc = ssrc_seed * 2654435761u + static_cast<std::uint32_t>(l) * 0x9E3779B9u;
    leg.peer = &m->legs[o];
  }
  return m;
}

void attach_media(session_state& s, media_session& m) noexcept {
  s.media = &m;
  s.routes[0].media = &m.legs[0];
  s.routes[2].media = &m.legs[1];
  if (m.legs[0].ssrc_rewrite) {
    s.routes[1].media = &m.legs[0];
    s.routes[3].media = &m.legs[1];
  }
}

// --- per packet --------------------------------------------------------------

namespace {

// Bookkeeping of the ingress stream, and the egress header when rewriting.
// Returns true when the near-end stream restarted (new SSRC).
bool update_stream(media_leg& L, std::uint8_t* rtp, std::size_t samples) noexcept {
  rtp_stream& s = L.stream;
  const std::uint16_t seq = load_be16(rtp + 2);
  const std::uint32_t ts = load_be32(rtp + 4);
  const std::uint32_t ssrc = load_be32(rtp + 8);
  bool restart = false;
  bool newest = true;
  if (!s.seen || ssrc != s.ssrc) {
    if (s.seen) {
      L.counters.ssrc_changes.add(1);
      restart = true;
      // The egress stream continues where it was (RFC 3550 §5.1: seq +1, timestamp on).
      s.seq_delta = static_cast<std::uint16_t>(s.last_out_seq + 1 - seq);
      s.ts_delta = s.next_out_ts - ts;
    }
    s.seen = true;
    s.ssrc = ssrc;
    s.max_seq = seq;
  } else {
    const auto d = static_cast<std::int16_t>(seq - s.max_seq);
    if (d > 0) {
      if (d > 1) L.counters.seq_lost.add(static_cast<std::uint64_t>(d - 1));
      s.max_seq = seq;
    } else {
      L.counters.seq_late.add(1);
      newest = false;
    }
  }
  if (!L.ssrc_rewrite) return restart;
  const auto out_seq = static_cast<std::uint16_t>(seq + s.seq_delta);
  const std::uint32_t out_ts = ts + s.ts_delta;
  store_be16(rtp + 2, out_seq);
  store_be32(rtp + 4, out_ts);
  store_be32(rtp + 8, s.out_ssrc);
  if (newest) {
    s.last_out_seq = out_seq;
    s.next_out_ts = out_ts + static_cast<std::uint32_t>(samples);
  }
  return restart;
}

// Times consecutive stages of one packet when the worker samples this iteration.
struct stage_clock {
  stage_timing* t;
  bool on;
  std::uint64_t last = 0;
  stage_clock(const media_worker& mw) noexcept : t(mw.timing), on(mw.sampled && mw.timing != nullptr) {
    if (on) last = tsc_now();
  }
  void lap(stage s) noexcept {
    if (!on) return;
    const std::uint64_t now = tsc_now();
    (*t)[s].record(now - last);
    last = now;
  }
};

}  // namespace

media_outcome process_rtp_media(media_worker& mw, std::uint8_t* d, const udp_packet& u, std::size_t header_len,
                                std::size_t pad_len, const route& r) noexcept {
  media_leg& L = *r.media;
  std::uint8_t* rtp = d + u.payload_offset;
  std::uint8_t* udp = d + u.l4_offset;
  const std::size_t len = u.payload_len - pad_len;  // header + payload; padding untouched
  const std::size_t n = len - header_len;
  const bool audio = (rtp[1] & 0x7F) == r.in_payload_type;
  const std::size_t fs = L.frame_samples;
  const bool whole = audio && n != 0 && n % fs == 0 && n <= mw.scratch.size();
  const bool decode = whole && (L.chain != nullptr || L.egress_history != nullptr);

  // The UDP checksum is fixed by the difference over what changes (RFC 1624):
  // the 12-byte fixed header, plus the payload when it is rewritten.
  const bool payload_changes = audio && (r.transcode != nullptr || (decode && L.chain != nullptr));
  const std::size_t touched = payload_changes ? len : rtp_min_header_bytes;
  const std::uint16_t field = load_be16(udp + 6);
  const std::uint16_t before = field != 0 ? csum_fast(rtp, touched) : 0;
  const std::uint32_t near_ts = load_be32(rtp + 4);

  if (update_stream(L, rtp, audio ? n : 0) && L.reference != nullptr) L.reference->reset_alignment();

  media_outcome outcome = media_outcome::processed;
  std::uint8_t* payload = rtp + header_len;
  pooled_frame* keep = nullptr;
  if (!audio) {
    outcome = media_outcome::other_payload;
  } else if (!whole) {
    outcome = media_outcome::bypass_frame_size;
  } else if (decode && L.egress_history != nullptr && (keep = mw.pools->get(n)) == nullptr) {
    outcome = media_outcome::bypass_pool;
  }

  if (outcome == media_outcome::processed && decode) {
    stage_clock clk(mw);
    std::int16_t* x = keep != nullptr ? keep->data() : mw.scratch.data();
    L.decode_in({payload, n}, {x, n});
    clk.lap(stage::decode);
    if (L.chain != nullptr) {
      dsp::processing_chain& c = *L.chain;
      std::uint64_t speech = 0;
      float gain = 0.0f;
      for (std::size_t k = 0; k < n; k += fs) {
        const std::span<std::int16_t> f{x + k, fs};
        if (L.reference != nullptr) {
          const std::span<std::int16_t> far{mw.far.data(), fs};
          L.reference->window(near_ts + static_cast<std::uint32_t>(k), far);
          c.run_aec(f, far);
          clk.lap(stage::aec);
        }
        const dsp::vad_result v = c.run_vad(f);
        clk.lap(stage::vad);
        gain = c.run_agc(f, v.speech);
        clk.lap(stage::agc);
        speech += v.speech ? 1 : 0;
      }
      L.counters.frames.add(n / fs);
      if (speech != 0) L.counters.speech_frames.add(speech);
      L.counters.agc_gain_db.store(gain, std::memory_order_relaxed);
      if (L.reference != nullptr) L.counters.erle_db.store(c.last_aec_status().erle_db, std::memory_order_relaxed);
      L.counters.chain_fallbacks.store(static_cast<std::uint32_t>(c.fallback_count()), std::memory_order_relaxed);
      L.encode_out({x, n}, {payload, n});
      clk.lap(stage::encode);
    } else if (r.transcode != nullptr) {
      r.transcode({payload, n}, {payload, n});
      clk.lap(stage::encode);
    }
    if (keep != nullptr) {
      // The far end for the other leg's AEC: exactly what its endpoint will decode.
      if (L.chain != nullptr || r.transcode != nullptr) L.decode_out({payload, n}, {keep->data(), n});
      keep->rtp_timestamp = load_be32(rtp + 4);  // the egress timestamp
      L.egress_history->push(keep);
    }
  } else if (audio && r.transcode != nullptr) {
    // Unprocessed audio still reaches the other leg in its own law.
    r.transcode({payload, n}, {payload, n});
  }
  if (audio) rtp[1] = static_cast<std::uint8_t>((rtp[1] & 0x80) | r.out_payload_type);
  if (field != 0) store_be16(udp + 6, udp_csum_apply_delta(field, csum_delta_add(0, before, csum_fast(rtp, touched))));

  switch (outcome) {
    case media_outcome::processed:
      L.counters.processed.add(decode ? 1 : 0);
      break;
    case media_outcome::other_payload:
      L.counters.other_payload.add(1);
      break;
    case media_outcome::bypass_frame_size:
      L.counters.bypassed_frame_size.add(1);
      break;
    case media_outcome::bypass_pool:
      L.counters.bypassed_pool.add(1);
      break;
  }
  return outcome;
}

void process_rtcp_media(std::uint8_t* d, const udp_packet& u, const route& r) noexcept {
  media_leg& L = *r.media;
  const rtp_stream& own = L.stream;
  const rtp_stream& peer = L.peer->stream;
  const rtcp_stream_map map{own.seen, own.ssrc, own.out_ssrc, own.ts_delta,
                            peer.seen, peer.ssrc, peer.out_ssrc, peer.seq_delta};
  const rtcp_translation t = translate_rtcp({d + u.payload_offset, u.payload_len}, map);
  if (t.fields == 0) return;
  std::uint8_t* udp = d + u.l4_offset;
  store_be16(udp + 6, udp_csum_apply_delta(load_be16(udp + 6), t.csum_delta));
  L.counters.rtcp_translated.add(1);
}

}  // namespace dp
