// SPDX-License-Identifier: BSD-3-Clause
// Config parsing: a valid file parses exactly; every bad input names its key and reason.
#include <gtest/gtest.h>

#include <string>

#include "controlplane/config.h"

namespace {

const std::string base = R"(
[dpdk]
eal_args = ["--no-pci"]
vdevs = ["net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"]

[workers]
lcores = "auto"

[network]
addresses = ["192.0.2.1"]
next_hop_mac = "02:00:00:00:00:fe"
)";

const std::string session = R"(
[[session]]
id = "call-1"
a = { local = "192.0.2.1:20000", remote = "198.51.100.10:30000", codec = "PCMU" }
b = { local = "192.0.2.1:20002", remote = "203.0.113.20:40000", codec = "PCMU" }
)";

std::string error_of(const std::string& text) {
  try {
    cp::parse_config(text);
  } catch (const cp::config_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, IssueExampleParsesExactly) {
  const cp::config c = cp::parse_config(base + session);
  ASSERT_EQ(c.sessions.size(), 1u);
  const auto& s = c.sessions[0];
  EXPECT_EQ(s.id, "call-1");
  EXPECT_EQ(s.legs[0].local, (dp::endpoint{0xC0000201, 20000}));
  EXPECT_EQ(s.legs[0].remote, (dp::endpoint{0xC633640A, 30000}));
  EXPECT_EQ(s.legs[1].local, (dp::endpoint{0xC0000201, 20002}));
  EXPECT_EQ(s.legs[1].remote, (dp::endpoint{0xCB007114, 40000}));
  EXPECT_EQ(s.legs[0].leg_codec, dp::codec::pcmu);
  EXPECT_EQ(s.legs[0].payload_type, 0);
  EXPECT_EQ(s.legs[0].remote_mac, (dp::mac_addr{2, 0, 0, 0, 0, 0xfe}));
  EXPECT_TRUE(c.workers.automatic);
  EXPECT_EQ(c.dpdk.vdevs.size(), 1u);
  EXPECT_EQ(c.performance.rx_desc, 1024u);
}

TEST(Config, OptionalLegKeysAndSections) {
  const cp::config c = cp::parse_config(base + R"(
[pools]
mbufs = 8191
cache = 128
[performance]
rx_desc = 512
handoff_ring = 1024
[stats]
interval_s = 2.5
[dsp]
fft_wisdom = "/var/lib/voxgate/fft.wisdom"
[[session]]
id = "x"
a = { local = "192.0.2.1:20000", remote = "198.51.100.10:30000", codec = "PCMA", remote_mac = "02:aa:bb:cc:dd:ee", payload_type = 18 }
b = { local = "192.0.2.1:20002", remote = "203.0.113.20:40000" }
)");
  EXPECT_EQ(c.pools.mbufs, 8191u);
  EXPECT_EQ(c.pools.cache, 128u);
  EXPECT_EQ(c.performance.rx_desc, 512u);
  EXPECT_EQ(c.performance.handoff_ring, 1024u);
  EXPECT_DOUBLE_EQ(c.stats.interval_s, 2.5);
  EXPECT_EQ(c.dsp.fft_wisdom, "/var/lib/voxgate/fft.wisdom");
  EXPECT_EQ(c.sessions[0].legs[0].leg_codec, dp::codec::pcma);
  EXPECT_EQ(c.sessions[0].legs[0].payload_type, 18);
  EXPECT_EQ(c.sessions[0].legs[0].remote_mac, (dp::mac_addr{2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}));
  EXPECT_EQ(c.sessions[0].legs[1].leg_codec, dp::codec::pcmu);
}

TEST(Config, AutoLcoresWithCount) {
  const cp::config c = cp::parse_config("[workers]\nlcores = \"auto\"\ncount = 2\n");
  EXPECT_TRUE(c.workers.automatic);
  EXPECT_EQ(c.workers.count, 2u);
}

TEST(Config, ExplicitLcores) {
  const cp::config c = cp::parse_config("[workers]\nlcores = [1, 2]\nmain_lcore = 0\n");
  EXPECT_FALSE(c.workers.automatic);
  EXPECT_EQ(c.workers.lcores, (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(c.workers.main_lcore, 0u);
}

struct bad_case {
  std::string text;
  std::string expected;  // exact message
};

class ConfigErrors : public ::testing::TestWithParam<bad_case> {};

TEST_P(ConfigErrors, NamesKeyAndReason) { EXPECT_EQ(error_of(GetParam().text), GetParam().expected); }

std::string with_leg_a(const std::string& leg_a) {
  return base + "[[session]]\nid = \"c\"\na = " + leg_a +
         "\nb = { local = \"192.0.2.1:20002\", remote = \"203.0.113.20:40000\" }\n";
}

std::string with_ports(std::string t) {
  const std::string tag = "[dpdk]\n";
  t.insert(t.find(tag) + tag.size(), "ports = [\"net_null0\"]\n");
  return t;
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    ::testing::Values(
        bad_case{"[dpdk]\nfoo = 1\n", "dpdk.foo: unknown key"},
        bad_case{"bogus = 1\n", "bogus: unknown key"},
        bad_case{"[dpdk]\nvdevs = \"net_null0\"\n", "dpdk.vdevs: expected an array of strings"},
        bad_case{"[dpdk]\nvdevs = [1]\n", "dpdk.vdevs: expected an array of strings"},
        bad_case{"dpdk = 3\n", "dpdk: expected a table"},
        bad_case{"[workers]\nlcores = \"all\"\n", "workers.lcores: expected \"auto\" or an array of lcore ids"},
        bad_case{"[workers]\nlcores = [1, 1]\n", "workers.lcores: lcore 1 listed twice"},
        bad_case{"[workers]\nlcores = []\n", "workers.lcores: empty list"},
        bad_case{"[workers]\nlcores = [-1]\n", "workers.lcores: lcore ids are integers 0..1023"},
        bad_case{"[workers]\nlcores = [1]\nmain_lcore = 1\n", "workers.main_lcore: lcore 1 is also a worker"},
        bad_case{"[workers]\nmain_lcore = 1\n", "workers.main_lcore: only with an explicit lcores list"},
        bad_case{"[workers]\nlcores = [1]\ncount = 1\n", "workers.count: only with lcores = \"auto\" (an explicit list already says how many)"},
        bad_case{"[workers]\ncount = 0\n", "workers.count: 0 out of range 1..64"},
        bad_case{"[pools]\nmbufs = 100\n", "pools.mbufs: 100 out of range 1024..67108864 (0: automatic)"},
        bad_case{"[pools]\ncache = 600\n", "pools.cache: 600 out of range 0..512"},
        bad_case{"[pools]\ncache = \"big\"\n", "pools.cache: expected an integer"},
        bad_case{"[performance]\nhandoff_ring = 1000\n", "performance.handoff_ring: must be a power of two"},
        bad_case{"[performance]\nrx_desc = 8\n", "performance.rx_desc: 8 out of range 64..16384"},
        bad_case{"[network]\naddresses = [\"192.0.2\"]\n", "network.addresses: \"192.0.2\" is not an IPv4 address"},
        bad_case{"[network]\nnext_hop_mac = \"02:00\"\n", "network.next_hop_mac: expected a MAC like 02:00:00:00:00:01, got \"02:00\""},
        bad_case{"[stats]\ninterval_s = -1\n", "stats.interval_s: out of range 0..86400"},
        bad_case{"[dsp]\nfft_wisdom = \"\"\n", "dsp.fft_wisdom: expected a file path (omit the key for no wisdom file)"},
        bad_case{"[dsp]\nfft_wisdom = 3\n", "dsp.fft_wisdom: expected a string"},
        bad_case{"[dsp]\nwisdom = \"x\"\n", "dsp.wisdom: unknown key"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:70000\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].a.local: port \"70000\" out of range 1..65534"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:65535\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].a.local: port 65535 out of range 1..65534 (RTCP needs port + 1)"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:0\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].a.local: port \"0\" out of range 1..65534"},
        bad_case{with_leg_a("{ local = \"192.0.2.1\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].a.local: expected \"IPv4:port\", got \"192.0.2.1\""},
        bad_case{with_leg_a("{ local = \"192.0.2.9:20000\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].a.local: 192.0.2.9 is not one of network.addresses"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20000\", remote = \"198.51.100.10:x\" }"),
                 "session[0].a.remote: expected \"IPv4:port\", got \"198.51.100.10:x\""},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20000\" }"), "session[0].a.remote: missing"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\", codec = \"G729\" }"),
                 "session[0].a.codec: unknown codec \"G729\" (PCMU or PCMA)"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\", payload_type = 128 }"),
                 "session[0].a.payload_type: 128 out of range 0..127"},
        bad_case{with_ports(with_leg_a("{ local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\", port = 1 }")),
                 "session[0].a.port: index 1 but dpdk.ports has 1"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\", color = 1 }"),
                 "session[0].a.color: unknown key"},
        bad_case{with_leg_a("{ local = \"192.0.2.1:20001\", remote = \"198.51.100.10:30000\" }"),
                 "session[0].b.local: duplicate local port 20002 on 192.0.2.1: already used by another leg"},
        bad_case{with_leg_a("\"192.0.2.1:20000\""), "session[0].a: expected an inline table { local = ..., remote = ... }"},
        bad_case{base + session + session, "session[1].id: duplicate session id \"call-1\""},
        bad_case{base + "[[session]]\nid = \"\"\n", "session[0].id: must be 1..63 characters"},
        bad_case{base + "[[session]]\nid = \"x\"\na = { local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\" }\n",
                 "session[0].b: missing"},
        bad_case{"[[session]]\nid = \"x\"\n", "network.addresses: required: legs' local addresses must be the gateway's"},
        bad_case{"[network]\naddresses = [\"192.0.2.1\"]\n[[session]]\nid = \"x\"\n"
                 "a = { local = \"192.0.2.1:20000\", remote = \"198.51.100.10:30000\" }\n"
                 "b = { local = \"192.0.2.1:20002\", remote = \"203.0.113.20:40000\" }\n",
                 "session[0].a.remote_mac: missing, and network.next_hop_mac is not set"},
        bad_case{"[dpdk\n", "config:1:6: Error while parsing table header: expected ']', saw '\\n'"}));

