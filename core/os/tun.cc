#include "core/os/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

namespace ovl::os {
namespace {

// Newer than some installed headers (linux/if_tun.h, Linux 6.2).
constexpr unsigned kTunUso4 = 0x20, kTunUso6 = 0x40;
// Frames have at most a vnet header, a head and 64 payloads (Coalescer).
constexpr size_t kMaxPieces = 1024;

Fd open_tun(const std::string& name, short flags, std::string* actual) {
  Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!fd) throw_errno("opening /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = flags;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) return Fd();
  *actual = ifr.ifr_name;
  return fd;
}

// The richest offload set the kernel accepts: TUNSETOFFLOAD fails with
// EINVAL on a flag it does not know, so ask again with less.
void set_offloads(int fd, TunFeatures& f) {
  const unsigned tries[] = {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | kTunUso4 | kTunUso6,
                            TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, TUN_F_CSUM};
  for (unsigned flags : tries) {
    if (::ioctl(fd, TUNSETOFFLOAD, flags) != 0) continue;
    f.csum = true;
    f.tso = flags & TUN_F_TSO4;
    f.uso = flags & kTunUso4;
    return;
  }
}

void set_nonblocking(int fd, const std::string& name) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) throw_errno("making " + name + " non-blocking");
}

const char* on(bool b) { return b ? "on" : "off"; }

}  // namespace

std::string TunFeatures::describe() const {
  return std::string("vnet header ") + on(vnet_hdr) + ", checksum offload " + on(csum) + ", TSO " + on(tso) +
         ", USO " + on(uso);
}

VnetTun::VnetTun(const std::string& name) {
  fd_ = open_tun(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, &name_);
  features_.vnet_hdr = bool(fd_);
  if (!fd_) fd_ = open_tun(name, IFF_TUN | IFF_NO_PI, &name_);
  if (!fd_) throw_errno("creating TUN device " + name);
  if (features_.vnet_hdr) {
    int size = int(net::kVnetHeaderSize);
    // Little-endian on every host, as offload.h reads it.
    int le = 1;
    (void)::ioctl(fd_.get(), TUNSETVNETLE, &le);
    if (::ioctl(fd_.get(), TUNSETVNETHDRSZ, &size) != 0) throw_errno("setting the vnet header size of " + name);
    set_offloads(fd_.get(), features_);
  }
  set_nonblocking(fd_.get(), name);
}

ssize_t VnetTun::read_one(net::Packet& frame) {
  if (features_.vnet_hdr) return ::read(fd_.get(), frame.data, frame.cap);
  constexpr size_t h = net::kVnetHeaderSize;
  std::memset(frame.data, 0, h);
  ssize_t n = ::read(fd_.get(), frame.data + h, frame.cap - h);
  return n < 0 ? n : n + ssize_t(h);
}

size_t VnetTun::read(std::span<net::Packet> frames) {
  size_t n = 0;
  for (ssize_t got; n < frames.size() && (got = read_one(frames[n])) > 0;) frames[n++].len = size_t(got);
  return n;
}

// Both directions write (the outbound one its ICMP errors): the iovecs live
// on each caller's stack.
void VnetTun::write(std::span<const net::TunFrame> frames) {
  iovec iov[kMaxPieces];
  for (const auto& f : frames) {
    auto pieces = features_.vnet_hdr ? f.pieces : f.pieces.subspan(1);
    if (pieces.size() > kMaxPieces) continue;
    for (size_t i = 0; i < pieces.size(); ++i)
      iov[i] = iovec{const_cast<std::byte*>(pieces[i].data()), pieces[i].size()};
    // A failed write drops that packet, as a full queue on a real link would.
    (void)!::writev(fd_.get(), iov, int(pieces.size()));
  }
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & POLLIN);
}

bool wait_readable(std::span<const int> fds, int timeout_ms) {
  pollfd pfds[8];
  size_t n = std::min(fds.size(), std::size(pfds));
  for (size_t i = 0; i < n; ++i) pfds[i] = pollfd{fds[i], POLLIN, 0};
  return ::poll(pfds, n, timeout_ms) > 0;
}

Tun::Tun(const std::string& name) {
  fd_ = open_tun(name, IFF_TUN | IFF_NO_PI, &name_);
  if (!fd_) throw_errno("creating TUN device " + name);
  set_nonblocking(fd_.get(), name_);
}

// As Flannel's proxy: read first, and wait only when the device is empty.
size_t Tun::read(std::span<net::Packet> packets) {
  if (packets.empty()) return 0;
  auto receive = [&] { return ::read(fd_.get(), packets[0].data, packets[0].cap); };
  ssize_t n = receive();
  if (n < 0 && errno == EAGAIN && wait_readable(fd_.get(), kWakeMs)) n = receive();
  if (n <= 0) return 0;
  packets[0].len = size_t(n);
  return 1;
}

void Tun::write(std::span<const net::Packet> packets) {
  // A failed write drops that packet, as a full queue on a real link would.
  for (const auto& p : packets) (void)!::write(fd_.get(), p.data, p.len);
}

}  // namespace ovl::os
