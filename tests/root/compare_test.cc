// overlaylab compare: one scenario on the three backends, one table and
// compare.html (root).
#include <regex>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class Compare : public LabTest {
 protected:
  fs::path out_ = fs::temp_directory_path() / ("ovltest-compare-" + std::to_string(::getpid()));
  void TearDown() override {
    fs::remove_all(out_);
    LabTest::TearDown();
  }
};

TEST_F(Compare, TwoNodeTableShowsWhatEachBackendCosts) {
  auto name = lab("lt-compare");
  auto r = run({"compare", (source_dir() / "scenarios/two-node.xml").string(), "--name", name, "--out", out_.string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // backend, reply, ttl, hops, crossings, overhead, MTU (rtt varies).
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nudp +yes +60 +20 +8 +28 B +1472 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nvxlan +yes +62 +20 +0 +50 B +1450 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nhost-gw +yes +62 +16 +0 +0 B +1500 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  // compare.html walks the three side by side, stepping together (in headless Chromium).
  fs::create_directories(binary_dir() / "screenshots");
  auto browser = run_program({(source_dir() / "tests/root/walk_browser.py").string(), "compare",
                              (out_ / "compare.html").string(), "--columns", "3", "--screenshot",
                              (binary_dir() / "screenshots/compare-1920x1080.png").string()});
  EXPECT_EQ(browser.status, 0) << browser.out << browser.err;
}

TEST_F(Compare, HostGwAcrossARouterSaysWhereTheProbeStopped) {
  auto name = lab("lt-compare-routed");
  auto r = run({"compare", (source_dir() / "scenarios/routed-underlay.xml").string(), "--name", name, "--out",
                out_.string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nhost-gw +no +- "))) << r.out;
  EXPECT_NE(r.out.find("host-gw: no reply; the request was last seen at "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ovl::test
