// Flannel interop in real labs (root): lease values in Flannel's own forms,
// written with etcdctl as a Flannel node would; renewal through an etcd
// outage; a daemon="external" node served by a daemon the test starts by
// hand; and bench saying which udp data plane has which socket buffers.
#include <iterator>
#include <nlohmann/json.hpp>
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

constexpr const char* kNode2Key = "/coreos.com/network/subnets/100.96.2.0-24";

class Interop : public LabTest {
 protected:
  RunResult etcdctl(const std::string& lab, std::vector<std::string> args) {
    args.insert(args.begin(), {"exec", lab, "node1", "--", "etcdctl"});
    return run(args);
  }

  // The etcd lease a key is bound to, in etcdctl's hex.
  std::string lease_of(const std::string& lab, const std::string& key) {
    auto r = etcdctl(lab, {"get", key, "-w", "json"});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("kvs")) return "";
    std::ostringstream hex;
    hex << std::hex << j["kvs"][0]["lease"].get<int64_t>();
    return hex.str();
  }

  // As a Flannel node writes its lease: a put bound to its etcd lease.
  void put(const std::string& lab, const std::string& value, const std::string& lease) {
    auto r = etcdctl(lab, {"put", "--lease=" + lease, kNode2Key, value});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }

  std::string ping(const std::string& lab) {
    auto r = run({"ping", lab, "container-1", "container-2", "-c", "1"});
    return r.out + r.err;
  }

  std::string log_of(const std::string& lab, const std::string& node) {
    return read_file(node_dir(lab, node) / "var/log/overlayd.log");
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

// The issue's reproduction: a udp lease in Flannel's form (no BackendType),
// bound to node2's etcd lease, read by a restarted node1; then changed
// while node1 watches, to a value no backend can use and back to the
// seeds' own form.
TEST_F(Interop, AFlannelUdpLeaseIsRoutedAfterARestartAndWhileWatching) {
  auto name = lab("lt-interop");
  auto out = fs::temp_directory_path() / ("ovltest-" + name);
  auto r = run({"run", scenario("two-node"), "--keep", "--name", name, "--out", out.string()});
  fs::remove_all(out);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto lease = lease_of(name, kNode2Key);
  ASSERT_FALSE(lease.empty());
  put(name, R"({"PublicIP":"172.20.54.98","PublicIPv6":null})", lease);
  auto restart = run({"restart", name, "node1"});
  ASSERT_EQ(restart.status, 0) << restart.err;
  EXPECT_NE(ping(name).find("ttl=60"), std::string::npos) << ping(name);

  put(name, R"({"PublicIP":"172.20.54"})", lease);
  EXPECT_TRUE(eventually([&] {
    auto s = status_of(name, "node1");
    return s["peers"].empty() && s["unusable_leases"]["now"].size() == 1;
  })) << status_of(name, "node1").dump(2);
  EXPECT_NE(ping(name).find("Destination Net Unreachable"), std::string::npos);
  auto status = run({"status", name}).out;
  EXPECT_NE(status.find("unusable lease values: 1 met, 1 now\n    " + std::string(kNode2Key) +
                        R"(: lease value {"PublicIP":"172.20.54"}: "PublicIP" "172.20.54" is not an IPv4 address)"),
            std::string::npos)
      << status;

  put(name, R"({"PublicIP":"172.20.54.98"})", lease);  // as the seeds show it
  EXPECT_TRUE(eventually([&] { return status_of(name, "node1")["peers"].size() == 1; }));
  EXPECT_NE(ping(name).find("ttl=60"), std::string::npos) << ping(name);
  auto s = status_of(name, "node1");
  EXPECT_EQ(s["unusable_leases"]["seen"], 1);
  EXPECT_TRUE(s["unusable_leases"]["now"].empty());
  EXPECT_NE(log_of(name, "node1").find("ignoring " + std::string(kNode2Key) + ": lease value"), std::string::npos);
}

// Leases of 65 s renewed a minute before expiry (every 5 s), retried every
// 2 s after a failure (Flannel: every minute): etcd goes away for several
// attempts, the daemons keep forwarding and keep trying, and renew once it
// is back, each the same process throughout.
TEST_F(Interop, DaemonsRideOutAnEtcdOutageAndRenewOnceItIsBack) {
  auto name = lab("lt-renew");
  env_ = {{"FLANNELD_LEASE_TTL", "65"}, {"FLANNELD_SUBNET_LEASE_RENEW_MARGIN", "1"}, {"FLANNELD_RENEW_RETRY", "2"}};
  ASSERT_EQ(run({"up", scenario("two-node"), "--name", name}).status, 0);
  ASSERT_TRUE(eventually([&] { return log_of(name, "node1").find("renewed lease") != std::string::npos; }, 20s));
  int pid1 = status_of(name, "node1")["pid"], pid2 = status_of(name, "node2")["pid"];
  auto lease_before = lease_of(name, "/coreos.com/network/subnets/100.96.1.0-24");

  ASSERT_EQ(run({"stop", name, "--etcd"}).status, 0);
  const std::string failed = "could not renew lease 100.96.1.0/24 (trying again in 2 s): etcd ";
  ASSERT_TRUE(eventually([&] { return count(log_of(name, "node1"), failed) >= 3; }, 20s)) << log_of(name, "node1");
  EXPECT_TRUE(eventually([&] { return count(log_of(name, "node2"), "could not renew lease 100.96.2.0/24") >= 3; }));
  EXPECT_NE(ping(name).find("ttl=60"), std::string::npos);
  EXPECT_NE(status_of(name, "node1")["lease"]["renew_error"], "");
  EXPECT_NE(run({"status", name}).out.find("lease renewal FAILING: etcd "), std::string::npos);

  ASSERT_EQ(run({"start", name, "--etcd"}).status, 0);
  for (const char* node : {"node1", "node2"})
    EXPECT_TRUE(eventually([&] {
      auto log = log_of(name, node);
      auto last_failure = log.rfind("could not renew");
      return log.find("renewed lease", last_failure) != std::string::npos &&
             status_of(name, node)["lease"]["renew_error"] == "";
    })) << log_of(name, node);
  EXPECT_EQ(status_of(name, "node1")["pid"], pid1);
  EXPECT_EQ(status_of(name, "node2")["pid"], pid2);
  EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid1)));
  EXPECT_NE(lease_of(name, "/coreos.com/network/subnets/100.96.1.0-24"), lease_before);  // a fresh etcd lease
  EXPECT_NE(ping(name).find("ttl=60"), std::string::npos);
}

