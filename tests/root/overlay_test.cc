// overlayd in real labs (root): the seed's route table, subnet.env and etcd
// keys; stopping and killing daemons; ten nodes leasing at once; garbage on
// port 8285; etcd going away and coming back. Both stores where it matters.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "core/os/netns.h"
#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// two-node.xml with another store.
fs::path two_node_with_store(const std::string& lab, const std::string& store) {
  auto xml = read_file(scenario("two-node"));
  xml = std::regex_replace(xml, std::regex("store=\"etcd\""), "store=\"" + store + "\"");
  auto path = fs::temp_directory_path() / (lab + ".xml");
  std::ofstream(path) << xml;
  return path;
}

fs::path many_nodes(const std::string& lab, int nodes, const std::string& store) {
  std::string xml = "<scenario name=\"" + lab + "\"><underlay><segment name=\"s\" cidr=\"10.0.0.0/16\"/>"
                    "</underlay><overlay network=\"100.64.0.0/16\" store=\"" + store + "\"/>";
  for (int i = 1; i <= nodes; ++i)
    xml += "<node name=\"n" + std::to_string(i) + "\" segment=\"s\" ip=\"10.0.0." + std::to_string(i + 1) +
           "\"><container name=\"c" + std::to_string(i) + "\"/></node>";
  xml += "</scenario>";
  auto path = fs::temp_directory_path() / (lab + ".xml");
  std::ofstream(path) << xml;
  return path;
}

std::optional<int> overlayd_pid(const std::string& lab, const std::string& node) {
  std::ifstream in("/run/overlaylab/" + lab + "/services/overlayd@" + node + "/pid");
  int pid = 0;
  if (in >> pid) return pid;
  return std::nullopt;
}

bool pings(LabTest& t, const std::string& lab, const std::string& from, const std::string& to) {
  (void)t;
  return overlaylab({"ping", lab, from, to, "-c", "1", "-W", "0.5"}).status == 0;
}

class Overlay : public LabTest {};

TEST_F(Overlay, RunTwoNodeGetsRepliesWithTtl60) {
  auto name = lab("lt-run");
  auto r = run({"run", scenario("two-node"), "--name", name});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("trace p1: container-1 -> container-2 (100.96.2.3): reply, ttl=60"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 probes, 0 failed"), std::string::npos) << r.out;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});  // run tears down
}

class OverlayStores : public LabTest, public testing::WithParamInterface<std::string> {};

TEST_P(OverlayStores, NodeLooksLikeTheSeed) {
  auto name = lab("lt-seed-" + GetParam());
  auto file = two_node_with_store(name, GetParam());
  auto up = run({"up", file.string(), "--name", name});
  fs::remove(file);
  ASSERT_EQ(up.status, 0) << up.err;
  auto routes = run({"exec", name, "node1", "--", "ip", "route"}).out;
  EXPECT_NE(routes.find("100.96.0.0/16 dev flannel0 proto kernel scope link src 100.96.1.0"), std::string::npos) << routes;
  EXPECT_NE(routes.find("100.96.1.0/24 dev docker0 proto kernel scope link src 100.96.1.1"), std::string::npos) << routes;
  EXPECT_NE(routes.find("default via 172.20.32.1 dev eth0"), std::string::npos) << routes;
  EXPECT_EQ(read_file("/run/overlaylab/" + name + "/nodes/node1/run/flannel/subnet.env"),
            "FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_SUBNET=100.96.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n");
  auto mtu = run({"exec", name, "container-1", "--", "cat", "/sys/class/net/eth0/mtu"}).out;
  EXPECT_EQ(mtu, "1472\n");
  auto link = run({"exec", name, "node1", "--", "ip", "-d", "link", "show", "flannel0"}).out;
  EXPECT_NE(link.find("mtu 1472"), std::string::npos) << link;
  EXPECT_NE(link.find("tun type tun pi off"), std::string::npos) << link;
  EXPECT_TRUE(pings(*this, name, "container-1", "container-2"));
}

TEST_P(OverlayStores, TenUnpinnedNodesStartedAtOnceGetTenSubnets) {
  auto name = lab("lt-ten-" + GetParam());
  auto file = many_nodes(name, 10, GetParam());
  auto up = run({"up", file.string()});
  fs::remove(file);
  ASSERT_EQ(up.status, 0) << up.err;
  std::set<std::string> subnets;
  for (int i = 1; i <= 10; ++i) {
    auto env = read_file("/run/overlaylab/" + name + "/nodes/n" + std::to_string(i) + "/run/flannel/subnet.env");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(env, m, std::regex("FLANNEL_SUBNET=(\\S+)"))) << env;
    subnets.insert(m[1]);
  }
  EXPECT_EQ(subnets.size(), 10u);
  EXPECT_TRUE(pings(*this, name, "c1", "c10"));
}

