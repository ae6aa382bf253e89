// SPDX-License-Identifier: BSD-3-Clause
// The media part of a [[session]]: ptime, SSRC rewrite, and the processing chain of each leg.
#include <sstream>
#include <string>

#include "controlplane/config_util.h"

namespace cp::detail {

namespace {

bool bool_value(const toml::table& t, std::string_view key, const std::string& where, bool def) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return def;
  if (!n->is_boolean()) fail(where + "." + std::string(key), "expected true or false");
  return n->as_boolean()->get();
}

double number_value(const toml::table& t, std::string_view key, const std::string& where, double def, double lo,
                    double hi) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return def;
  const std::string full = where + "." + std::string(key);
  if (!n->is_number()) fail(full, "expected a number");
  const double v = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
  if (!(v >= lo && v <= hi)) {
    std::ostringstream os;  // shortest form: "3 out of range -60..0"
    os << v << " out of range " << lo << ".." << hi;
    fail(full, os.str());
  }
  return v;
}

dsp::grade grade_value(const toml::table& t, std::string_view key, const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return dsp::grade::off;
  const std::string v = string_value(t, key, where);
  if (v == "off") return dsp::grade::off;
  if (v == "basic") return dsp::grade::basic;
  if (v == "advanced") return dsp::grade::advanced;
  fail(where + "." + std::string(key), "\"" + v + "\" is not one of off, basic, advanced");
}

// chain_a / chain_b = { aec = ..., vad = ..., agc = ..., parameters }: stages
// default to off; parameters default to the dsp/ defaults (dsp/aec.h, dsp/agc_*.h).
dsp::chain_config parse_chain(const toml::table& t, const std::string& where) {
  check_keys(t, where,
             {"aec", "vad", "agc", "aec_tail_ms", "aec_max_delay_ms", "agc_target_dbfs", "agc_max_gain_db"});
  dsp::chain_config c = dp::media_spec::off_chain();
  c.aec.mode = grade_value(t, "aec", where);
  c.vad.mode = grade_value(t, "vad", where);
  c.agc.mode = grade_value(t, "agc", where);
  c.aec.tail_ms = static_cast<int>(uint_value(t, "aec_tail_ms", where, static_cast<unsigned>(c.aec.tail_ms), 8, 512));
  c.aec.max_delay_ms =
      static_cast<int>(uint_value(t, "aec_max_delay_ms", where, static_cast<unsigned>(c.aec.max_delay_ms), 0, 1000));
  // The AGC's own ranges (dsp/agc.h agc_level_config::validate), checked here so the message names the key.
  const auto target = static_cast<float>(number_value(t, "agc_target_dbfs", where, c.agc.basic.target_dbfs, -40, -3));
  const auto max_gain = static_cast<float>(number_value(t, "agc_max_gain_db", where, c.agc.basic.max_gain_db, 0, 60));
  c.agc.basic.target_dbfs = c.agc.advanced.target_dbfs = target;
  c.agc.basic.max_gain_db = c.agc.advanced.max_gain_db = max_gain;
  return c;
}

}  // namespace

dp::media_spec parse_media(const toml::table& st, const std::string& where) {
  dp::media_spec m;
  m.ptime_ms = static_cast<int>(uint_value(st, "ptime_ms", where, 20, 10, 60));
  if (m.ptime_ms % 10 != 0) fail(where + ".ptime_ms", std::to_string(m.ptime_ms) + " is not a multiple of 10");
  m.ssrc_rewrite = bool_value(st, "ssrc_rewrite", where, false);
  const bool fallback = bool_value(st, "fallback_to_basic", where, true);
  for (int l = 0; l < 2; ++l) {
    const std::string key = l == 0 ? "chain_a" : "chain_b";
    auto& c = m.chain[static_cast<std::size_t>(l)];
    if (const toml::node* n = st.get(key)) {
      if (!n->is_table()) fail(where + "." + key, "expected an inline table { aec = ..., vad = ..., agc = ... }");
      c = parse_chain(*n->as_table(), where + "." + key);
    }
    c.fallback_to_basic = fallback;
    c.frame_samples = m.frame_samples();
    c.aec.frame_samples = c.frame_samples;
    if (m.processes(static_cast<std::size_t>(l)))
      if (const auto err = c.validate()) fail(where + "." + key, *err);
  }
  return m;
}

}  // namespace cp::detail