fs::path two_node_with_external_node2(const std::string& lab) {
  auto xml = read_file(scenario("two-node"));
  xml = std::regex_replace(xml, std::regex("ip=\"172.20.54.98\""), "ip=\"172.20.54.98\" daemon=\"external\"");
  auto path = fs::temp_directory_path() / (lab + ".xml");
  std::ofstream(path) << xml;
  return path;
}

// What `up` told the user to run after "-- flanneld", split at spaces.
std::vector<std::string> flanneld_flags(const std::string& up_output) {
  std::smatch m;
  if (!std::regex_search(up_output, m, std::regex(" -- flanneld ([^\n]*)\n"))) return {};
  std::istringstream in(m[1].str());
  return {std::istream_iterator<std::string>(in), {}};
}

// The user's side of daemon="external", with overlayd standing in for
// flanneld: it takes the printed command line, runs in node2 through
// `overlaylab exec` (so its pid is the command's), and the lab builds
// node2's bridge from its subnet.env, pings through it and names it.
TEST_F(Interop, AnExternalNodeServedByAHandStartedDaemonJoinsAndIsNamed) {
  auto name = lab("lt-external");
  auto file = two_node_with_external_node2(name);
  Background up({overlaylab_binary().string(), "up", file.string(), "--name", name});
  ASSERT_TRUE(eventually([&] { return flanneld_flags(up.out()).size() >= 5; }, 30s)) << up.out() << up.err();
  auto flags = flanneld_flags(up.out());
  EXPECT_EQ(flags, (std::vector<std::string>{"--etcd-endpoints=http://172.20.33.102:2379",
                                             "--etcd-prefix=/coreos.com/network", "--iface=eth0",
                                             "--public-ip=172.20.54.98",
                                             "--subnet-file=/run/overlaylab/" + name +
                                                 "/nodes/node2/run/flannel/subnet.env"}));
  EXPECT_NE(up.out().find("sudo overlaylab exec " + name + " node2 -- flanneld --etcd-endpoints="), std::string::npos);
  std::vector<std::string> argv{overlaylab_binary().string(), "exec", name, "node2", "--",
                                (binary_dir() / "overlayd").string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  Background daemon(argv);
  ASSERT_EQ(up.wait(60s), 0) << up.out() << up.err() << daemon.err();
  fs::remove(file);
  EXPECT_FALSE(fs::exists("/run/overlaylab/" + name + "/services/overlayd@node2"));
  auto who = "overlayd (pid " + std::to_string(daemon.pid()) + ")";

  auto status = run({"status", name}).out;
  EXPECT_NE(status.find("node2: flanneld (external), not started by the lab\n  subnet.env: 100.96.2.0/24, MTU 1472\n"
                        "  flannel0 held by " + who + "; UDP 8285 held by " + who),
            std::string::npos)
      << status;
  EXPECT_NE(ping(name).find("ttl=60"), std::string::npos) << ping(name);
  auto out = fs::temp_directory_path() / ("ovltest-" + name);
  auto trace = run({"trace", name, "container-1", "container-2", "--out", out.string()});
  ASSERT_EQ(trace.status, 0) << trace.out << trace.err;
  EXPECT_NE(trace.out.find("the kernel hands the datagram to the socket " + who + " holds on port 8285"),
            std::string::npos)
      << trace.out;
  EXPECT_NE(trace.out.find("TUN write; " + who + " writes the inner packet into flannel0"), std::string::npos);
  EXPECT_NE(trace.out.find(who + " reads it from flannel0 (kernel -> user space), finds the lease of 100.96.1.0/24 "
                                 "(as the store holds it)"),
            std::string::npos);
  EXPECT_NE(read_file(out / "topology.dot").find("flanneld (external)\\n(user space)"), std::string::npos);
  fs::remove_all(out);
  auto stop = run({"stop", name, "node2"});
  EXPECT_EQ(stop.status, 2);
  EXPECT_NE(stop.err.find("node node2's daemon is external"), std::string::npos) << stop.err;

  auto down = run({"down", name});
  EXPECT_NE(down.err.find(who + " runs in node2 (daemon=\"external\"); the lab did not start it"), std::string::npos)
      << down.err;
  daemon.stop();
}

TEST_F(Interop, AnExternalDaemonThatNeverComesIsAClearTimeout) {
  auto name = lab("lt-external-late");
  auto file = two_node_with_external_node2(name);
  auto r = run({"up", file.string(), "--name", name, "--external-timeout", "3"});
  fs::remove(file);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gave up after 3 s waiting for node2's external daemon to write /run/overlaylab/" + name +
                       "/nodes/node2/run/flannel/subnet.env (start it with: sudo overlaylab exec " + name +
                       " node2 -- flanneld --etcd-endpoints="),
            std::string::npos)
      << r.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{});
}

// The simple data plane is Flannel's proxy down to its socket buffers: the
// kernel's defaults, as bench and status say.
TEST_F(Interop, BenchSaysWhichUdpDataPlaneHasWhichSocketBuffers) {
  lab("lt-bench");
  auto r = run({"bench", scenario("two-node"), "--time", "1", "--name", "lt-bench"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto rmem = std::stoi(read_file("/proc/sys/net/core/rmem_default"));
  auto wmem = std::stoi(read_file("/proc/sys/net/core/wmem_default"));
  EXPECT_NE(r.out.find("  simple: " + std::to_string(rmem) + "/" + std::to_string(wmem) +
                       " bytes, the kernel's default (Flannel's proxy sets none)"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("  fast: [0-9]+/[0-9]+ bytes, set by overlayd"))) << r.out;
  EXPECT_NE(r.out.find("rcvbuf drops"), std::string::npos);
}

}  // namespace
}  // namespace ovl::test