TEST_F(Overlay, EtcdHoldsFlannelsKeys) {
  auto name = lab("lt-etcd-keys");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto keys = run({"exec", name, "node1", "--", "etcdctl", "get", "--prefix", "/coreos.com/network"});
  EXPECT_EQ(keys.status, 0) << keys.err;
  EXPECT_NE(keys.out.find("/coreos.com/network/config\n"
                          "{\"Network\":\"100.96.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"udp\",\"Port\":8285}}"),
            std::string::npos) << keys.out;
  EXPECT_NE(keys.out.find("/coreos.com/network/subnets/100.96.1.0-24\n{\"PublicIP\":\"172.20.33.102\",\"PublicIPv6\":null}"),
            std::string::npos) << keys.out;
  EXPECT_NE(keys.out.find("/coreos.com/network/subnets/100.96.2.0-24\n{\"PublicIP\":\"172.20.54.98\",\"PublicIPv6\":null}"),
            std::string::npos) << keys.out;
}

TEST_P(OverlayStores, KilledDaemonBreaksTrafficUntilTheSupervisorRestartsIt) {
  auto name = lab("lt-kill-daemon-" + GetParam());
  auto file = two_node_with_store(name, GetParam());
  ASSERT_EQ(run({"up", file.string(), "--name", name}).status, 0);
  fs::remove(file);
  ASSERT_TRUE(pings(*this, name, "container-1", "container-2"));
  auto pid = overlayd_pid(name, "node2");
  ASSERT_TRUE(pid);
  ::kill(*pid, SIGKILL);
  ASSERT_TRUE(eventually([&] { return !fs::exists("/proc/" + std::to_string(*pid) + "/status") ||
                                      read_file("/proc/" + std::to_string(*pid) + "/status").find("State:\tZ") != std::string::npos; }));
  EXPECT_FALSE(pings(*this, name, "container-1", "container-2"));
  EXPECT_TRUE(eventually([&] { return pings(*this, name, "container-1", "container-2"); }));
  auto again = overlayd_pid(name, "node2");
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *pid);
  EXPECT_EQ(status_of(name, "node2")["lease"]["subnet"], "100.96.2.0/24");
}

TEST_P(OverlayStores, StoppedDaemonStaysStoppedUntilStarted) {
  auto name = lab("lt-stop-start-" + GetParam());
  auto file = two_node_with_store(name, GetParam());
  ASSERT_EQ(run({"up", file.string(), "--name", name}).status, 0);
  fs::remove(file);
  auto stop = run({"stop", name, "node2"});
  ASSERT_EQ(stop.status, 0) << stop.err;
  EXPECT_NE(stop.out.find("overlayd@node2: stopped at "), std::string::npos) << stop.out;
  EXPECT_FALSE(pings(*this, name, "container-1", "container-2"));
  std::this_thread::sleep_for(2s);  // longer than the supervisor's first back-off
  EXPECT_FALSE(pings(*this, name, "container-1", "container-2"));
  auto start = run({"restart", name, "node2"});
  ASSERT_EQ(start.status, 0) << start.err;
  EXPECT_TRUE(eventually([&] { return pings(*this, name, "container-1", "container-2"); }));
  EXPECT_EQ(status_of(name, "node2")["lease"]["subnet"], "100.96.2.0/24");
}

