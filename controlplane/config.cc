// SPDX-License-Identifier: BSD-3-Clause
// Strict TOML config parsing: every key known, every value typed and range-checked.
#include "controlplane/config.h"

#include "controlplane/config_util.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <sstream>

namespace cp {

namespace detail {

[[noreturn]] void fail(const std::string& key, const std::string& why) { throw config_error(key + ": " + why); }

void check_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : t) {
    bool ok = false;
    for (auto a : allowed) ok |= (k.str() == a);
    if (!ok) fail(where.empty() ? std::string(k.str()) : where + "." + std::string(k.str()), "unknown key");
  }
}

const toml::table* sub_table(const toml::table& root, std::string_view name) {
  const toml::node* n = root.get(name);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) fail(std::string(name), "expected a table");
  return n->as_table();
}

std::vector<std::string> string_array(const toml::table& t, std::string_view key, const std::string& where) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const std::string full = where + "." + std::string(key);
  if (!n->is_array()) fail(full, "expected an array of strings");
  for (const auto& e : *n->as_array()) {
    if (!e.is_string()) fail(full, "expected an array of strings");
    out.push_back(e.as_string()->get());
  }
  return out;
}

unsigned uint_value(const toml::table& t, std::string_view key, const std::string& where, unsigned def, unsigned lo,
                    unsigned hi) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return def;
  const std::string full = where + "." + std::string(key);
  if (!n->is_integer()) fail(full, "expected an integer");
  const std::int64_t v = n->as_integer()->get();
  if (v < lo || v > hi) fail(full, std::to_string(v) + " out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<unsigned>(v);
}

bool is_pow2(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

std::string string_value(const toml::table& t, std::string_view key, const std::string& where) {
  const toml::node* n = t.get(key);
  const std::string full = where + "." + std::string(key);
  if (n == nullptr) fail(full, "missing");
  if (!n->is_string()) fail(full, "expected a string");
  return n->as_string()->get();
}

dp::leg_spec parse_leg(const toml::table& t, const std::string& where, const network_config& net) {
  check_keys(t, where, {"local", "remote", "codec", "remote_mac", "payload_type", "port"});
  dp::leg_spec leg;
  for (const char* k : {"local", "remote"}) {
    const std::string v = string_value(t, k, where);
    auto ep = parse_endpoint(v);
    const std::string full = where + "." + k;
    if (!ep) {
      // Say which part is wrong: a bad port number gets its own message.
      const auto colon = v.rfind(':');
      const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
      if (colon != std::string::npos && parse_ipv4(v.substr(0, colon)) && !port.empty() && port.size() <= 9 &&
          port.find_first_not_of("0123456789") == std::string::npos) {
        fail(full, "port \"" + port + "\" out of range 1..65534");
      }
      fail(full, "expected \"IPv4:port\", got \"" + v + "\"");
    }
    // RTCP uses port + 1 (RFC 3550 §11), so 65535 cannot carry RTP.
    if (ep->port == 65535) fail(full, "port 65535 out of range 1..65534 (RTCP needs port + 1)");
    if (std::string(k) == "local") {
      leg.local = *ep;
      bool ours = false;
      for (auto a : net.addresses) ours |= (a == ep->ip);
      if (!ours) fail(full, format_ipv4(ep->ip) + " is not one of network.addresses");
    } else {
      leg.remote = *ep;
    }
  }
  const std::string codec = t.get("codec") != nullptr ? string_value(t, "codec", where) : "PCMU";
  if (codec == "PCMU") {
    leg.leg_codec = dp::codec::pcmu;
    leg.payload_type = 0;  // RFC 3551 §6 static payload types
  } else if (codec == "PCMA") {
    leg.leg_codec = dp::codec::pcma;
    leg.payload_type = 8;
  } else {
    fail(where + ".codec", "unknown codec \"" + codec + "\" (PCMU or PCMA)");
  }
  leg.payload_type = static_cast<std::uint8_t>(uint_value(t, "payload_type", where, leg.payload_type, 0, 127));
  leg.port_index = static_cast<std::uint16_t>(uint_value(t, "port", where, 0, 0, 7));
  if (t.get("remote_mac") != nullptr) {
    const std::string m = string_value(t, "remote_mac", where);
    auto mac = parse_mac(m);
    if (!mac) fail(where + ".remote_mac", "expected a MAC like 02:00:00:00:00:01, got \"" + m + "\"");
    leg.remote_mac = *mac;
  } else if (net.next_hop_mac) {
    leg.remote_mac = *net.next_hop_mac;
  } else {
    fail(where + ".remote_mac", "missing, and network.next_hop_mac is not set");
  }
  return leg;
}

}  // namespace detail

using namespace detail;

