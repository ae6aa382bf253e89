// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp end to end: bit-exact encode/decode/transcode round trips and exit code 2 for each bad input.
//
// Runs the built executable (path in $VOXGATE_DSP, set by meson) on files it
// generates in a temporary directory.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dsp/g711.h"

namespace {

namespace fs = std::filesystem;
namespace g = dsp::g711;

struct result {
  int exit_code = -1;
  std::string err;
};

class dsp_tool : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* exe = std::getenv("VOXGATE_DSP");
    ASSERT_NE(exe, nullptr) << "VOXGATE_DSP must name the voxgate-dsp executable";
    exe_ = exe;
    char tmpl[] = "/tmp/voxgate_dsp_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  result run(const std::string& args) const {
    const std::string err_file = path("stderr.txt");
    const std::string cmd = "'" + exe_ + "' " + args + " >/dev/null 2>'" + err_file + "'";
    const int status = std::system(cmd.c_str());
    result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream f(err_file);
    r.err.assign(std::istreambuf_iterator<char>(f), {});
    return r;
  }

  void write_wav(const std::string& name, const std::vector<std::int16_t>& s, int rate = 8000,
                 int channels = 1, int subformat = SF_FORMAT_PCM_16) const {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | subformat;
    SNDFILE* f = sf_open(path(name).c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
    sf_write_short(f, s.data(), static_cast<sf_count_t>(s.size()));
    sf_close(f);
  }

  std::vector<std::int16_t> read_wav(const std::string& name) const {
    SF_INFO info{};
    SNDFILE* f = sf_open(path(name).c_str(), SFM_READ, &info);
    EXPECT_NE(f, nullptr) << name;
    if (f == nullptr) return {};
    EXPECT_EQ(info.samplerate, 8000);
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    std::vector<std::int16_t> s(static_cast<std::size_t>(info.frames));
    sf_readf_short(f, s.data(), info.frames);
    sf_close(f);
    return s;
  }

  void write_bytes(const std::string& name, const std::vector<std::uint8_t>& b) const {
    std::ofstream f(path(name), std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }

  std::vector<std::uint8_t> read_bytes(const std::string& name) const {
    std::ifstream f(path(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }

  // Exit code 2, and stderr is exactly one line containing `what`.
  void expect_usage_error(const std::string& args, const std::string& what) const {
    const result r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(r.err.find(what), std::string::npos) << args << " -> " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  std::string exe_;
  fs::path dir_;
};

std::vector<std::int16_t> all_int16() {
  std::vector<std::int16_t> v(65536);
  for (int i = 0; i < 65536; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(i - 32768);
  return v;
}

std::vector<std::uint8_t> all_codes() {
  std::vector<std::uint8_t> v(256);
  for (int i = 0; i < 256; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return v;
}

TEST_F(dsp_tool, encode_then_decode_gives_the_table_quantised_signal) {
  const auto x = all_int16();
  write_wav("all.wav", x);
  for (const auto law : {g::law::ulaw, g::law::alaw}) {
    const std::string raw = law == g::law::ulaw ? "all.ul" : "all.al";
    ASSERT_EQ(run("encode " + path("all.wav") + " " + path(raw)).exit_code, 0);
    const auto codes = read_bytes(raw);
    ASSERT_EQ(codes.size(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::uint8_t want =
          law == g::law::ulaw ? g::ulaw_encode_sample(x[i]) : g::alaw_encode_sample(x[i]);
      ASSERT_EQ(codes[i], want) << "sample " << x[i];
    }
    ASSERT_EQ(run("decode " + path(raw) + " " + path("back.wav")).exit_code, 0);
    const auto back = read_wav("back.wav");
    ASSERT_EQ(back.size(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::int16_t want = law == g::law::ulaw ? g::ulaw_decode_sample(g::ulaw_encode_sample(x[i]))
                                                    : g::alaw_decode_sample(g::alaw_encode_sample(x[i]));
      ASSERT_EQ(back[i], want) << "sample " << x[i];
    }
  }
}

TEST_F(dsp_tool, decode_then_encode_gives_back_every_code) {
  write_bytes("codes.ul", all_codes());
  write_bytes("codes.al", all_codes());
  ASSERT_EQ(run("decode " + path("codes.ul") + " " + path("u.wav")).exit_code, 0);
  ASSERT_EQ(run("encode " + path("u.wav") + " " + path("u2.ul")).exit_code, 0);
  ASSERT_EQ(run("decode " + path("codes.al") + " " + path("a.wav")).exit_code, 0);
  ASSERT_EQ(run("encode " + path("a.wav") + " " + path("a2.al")).exit_code, 0);
  const auto u2 = read_bytes("u2.ul");
  const auto a2 = read_bytes("a2.al");
  ASSERT_EQ(u2.size(), 256u);
  ASSERT_EQ(a2.size(), 256u);
  for (int c = 0; c < 256; ++c) {
    // mu-law has two zeros: 0x7F ("-0") decodes to 0, which G.711 encodes as +0, 0xFF.
    EXPECT_EQ(u2[static_cast<std::size_t>(c)], c == 0x7F ? 0xFF : c) << "ulaw code " << c;
    EXPECT_EQ(a2[static_cast<std::size_t>(c)], c) << "alaw code " << c;
  }
}

TEST_F(dsp_tool, transcode_both_ways_matches_decode_then_encode) {
  write_bytes("codes.ul", all_codes());
  ASSERT_EQ(run("transcode " + path("codes.ul") + " " + path("t.al")).exit_code, 0);
  ASSERT_EQ(run("transcode " + path("t.al") + " " + path("t.ul")).exit_code, 0);
  const auto al = read_bytes("t.al");
  const auto ul = read_bytes("t.ul");
  ASSERT_EQ(al.size(), 256u);
  ASSERT_EQ(ul.size(), 256u);
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    const std::uint8_t a = g::alaw_encode_sample(g::ulaw_decode_sample(code));
    EXPECT_EQ(al[code], a) << c;
    EXPECT_EQ(ul[code], g::ulaw_encode_sample(g::alaw_decode_sample(a))) << c;
  }
  // --from/--to override the extensions.
  write_bytes("codes.bin", all_codes());
  ASSERT_EQ(run("transcode --from alaw --to ulaw " + path("codes.bin") + " " + path("x.bin")).exit_code, 0);
  const auto x = read_bytes("x.bin");
  ASSERT_EQ(x.size(), 256u);
  for (int c = 0; c < 256; ++c)
    EXPECT_EQ(x[static_cast<std::size_t>(c)], g::alaw_to_ulaw_sample(static_cast<std::uint8_t>(c))) << c;
}

TEST_F(dsp_tool, law_option_overrides_extension) {
  const std::vector<std::int16_t> x = {0, 1000, -1000, 32767, -32768};
  write_wav("x.wav", x);
  ASSERT_EQ(run("encode --law alaw " + path("x.wav") + " " + path("x.raw")).exit_code, 0);
  const auto codes = read_bytes("x.raw");
  ASSERT_EQ(codes.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(codes[i], g::alaw_encode_sample(x[i]));
}

TEST_F(dsp_tool, bad_inputs_exit_2_with_one_message) {
  const std::vector<std::int16_t> x(800, 100);
  write_wav("ok.wav", x);
  write_wav("rate.wav", x, 16000);
  write_wav("stereo.wav", x, 8000, 2);
  write_wav("pcm8.wav", x, 8000, 1, SF_FORMAT_PCM_U8);
  write_wav("float.wav", x, 8000, 1, SF_FORMAT_FLOAT);
  write_bytes("garbage.wav", std::vector<std::uint8_t>(100, 0x42));
  write_bytes("c.ul", std::vector<std::uint8_t>(10, 0xFF));

  expect_usage_error("", "subcommand is required");
  expect_usage_error("encode", "is required");
  expect_usage_error("frobnicate", "unknown subcommand 'frobnicate'");
  expect_usage_error("encode " + path("rate.wav") + " " + path("o.ul"), "sample rate 16000 Hz, need 8000 Hz");
  expect_usage_error("encode " + path("stereo.wav") + " " + path("o.ul"), "2 channels, need mono");
  expect_usage_error("encode " + path("pcm8.wav") + " " + path("o.ul"), "not 16-bit PCM");
  expect_usage_error("encode " + path("float.wav") + " " + path("o.ul"), "not 16-bit PCM");
  expect_usage_error("encode " + path("missing.wav") + " " + path("o.ul"), "missing.wav: cannot read");
  expect_usage_error("encode " + path("garbage.wav") + " " + path("o.ul"), "garbage.wav: cannot read");
  expect_usage_error("decode " + path("missing.ul") + " " + path("o.wav"), "missing.ul: cannot read");
  expect_usage_error("encode " + path("ok.wav") + " " + path("o.xyz"), "cannot tell the G.711 law");
  expect_usage_error("decode " + path("c.ul") + " " + path("o.wav") + " --law gsm", "unknown law 'gsm'");
  expect_usage_error("transcode " + path("c.ul") + " " + path("o.mp3"), "o.mp3: cannot tell the G.711 law");
  expect_usage_error("encode " + path("ok.wav") + " " + path("no/such/dir/o.ul"), "cannot write");
  // Nothing was written for the failed commands.
  EXPECT_FALSE(fs::exists(path("o.ul")));
  EXPECT_FALSE(fs::exists(path("o.wav")));
}

// --fft-wisdom: the first run measures its FFT plans and writes them; a run that
// reads them plans the same algorithms, so its output is the same bit for bit.
TEST_F(dsp_tool, fft_wisdom_is_written_then_read_and_gives_identical_output) {
  std::vector<std::int16_t> far(24000), near(24000);
  std::uint32_t r = 12345;
  for (std::size_t i = 0; i < far.size(); ++i) {
    r = r * 1664525u + 1013904223u;  // LCG noise, bursts of 0.25 s on and off
    far[i] = static_cast<std::int16_t>(((i / 2000) % 2 == 0) ? static_cast<int>(r >> 20) - 2048 : 0);
    near[i] = static_cast<std::int16_t>(i >= 80 ? far[i - 80] / 3 : 0);
  }
  write_wav("far.wav", far);
  write_wav("near.wav", near);
  const std::string common = "process " + path("near.wav") + " --aec advanced --far " + path("far.wav") +
                             " --vad advanced --fft-wisdom " + path("fft.wisdom") + " ";
  ASSERT_EQ(run(common + path("a.wav")).exit_code, 0);
  ASSERT_TRUE(fs::exists(path("fft.wisdom")));
  const auto wisdom = read_bytes("fft.wisdom");
  EXPECT_NE(std::string(wisdom.begin(), wisdom.end()).find("fftw"), std::string::npos);
  ASSERT_EQ(run(common + path("b.wav")).exit_code, 0);
  EXPECT_EQ(read_bytes("fft.wisdom"), wisdom) << "an existing wisdom file is read, not rewritten";
  const auto a = read_wav("a.wav");
  ASSERT_EQ(a.size(), near.size());
  EXPECT_EQ(a, read_wav("b.wav"));
  write_bytes("bad.wisdom", std::vector<std::uint8_t>(64, 0x42));
  expect_usage_error("process " + path("near.wav") + " --fft-wisdom " + path("bad.wisdom") + " " + path("c.wav"),
                     "--fft-wisdom: " + path("bad.wisdom") + " is not FFTW");
  EXPECT_FALSE(fs::exists(path("c.wav")));
}

}  // namespace
