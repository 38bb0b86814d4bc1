#include "core/os/capture.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
#include <thread>
#include <optional>

#include "core/os/netns.h"
#include "core/os/parallel.h"
#include "core/os/rtnl.h"

namespace ovl::os {
namespace {

constexpr uint32_t kSnapLength = 65535;
// Ring geometry: a probe is a few hundred bytes; 4 KiB frames keep the first
// 4 KiB of anything larger (the file records the length on the wire).
constexpr unsigned kFrameSize = 4096, kFrames = 128, kBlockSize = kFrameSize * 16;

// Classic BPF that keeps IPv4 ICMP, every fragment after a datagram's
// first (no ports to look at), and TCP and UDP to or from one of ports (the
// overlay's, the probe's), for frames whose IPv4 header starts at ip (14 on
// Ethernet, 0 on TUN).
std::vector<sock_filter> probe_filter(uint32_t ip, const std::vector<uint16_t>& ports) {
  std::vector<sock_filter> p;
  auto stmt = [&](uint16_t code, uint32_t k) { p.push_back(BPF_STMT(code, k)); };
  // Jump targets are patched once ACCEPT and DROP are placed.
  std::vector<std::pair<size_t, bool>> to_accept, to_drop;  // (index, on true branch)
  auto jump = [&](uint16_t code, uint32_t k, int on_true, int on_false) {
    size_t at = p.size();
    p.push_back(BPF_JUMP(code, k, 0, 0));
    if (on_true == 1) to_accept.emplace_back(at, true);
    if (on_true == -1) to_drop.emplace_back(at, true);
    if (on_false == 1) to_accept.emplace_back(at, false);
    if (on_false == -1) to_drop.emplace_back(at, false);
  };
  if (ip == 14) {
    stmt(BPF_LD | BPF_H | BPF_ABS, 12);
    jump(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, -1);
  } else {
    stmt(BPF_LD | BPF_B | BPF_ABS, 0);
    stmt(BPF_ALU | BPF_AND | BPF_K, 0xf0);
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, -1);
  }
  stmt(BPF_LD | BPF_H | BPF_ABS, ip + 6);
  jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 1, 0);
  stmt(BPF_LD | BPF_B | BPF_ABS, ip + 9);
  jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 1, 0);
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 1, 0));  // UDP skips the TCP test
  jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, -1);
  stmt(BPF_LDX | BPF_B | BPF_MSH, ip);
  for (uint32_t at : {ip, ip + 2}) {  // source port, then destination port
    stmt(BPF_LD | BPF_H | BPF_IND, at);
    for (auto port : ports) jump(BPF_JMP | BPF_JEQ | BPF_K, port, 1, 0);
  }
  size_t drop = p.size();
  stmt(BPF_RET | BPF_K, 0);
  size_t accept = p.size();
  stmt(BPF_RET | BPF_K, kSnapLength);
  auto patch = [&](auto& list, size_t target) {
    for (auto [at, on_true] : list) (on_true ? p[at].jt : p[at].jf) = uint8_t(target - at - 1);
  };
  patch(to_accept, accept);
  patch(to_drop, drop);
  return p;
}

// Made inside the interface's namespace; protocol 0 until arm() binds it,
// so nothing unfiltered is queued.
Fd packet_socket(trace::LinkType link, const std::vector<uint16_t>& ports) {
  Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("opening an AF_PACKET socket");
  auto filter = probe_filter(link == trace::LinkType::ethernet ? 14 : 0, ports);
  sock_fprog prog{uint16_t(filter.size()), filter.data()};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
    throw_errno("attaching the capture filter");
  int version = TPACKET_V2;
  if (::setsockopt(fd.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0)
    throw_errno("choosing TPACKET_V2");
  return fd;
}

// The ring and the bind each wait for an RCU grace period in the kernel
// (about 10 ms here), as does closing; done one socket per thread
// (in_parallel), those waits overlap instead of adding up.
std::byte* arm(int fd, int ifindex) {
  tpacket_req req{kBlockSize, kFrames * kFrameSize / kBlockSize, kFrameSize, kFrames};
  if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) throw_errno("setting up a capture ring");
  void* ring = ::mmap(nullptr, size_t(kFrames) * kFrameSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == MAP_FAILED) throw_errno("mapping a capture ring");
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    ::munmap(ring, size_t(kFrames) * kFrameSize);
    throw_errno("binding a capture socket");
  }
  return static_cast<std::byte*>(ring);
}

}  // namespace

