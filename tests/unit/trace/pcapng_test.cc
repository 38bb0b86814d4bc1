// The pcapng writer as Wireshark reads it, and the Wireshark plugin
// (dist/wireshark/overlaylab.lua): tshark on the pcapng of a real trace
// (docs/figures/trace-p1.json, captured on the two-node lab, udp backend).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "core/trace/render.h"
#include "tests/support/files.h"

namespace ovl::trace {
namespace {
namespace fs = std::filesystem;
using test::source_dir;

struct Output {
  int status = -1;
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> out_lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) out_lines.push_back(line);
    return out_lines;
  }
};

// Runs a shell command; a missing tool fails the test that needs it.
Output shell(const std::string& command) {
  auto err = fs::temp_directory_path() / ("pcapng-test-err-" + std::to_string(::getpid()));
  Output r;
  FILE* p = ::popen((command + " 2>" + err.string()).c_str(), "r");
  char buf[4096];
  for (size_t n; p && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = p ? ::pclose(p) : -1;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = test::read_file(err);
  fs::remove(err);
  return r;
}

std::string plugin() { return (source_dir() / "dist/wireshark/overlaylab.lua").string(); }

// The trace as overlaylab wrote it; its capture points, which the JSON does
// not keep, are the hops' interfaces in order of appearance.
Trace real_trace() {
  auto t = from_json(nlohmann::ordered_json::parse(test::read_file(source_dir() / "docs/figures/trace-p1.json")));
  for (auto& h : t.hops) {
    size_t i = 0;
    while (i < t.points.size() && t.points[i].name() != h.name()) ++i;
    if (i == t.points.size()) t.points.push_back({h.host, h.iface, h.link, ""});
    h.point = i;
  }
  return t;
}

class Pcapng : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = real_trace();
    ASSERT_EQ(trace_.hops.size(), 20u);
    file_ = fs::temp_directory_path() / ("overlaylab-pcapng-test-" + std::to_string(::getpid()) + ".pcapng");
    std::ofstream(file_, std::ios::binary) << to_pcapng(trace_);
  }
  void TearDown() override { fs::remove(file_); }
  Output tshark(const std::string& args) { return shell("tshark -r " + file_.string() + " " + args); }

  Trace trace_;
  fs::path file_;
};

TEST_F(Pcapng, EachPacketsCommentIsItsHopsDecision) {
  auto r = tshark("-T fields -e frame.comment");
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), trace_.hops.size()) << r.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& h = trace_.hops[i];
    ASSERT_TRUE(h.decision) << "hop " << h.seq;
    EXPECT_EQ(lines[i], "hop " + std::to_string(h.seq) + " (" + to_string(h.leg) + "): " + h.decision->sentence);
  }
  EXPECT_NE(lines[3].find("reads it (kernel -> user space) and finds the lease 100.96.2.0/24 -> "
                          "172.20.54.98:8285"),
            std::string::npos)
      << lines[3];
}

TEST_F(Pcapng, SectionHeaderNamesTheLabProbeAndBackend) {
  auto r = shell("capinfos " + file_.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Capture comment:     overlaylab lab two-node, probe p1: container-1 -> container-2 "
                       "(100.96.2.3) on the udp backend; reply, ttl=60"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Capture application: overlaylab"), std::string::npos) << r.out;
}

// Hops 5 and 6 cross the underlay inside UDP 8285.
TEST_F(Pcapng, WiresharkPluginDecodesTheUdpBackendsInnerPacketWithoutDashD) {
  auto with = tshark("-X lua_script:" + plugin() + " -T fields -e frame.interface_name -e ip.src -e ip.dst -e "
                     "flannel_udp.inner_length -e icmp.type");
  ASSERT_EQ(with.status, 0) << with.err;
  auto lines = with.lines();
  ASSERT_EQ(lines.size(), 20u) << with.out;
  EXPECT_EQ(lines[4], "node1:eth0\t172.20.33.102,100.96.1.2\t172.20.54.98,100.96.2.3\t84\t8");
  EXPECT_EQ(lines[5], "node2:eth0\t172.20.33.102,100.96.1.2\t172.20.54.98,100.96.2.3\t84\t8");
  EXPECT_EQ(lines[14], "node2:eth0\t172.20.54.98,100.96.2.3\t172.20.33.102,100.96.1.2\t84\t0");
  // Without it, Wireshark sees UDP carrying opaque data: the plugin is what decodes it.
  auto without = tshark("-T fields -e ip.src -e icmp.type");
  ASSERT_EQ(without.status, 0) << without.err;
  EXPECT_EQ(without.lines().at(4), "172.20.33.102\t");
  // Packets that are not Flannel's stay as they were.
  EXPECT_EQ(lines[0], "container-1:eth0\t100.96.1.2\t100.96.2.3\t\t8");
}

TEST_F(Pcapng, WiresharkPluginLeavesOtherTrafficOnItsPortAlone) {
  // A datagram to 8285 whose payload is not an IPv4 header stays plain data.
  for (auto& h : trace_.hops)
    if (h.seq == 5) h.bytes[42] = std::byte(0x60);  // first payload byte: IP version 6
  std::ofstream(file_, std::ios::binary) << to_pcapng(trace_);
  auto r = tshark("-X lua_script:" + plugin() + " -T fields -e frame.protocols -Y frame.number==5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "eth:ethertype:ip:udp:data\n");
}

}  // namespace
}  // namespace ovl::trace
