#include "core/linux/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cstring>

namespace ovl::os {
namespace {

// Readers wake this often to notice shutdown.
constexpr int kWakeMs = 200;

}  // namespace

bool wait_readable(int fd, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & POLLIN);
}

Tun::Tun(const std::string& name) : fd_(::open("/dev/net/tun", O_RDWR | O_CLOEXEC)), name_(name) {
  if (!fd_) throw_errno("opening /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd_.get(), TUNSETIFF, &ifr) != 0) throw_errno("creating TUN device " + name);
  name_ = ifr.ifr_name;
}

size_t Tun::read(std::span<overlay::Packet> packets) {
  if (packets.empty() || !wait_readable(fd_.get(), kWakeMs)) return 0;
  ssize_t n = ::read(fd_.get(), packets[0].data, packets[0].cap);
  if (n <= 0) return 0;
  packets[0].len = size_t(n);
  return 1;
}

void Tun::write(std::span<const overlay::Packet> packets) {
  // A failed write drops that packet, as a full queue on a real link would.
  for (const auto& p : packets) (void)!::write(fd_.get(), p.data, p.len);
}

}  // namespace ovl::os