TEST(Config, RtcpPortCollisionIsNamed) {
  const std::string t = base + R"(
[[session]]
id = "a"
a = { local = "192.0.2.1:20000", remote = "198.51.100.10:30000" }
b = { local = "192.0.2.1:20002", remote = "203.0.113.20:40000" }
[[session]]
id = "b"
a = { local = "192.0.2.1:20003", remote = "198.51.100.10:30000" }
b = { local = "192.0.2.1:20006", remote = "203.0.113.20:40000" }
)";
  EXPECT_EQ(error_of(t), "session[1].a.local: duplicate local port 20003 on 192.0.2.1: already used by another leg");
}

TEST(Config, MissingFileIsAClearError) {
  try {
    cp::load_config_file("/nonexistent/voxgate.toml");
    FAIL() << "no error";
  } catch (const cp::config_error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/voxgate.toml: cannot open");
  }
}

TEST(Config, AddressHelpers) {
  EXPECT_EQ(cp::parse_ipv4("10.0.0.1"), 0x0A000001u);
  EXPECT_FALSE(cp::parse_ipv4("10.0.0.256"));
  EXPECT_FALSE(cp::parse_ipv4("10.0.0"));
  EXPECT_FALSE(cp::parse_ipv4("10.0.0.1.2"));
  EXPECT_FALSE(cp::parse_ipv4("0010.0.0.1"));
  EXPECT_EQ(cp::format_endpoint({0xC0000201, 5}), "192.0.2.1:5");
  EXPECT_EQ(cp::format_mac({0x02, 0xab, 0, 0, 0, 1}), "02:ab:00:00:00:01");
  EXPECT_FALSE(cp::parse_mac("02:00:00:00:00:0g"));
  EXPECT_FALSE(cp::parse_mac("02-00-00-00-00-01"));
}

}  // namespace

