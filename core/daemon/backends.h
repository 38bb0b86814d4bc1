// The backend a network config names: Flannel's udp, vxlan or host-gw, made
// here rather than beside the Backend interface so that the interface (pure)
// knows none of the kernel-side implementations.
#pragma once

#include <memory>

#include "core/daemon/udp_backend.h"
#include "core/overlay/backend.h"

namespace ovl::daemon {

// The backend named by the config's Backend.Type, a udp one with udp's
// options; throws for unknown types.
std::unique_ptr<overlay::Backend> make_backend(const overlay::NetworkConfig& config,
                                               const overlay::ExternalIface& external, const UdpOptions& udp = {});

}  // namespace ovl::daemon
