// SPDX-License-Identifier: BSD-3-Clause
// Typed, range-checked TOML accessors shared by the config parser's files; every error names its key.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config.h"

namespace cp::detail {

[[noreturn]] void fail(const std::string& key, const std::string& why);
void check_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> allowed);
const toml::table* sub_table(const toml::table& root, std::string_view name);
std::vector<std::string> string_array(const toml::table& t, std::string_view key, const std::string& where);
unsigned uint_value(const toml::table& t, std::string_view key, const std::string& where, unsigned def, unsigned lo,
                    unsigned hi);
bool is_pow2(unsigned v);
std::string string_value(const toml::table& t, std::string_view key, const std::string& where);
dp::leg_spec parse_leg(const toml::table& t, const std::string& where, const network_config& net);

// The media keys of one [[session]] table (media_config.cc): ptime_ms,
// ssrc_rewrite, fallback_to_basic, chain_a, chain_b.
dp::media_spec parse_media(const toml::table& session, const std::string& where);

}  // namespace cp::detail
