// TCP and UDP probes, sent and answered by overlaylab itself: a socket in the
// source namespace, and in the destination namespace a listener (TCP: the
// kernel completes the handshake for it) or a responder that sends each
// datagram back (UDP). No netcat, no helper process: one thread drives both
// ends with poll until the answer or the deadline.
#pragma once

#include <chrono>
#include <optional>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"
#include "core/os/ping.h"

namespace ovl::os {

struct TransportProbe {
  int from_netns = -1;  // where the probe is sent from
  int to_netns = -1;    // where overlaylab answers; -1: nobody does (the kernel's own answer shows)
  net::Ipv4 dst;
  uint16_t port = 0;
  std::chrono::milliseconds timeout{1000};
};

// One datagram of payload to dst:port and back; df as set_dont_fragment.
EchoResult udp_probe(const TransportProbe& p, net::Bytes payload, std::optional<bool> df);

// A handshake with dst:port, then size bytes sent and read by the listener.
EchoResult tcp_probe(const TransportProbe& p, size_t size);

}  // namespace ovl::os
