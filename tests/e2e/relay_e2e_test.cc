// SPDX-License-Identifier: BSD-3-Clause
// End to end: generated pcap -> voxgate (net_pcap) -> pcap, every packet checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "controlplane/config.h"
#include "dataplane/packet.h"
#include "tests/e2e/capgen.h"
#include "tests/e2e/run_process.h"

namespace {

std::string voxgate_bin() {
  const char* p = std::getenv("VOXGATE_BIN");
  return p != nullptr ? p : "src/voxgate";
}

int g_run = 0;

struct run_setup {
  unsigned workers = 1;
  std::string dir;
  std::vector<std::string> outputs;
};

// Writes a config for `workers` workers (one rx and tx capture per queue) and runs voxgate.
test::process_result run_gateway(const test::capture_set& c, run_setup& rs) {
  rs.dir = test::make_temp_dir("e2e");
  const auto inputs = test::write_inputs(c, rs.dir + "/in", rs.workers);
  std::string vdev = "net_pcap0";
  for (const auto& in : inputs) vdev += ",rx_pcap=" + in;
  for (unsigned q = 0; q < rs.workers; ++q) {
    rs.outputs.push_back(rs.dir + "/out-" + std::to_string(q) + ".pcap");
    vdev += ",tx_pcap=" + rs.outputs.back();
  }
  std::ofstream cfg(rs.dir + "/voxgate.toml");
  cfg << test::gateway_toml_head(vdev, rs.workers, 256, "vg_e2e_" + std::to_string(getpid()) + "_" + std::to_string(g_run++))
      << "[performance]\nrx_desc = 256\ntx_desc = 256\n\n" << test::sessions_toml(c);
  cfg.close();
  return test::run_process({voxgate_bin(), "-c", rs.dir + "/voxgate.toml", "--exit-when-idle", "1", "--stats-file",
                            rs.dir + "/stats.json"},
                           rs.dir, 120);
}

void check_run(const test::capture_set& c, const run_setup& rs, const test::process_result& r) {
  ASSERT_FALSE(r.timed_out) << r.out << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto stats = nlohmann::json::parse(test::read_file(rs.dir + "/stats.json"));
  const auto mac = cp::parse_mac(stats["ports"][0]["mac"].get<std::string>());
  ASSERT_TRUE(mac);

  std::vector<test::frame> got;
  for (const auto& o : rs.outputs) {
    auto f = test::read_pcap(o);
    got.insert(got.end(), f.begin(), f.end());
  }
  std::vector<test::frame> want;
  std::map<dp::drop_reason, std::uint64_t> want_drops;
  for (const auto& p : c.packets) {
    if (p.relayed) {
      want.push_back(test::expected_output(c, p, *mac));
    } else {
      ++want_drops[p.reason];
    }
  }
  ASSERT_EQ(got.size(), want.size()) << "relayed packet count";
  test::sort_frames(got);
  test::sort_frames(want);
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "first differing packet (sorted) " << i;

  const auto& drops = stats["totals"]["drops"];
  for (std::size_t r2 = 0; r2 < dp::drop_reason_count; ++r2) {
    const auto reason = static_cast<dp::drop_reason>(r2);
    const std::uint64_t expect = want_drops.count(reason) != 0 ? want_drops[reason] : 0;
    EXPECT_EQ(drops[std::string(dp::to_string(reason))].get<std::uint64_t>(), expect) << dp::to_string(reason);
  }
  EXPECT_EQ(stats["totals"]["rx_packets"].get<std::uint64_t>(), c.packets.size());
  EXPECT_EQ(stats["totals"]["tx_packets"].get<std::uint64_t>(), want.size());
  EXPECT_EQ(stats["totals"]["heap_bytes"].get<std::uint64_t>(), 0u) << "workers allocated on the heap";
  for (const auto& pool : stats["pools"]) EXPECT_EQ(pool["available"], pool["size"]) << "mbufs leaked";
}

TEST(RelayE2E, OneWorkerEveryPacketCheckedAndOrderKept) {
  test::capgen_options o;
  o.calls = 6;
  o.packets = 40;
  o.junk_rounds = 2;
  const auto c = test::generate(o);
  run_setup rs;
  const auto r = run_gateway(c, rs);
  check_run(c, rs, r);
  // One worker, one queue: per direction of each call the RTP sequence order is kept.
  const auto got = test::read_pcap(rs.outputs[0]);
  std::map<std::pair<std::uint32_t, std::uint16_t>, std::vector<std::uint16_t>> seqs;  // (dst ip, dst port) -> seq
  for (const auto& f : got) {
    const auto u = std::get<dp::udp_packet>(dp::parse_udp(f));
    if (u.dst_port % 2 != 0 || u.payload_len < 12) continue;  // RTCP
    const std::uint32_t ssrc = dp::load_be32(&f[u.payload_offset + 8]);
    if (ssrc == 0x20000000u) continue;  // the VLAN probe packet
    seqs[{u.dst_ip, u.dst_port}].push_back(dp::load_be16(&f[u.payload_offset + 2]));
  }
  EXPECT_EQ(seqs.size(), 12u);
  for (const auto& [k, v] : seqs) {
    ASSERT_EQ(v.size(), 40u);
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], 1000 + i);
  }
  std::filesystem::remove_all(rs.dir);
}