std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
  std::uint32_t ip = 0;
  int parts = 0;
  while (parts < 4) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || v > 255 || p == s.data()) return std::nullopt;
    const std::size_t used = static_cast<std::size_t>(p - s.data());
    if (used > 3) return std::nullopt;
    ip = (ip << 8) | v;
    ++parts;
    s.remove_prefix(used);
    if (parts < 4) {
      if (s.empty() || s.front() != '.') return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return std::nullopt;
  return ip;
}

std::optional<dp::endpoint> parse_endpoint(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto ip = parse_ipv4(s.substr(0, colon));
  if (!ip) return std::nullopt;
  const std::string_view ps = s.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc() || p != ps.data() + ps.size() || port == 0 || port > 65535) return std::nullopt;
  return dp::endpoint{*ip, static_cast<std::uint16_t>(port)};
}

std::optional<dp::mac_addr> parse_mac(std::string_view s) {
  dp::mac_addr m{};
  if (s.size() != 17) return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (i < 5 && s[static_cast<std::size_t>(i * 3 + 2)] != ':') return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + i * 3, s.data() + i * 3 + 2, v, 16);
    if (ec != std::errc() || p != s.data() + i * 3 + 2) return std::nullopt;
    m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  }
  return m;
}

std::string format_ipv4(std::uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

std::string format_endpoint(const dp::endpoint& e) { return format_ipv4(e.ip) + ":" + std::to_string(e.port); }

std::string format_mac(const dp::mac_addr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

config parse_config(std::string_view text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw config_error(os.str());
  }
  check_keys(root, "", {"dpdk", "workers", "pools", "performance", "network", "stats", "dsp", "session"});
  config c;
  if (const auto* t = sub_table(root, "dpdk")) {
    check_keys(*t, "dpdk", {"eal_args", "vdevs", "ports"});
    c.dpdk.eal_args = string_array(*t, "eal_args", "dpdk");
    c.dpdk.vdevs = string_array(*t, "vdevs", "dpdk");
    c.dpdk.ports = string_array(*t, "ports", "dpdk");
  }
  if (const auto* t = sub_table(root, "workers")) {
    check_keys(*t, "workers", {"lcores", "main_lcore", "count"});
    if (const toml::node* n = t->get("lcores")) {
      if (n->is_string()) {
        if (n->as_string()->get() != "auto") fail("workers.lcores", "expected \"auto\" or an array of lcore ids");
      } else if (n->is_array()) {
        c.workers.automatic = false;
        std::set<unsigned> seen;
        for (const auto& e : *n->as_array()) {
          if (!e.is_integer() || e.as_integer()->get() < 0 || e.as_integer()->get() >= 1024)
            fail("workers.lcores", "lcore ids are integers 0..1023");
          const auto l = static_cast<unsigned>(e.as_integer()->get());
          if (!seen.insert(l).second) fail("workers.lcores", "lcore " + std::to_string(l) + " listed twice");
          c.workers.lcores.push_back(l);
        }
        if (c.workers.lcores.empty()) fail("workers.lcores", "empty list");
        if (c.workers.lcores.size() > 64) fail("workers.lcores", "at most 64 workers");
      } else {
        fail("workers.lcores", "expected \"auto\" or an array of lcore ids");
      }
    }
    if (t->get("count") != nullptr) {
      if (!c.workers.automatic) fail("workers.count", "only with lcores = \"auto\" (an explicit list already says how many)");
      c.workers.count = uint_value(*t, "count", "workers", 0, 1, 64);
    }
    if (t->get("main_lcore") != nullptr) {
      if (c.workers.automatic) fail("workers.main_lcore", "only with an explicit lcores list");
      c.workers.main_lcore = uint_value(*t, "main_lcore", "workers", 0, 0, 1023);
      for (unsigned l : c.workers.lcores)
        if (l == *c.workers.main_lcore) fail("workers.main_lcore", "lcore " + std::to_string(l) + " is also a worker");
    }
  }
  if (const auto* t = sub_table(root, "pools")) {
    check_keys(*t, "pools", {"mbufs", "cache", "frames", "frame_cache"});
    c.pools.frames = uint_value(*t, "frames", "pools", 8192, 64, 1u << 22);
    c.pools.frame_cache = uint_value(*t, "frame_cache", "pools", 128, 0, 512);
    c.pools.mbufs = uint_value(*t, "mbufs", "pools", 0, 0, 1u << 26);
    if (c.pools.mbufs != 0 && c.pools.mbufs < 1024) fail("pools.mbufs", std::to_string(c.pools.mbufs) + " out of range 1024..67108864 (0: automatic)");
    c.pools.cache = uint_value(*t, "cache", "pools", 256, 0, 512);  // RTE_MEMPOOL_CACHE_MAX_SIZE
  }
  if (const auto* t = sub_table(root, "performance")) {
    check_keys(*t, "performance", {"rx_desc", "tx_desc", "sessions_per_worker", "handoff_ring"});
    c.performance.rx_desc = uint_value(*t, "rx_desc", "performance", 1024, 64, 16384);
    c.performance.tx_desc = uint_value(*t, "tx_desc", "performance", 1024, 64, 16384);
    c.performance.sessions_per_worker = uint_value(*t, "sessions_per_worker", "performance", 16384, 16, 1u << 22);
    c.performance.handoff_ring = uint_value(*t, "handoff_ring", "performance", 4096, 64, 1u << 20);
    if (!is_pow2(c.performance.handoff_ring)) fail("performance.handoff_ring", "must be a power of two");
  }
  if (const auto* t = sub_table(root, "network")) {
    check_keys(*t, "network", {"addresses", "next_hop_mac"});
    for (const auto& a : string_array(*t, "addresses", "network")) {
      auto ip = parse_ipv4(a);
      if (!ip) fail("network.addresses", "\"" + a + "\" is not an IPv4 address");
      c.network.addresses.push_back(*ip);
    }
    if (t->get("next_hop_mac") != nullptr) {
      const std::string m = string_value(*t, "next_hop_mac", "network");
      auto mac = parse_mac(m);
      if (!mac) fail("network.next_hop_mac", "expected a MAC like 02:00:00:00:00:01, got \"" + m + "\"");
      c.network.next_hop_mac = mac;
    }
  }
  if (const auto* t = sub_table(root, "dsp")) {
    check_keys(*t, "dsp", {"fft_wisdom"});
    if (t->get("fft_wisdom") != nullptr) {
      c.dsp.fft_wisdom = string_value(*t, "fft_wisdom", "dsp");
      if (c.dsp.fft_wisdom.empty()) fail("dsp.fft_wisdom", "expected a file path (omit the key for no wisdom file)");
    }
  }
  if (const auto* t = sub_table(root, "stats")) {
    check_keys(*t, "stats", {"interval_s", "stage_timing"});
    c.stats.stage_timing = uint_value(*t, "stage_timing", "stats", 64, 0, 1u << 20);
    if (const toml::node* n = t->get("interval_s")) {
      if (!n->is_number()) fail("stats.interval_s", "expected a number of seconds");
      c.stats.interval_s = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
      if (c.stats.interval_s < 0 || c.stats.interval_s > 86400) fail("stats.interval_s", "out of range 0..86400");
    }
  }
  if (const toml::node* n = root.get("session")) {
    if (!n->is_array_of_tables()) fail("session", "expected [[session]] tables");
    std::set<std::string> ids;
    std::set<std::pair<std::uint32_t, std::uint16_t>> locals;
    std::size_t i = 0;
    for (const auto& e : *n->as_array()) {
      const std::string where = "session[" + std::to_string(i) + "]";
      const toml::table& st = *e.as_table();
      check_keys(st, where, {"id", "a", "b", "ptime_ms", "ssrc_rewrite", "fallback_to_basic", "chain_a", "chain_b"});
      dp::session_spec s;
      s.id = string_value(st, "id", where);
      if (s.id.empty() || s.id.size() > 63) fail(where + ".id", "must be 1..63 characters");
      if (!ids.insert(s.id).second) fail(where + ".id", "duplicate session id \"" + s.id + "\"");
      if (c.network.addresses.empty()) fail("network.addresses", "required: legs' local addresses must be the gateway's");
      for (int l = 0; l < 2; ++l) {
        const char* name = l == 0 ? "a" : "b";
        const toml::node* ln = st.get(name);
        if (ln == nullptr) fail(where + "." + name, "missing");
        if (!ln->is_table()) fail(where + "." + name, "expected an inline table { local = ..., remote = ... }");
        s.legs[static_cast<std::size_t>(l)] = parse_leg(*ln->as_table(), where + "." + name, c.network);
        const auto& loc = s.legs[static_cast<std::size_t>(l)].local;
        // RTP on local port and RTCP on port + 1: both must be free.
        for (std::uint16_t off = 0; off < 2; ++off) {
          if (!locals.insert({loc.ip, static_cast<std::uint16_t>(loc.port + off)}).second)
            fail(where + "." + name + ".local",
                 "duplicate local port " + std::to_string(loc.port + off) + " on " + format_ipv4(loc.ip) +
                     (off == 1 ? " (its RTCP port, RTP + 1)" : "") + ": already used by another leg");
        }
      }
      if (!c.dpdk.ports.empty()) {
        for (int l = 0; l < 2; ++l)
          if (s.legs[static_cast<std::size_t>(l)].port_index >= c.dpdk.ports.size())
            fail(where + "." + (l == 0 ? "a" : "b") + ".port",
                 "index " + std::to_string(s.legs[static_cast<std::size_t>(l)].port_index) + " but dpdk.ports has " +
                     std::to_string(c.dpdk.ports.size()));
      }
      s.media = parse_media(st, where);
      c.sessions.push_back(std::move(s));
      ++i;
    }
  }
  return c;
}

config load_config_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw config_error(path + ": cannot open");
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) throw config_error(path + ": read error");
  return parse_config(text, path);
}

}  // namespace cp
