// Fuzz target: overlayd's hot path on hostile bytes — a packet read from
// flannel0, a datagram from the wire, and a fast-path frame with its
// virtio_net_hdr (checksum completion, GSO planning and splitting, GRO
// splitting and coalescing). Every function works on a copy it may change.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/overlay/forwarder.h"
#include "core/overlay/offload.h"

namespace {

using namespace ovl;

overlay::RouteTable table() {
  return overlay::RouteTable({{*net::Cidr::parse("100.96.2.0/24"), {net::Ipv4(172, 20, 54, 98), 8285}}});
}

void fast_path(std::vector<std::byte> frame) {
  if (frame.size() < net::kVnetHeaderSize) return;
  auto h = overlay::parse_vnet_header(net::Bytes(frame).first(net::kVnetHeaderSize));
  net::MutableBytes packet = net::MutableBytes(frame).subspan(net::kVnetHeaderSize);
  if (h.gso_type == overlay::kGsoNone) {
    (void)overlay::complete_checksum(packet, h);
    return;
  }
  auto plan = overlay::plan_split(packet, h);
  if (plan.error != overlay::OffloadError::none || plan.segments > 256) return;
  std::vector<net::Segment> segments(plan.segments);
  std::vector<std::byte> headers(plan.segments * plan.header_size);
  overlay::gso_split(packet, h, plan, segments, headers);
}

void gro(std::vector<std::byte> buffer, uint16_t segment_size) {
  std::vector<net::MutableBytes> datagrams(64);
  size_t n = overlay::split_gro(buffer, segment_size, datagrams);
  overlay::Coalescer coalescer(64);
  for (size_t i = 0; i < n; ++i)
    if (overlay::accept_incoming(datagrams[i]) == overlay::Verdict::forward) coalescer.add(datagrams[i]);
  (void)coalescer.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  std::vector<std::byte> input(bytes, bytes + size);
  auto copy = input;
  net::Endpoint hop;
  (void)overlay::route_outgoing(copy, table(), &hop);
  copy = input;
  (void)overlay::accept_incoming(copy);
  fast_path(input);
  if (size > 2) gro(std::vector<std::byte>(bytes + 2, bytes + size), uint16_t(data[0] << 8 | data[1]));
  return 0;
}