TEST(RelayE2E, TwoWorkersHandOffPacketsFromTheWrongQueue) {
  test::capgen_options o;
  o.calls = 8;
  o.packets = 30;
  o.seed = 5;
  const auto c = test::generate(o);
  run_setup rs;
  rs.workers = 2;
  const auto r = run_gateway(c, rs);
  check_run(c, rs, r);
  const auto stats = nlohmann::json::parse(test::read_file(rs.dir + "/stats.json"));
  // Input is split round-robin over both queues while each call lives on one
  // worker, so both workers must have handed packets to the other.
  for (const auto& w : stats["workers"]) {
    EXPECT_GT(w["handoff_out"].get<std::uint64_t>(), 0u);
    EXPECT_GT(w["handoff_in"].get<std::uint64_t>(), 0u);
    EXPECT_EQ(w["sessions"].get<std::uint64_t>(), 4u);
  }
  std::filesystem::remove_all(rs.dir);
}

std::string voxgate_dsp_bin() {
  const char* p = std::getenv("VOXGATE_DSP");
  return p != nullptr ? p : "src/voxgate-dsp";
}

TEST(RelayE2E, PcmuToPcmaTranscodedBitExactToTheDspToolAndEventsUntouched) {
  test::capgen_options o;
  o.calls = 4;
  o.packets = 50;
  o.mixed_codecs = true;  // calls 2 and 4: leg b speaks PCMA
  o.telephone_events = 3;
  const auto c = test::generate(o);
  run_setup rs;
  const auto r = run_gateway(c, rs);
  check_run(c, rs, r);  // every frame, transcoded ones included, against the expected bytes
  const auto stats = nlohmann::json::parse(test::read_file(rs.dir + "/stats.json"));
  // Mixed calls: 50 audio packets each way + the VLAN probe (leg a) are transcoded;
  // their 3 events each way pass untouched.
  EXPECT_EQ(stats["totals"]["transcoded"].get<std::uint64_t>(), 2u * (2 * 50 + 1));
  EXPECT_EQ(stats["totals"]["payload_passthrough"].get<std::uint64_t>(), 2u * 2 * 3);

  // Leg a -> b of call 2 (PCMU in, PCMA out): the output audio, in sequence
  // order, equals what `voxgate-dsp transcode` makes of the input audio.
  const auto& s = c.sessions[1];
  std::vector<std::uint8_t> in_audio;
  for (const auto& p : c.packets) {
    if (!p.audio || p.session != 1 || p.leg != 0 || p.data.size() < 14 || dp::load_be16(&p.data[12]) == dp::ethertype_vlan)
      continue;
    in_audio.insert(in_audio.end(), p.data.begin() + 42 + 12, p.data.end());
  }
  std::vector<std::uint8_t> out_audio;
  for (const auto& f : test::read_pcap(rs.outputs[0])) {
    const auto u = std::get<dp::udp_packet>(dp::parse_udp(f));
    if (u.dst_ip != s.legs[1].remote.ip || u.dst_port != s.legs[1].remote.port || dp::load_be16(&f[12]) == dp::ethertype_vlan) continue;
    if ((f[u.payload_offset + 1] & 0x7F) != 8) continue;  // events keep payload type 101
    out_audio.insert(out_audio.end(), f.begin() + u.payload_offset + 12, f.end());
  }
  ASSERT_EQ(in_audio.size(), 50u * 160);
  std::ofstream(rs.dir + "/in.ul", std::ios::binary).write(reinterpret_cast<const char*>(in_audio.data()),
                                                         static_cast<std::streamsize>(in_audio.size()));
  const auto t = test::run_process({voxgate_dsp_bin(), "transcode", rs.dir + "/in.ul", rs.dir + "/ref.al"}, rs.dir, 60);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string ref = test::read_file(rs.dir + "/ref.al");
  ASSERT_EQ(out_audio.size(), ref.size());
  EXPECT_TRUE(std::equal(out_audio.begin(), out_audio.end(), reinterpret_cast<const std::uint8_t*>(ref.data())));
  std::filesystem::remove_all(rs.dir);
}

