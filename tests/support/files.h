// Test helpers for reading the source tree's data files and golden files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ovl::test {

inline std::filesystem::path source_dir() { return OVERLAYLAB_SOURCE_DIR; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
