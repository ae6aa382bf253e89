// SPDX-License-Identifier: BSD-3-Clause
// Splits a command line at "--": our own options before it, EAL arguments after.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cp {

// Returns how many leading argv entries are ours (argc when there is no "--");
// the arguments after "--" are appended to eal_args.
inline int split_eal_args(int argc, char** argv, std::vector<std::string>& eal_args) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      eal_args.insert(eal_args.end(), argv + i + 1, argv + argc);
      return i;
    }
  }
  return argc;
}

}  // namespace cp
