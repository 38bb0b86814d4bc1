// ICMP echo sent by overlaylab itself from inside a namespace, through a raw
// socket, so a probe carries an id and payload chosen here and the reply's
// TTL can be read from its IP header. EchoResult is the answer to any probe
// (transport_probe.h sends the TCP and UDP ones).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/os/fd.h"
#include "core/net/bytes.h"
#include "core/net/ipv4.h"

namespace ovl::os {

struct EchoResult {
  // reply: the answer came (TCP: the handshake completed and every byte
  // arrived); icmp_error: an ICMP error quoting the probe; too_big: the
  // sender's own kernel refused it (DF set, larger than the path MTU it
  // knows: EMSGSIZE); refused: a TCP RST; stalled: a TCP transfer that
  // stopped part-way; timeout: nothing came back.
  enum class Kind { reply, icmp_error, timeout, too_big, refused, stalled } kind = Kind::timeout;
  net::Ipv4 from;        // who answered
  int ttl = 0;           // of the answer as received (0: the socket cannot tell)
  size_t bytes = 0;      // payload bytes of the answer
  uint8_t icmp_type = 0, icmp_code = 0;
  int mtu = 0;           // too_big: the path MTU; fragmentation needed: the MTU it names
  net::Ipv4 source;      // TCP and UDP: the source address the kernel gave the probe
  uint16_t sport = 0;    // TCP and UDP: the source port the kernel gave the probe
  size_t delivered = 0;  // TCP: bytes the listener read
  std::chrono::nanoseconds rtt{0};
};

// The MTU the socket's kernel holds for the path to dst (IP_MTU once
// connected); 0 when it cannot tell.
int path_mtu(int fd, net::Ipv4 dst);

// IP_MTU_DISCOVER: df true sets DF and refuses what does not fit (DO), false
// never sets it and fragments (DONT); nullopt keeps the kernel's default.
void set_dont_fragment(int fd, std::optional<bool> df);

class Pinger {
 public:
  explicit Pinger(int netns_fd);  // a raw ICMP socket in that namespace

  // Sends one echo request and waits for its reply, or for an ICMP error that
  // quotes it, or for timeout.
  EchoResult echo(net::Ipv4 dst, uint16_t id, uint16_t seq, net::Bytes payload,
                  std::chrono::milliseconds timeout, std::optional<bool> df = std::nullopt);

 private:
  Fd sock_;
};

}  // namespace ovl::os
