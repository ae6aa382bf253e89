// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp CLI parsing (CLI11): options of the codec subcommands and error-to-exit-code mapping.
#include "src/dsp_tool/cli.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "src/dsp_tool/audio_io.h"
#include "src/dsp_tool/codec_cmd.h"

namespace dsp_tool {

namespace {

// Option values live as long as the app (callbacks run inside parse()).
struct codec_options {
  std::string in;
  std::string out;
  std::string law;   // encode/decode --law
  std::string from;  // transcode --from
  std::string to;    // transcode --to
};

std::optional<dsp::g711::law> optional_law(const std::string& value, const char* option) {
  if (value.empty()) return std::nullopt;
  return parse_law_option(value, option);
}

void report(const char* verb, std::size_t samples, const std::string& out) {
  std::printf("%s %zu samples (%.3f s) -> %s\n", verb, samples, static_cast<double>(samples) / 8000.0,
              out.c_str());
}

}  // namespace

void configure_app(CLI::App& app) {
  app.description(
      "voxgate-dsp: the voxgate DSP chain offline on 8 kHz mono 16-bit WAV files and raw G.711 (.ul/.al)");
  app.require_subcommand(1);
}

void add_codec_commands(CLI::App& app) {
  auto opts = std::make_shared<codec_options>();

  CLI::App* enc =
      app.add_subcommand("encode", "WAV (8 kHz mono 16-bit) -> raw G.711 (.ul mu-law, .al A-law)");
  enc->add_option("IN.wav", opts->in, "input WAV file")->required();
  enc->add_option("OUT", opts->out, "output raw file, .ul or .al")->required();
  enc->add_option("--law", opts->law, "ulaw or alaw (default: from OUT's extension)");
  enc->callback([opts] {
    const auto law = law_for_path(opts->out, optional_law(opts->law, "--law"));
    report("encoded", encode_file(opts->in, opts->out, law), opts->out);
  });

  CLI::App* dec = app.add_subcommand("decode", "raw G.711 (.ul/.al) -> WAV (8 kHz mono 16-bit)");
  dec->add_option("IN", opts->in, "input raw file, .ul or .al")->required();
  dec->add_option("OUT.wav", opts->out, "output WAV file")->required();
  dec->add_option("--law", opts->law, "ulaw or alaw (default: from IN's extension)");
  dec->callback([opts] {
    const auto law = law_for_path(opts->in, optional_law(opts->law, "--law"));
    report("decoded", decode_file(opts->in, opts->out, law), opts->out);
  });

  CLI::App* tr =
      app.add_subcommand("transcode", "raw G.711 of one law -> the other (.ul <-> .al), byte to byte");
  tr->add_option("IN", opts->in, "input raw file, .ul or .al")->required();
  tr->add_option("OUT", opts->out, "output raw file, .al or .ul")->required();
  tr->add_option("--from", opts->from, "law of IN: ulaw or alaw (default: from its extension)");
  tr->add_option("--to", opts->to, "law of OUT: ulaw or alaw (default: from its extension)");
  tr->callback([opts] {
    const auto from = law_for_path(opts->in, optional_law(opts->from, "--from"));
    const auto to = law_for_path(opts->out, optional_law(opts->to, "--to"));
    report("transcoded", transcode_file(opts->in, opts->out, from, to), opts->out);
  });
}

int run_cli(CLI::App& app, int argc, char** argv) {
  // CLI11 would report a misspelt subcommand as "A subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      known |= sub->get_name() == first;
    if (!known) {
      std::cerr << "voxgate-dsp: unknown subcommand '" << first << "' (see voxgate-dsp --help)\n";
      return usage_exit_code;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes vary (105, 106, ...): every command-line mistake is exit 2 here.
    std::cerr << "voxgate-dsp: " << e.what() << " (see voxgate-dsp --help)\n";
    return usage_exit_code;
  } catch (const usage_error& e) {
    std::cerr << "voxgate-dsp: " << e.what() << '\n';
    return usage_exit_code;
  } catch (const std::exception& e) {
    std::cerr << "voxgate-dsp: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace dsp_tool
