// overlayd's fast data plane in real labs (root): bulk TCP checked byte for
// byte end to end, a simple-mode daemon beside a fast one, ICMP unreachable,
// small and large packets mixed, parallel flows. The transfers are real
// sockets opened inside the container namespaces; their content is hashed on
// both ends. Nothing here asserts a rate.
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

#include "core/os/netns.h"
#include "core/os/ping.h"
#include "core/os/process.h"
#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string two_node() { return (source_dir() / "scenarios" / "two-node.xml").string(); }
const char* kC1 = "100.96.1.2";
const char* kC2 = "100.96.2.3";

std::string ns(const std::string& lab, const std::string& host) { return "ovl-" + lab + "." + host; }

uint64_t fast_counter(const std::string& lab, const std::string& node, const char* name) {
  auto s = status_of(lab, node);
  return s.is_discarded() ? 0 : s["counters"]["fast"].value(name, uint64_t(0));
}

// FNV-1a over the byte stream: both ends must see the very same bytes.
struct Digest {
  uint64_t bytes = 0, hash = 1469598103934665603ull;
  void add(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) hash = (hash ^ p[i]) * 1099511628211ull;
    bytes += n;
  }
  bool operator==(const Digest&) const = default;
};

sockaddr_in address(const char* ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, ip, &sa.sin_addr);
  return sa;
}

void set_timeouts(int fd) {
  timeval tv{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A TCP listener inside a host's namespace that digests one connection's
// stream, echoing it back when asked (for request/response traffic).
class Sink {
 public:
  Sink(const std::string& netns, const char* ip, uint16_t port, bool echo = false) {
    {
      auto fd = os::open_named_netns(netns);
      os::NetnsScope scope(fd.get());
      listener_ = os::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    }
    int one = 1;
    setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto sa = address(ip, port);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listener_.get(), 4) != 0)
      throw std::runtime_error("cannot listen on " + std::string(ip));
    thread_ = std::thread([this, echo] { run(echo); });
  }
  ~Sink() {
    if (thread_.joinable()) thread_.join();
  }
  Digest wait() {
    thread_.join();
    return digest_;
  }

 private:
  void run(bool echo) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) return;
    os::Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    set_timeouts(conn.get());
    std::vector<uint8_t> buf(1 << 16);
    for (ssize_t n; (n = ::recv(conn.get(), buf.data(), buf.size(), 0)) > 0;) {
      digest_.add(buf.data(), size_t(n));
      if (echo && ::send(conn.get(), buf.data(), size_t(n), MSG_NOSIGNAL) != n) return;
    }
  }
  os::Fd listener_;
  std::thread thread_;
  Digest digest_;
};

os::Fd connect_from(const std::string& netns, const char* ip, uint16_t port) {
  auto fd = os::open_named_netns(netns);
  os::NetnsScope scope(fd.get());
  os::Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  set_timeouts(s.get());
  auto sa = address(ip, port);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("connect failed");
  return s;
}

// Sends bytes of seeded pseudo-random data from inside netns; returns what it sent.
Digest send_stream(const std::string& netns, const char* ip, uint16_t port, uint64_t bytes, uint64_t seed) {
  auto s = connect_from(netns, ip, port);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> chunk(1 << 14);
  Digest d;
  while (d.bytes < bytes) {
    for (auto& w : chunk) w = rng();
    size_t n = std::min<uint64_t>(chunk.size() * 8, bytes - d.bytes);
    auto p = reinterpret_cast<const uint8_t*>(chunk.data());
    if (::send(s.get(), p, n, MSG_NOSIGNAL) != ssize_t(n)) break;  // blocking: all or an error
    d.add(p, n);
  }
  return d;
}

Digest transfer(const std::string& lab, const std::string& from, const std::string& to, const char* to_ip,
                uint16_t port, uint64_t bytes, uint64_t seed) {
  Sink sink(ns(lab, to), to_ip, port);
  auto sent = send_stream(ns(lab, from), to_ip, port, bytes, seed);
  auto got = sink.wait();
  EXPECT_EQ(got.bytes, sent.bytes) << from << " -> " << to;
  EXPECT_EQ(got.hash, sent.hash) << from << " -> " << to;
  return got;
}

// Echo requests of one payload size from inside a host: how many replies.
int replies(const std::string& lab, const std::string& from, const char* to, size_t size) {
  auto fd = os::open_named_netns(ns(lab, from));
  os::Pinger pinger(fd.get());
  std::vector<std::byte> payload(size, std::byte(0x5a));
  int got = 0;
  for (uint16_t seq = 1; seq <= 3; ++seq)
    got += pinger.echo(*net::Ipv4::parse(to), 0x77, seq, payload, 2000ms).kind == os::EchoResult::Kind::reply;
  return got;
}