TEST(RelayE2E, ThousandsOfStaticSessionsAreLiveBeforeTheFirstPacket) {
  // More sessions than the default control ring holds (1024), all posted before
  // the workers start: none of their packets may be lost as unknown_session.
  // 4500 sessions = 18000 routes: above prefetch_min_routes, so the worker's
  // batched, prefetching relay path is the one checked here.
  test::capgen_options o;
  o.calls = 4500;
  o.packets = 2;
  o.rtcp = 0;
  o.junk_rounds = 0;
  const auto c = test::generate(o);
  run_setup rs;
  const auto r = run_gateway(c, rs);
  check_run(c, rs, r);
  std::filesystem::remove_all(rs.dir);
}

TEST(RelayE2E, BadConfigExitsTwoWithTheKeyAndStartsNothing) {
  const std::string dir = test::make_temp_dir("badcfg");
  std::ofstream(dir + "/bad.toml") << "[dpdk]\nvdevs = [\"net_pcap0,rx_pcap=" << dir << "/none.pcap,tx_pcap=" << dir
                                    << "/out.pcap\"]\n[pools]\ncache = 9999\n";
  const auto r = test::run_process({voxgate_bin(), "-c", dir + "/bad.toml"}, dir, 30);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "voxgate: config error: pools.cache: 9999 out of range 0..512\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.pcap"));
  const auto r2 = test::run_process({voxgate_bin(), "--bogus"}, dir, 30);
  EXPECT_EQ(r2.exit_code, 2);
  // A wisdom file FFTW cannot read: named, and nothing started.
  std::ofstream(dir + "/bad.wisdom") << "not wisdom\n";
  std::ofstream(dir + "/wisdom.toml") << "[dpdk]\nvdevs = [\"net_pcap0,rx_pcap=" << dir << "/none.pcap,tx_pcap=" << dir
                                       << "/out.pcap\"]\n[dsp]\nfft_wisdom = \"" << dir << "/bad.wisdom\"\n";
  const auto r3 = test::run_process({voxgate_bin(), "-c", dir + "/wisdom.toml"}, dir, 30);
  EXPECT_EQ(r3.exit_code, 2);
  EXPECT_EQ(r3.err, "voxgate: config error: dsp.fft_wisdom: " + dir + "/bad.wisdom is not FFTW (single precision) wisdom or cannot be read\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.pcap"));
  std::filesystem::remove_all(dir);
}

TEST(RelayE2E, SigtermStopsCleanlyWithFinalStats) {
  test::capgen_options o;
  o.calls = 1;
  o.packets = 5;
  o.junk_rounds = 0;
  const auto c = test::generate(o);
  const std::string dir = test::make_temp_dir("sigterm");
  test::write_inputs(c, dir + "/in", 1);
  std::ofstream(dir + "/v.toml") << "[dpdk]\neal_args = [\"--no-pci\", \"--no-huge\", \"-m\", \"256\", \"--file-prefix\", \"vg_e2e_sig_"
                                  << getpid() << "\", \"--lcores=0@0,1@1\"]\nvdevs = [\"net_pcap0,rx_pcap=" << dir
                                  << "/in.pcap,tx_pcap=" << dir << "/out.pcap\"]\n[workers]\nlcores = [1]\n"
                                  << "[performance]\nrx_desc = 256\ntx_desc = 256\n" << test::sessions_toml(c);
  const auto r = test::run_process({voxgate_bin(), "-c", dir + "/v.toml"}, dir, 60, 3.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("voxgate: final stats\nrx 15  tx 15"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_pcap(dir + "/out.pcap").size(), 15u);  // 5 RTP + 2 RTCP each way + 1 VLAN-tagged
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

std::string source_root() {
  const char* p = std::getenv("VOXGATE_SOURCE_ROOT");
  return p != nullptr ? p : ".";
}

TEST(ShippedConfig, DemoSessionsAreWhatCapgenGeneratesByDefault) {
  const cp::config c = cp::load_config_file(source_root() + "/config/voxgate.toml");
  const auto gen = test::generate(test::capgen_options{});
  ASSERT_EQ(c.sessions.size(), gen.sessions.size());
  for (std::size_t i = 0; i < gen.sessions.size(); ++i) {
    EXPECT_EQ(c.sessions[i].id, gen.sessions[i].id);
    for (std::size_t l = 0; l < 2; ++l) {
      EXPECT_EQ(c.sessions[i].legs[l].local, gen.sessions[i].legs[l].local) << i << "/" << l;
      EXPECT_EQ(c.sessions[i].legs[l].remote, gen.sessions[i].legs[l].remote) << i << "/" << l;
      EXPECT_EQ(c.sessions[i].legs[l].remote_mac, gen.sessions[i].legs[l].remote_mac) << i << "/" << l;
    }
  }
}

TEST(ShippedConfig, EveryExampleParses) {
  for (const auto& e : std::filesystem::directory_iterator(source_root() + "/config/examples")) {
    EXPECT_NO_THROW(cp::load_config_file(e.path().string())) << e.path();
  }
}

}  // namespace
