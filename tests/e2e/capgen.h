// SPDX-License-Identifier: BSD-3-Clause
// Capture generator: N two-leg calls of M RTP packets each way, RTCP, and every class of junk.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dataplane/drop_reason.h"
#include "dataplane/session.h"
#include "tests/e2e/pcap_io.h"

namespace test {

struct capgen_options {
  unsigned calls = 4;
  unsigned packets = 50;       // RTP packets per direction per call
  unsigned rtcp = 2;           // RTCP packets per direction per call
  unsigned junk_rounds = 1;    // how many times each junk class appears
  unsigned seed = 1;
  unsigned first_port = 20000; // leg a of call i: first_port + 4i, leg b: + 2
  unsigned payload_bytes = 160;  // 20 ms of G.711
  bool mixed_codecs = false;     // odd-numbered calls: leg b speaks PCMA (payload type 8)
  unsigned telephone_events = 0; // RFC 4733 packets (payload type 101) per direction per call
};

struct gen_packet {
  frame data;
  bool relayed = false;                  // expected out; otherwise dropped for `reason`
  dp::drop_reason reason = dp::drop_reason::count_;
  std::size_t session = 0;               // for relayed packets
  int leg = 0;                           // ingress leg (0 = a, 1 = b)
  bool rtcp = false;
  bool audio = false;                    // RTP carrying the ingress leg's codec (transcoded if the legs differ)
};

struct capture_set {
  std::vector<dp::session_spec> sessions;
  std::vector<gen_packet> packets;       // in capture order
};

inline constexpr std::uint32_t capgen_gateway_ip = 0xC0000201;  // 192.0.2.1 (RFC 5737 TEST-NET-1)

capture_set generate(const capgen_options& o);

// A frame from leg `leg`'s remote to its local address (RTCP: both ports + 1,
// RFC 3550 §11), peer MAC to gateway MAC, valid IPv4 and UDP checksums.
frame udp_to(const dp::session_spec& s, int leg, bool rtcp, std::span<const std::uint8_t> payload, std::uint16_t ip_id);

// [network] and [[session]] TOML for the generated sessions.
std::string sessions_toml(const capture_set& c);
// The same for any sessions; extra[i] (TOML lines, e.g. chain_b = { ... }) goes
// into session i's table.
std::string sessions_toml(const std::vector<dp::session_spec>& sessions, const std::vector<std::string>& extra = {});

// The [dpdk] and [workers] tables of a test gateway on the vdev: no PCI, no
// hugepages (memory_mb of anonymous memory), its own EAL file prefix, lcore 0
// (main) on CPU 0 and worker lcores 1..workers on CPU 1.
std::string gateway_toml_head(const std::string& vdev, unsigned workers, unsigned memory_mb,
                              const std::string& file_prefix);

// Splits packets round-robin over `files` captures (one per rx queue) and writes
// prefix-0.pcap ... ; with files == 1 writes exactly `prefix.pcap`.
std::vector<std::string> write_inputs(const capture_set& c, const std::string& prefix, unsigned files);

// Sorts frames by (size, bytes) so two captures can be compared as multisets.
void sort_frames(std::vector<frame>& frames);

// The frame voxgate must send for a relayed packet, computed independently of the
// dataplane's rewrite code: addresses set, checksums recomputed from scratch.
frame expected_output(const capture_set& c, const gen_packet& p, const dp::mac_addr& port_mac);

}  // namespace test