class Dataplane : public LabTest {
 protected:
  std::string up(const std::string& name) {
    auto l = lab(name);
    auto r = run({"up", two_node(), "--name", l});
    EXPECT_EQ(r.status, 0) << r.err;
    return l;
  }
  // iperf3 servers this test started, stopped in TearDown even on failure.
  void TearDown() override {
    for (auto& c : children_) {
      os::terminate(c.id());
      c.exited();
    }
    LabTest::TearDown();
  }
  std::vector<os::Child> children_;
};

TEST_F(Dataplane, HundredMegabytesCrossTheFastPathIntact) {
  auto l = up("lt-dp-100mb");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(status_of(l, "node1")["dataplane"], "fast");
  EXPECT_EQ(status_of(l, "node1")["offloads"]["tso"], true) << status_of(l, "node1").dump(2);
  auto got = transfer(l, "container-1", "container-2", kC2, 7001, 100u << 20, 42);
  EXPECT_EQ(got.bytes, 100u << 20);
  // The kernel handed over TCP super-packets and they were coalesced again.
  EXPECT_TRUE(eventually([&] { return fast_counter(l, "node1", "tun_rx_super_packets") > 0; }));
  EXPECT_TRUE(eventually([&] { return fast_counter(l, "node2", "tun_tx_super_packets") > 0; }));
  EXPECT_EQ(status_of(l, "node2")["counters"]["drops"]["malformed"], 0);
}

