// overlaylab compare: one scenario on the three backends, one table and
// compare.html (root).
#include <regex>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class Compare : public LabTest {};

TEST_F(Compare, TwoNodeTableShowsWhatEachBackendCosts) {
  auto name = lab("lt-compare");
  auto r = run({"compare", (source_dir() / "scenarios/two-node.xml").string(), "--name", name, "--out", out_dir().string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // backend, reply, ttl, hops, crossings, overhead, MTU (rtt varies).
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nudp +yes +60 +20 +8 +28 B +1472 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nvxlan +yes +62 +20 +0 +50 B +1450 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nhost-gw +yes +62 +16 +0 +0 B +1500 +[0-9.]+ ms\n"))) << r.out;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
  // compare.html walks the three side by side, stepping together (in headless Chromium).
  fs::create_directories(binary_dir() / "screenshots");
  auto browser = run_program({(source_dir() / "tests/root/walk_browser.py").string(), "compare",
                              (out_dir() / "compare.html").string(), "--columns", "3", "--screenshot",
                              (binary_dir() / "screenshots/compare-1920x1080.png").string()});
  EXPECT_EQ(browser.status, 0) << browser.out << browser.err;
}

// With --json (overlaylab(1), JSON OUTPUT): the same table for a script.
TEST_F(Compare, HostGwAcrossARouterSaysWhereTheProbeStopped) {
  auto name = lab("lt-compare-routed");
  auto r = run({"compare", (source_dir() / "scenarios/routed-underlay.xml").string(), "--name", name, "--out",
                out_dir().string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);  // nothing else on stdout: progress went to stderr
  EXPECT_NE(r.err.find("measuring on host-gw..."), std::string::npos) << r.err;
  EXPECT_EQ(j["scenario"], "routed-underlay");
  EXPECT_EQ(j["html"], (out_dir() / "compare.html").string());
  ASSERT_EQ(j["probes"].size(), 1u) << r.out;
  const auto& p = j["probes"][0];
  EXPECT_EQ(p["from"], "container-1");
  ASSERT_EQ(p["backends"].size(), 3u) << r.out;
  const auto &udp = p["backends"][0], &host_gw = p["backends"][2];
  EXPECT_EQ(udp["backend"], "udp");
  EXPECT_EQ(udp["reply"], true);
  EXPECT_EQ(udp["overhead_bytes"], 28);
  EXPECT_EQ(udp["crossings"], 8);
  EXPECT_TRUE(udp["rtt_ms"].is_number()) << udp;
  EXPECT_EQ(udp["note"], "");
  EXPECT_EQ(host_gw["backend"], "host-gw");
  EXPECT_EQ(host_gw["reply"], false);
  EXPECT_TRUE(host_gw["ttl"].is_null()) << host_gw;
  EXPECT_TRUE(host_gw["rtt_ms"].is_null()) << host_gw;
  EXPECT_EQ(host_gw["note"].get<std::string>().rfind("host-gw: no reply; the request was last seen at ", 0), 0u)
      << host_gw;
}

}  // namespace
}  // namespace ovl::test
