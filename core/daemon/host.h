// What overlayd needs from the machine it runs on, for the daemon loop
// (core/overlay/daemon.h): the external interface, the backends, randomness.
#pragma once

#include "core/daemon/udp_backend.h"
#include "core/overlay/daemon.h"

namespace ovl::daemon {

// The host seam on the real kernel: the interface's first IPv4 address and
// MTU through netlink; backends from make_backend (a udp one with udp);
// std::random_device.
overlay::DaemonHost linux_daemon_host(const UdpOptions& udp = {});

}  // namespace ovl::daemon
