// SPDX-License-Identifier: BSD-3-Clause
// Command lines split at "--" into our options and EAL arguments.
#include <gtest/gtest.h>

#include "controlplane/argv.h"

namespace {

TEST(SplitEalArgs, EverythingAfterDashDashGoesToEal) {
  const char* a[] = {"voxgate", "-c", "x.toml", "--", "--no-pci", "-l", "0,1"};
  std::vector<std::string> eal = {"first"};
  EXPECT_EQ(cp::split_eal_args(7, const_cast<char**>(a), eal), 3);
  EXPECT_EQ(eal, (std::vector<std::string>{"first", "--no-pci", "-l", "0,1"}));
}

TEST(SplitEalArgs, NoDashDashKeepsEverything) {
  const char* a[] = {"voxgate", "-c", "x.toml"};
  std::vector<std::string> eal;
  EXPECT_EQ(cp::split_eal_args(3, const_cast<char**>(a), eal), 3);
  EXPECT_TRUE(eal.empty());
}

TEST(SplitEalArgs, TrailingDashDashGivesNoEalArgs) {
  const char* a[] = {"voxgate", "--"};
  std::vector<std::string> eal;
  EXPECT_EQ(cp::split_eal_args(2, const_cast<char**>(a), eal), 1);
  EXPECT_TRUE(eal.empty());
}

}  // namespace
