// The vxlan and host-gw backends in real labs (root), read back the way a
// student would: `overlaylab exec LAB HOST -- ip ...`, `bridge fdb`, etcdctl,
// the daemon's log and `overlaylab status`. Seed 001's Kubernetes cluster on
// vxlan; host-gw on one segment; routed-underlay.xml on all three backends.
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A whole line of output, trailing blanks aside (iproute2 ends route lines in one).
bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.pop_back();
    if (l == line) return true;
  }
  return false;
}

// The TTL of the first reply from addr in `run` or `ping` output: the
// trace's "(addr): reply, ttl=62" or ping's "from addr: icmp_seq=1 ttl=62".
std::optional<int> reply_ttl(const std::string& out, const std::string& addr) {
  auto a = std::regex_replace(addr, std::regex("\\."), "\\.");
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\\(" + a + "\\): reply, ttl=(\\d+)")) ||
      std::regex_search(out, m, std::regex("from " + a + ": icmp_seq=\\d+ ttl=(\\d+)")))
    return std::stoi(m[1]);
  return std::nullopt;
}

class Backends : public LabTest {
 protected:
  void TearDown() override {
    LabTest::TearDown();
    if (!out_.empty()) fs::remove_all(out_);
  }

  // `overlaylab run`, its trace files in a directory of the test's own.
  RunResult run_scenario(const std::string& name, const std::string& lab_name, std::vector<std::string> extra = {}) {
    out_ = fs::temp_directory_path() / ("ovltest-out-" + lab_name);
    std::vector<std::string> args{"run", scenario(name), "--name", lab_name, "--out", out_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  std::string exec(const std::string& lab_name, const std::string& host, std::vector<std::string> command) {
    std::vector<std::string> args{"exec", lab_name, host, "--"};
    args.insert(args.end(), command.begin(), command.end());
    auto r = run(args);
    EXPECT_EQ(r.status, 0) << "exec " << host << ": " << r.err;
    return r.out;
  }

  std::string vtep_mac(const std::string& lab_name, const std::string& node) {
    auto mac = exec(lab_name, node, {"cat", "/sys/class/net/flannel.1/address"});
    return mac.substr(0, mac.find('\n'));
  }

  bool pings(const std::string& lab_name, const std::string& from, const std::string& to) {
    return run({"ping", lab_name, from, to, "-c", "1", "-W", "0.5"}).status == 0;
  }

  fs::path out_;
};

// --- vxlan: seed 001's cluster ---

TEST_F(Backends, VxlanRunGivesPodToPodTtl62) {
  auto name = lab("lt-vx-run");
  auto r = run_scenario("vxlan-k8s", name);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(reply_ttl(r.out, "10.244.2.66"), 62) << r.out;
  EXPECT_TRUE(contains(r.out, "1 probes, 0 failed")) << r.out;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
}

TEST_F(Backends, VxlanNodeHasTheSeedsRoutesAndDevice) {
  auto name = lab("lt-vx-seed");
  auto up = run({"up", scenario("vxlan-k8s"), "--name", name});
  ASSERT_EQ(up.status, 0) << up.err;
  auto routes = exec(name, "k8s-node1", {"ip", "route"});
  EXPECT_TRUE(has_line(routes, "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink")) << routes;
  EXPECT_TRUE(has_line(routes, "10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink")) << routes;
  EXPECT_TRUE(has_line(routes, "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1")) << routes;
  EXPECT_TRUE(has_line(routes, "default via 172.16.1.1 dev ens3")) << routes;
  auto link = exec(name, "k8s-node1", {"ip", "-d", "link", "show", "flannel.1"});
  for (auto part : {"mtu 1450", "vxlan id 1 ", "local 172.16.1.14 ", "dev ens3 ", "dstport 8472 ", "nolearning"})
    EXPECT_TRUE(contains(link, part)) << part << " not in\n" << link;
  auto addr = exec(name, "k8s-node1", {"ip", "-4", "addr", "show", "flannel.1"});
  EXPECT_TRUE(contains(addr, "inet 10.244.1.0/32 ")) << addr;
  EXPECT_TRUE(contains(exec(name, "ubuntu-1", {"ip", "route", "get", "10.244.2.66"}), "via 10.244.1.1 dev eth0"));
  auto via = exec(name, "k8s-node1", {"ip", "route", "get", "10.244.2.66"});
  EXPECT_TRUE(contains(via, "10.244.2.66 via 10.244.2.0 dev flannel.1 src 10.244.1.0")) << via;
  auto ping = run({"ping", name, "ubuntu-1", "ubuntu-2", "-c", "1"});
  EXPECT_EQ(reply_ttl(ping.out, "10.244.2.66"), 62) << ping.out << ping.err;
}

TEST_F(Backends, VxlanPeersNeighbourAndFdbCarryTheirVtepMacs) {
  auto name = lab("lt-vx-macs");
  ASSERT_EQ(run({"up", scenario("vxlan-k8s"), "--name", name}).status, 0);
  auto neigh = exec(name, "k8s-node1", {"ip", "neigh", "show", "dev", "flannel.1"});
  auto fdb = exec(name, "k8s-node1", {"bridge", "fdb", "show", "dev", "flannel.1"});
  auto leases = exec(name, "k8s-master", {"etcdctl", "get", "--prefix", "/coreos.com/network/subnets"});
  struct Peer {
    std::string node, net, ip;
  };
  for (const Peer& p : {Peer{"k8s-master", "10.244.0.0", "172.16.1.8"}, Peer{"k8s-node2", "10.244.2.0", "172.16.1.13"}}) {
    auto mac = vtep_mac(name, p.node);
    ASSERT_EQ(mac.size(), 17u) << p.node;
    EXPECT_TRUE(contains(neigh, p.net + " lladdr " + mac + " PERMANENT")) << p.node << " " << mac << "\n" << neigh;
    EXPECT_TRUE(contains(fdb, mac + " dst " + p.ip + " self permanent")) << p.node << " " << mac << "\n" << fdb;
    EXPECT_TRUE(contains(leases, "/coreos.com/network/subnets/" + p.net + "-24\n{\"PublicIP\":\"" + p.ip +
                                     "\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,"
                                     "\"VtepMAC\":\"" + mac + "\"}}"))
        << leases;
  }
  auto config = exec(name, "k8s-master", {"etcdctl", "get", "/coreos.com/network/config"});
  EXPECT_TRUE(contains(config, "\"Backend\":{\"Type\":\"vxlan\",\"Port\":8472,\"VNI\":1}")) << config;
  // The master's pinned 10.244.0.0/24 is below Flannel's default SubnetMin.
  EXPECT_TRUE(contains(config, "\"SubnetLen\":24,\"SubnetMin\":\"10.244.0.0\",")) << config;
}

TEST_F(Backends, VxlanCniPodsHaveTheMtuRoutesAndIpamFiles) {
  auto name = lab("lt-vx-cni");
  ASSERT_EQ(run({"up", scenario("vxlan-k8s"), "--name", name}).status, 0);
  EXPECT_EQ(exec(name, "ubuntu-1", {"cat", "/sys/class/net/eth0/mtu"}), "1450\n");
  auto pod_routes = exec(name, "ubuntu-1", {"ip", "route"});
  EXPECT_TRUE(has_line(pod_routes, "default via 10.244.1.1 dev eth0")) << pod_routes;
  EXPECT_TRUE(has_line(pod_routes, "10.244.0.0/16 via 10.244.1.1 dev eth0")) << pod_routes;
  EXPECT_TRUE(has_line(pod_routes, "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.96")) << pod_routes;
  auto cni0 = exec(name, "k8s-node1", {"ip", "-4", "addr", "show", "cni0"});
  EXPECT_TRUE(contains(cni0, "mtu 1450")) << cni0;
  EXPECT_TRUE(contains(cni0, "inet 10.244.1.1/24")) << cni0;
  auto ipam = node_dir(name, "k8s-node1") / "var/lib/cni/networks/cbr0";
  EXPECT_TRUE(fs::exists(ipam / "10.244.1.96"));
  EXPECT_EQ(read_file(ipam / "last_reserved_ip.0"), "10.244.1.96");
  EXPECT_EQ(read_file(node_dir(name, "k8s-node1") / "run/flannel/subnet.env"),
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
}

// The kernel forwards, not the daemon: traffic survives a stopped overlayd,
// a restarted one reuses flannel.1, and a recreated device's new VtepMAC
// reaches the peers through the lease.
TEST_F(Backends, VxlanPeerRestartKeepsWorking) {
  auto name = lab("lt-vx-restart");
  ASSERT_EQ(run({"up", scenario("vxlan-k8s"), "--name", name}).status, 0);
  auto before = vtep_mac(name, "k8s-node2");
  ASSERT_EQ(run({"restart", name, "k8s-node2"}).status, 0);
  EXPECT_TRUE(eventually([&] { return pings(name, "ubuntu-1", "ubuntu-2"); }));
  EXPECT_EQ(vtep_mac(name, "k8s-node2"), before) << "a restarted daemon should reuse flannel.1";
  ASSERT_EQ(run({"stop", name, "k8s-node2"}).status, 0);
  EXPECT_TRUE(pings(name, "ubuntu-1", "ubuntu-2")) << "kernel VXLAN needs no daemon to forward";
  exec(name, "k8s-node2", {"ip", "link", "del", "flannel.1"});
  EXPECT_FALSE(pings(name, "ubuntu-1", "ubuntu-2"));
  ASSERT_EQ(run({"start", name, "k8s-node2"}).status, 0);
  EXPECT_TRUE(eventually([&] { return pings(name, "ubuntu-1", "ubuntu-2"); }));
  auto after = vtep_mac(name, "k8s-node2");
  EXPECT_NE(after, before);
  auto neigh = exec(name, "k8s-node1", {"ip", "neigh", "show", "dev", "flannel.1"});
  EXPECT_TRUE(contains(neigh, "10.244.2.0 lladdr " + after + " PERMANENT")) << neigh;
  auto fdb = exec(name, "k8s-node1", {"bridge", "fdb", "show", "dev", "flannel.1"});
  EXPECT_TRUE(contains(fdb, after + " dst 172.16.1.13 self permanent")) << fdb;
  EXPECT_FALSE(contains(fdb, before)) << "the old VtepMAC's FDB entry lingers:\n" << fdb;
}

// A lease that goes takes its route, FDB entry and neighbour with it; a
// lease without VXLAN BackendData is skipped, said in one sentence.
TEST_F(Backends, VxlanLeavingAndForeignLeases) {
  auto name = lab("lt-vx-leave");
  ASSERT_EQ(run({"up", scenario("vxlan-k8s"), "--name", name}).status, 0);
  auto master_mac = vtep_mac(name, "k8s-master");
  ASSERT_EQ(run({"stop", name, "k8s-master"}).status, 0);
  exec(name, "k8s-master", {"etcdctl", "del", "/coreos.com/network/subnets/10.244.0.0-24"});
  EXPECT_TRUE(eventually([&] {
    return !contains(exec(name, "k8s-node1", {"ip", "route"}), "10.244.0.0/24") &&
           !contains(exec(name, "k8s-node1", {"ip", "neigh", "show", "dev", "flannel.1"}), "10.244.0.0 ") &&
           !contains(exec(name, "k8s-node1", {"bridge", "fdb", "show", "dev", "flannel.1"}), master_mac);
  })) << exec(name, "k8s-node1", {"ip", "route"});
  EXPECT_TRUE(contains(exec(name, "k8s-node1", {"ip", "route"}), "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"));

  exec(name, "k8s-master", {"etcdctl", "put", "/coreos.com/network/subnets/10.244.9.0-24",
                            "{\"PublicIP\":\"172.16.1.99\",\"PublicIPv6\":null}"});  // Flannel's udp
  auto sentence = "vxlan cannot reach 10.244.9.0/24: the lease of node 172.16.1.99 has backend type none and no "
                  "VXLAN BackendData (VtepMAC); every node must run the vxlan backend";
  auto log = node_dir(name, "k8s-node1") / "var/log/overlayd.log";
  EXPECT_TRUE(eventually([&] { return contains(read_file(log), std::string("peer skipped: ") + sentence); }))
      << read_file(log);
  EXPECT_TRUE(eventually([&] { return contains(run({"status", name}).out, sentence); })) << run({"status", name}).out;
  EXPECT_FALSE(contains(exec(name, "k8s-node1", {"ip", "route"}), "10.244.9.0"));
  EXPECT_TRUE(pings(name, "ubuntu-1", "ubuntu-2")) << "a skipped lease is not fatal";
}

// --- host-gw ---

TEST_F(Backends, HostGwRunGivesTtl62WithoutEncapsulation) {
  auto name = lab("lt-hg-run");
  auto r = run_scenario("host-gw", name);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(reply_ttl(r.out, "10.50.2.2"), 62) << r.out;
  EXPECT_EQ(reply_ttl(r.out, "10.50.1.2"), 62) << r.out;
  EXPECT_TRUE(contains(r.out, "2 probes, 0 failed")) << r.out;
  auto trace = nlohmann::json::parse(read_file(out_ / "trace-p1.json"), nullptr, false);
  ASSERT_FALSE(trace.is_discarded()) << "no trace-p1.json in " << out_;
  ASSERT_FALSE(trace["hops"].empty());
  for (const auto& hop : trace["hops"])
    for (const auto& layer : hop["layers"]) {
      // Only the decoders' names ("eth", "ipv4", "udp", "vxlan", ...) are strings.
      if (!layer.contains("proto") || !layer["proto"].is_string()) continue;
      auto proto = layer["proto"].get<std::string>();
      EXPECT_TRUE(proto != "udp" && proto != "vxlan") << "encapsulation at " << hop.value("host", "") << ":"
                                                      << hop.value("if", "");
    }
}

TEST_F(Backends, HostGwRoutesViaPeersAndKeepsTheMtu) {
  auto name = lab("lt-hg-routes");
  ASSERT_EQ(run({"up", scenario("host-gw"), "--name", name}).status, 0);
  auto routes = exec(name, "node1", {"ip", "route"});
  EXPECT_TRUE(has_line(routes, "10.50.2.0/24 via 192.168.50.12 dev eth0")) << routes;
  EXPECT_TRUE(has_line(routes, "10.50.3.0/24 via 192.168.50.13 dev eth0")) << routes;
  EXPECT_FALSE(contains(exec(name, "node1", {"ip", "link"}), "flannel")) << "host-gw makes no device";
  EXPECT_EQ(exec(name, "container-1", {"cat", "/sys/class/net/eth0/mtu"}), "1500\n");
  EXPECT_TRUE(contains(read_file(node_dir(name, "node1") / "run/flannel/subnet.env"), "FLANNEL_MTU=1500\n"));
  EXPECT_TRUE(pings(name, "container-1", "container-3"));
}

// `up --backend` keeps the lab on that backend: the store's config, the
// daemons and later verbs all read the rewritten scenario.
TEST_F(Backends, UpWithBackendKeepsTheLabOnIt) {
  auto name = lab("lt-up-backend");
  auto up = run({"up", scenario("two-node"), "--name", name, "--backend", "host-gw"});
  ASSERT_EQ(up.status, 0) << up.err;
  EXPECT_TRUE(contains(up.out, "backend host-gw instead of udp (--backend)")) << up.out;
  EXPECT_TRUE(contains(run({"status", name}).out, "lab " + name + ": host-gw backend over 100.96.0.0/16"));
  auto config = exec(name, "node1", {"etcdctl", "get", "/coreos.com/network/config"});
  EXPECT_TRUE(contains(config, "\"Backend\":{\"Type\":\"host-gw\"")) << config;
  EXPECT_TRUE(has_line(exec(name, "node1", {"ip", "route"}), "100.96.2.0/24 via 172.20.54.98 dev eth0"));
  EXPECT_TRUE(pings(name, "container-1", "container-2"));
}

// --- routed-underlay: two segments and a router ---

class RoutedUnderlay : public Backends, public testing::WithParamInterface<std::string> {};

TEST_P(RoutedUnderlay, CrossesTheRouter) {
  auto name = lab("lt-ru-" + GetParam());
  auto r = run_scenario("routed-underlay", name, {"--backend", GetParam()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(reply_ttl(r.out, "10.10.2.2"), GetParam() == "udp" ? 60 : 62) << r.out;
  EXPECT_TRUE(contains(r.out, "1 probes, 0 failed")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, RoutedUnderlay, testing::Values("udp", "vxlan"));

TEST_F(Backends, RoutedUnderlayFailsWithHostGwAndSaysWhy) {
  auto name = lab("lt-ru-host-gw");
  auto file = fs::temp_directory_path() / (name + ".xml");
  std::ofstream(file) << std::regex_replace(read_file(scenario("routed-underlay")), std::regex("backend=\"udp\""),
                                            "backend=\"host-gw\"");
  auto validate = run({"validate", file.string()});
  fs::remove(file);
  auto warning = "warning: host-gw routes to each peer's subnet via the peer's own address, so every node must "
                 "share one L2 segment; nodes here sit on 2 segments and cross-segment traffic will fail (use udp "
                 "or vxlan)";
  EXPECT_TRUE(contains(validate.err + validate.out, warning)) << validate.out << validate.err;

  auto r = run_scenario("routed-underlay", name, {"--backend", "host-gw", "--keep"});
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.err, warning)) << r.err;
  EXPECT_TRUE(contains(r.out, "FAIL p1")) << r.out;
  auto sentence = "host-gw cannot reach 10.10.2.0/24: its node 192.168.2.10 is not on eth0's segment "
                  "192.168.1.0/24; host-gw needs every node on one L2 segment (use udp or vxlan)";
  auto status = run({"status", name});
  EXPECT_TRUE(contains(status.out, sentence)) << status.out;
  EXPECT_TRUE(contains(status.out, "node1: overlayd running")) << "a skipped peer is not fatal\n" << status.out;
  auto log = read_file(node_dir(name, "node1") / "var/log/overlayd.log");
  EXPECT_TRUE(contains(log, std::string("peer skipped: ") + sentence)) << log;
  EXPECT_FALSE(contains(exec(name, "node1", {"ip", "route"}), "10.10.2.0/24"));
}

}  // namespace
}  // namespace ovl::test
