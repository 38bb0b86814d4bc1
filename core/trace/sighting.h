// What a capture produces: every time a packet of interest passed an
// interface, with the kernel's timestamp, the direction and the bytes. Plain
// data; core/os/capture.h fills it, the rest of core/trace reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ovl::trace {

// Ethernet for veths, bridges and VXLAN devices; raw IPv4 for TUN devices.
enum class LinkType { ethernet, raw_ip };
enum class Direction { in, out };

const char* to_string(Direction d);

struct CapturePoint {
  std::string host;   // lab host name: node, container, router, or "fabric"
  std::string iface;  // interface name inside that host
  LinkType link = LinkType::ethernet;
  std::string master;  // the bridge this interface is a port of, if any
  std::string name() const { return host + ":" + iface; }
};

struct Sighting {
  size_t point = 0;    // index into the capture's points
  int64_t t_ns = 0;    // kernel timestamp, CLOCK_REALTIME nanoseconds
  Direction dir = Direction::in;
  std::vector<std::byte> bytes;
  uint32_t wire_len = 0;  // length on the wire (bytes may be cut at the snap length)
};

struct Capture {
  std::vector<CapturePoint> points;
  std::vector<Sighting> sightings;
};

}  // namespace ovl::trace
