// SPDX-License-Identifier: BSD-3-Clause
// Test helpers to run dispatched SIMD code on each Highway target the library was built for.
//
// Tests are parameterised over compiled_targets(); a target the CPU lacks is
// reported with GTEST_SKIP (never silently passed), one it has is forced with
// scoped_target so HWY_DYNAMIC_DISPATCH really runs that target's code.
#pragma once

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <cstdint>
#include <string>
#include <vector>

namespace test {

// Every target bit of HWY_TARGETS (the same macro value the library's
// foreach_target.h loop used: same compiler and flags).
inline std::vector<std::int64_t> compiled_targets() {
  std::vector<std::int64_t> out;
  for (std::int64_t t = HWY_TARGETS; t != 0; t &= t - 1) out.push_back(t & ~(t - 1));
  return out;
}

// The CPU's real target set, whatever a test forced before.
inline bool cpu_supports(std::int64_t target) {
  hwy::SetSupportedTargetsForTest(0);
  return (hwy::SupportedTargets() & target) != 0;
}

// Makes dynamic dispatch pick `target` until destroyed.
class scoped_target {
 public:
  explicit scoped_target(std::int64_t target) { hwy::SetSupportedTargetsForTest(target); }
  ~scoped_target() { hwy::SetSupportedTargetsForTest(0); }
  scoped_target(const scoped_target&) = delete;
  scoped_target& operator=(const scoped_target&) = delete;
};

// For INSTANTIATE_TEST_SUITE_P names: "AVX2", "SSE4", ...
inline std::string target_param_name(std::int64_t target) {
  std::string s = hwy::TargetName(target);
  for (char& c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) c = '_';
  return s;
}

}  // namespace test
