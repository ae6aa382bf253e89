// SPDX-License-Identifier: BSD-3-Clause
// voxgate.toml: the gateway's configuration, parsed strictly (unknown keys, types, ranges).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/session.h"

namespace cp {

// One message naming the key and the reason, e.g.
// "session[1].b.local: port 70000 out of range 1..65534".
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct dpdk_config {
  std::vector<std::string> eal_args;  // extra EAL arguments
  std::vector<std::string> vdevs;     // --vdev values, e.g. "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"
  std::vector<std::string> ports;     // port names to use; empty: every probed port
};

struct workers_config {
  bool automatic = true;              // lcores = "auto": hwloc plan
  std::vector<unsigned> lcores;       // explicit worker lcore ids
  std::optional<unsigned> main_lcore; // with explicit lcores; default: lowest enabled lcore
  unsigned count = 0;                 // with "auto": at most this many workers (0: one per usable core)
};

struct pools_config {
  unsigned mbufs = 0;  // per socket; 0: sized by formula
  unsigned cache = 256;
  unsigned frames = 8192;      // frame pool elements per size class per socket (far-end history)
  unsigned frame_cache = 128;  // per-lcore cache of each frame pool
};

struct performance_config {
  unsigned rx_desc = 1024;
  unsigned tx_desc = 1024;
  unsigned sessions_per_worker = 16384;
  unsigned handoff_ring = 4096;
};

struct network_config {
  std::vector<std::uint32_t> addresses;  // the gateway's own IPv4 addresses (host order)
  std::optional<dp::mac_addr> next_hop_mac;
};

struct stats_config {
  double interval_s = 0;  // print a stats line every interval (0: only at exit)
  unsigned stage_timing = 64;  // workers time 1 poll iteration in this many (0: no stage timing)
};

struct dsp_config {
  // FFTW wisdom file (dsp/fft.h): imported at start when it exists, so plans are
  // the same on every start; written after the static sessions are set up when it
  // does not. Empty: plans measured afresh each start.
  std::string fft_wisdom;
};

struct config {
  dpdk_config dpdk;
  dsp_config dsp;
  workers_config workers;
  pools_config pools;
  performance_config performance;
  network_config network;
  stats_config stats;
  std::vector<dp::session_spec> sessions;
};

// Throws config_error (unreadable file, TOML syntax, or a semantic error).
config load_config_file(const std::string& path);
config parse_config(std::string_view toml_text, const std::string& source_name = "config");

// "192.0.2.1:20000" -> endpoint; nullopt when malformed.
std::optional<dp::endpoint> parse_endpoint(std::string_view s);
std::optional<std::uint32_t> parse_ipv4(std::string_view s);
std::optional<dp::mac_addr> parse_mac(std::string_view s);
std::string format_ipv4(std::uint32_t ip);
std::string format_endpoint(const dp::endpoint& e);
std::string format_mac(const dp::mac_addr& m);

}  // namespace cp