Capturer::Capturer(const std::vector<CaptureTarget>& targets, const std::vector<uint16_t>& ports, size_t max_packets)
    : max_packets_(max_packets), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_) throw_errno("creating an eventfd");
  for (const auto& t : targets) open_in(t, ports);
  // When one socket fails, the rings already mapped go with their sockets.
  in_parallel(sockets_.size(), [this](size_t i) {
    sockets_[i].ring.reset(arm(sockets_[i].fd.get(), sockets_[i].ifindex));
  });
}

Capturer::~Capturer() {
  in_parallel(sockets_.size(), [this](size_t i) {
    sockets_[i].ring.reset();
    sockets_[i].fd.reset();
  });
}

void Capturer::Unmap::operator()(std::byte* ring) const { ::munmap(ring, size_t(kFrames) * kFrameSize); }

void Capturer::open_in(const CaptureTarget& target, const std::vector<uint16_t>& ports) {
  Fd ns = open_named_netns(target.netns);
  Rtnl rtnl(ns.get());
  auto links = rtnl.links();
  auto name_of = [&](int index) {
    for (const auto& l : links)
      if (l.index == index) return l.name;
    return std::string();
  };
  for (const auto& link : links) {
    if (link.name == "lo") continue;
    auto type = link.kind == "tun" ? trace::LinkType::raw_ip : trace::LinkType::ethernet;
    NetnsScope scope(ns.get());
    sockets_.push_back(Socket{packet_socket(type, ports), capture_.points.size(), link.index});
    capture_.points.push_back(trace::CapturePoint{target.host, link.name, type, link.master ? name_of(link.master) : ""});
  }
}

// Takes every frame the kernel has handed over, in ring order, and gives
// the slots back.
void Capturer::drain(Socket& s) {
  while (capture_.sightings.size() < max_packets_) {
    auto* frame = s.ring.get() + s.next * kFrameSize;
    auto* hdr = reinterpret_cast<volatile tpacket2_hdr*>(frame);
    if (!(hdr->tp_status & TP_STATUS_USER)) return;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    auto* from = reinterpret_cast<const sockaddr_ll*>(frame + TPACKET_ALIGN(sizeof(tpacket2_hdr)));
    trace::Sighting sighting;
    sighting.point = s.point;
    sighting.dir = from->sll_pkttype == PACKET_OUTGOING ? trace::Direction::out : trace::Direction::in;
    sighting.wire_len = hdr->tp_len;
    sighting.t_ns = int64_t(hdr->tp_sec) * 1000000000 + hdr->tp_nsec;
    auto* data = frame + hdr->tp_mac;
    sighting.bytes.assign(data, data + hdr->tp_snaplen);
    capture_.sightings.push_back(std::move(sighting));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    hdr->tp_status = TP_STATUS_KERNEL;
    s.next = (s.next + 1) % kFrames;
  }
}

void Capturer::collect(std::chrono::milliseconds limit) {
  std::vector<pollfd> fds;
  for (const auto& s : sockets_) fds.push_back({s.fd.get(), POLLIN, 0});
  fds.push_back({wake_.get(), POLLIN, 0});
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool stopping = false;
  while (!stopping && capture_.sightings.size() < max_packets_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (::poll(fds.data(), fds.size(), int(left.count())) <= 0) continue;
    stopping = fds.back().revents & POLLIN;
    for (size_t i = 0; i < sockets_.size(); ++i)
      if (fds[i].revents & POLLIN || stopping) drain(sockets_[i]);
  }
}

void Capturer::stop() {
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

trace::Capture Capturer::take() { return std::move(capture_); }

}  // namespace ovl::os