// Sends raw bytes to node2:8285 from inside node1, as a stray sender would.
void send_garbage(const std::string& lab, const std::vector<std::vector<uint8_t>>& datagrams) {
  auto ns = os::open_named_netns("ovl-" + lab + ".node1");
  os::NetnsScope scope(ns.get());
  os::Fd sock(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(8285);
  inet_pton(AF_INET, "172.20.54.98", &to.sin_addr);
  for (const auto& d : datagrams)
    ::sendto(sock.get(), d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

TEST_P(OverlayStores, GarbageOnPort8285IsCountedAndDropped) {
  auto name = lab("lt-garbage-" + GetParam());
  auto file = two_node_with_store(name, GetParam());
  ASSERT_EQ(run({"up", file.string(), "--name", name}).status, 0);
  fs::remove(file);
  std::vector<uint8_t> too_short(6, 0x45);
  std::vector<uint8_t> not_ipv4(40, 0x60);
  std::vector<uint8_t> wrong_length(40, 0);
  wrong_length[0] = 0x45;
  wrong_length[2] = 0x04;  // claims 1024 bytes
  // A valid header to 100.96.2.3 with TTL 1.
  std::vector<uint8_t> ttl_one = {0x45, 0, 0, 20, 0, 0, 0, 0, 1, 1, 0, 0, 100, 96, 1, 2, 100, 96, 2, 3};
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += uint32_t(ttl_one[i] << 8 | ttl_one[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ttl_one[10] = uint8_t(~sum >> 8);
  ttl_one[11] = uint8_t(~sum);
  std::vector<uint8_t> empty;
  auto counters_before = status_of(name, "node2")["counters"];
  auto before = counters_before["drops"];
  send_garbage(name, {too_short, not_ipv4, wrong_length, ttl_one, empty});
  ASSERT_TRUE(eventually([&] {
    auto drops = status_of(name, "node2")["counters"]["drops"];
    return drops["truncated"].get<int>() - before["truncated"].get<int>() == 3 &&
           drops["malformed"].get<int>() - before["malformed"].get<int>() == 1 &&
           drops["ttl"].get<int>() - before["ttl"].get<int>() == 1;
  })) << before.dump() << status_of(name, "node2").dump(2);
  // Defect: the empty datagram was a truncated drop but not a received one.
  EXPECT_EQ(status_of(name, "node2")["counters"]["udp_rx_packets"].get<int>() -
                counters_before["udp_rx_packets"].get<int>(), 5);
  EXPECT_TRUE(pings(*this, name, "container-1", "container-2"));
  auto status = run({"status", name});
  EXPECT_NE(status.out.find("dropped: no route 0, ttl 1, malformed 1, truncated 3"), std::string::npos) << status.out;
}

TEST_F(Overlay, UnknownDestinationIsAnsweredWithNetUnreachable) {
  auto name = lab("lt-unreach");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  auto r = run({"ping", name, "container-1", "100.96.9.9", "-c", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("From 100.96.1.0 icmp_seq=1 Destination Net Unreachable"), std::string::npos) << r.out;
}

TEST_F(Overlay, EtcdOutageKeepsForwardingAndJoinsAndLeavesFollowIt) {
  auto name = lab("lt-etcd-outage");
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  ASSERT_EQ(run({"stop", name, "--etcd"}).status, 0);
  EXPECT_TRUE(eventually([&] { return status_of(name, "node1")["store"]["ok"] == false; }));
  EXPECT_TRUE(pings(*this, name, "container-1", "container-2"));
  ASSERT_EQ(run({"start", name, "--etcd"}).status, 0);
  EXPECT_TRUE(eventually([&] { return status_of(name, "node1")["store"]["ok"] == true; }));
  auto put = run({"exec", name, "node1", "--", "etcdctl", "put", "/coreos.com/network/subnets/100.96.9.0-24",
                  "{\"PublicIP\":\"172.20.40.40\",\"PublicIPv6\":null}"});
  ASSERT_EQ(put.status, 0) << put.err;
  EXPECT_TRUE(eventually([&] { return status_of(name, "node2")["peers"].size() == 2; }))
      << status_of(name, "node2").dump(2);
  ASSERT_EQ(run({"exec", name, "node1", "--", "etcdctl", "del", "/coreos.com/network/subnets/100.96.9.0-24"}).status, 0);
  EXPECT_TRUE(eventually([&] { return status_of(name, "node2")["peers"].size() == 1; }));
  EXPECT_TRUE(pings(*this, name, "container-1", "container-2"));
}

INSTANTIATE_TEST_SUITE_P(Stores, OverlayStores, testing::Values("etcd", "local"));

}  // namespace
}  // namespace ovl::test
