// Test helpers for reading the source tree's data files and golden files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/util/files.h"

namespace ovl::test {

inline std::filesystem::path source_dir() { return OVERLAYLAB_SOURCE_DIR; }

// Empty when the file is missing: the assertion that follows says what was expected.
inline std::string read_file(const std::filesystem::path& path) { return util::read_file(path).value_or(""); }

// Compares actual with the golden file; OVERLAYLAB_UPDATE_GOLDEN=1 rewrites
// it instead (then review the diff before committing).
inline void expect_golden(const std::filesystem::path& golden, const std::string& actual) {
  if (std::getenv("OVERLAYLAB_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << "missing golden file " << golden;
  EXPECT_EQ(read_file(golden), actual) << "golden file " << golden
                                       << " differs (OVERLAYLAB_UPDATE_GOLDEN=1 rewrites it)";
}

}  // namespace ovl::test
