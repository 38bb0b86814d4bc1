// A user-named input file is read only when it is a regular file of a
// sensible size: never a FIFO (which would hang), a device (which never
// ends) or a directory.
#include "core/util/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace ovl::util {
namespace {

namespace fs = std::filesystem;

class InputFile : public testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("ovl-files-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string why(const fs::path& path, size_t max = 1 << 20) {
    try {
      read_input_file(path, max);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "read";
  }
};

TEST_F(InputFile, ReadsARegularFileAndFollowsSymlinks) {
  std::ofstream(dir_ / "s.xml") << "<scenario/>";
  fs::create_symlink(dir_ / "s.xml", dir_ / "link.xml");
  EXPECT_EQ(read_input_file(dir_ / "link.xml", 100), "<scenario/>");
}

TEST_F(InputFile, RefusesWhatIsNotARegularFileWithoutBlocking) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(why(dir_ / "fifo"), "it is a FIFO, not a regular file");
  fs::create_symlink("/dev/zero", dir_ / "zero.xml");
  EXPECT_EQ(why(dir_ / "zero.xml"), "it is a character device, not a regular file");
  EXPECT_EQ(why(dir_), "it is a directory, not a regular file");
  EXPECT_EQ(why(dir_ / "missing"), "No such file or directory");
}

TEST_F(InputFile, RefusesAFileLargerThanTheLimit) {
  std::ofstream(dir_ / "big") << std::string(3 << 20, ' ');
  EXPECT_EQ(why(dir_ / "big", 2 << 20), "it is larger than 2 MiB");
  EXPECT_EQ(why(dir_ / "big", 3 << 20), "read");
}

}  // namespace
}  // namespace ovl::util