TEST_F(Dataplane, SimpleAndFastDaemonsExchangeTrafficBothWays) {
  auto l = up("lt-dp-mixed");
  ASSERT_FALSE(HasFailure());
  auto restart = run({"restart", l, "node2", "--dataplane", "simple"});
  ASSERT_EQ(restart.status, 0) << restart.err;
  ASSERT_TRUE(eventually([&] { return status_of(l, "node2").value("dataplane", "") == "simple" &&
                                      status_of(l, "node2")["peers"].size() == 1; }));
  EXPECT_EQ(status_of(l, "node1")["dataplane"], "fast");
  auto status = run({"status", l});
  EXPECT_NE(status.out.find("udp backend (simple data plane)"), std::string::npos) << status.out;
  // Flannel's proxy sets no socket buffer sizes; the fast path sets its own.
  EXPECT_EQ(status_of(l, "node2")["socket_buffers"]["rcvbuf"], std::stoi(read_file("/proc/sys/net/core/rmem_default")));
  EXPECT_EQ(status_of(l, "node2")["socket_buffers"]["kernel_default"], true);
  EXPECT_EQ(status_of(l, "node1")["socket_buffers"]["kernel_default"], false);
  EXPECT_NE(status.out.find("bytes (receive/send), the kernel's default, as Flannel's proxy"), std::string::npos);
  for (auto [from, to] : {std::pair{"container-1", "container-2"}, std::pair{"container-2", "container-1"}}) {
    auto r = run({"ping", l, from, to, "-c", "2"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("ttl=60"), std::string::npos) << r.out;
  }
  transfer(l, "container-1", "container-2", kC2, 7002, 30u << 20, 1);  // GSO sender, plain receiver
  transfer(l, "container-2", "container-1", kC1, 7003, 30u << 20, 2);  // plain sender, coalescing receiver
  EXPECT_TRUE(eventually([&] { return fast_counter(l, "node1", "tun_rx_super_packets") > 0; }));
  EXPECT_TRUE(eventually([&] { return fast_counter(l, "node1", "tun_tx_super_packets") > 0; }));
  EXPECT_EQ(fast_counter(l, "node2", "gso_segments"), 0u);  // the simple daemon never splits
  // The choice outlives a crash: the supervisor restarts it in the same data plane.
  int pid = status_of(l, "node2").value("pid", 0);
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(eventually([&] {
    auto st = status_of(l, "node2");
    return st.value("pid", 0) != pid && st.value("dataplane", "") == "simple" && st["peers"].size() == 1;
  })) << status_of(l, "node2").dump(2);
  EXPECT_TRUE(eventually([&] { return run({"ping", l, "container-1", "container-2", "-c", "1"}).status == 0; }));
}

TEST_F(Dataplane, UnknownDestinationIsStillAnsweredWithNetUnreachable) {
  auto l = up("lt-dp-unreach");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(status_of(l, "node1")["dataplane"], "fast");
  auto r = run({"ping", l, "container-1", "100.96.9.9", "-c", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("From 100.96.1.0 icmp_seq=1 Destination Net Unreachable"), std::string::npos) << r.out;
  EXPECT_TRUE(eventually([&] { return status_of(l, "node1")["counters"]["icmp_unreachable_sent"] == 1; }));
}

// Request/response of every size from 1 byte to a few segments, echoed
// back; returns what came back (equal to sent when all is well).
Digest echo_exchange(const std::string& lab, Digest* sent) {
  Sink echo(ns(lab, "container-2"), kC2, 7005, true);
  auto s = connect_from(ns(lab, "container-1"), kC2, 7005);
  std::mt19937 rng(5);
  Digest back;
  std::vector<uint8_t> buf(5000), in(5000);
  for (int i = 0; i < 400; ++i) {
    size_t n = 1 + rng() % buf.size();
    for (size_t k = 0; k < n; ++k) buf[k] = uint8_t(rng());
    if (::send(s.get(), buf.data(), n, MSG_NOSIGNAL) != ssize_t(n)) break;
    sent->add(buf.data(), n);
    for (size_t got = 0; got < n;) {
      ssize_t r = ::recv(s.get(), in.data(), n - got, 0);
      if (r <= 0) return back;
      back.add(in.data(), size_t(r));
      got += size_t(r);
    }
  }
  ::shutdown(s.get(), SHUT_WR);
  EXPECT_EQ(echo.wait(), *sent);
  return back;
}

// Runs body in a thread; a throw becomes a test failure, not an abort.
std::thread guarded(std::function<void()> body) {
  return std::thread([body] {
    try {
      body();
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  });
}

TEST_F(Dataplane, SmallAndLargePacketsMixedWithBulkTraffic) {
  auto l = up("lt-dp-sizes");
  ASSERT_FALSE(HasFailure());
  auto bulk = guarded([&] { transfer(l, "container-1", "container-2", kC2, 7004, 60u << 20, 3); });
  Digest sent;
  auto back = echo_exchange(l, &sent);
  EXPECT_EQ(back, sent);
  EXPECT_GT(sent.bytes, 0u);
  for (size_t size : {0, 56, 1000, 1444}) EXPECT_GE(replies(l, "container-1", kC2, size), 1) << size;
  bulk.join();
}

// A container that sends with UDP GSO hands flannel0 one UDP super-packet
// (USO); the receiver must still get every datagram, each intact.
TEST_F(Dataplane, UdpGsoFromAContainerArrivesAsSeparateDatagrams) {
  auto l = up("lt-dp-uso");
  ASSERT_FALSE(HasFailure());
  os::Fd rx, tx;
  {
    auto fd = os::open_named_netns(ns(l, "container-2"));
    os::NetnsScope scope(fd.get());
    rx = os::Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }
  {
    auto fd = os::open_named_netns(ns(l, "container-1"));
    os::NetnsScope scope(fd.get());
    tx = os::Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }
  set_timeouts(rx.get());
  timeval short_wait{2, 0};
  setsockopt(rx.get(), SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait);
  auto to = address(kC2, 7020);
  ASSERT_EQ(::bind(rx.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  int segment = 1000;
  ASSERT_EQ(setsockopt(tx.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
  std::vector<uint8_t> buf(10 * 1000 + 500);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i / 1000 + i);
  ASSERT_EQ(::sendto(tx.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to), ssize_t(buf.size()));
  std::vector<uint8_t> got(65536);
  for (size_t k = 0; k < 11; ++k) {
    ssize_t n = ::recv(rx.get(), got.data(), got.size(), 0);
    ASSERT_EQ(n, k < 10 ? 1000 : 500) << "datagram " << k;
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + n, buf.begin() + ptrdiff_t(k * 1000))) << "datagram " << k;
  }
  if (status_of(l, "node1")["offloads"].value("uso", false)) {
    EXPECT_TRUE(eventually([&] { return fast_counter(l, "node1", "tun_rx_super_packets") > 0; }));
  }
}

TEST_F(Dataplane, ParallelFlowsStayIntact) {
  auto l = up("lt-dp-parallel");
  ASSERT_FALSE(HasFailure());
  std::vector<std::thread> flows;
  for (uint16_t i = 0; i < 4; ++i)
    flows.push_back(guarded([&, i] { transfer(l, "container-1", "container-2", kC2, uint16_t(7010 + i), 20u << 20, i); }));
  for (auto& f : flows) f.join();
  // And iperf3 -P 4, server and client in the containers' namespaces.
  auto dir = fs::path("/run/overlaylab") / l;
  children_.emplace_back(os::SpawnRequest{{"/usr/bin/iperf3", "-s", "-1", "-B", kC2}, ns(l, "container-2"),
                                          dir / "iperf3-server.log", dir});
  RunResult r;
  for (int attempt = 0; attempt < 30; ++attempt) {
    r = run_program({"ip", "netns", "exec", ns(l, "container-1"), "iperf3", "-c", kC2, "-P", "4", "-t", "2", "-J"});
    if (r.out.find("unable to connect") == std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  auto report = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out << r.err;
  ASSERT_FALSE(report.contains("error")) << report["error"];
  ASSERT_EQ(report["end"]["streams"].size(), 4u);
  for (const auto& stream : report["end"]["streams"]) EXPECT_GT(stream["receiver"]["bytes"].get<double>(), 0);
  EXPECT_TRUE(eventually([&] { return fast_counter(l, "node2", "coalesced_segments") > 0; }));
}

}  // namespace
}  // namespace ovl::test
