// Fuzz target: the trace decoder on captured bytes of every link type, with
// and without an overlay port to look inside, whole or cut at a snap length,
// matching a fixed probe key of each kind (TCP with a known initial sequence
// number, so that segments are matched and named).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/trace/decode.h"

namespace {

std::vector<ovl::trace::ProbeKey> keys() {
  using ovl::scenario::ProbeKind;
  std::vector<ovl::trace::ProbeKey> out;
  for (auto kind : {ProbeKind::icmp, ProbeKind::tcp, ProbeKind::udp}) {
    ovl::trace::ProbeKey key;
    key.kind = kind;
    key.id = 77;
    key.seq = 1;
    key.nonce = std::vector<std::byte>(16, std::byte(0x5a));
    key.src = ovl::net::Ipv4(100, 96, 1, 2);
    key.dst = ovl::net::Ipv4(100, 96, 2, 3);
    key.sport = 40000;
    key.dport = kind == ProbeKind::tcp ? 80 : 7;
    key.isn = 1000;
    key.size = 100000;
    out.push_back(key);
  }
  return out;
}

void use(const ovl::trace::Decoded& d) {
  (void)ovl::trace::outer_ipv4(d.layers);
  (void)ovl::trace::inner_ipv4(d.layers);
  for (const auto& more : d.also) use(more);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ovl::trace;
  static const auto probe_keys = keys();
  ovl::net::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  for (const auto& key : probe_keys)
    for (auto link : {LinkType::ethernet, LinkType::raw_ip})
      for (auto options : {DecodeOptions{8285, 0}, DecodeOptions{0, 8472}, DecodeOptions{}})
        for (bool cut : {false, true}) use(decode(bytes, link, key, options, cut));
  return 0;
}
