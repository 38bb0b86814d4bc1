// The classroom walk of a recorded two-node trace: headers added and removed
// hop by hop, crossings, the commands that show each decision, the JSON the
// HTML walk reads, and the terminal's screens.
#include "core/trace/walk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/trace/render.h"
#include "core/trace/step_text.h"
#include "tests/support/files.h"

namespace ovl::trace {
namespace {

Trace recorded(const Origin& origin = {"two-node", "udp", "node1", "/coreos.com/network"}) {
  std::ifstream in(test::source_dir() / "tests/unit/viz/fixtures/two-node-p1.json");
  auto t = from_json(nlohmann::ordered_json::parse(in));
  t.origin = origin;
  return t;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(Walk, MarksTheHeadersAddedAndRemovedSinceTheLegsPreviousHop) {
  auto t = recorded();
  auto w = walk(t);
  ASSERT_EQ(w.size(), 20u);
  EXPECT_EQ(w[0].added, (std::vector<bool>{false, false, false}));  // nothing before the first hop
  // flannel0 is a TUN device: the Ethernet header is gone.
  ASSERT_EQ(w[3].removed.size(), 1u);
  EXPECT_EQ(w[3].removed[0]->proto, "eth");
  // On node1's eth0: Ethernet, IPv4 and UDP 8285 around the packet flannel0 carried.
  EXPECT_EQ(w[4].added, (std::vector<bool>{true, true, true, false, false}));
  EXPECT_EQ(t.hops[4].layers[2].summary, "UDP 8285 > 8285");
  EXPECT_TRUE(w[4].removed.empty());
  // The reply leg compares with its own hops, not with the request's last.
  EXPECT_EQ(w[10].added, (std::vector<bool>{false, false, false}));
  ASSERT_EQ(w[16].removed.size(), 3u);  // node1:flannel0 in: Ethernet, IPv4, UDP stripped
}

TEST(Walk, TimesCountFromThePreviousAndTheFirstHop) {
  auto t = recorded();
  auto w = walk(t);
  EXPECT_EQ(w[0].dt_ns, 0);
  EXPECT_EQ(w[4].dt_ns, t.hops[4].t_ns - t.hops[3].t_ns);
  EXPECT_EQ(w[19].since_ns, t.hops[19].t_ns - t.hops[0].t_ns);
}

TEST(Walk, NamesTheCrossingsOfTheDaemon) {
  auto w = walk(recorded());
  EXPECT_EQ(w[3].crossing, "kernel -> user space: overlayd reads the packet from flannel0");
  EXPECT_EQ(w[4].crossing, "user space -> kernel: overlayd sends the datagram from its UDP socket");
  EXPECT_EQ(w[5].crossing, "kernel -> user space: overlayd receives the datagram on its UDP socket");
  EXPECT_EQ(w[6].crossing, "user space -> kernel: overlayd writes the packet into flannel0");
  EXPECT_EQ(w[0].crossing, "");
}

TEST(Walk, GivesTheCommandsThatShowEachDecisionInTheLab) {
  auto w = walk(recorded());
  EXPECT_TRUE(has(w[0].commands, "overlaylab exec two-node container-1 -- ip route get 100.96.2.3"));
  EXPECT_TRUE(has(w[0].commands, "overlaylab exec two-node container-1 -- ip neigh show 100.96.1.1 dev eth0"));
  EXPECT_TRUE(has(w[1].commands, "overlaylab exec two-node node1 -- ip link show dev docker0"));
  EXPECT_TRUE(has(w[2].commands, "overlaylab exec two-node node1 -- sysctl net.ipv4.ip_forward"));
  EXPECT_TRUE(has(w[3].commands, "overlaylab exec two-node node1 -- ip route get 100.96.2.3"));
  EXPECT_TRUE(
      has(w[3].commands, "overlaylab exec two-node node1 -- etcdctl get /coreos.com/network/subnets/100.96.2.0-24"));
  EXPECT_TRUE(has(w[4].commands, "overlaylab exec two-node node1 -- ip route get 172.20.54.98"));
  EXPECT_TRUE(has(w[5].commands, "overlaylab exec two-node node2 -- ss -ulpn sport = :8285"));
  EXPECT_TRUE(has(w[6].commands, "overlaylab exec two-node node2 -- ip -d link show dev flannel0"));
  EXPECT_TRUE(has(w[8].commands, "overlaylab exec two-node node2 -- bridge fdb show dev vethcontainer-2"));
  EXPECT_TRUE(has(w[9].commands, "overlaylab exec two-node container-2 -- ip -4 addr show dev eth0"));
  // Every hop with a decision has at least one way to look.
  auto t = recorded();
  for (size_t i = 0; i < w.size(); ++i)
    if (t.hops[i].decision) EXPECT_FALSE(w[i].commands.empty()) << "hop " << t.hops[i].seq;
}

TEST(Walk, AsksTheLabForLeasesWhenTheStoreIsEmbedded) {
  auto w = walk(recorded({"lab-a", "udp", "", ""}));
  EXPECT_TRUE(has(w[3].commands, "overlaylab status lab-a"));
}

TEST(Walk, HexRoundTrips) {
  std::vector<std::byte> bytes{std::byte(0x00), std::byte(0x45), std::byte(0xff), std::byte(0x0a)};
  EXPECT_EQ(hex(bytes), "0045ff0a");
  EXPECT_EQ(from_hex("0045ff0a"), bytes);
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("123"));
}

TEST(WalkJson, CarriesWhatThePageShowsAndReadsBack) {
  auto t = recorded();
  t.hops[4].bytes = std::vector<std::byte>(126, std::byte(0x20));
  t.hops[4].wire_len = 126;
  t.hops[4].layers[2].offset = 34;
  t.hops[4].layers[2].length = 8;
  auto j = to_json(t);
  EXPECT_EQ(j["lab"], "two-node");
  EXPECT_EQ(j["etcd"]["host"], "node1");
  const auto& hop = j["hops"][4];
  EXPECT_EQ(hop["layers"][2]["added"], true);
  EXPECT_EQ(hop["layers"][2]["offset"], 34);
  EXPECT_EQ(hop["layers"][2]["length"], 8);
  EXPECT_EQ(hop["layers"][3]["added"], false);
  EXPECT_EQ(hop["bytes"].get<std::string>().size(), 252u);
  EXPECT_EQ(j["hops"][3]["removed"][0]["proto"], "eth");
  EXPECT_EQ(j["hops"][3]["crossing"], "kernel -> user space: overlayd reads the packet from flannel0");
  EXPECT_TRUE(j["hops"][0]["crossing"].is_null());
  EXPECT_EQ(j["hops"][0]["commands"][0], "overlaylab exec two-node container-1 -- ip route get 100.96.2.3");
  // Read back, it writes the same JSON.
  EXPECT_EQ(to_json(from_json(j)), j);
}

TEST(StepText, ShowsTheHopItsHeadersAndItsCommands) {
  auto t = recorded();
  auto screen = render_step(t, walk(t), 4, {false, 100});
  for (auto want : {"hop 5 of 20", "request leg", "node1:eth0 out", "+ UDP 8285 > 8285", "(added here)",
                    "user/kernel crossing: user space -> kernel",
                    "$ overlaylab exec two-node node1 -- ip route get 172.20.54.98", " 4 [5] 6 "})
    EXPECT_NE(screen.find(want), std::string::npos) << want << "\n" << screen;
  EXPECT_EQ(screen.find('\x1b'), std::string::npos) << "plain text has no escapes";
  auto removed = render_step(t, walk(t), 3, {false, 100});
  EXPECT_NE(removed.find("  - Ethernet"), std::string::npos) << removed;
}

TEST(StepText, HighlightsTheAddedHeadersBytesInColour) {
  auto t = recorded();
  t.hops[4].bytes = std::vector<std::byte>(40, std::byte(0x41));
  t.hops[4].wire_len = 40;
  t.hops[4].layers[2].offset = 34;
  t.hops[4].layers[2].length = 6;  // the capture was cut short
  auto screen = render_step(t, walk(t), 4, {true, 100});
  EXPECT_NE(screen.find("\x1b[7m41\x1b[0m"), std::string::npos);
  EXPECT_NE(screen.find("captured bytes (40 of 40)"), std::string::npos);
}

}  // namespace
}  // namespace ovl::trace