namespace {

TEST(ConfigMedia, ChainsPtimeAndRewriteParse) {
  const auto c = cp::parse_config(base + session +
                                  "ptime_ms = 30\nssrc_rewrite = true\nfallback_to_basic = false\n"
                                  "chain_a = { vad = \"basic\", agc = \"advanced\", agc_target_dbfs = -20.5 }\n"
                                  "chain_b = { aec = \"advanced\", aec_tail_ms = 128, aec_max_delay_ms = 300 }\n");
  const dp::media_spec& m = c.sessions[0].media;
  EXPECT_EQ(m.ptime_ms, 30);
  EXPECT_EQ(m.frame_samples(), 240);
  EXPECT_TRUE(m.ssrc_rewrite);
  EXPECT_TRUE(m.active());
  EXPECT_EQ(m.chain[0].aec.mode, dsp::grade::off);
  EXPECT_EQ(m.chain[0].vad.mode, dsp::grade::basic);
  EXPECT_EQ(m.chain[0].agc.mode, dsp::grade::advanced);
  EXPECT_FLOAT_EQ(m.chain[0].agc.advanced.target_dbfs, -20.5f);
  EXPECT_FLOAT_EQ(m.chain[0].agc.basic.target_dbfs, -20.5f);
  EXPECT_FALSE(m.chain[0].fallback_to_basic);
  EXPECT_EQ(m.chain[0].frame_samples, 240);
  EXPECT_EQ(m.chain[1].aec.mode, dsp::grade::advanced);
  EXPECT_EQ(m.chain[1].aec.tail_ms, 128);
  EXPECT_EQ(m.chain[1].aec.max_delay_ms, 300);
  EXPECT_EQ(m.chain[1].aec.frame_samples, 240);
  EXPECT_EQ(m.chain[1].vad.mode, dsp::grade::off);
  EXPECT_TRUE(m.cancels_echo(1));
  EXPECT_FALSE(m.cancels_echo(0));
}

TEST(ConfigMedia, NoMediaKeysIsAPureRelay) {
  const auto c = cp::parse_config(base + session);
  EXPECT_FALSE(c.sessions[0].media.active());
  EXPECT_EQ(c.sessions[0].media.ptime_ms, 20);
}

TEST(ConfigMedia, BadMediaKeysNameKeyAndReason) {
  EXPECT_EQ(error_of(base + session + "ptime_ms = 25\n"), "session[0].ptime_ms: 25 is not a multiple of 10");
  EXPECT_EQ(error_of(base + session + "ptime_ms = 70\n"), "session[0].ptime_ms: 70 out of range 10..60");
  EXPECT_EQ(error_of(base + session + "ssrc_rewrite = 1\n"), "session[0].ssrc_rewrite: expected true or false");
  EXPECT_EQ(error_of(base + session + "chain_a = \"basic\"\n"),
            "session[0].chain_a: expected an inline table { aec = ..., vad = ..., agc = ... }");
  EXPECT_EQ(error_of(base + session + "chain_b = { aec = \"best\" }\n"),
            "session[0].chain_b.aec: \"best\" is not one of off, basic, advanced");
  EXPECT_EQ(error_of(base + session + "chain_b = { nr = \"basic\" }\n"), "session[0].chain_b.nr: unknown key");
  EXPECT_EQ(error_of(base + session + "chain_b = { aec = \"basic\", aec_tail_ms = 4 }\n"),
            "session[0].chain_b.aec_tail_ms: 4 out of range 8..512");
  EXPECT_EQ(error_of(base + session + "chain_a = { agc = \"basic\", agc_target_dbfs = 3 }\n"),
            "session[0].chain_a.agc_target_dbfs: 3 out of range -40..-3");
}

}  // namespace
