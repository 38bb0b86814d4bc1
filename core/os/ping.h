// ICMP echo sent by overlaylab itself from inside a namespace, through a raw
// socket, so a probe carries an id and payload chosen here and the reply's
// TTL can be read from its IP header.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/os/fd.h"
#include "core/net/bytes.h"
#include "core/net/ipv4.h"

namespace ovl::os {

struct EchoResult {
  enum class Kind { reply, icmp_error, timeout } kind = Kind::timeout;
  net::Ipv4 from;        // who answered
  int ttl = 0;           // of the answer as received
  size_t bytes = 0;      // ICMP bytes of the answer
  uint8_t icmp_type = 0, icmp_code = 0;
  std::chrono::nanoseconds rtt{0};
};

class Pinger {
 public:
  explicit Pinger(int netns_fd);  // a raw ICMP socket in that namespace

  // Sends one echo request and waits for its reply, or for an ICMP error that
  // quotes it, or for timeout.
  EchoResult echo(net::Ipv4 dst, uint16_t id, uint16_t seq, net::Bytes payload,
                  std::chrono::milliseconds timeout);

 private:
  Fd sock_;
};

}  // namespace ovl::os
