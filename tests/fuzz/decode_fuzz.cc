// Fuzz target: the trace decoder on captured bytes of every link type, with
// and without an overlay port to look inside, matching a fixed probe key.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/trace/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ovl::trace;
  ovl::net::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  ProbeKey key{77, 1, std::vector<std::byte>(16, std::byte(0x5a)), ovl::net::Ipv4(100, 96, 2, 3)};
  for (auto link : {LinkType::ethernet, LinkType::raw_ip})
    for (auto options : {DecodeOptions{8285, 0}, DecodeOptions{0, 8472}, DecodeOptions{}}) {
      auto d = decode(bytes, link, key, options);
      (void)outer_ipv4(d.layers);
      (void)inner_ipv4(d.layers);
    }
  return 0;
}
