// DirWatch: inotify when it can have one, polling when asked or when the
// process or user has no inotify instance left.
#include "core/os/dir_watch.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace ovl::os {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The inotify instances this process holds.
int inotify_fds() {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    n += fs::read_symlink(e.path(), ec).string() == "anon_inode:inotify";
  }
  return n;
}

class DirWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ovl-dirwatch-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DirWatchTest, InotifyWakesOnAWriteAndHoldsOneInstance) {
  int before = inotify_fds();
  DirWatch watch(dir_);
  EXPECT_FALSE(watch.polling());
  EXPECT_EQ(inotify_fds(), before + 1);
  EXPECT_FALSE(watch.wait(0ms));
  std::ofstream(dir_ / "log") << "x";
  EXPECT_TRUE(watch.wait(5s));
}

TEST_F(DirWatchTest, AskedToPollItHoldsNoInstanceAndNapsThePollInterval) {
  int before = inotify_fds();
  DirWatch watch(dir_, 20ms);
  EXPECT_TRUE(watch.polling());
  EXPECT_EQ(inotify_fds(), before);
  EXPECT_TRUE(watch.wait(5s));    // may have changed: the caller looks
  EXPECT_FALSE(watch.wait(1ms));  // the timeout came first
}

// What a 1000-node lab did to root's instances, made here with the
// process's own descriptor limit: no descriptor left, so no inotify.
TEST_F(DirWatchTest, WithNoInstanceLeftItPollsInsteadOfFailing) {
  rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  int lowest_free = ::dup(0);  // the number the next descriptor would get
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit tight = saved;
  tight.rlim_cur = rlim_t(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::optional<DirWatch> watch;
  std::string error;
  try {
    watch.emplace(dir_);
  } catch (const std::exception& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_EQ(error, "");
  EXPECT_TRUE(watch->polling());
  EXPECT_TRUE(watch->wait(5s));
}

}  // namespace
}  // namespace ovl::os
