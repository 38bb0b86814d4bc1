#include "core/net/checksum.h"

#include <gtest/gtest.h>

#include <vector>

namespace ovl::net {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte(v));
  return out;
}

// RFC 1071 section 3's worked example: words 0001 f203 f4f5 f6f7 sum to ddf2.
TEST(Checksum, Rfc1071Example) {
  auto data = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(checksum_finish(checksum_partial(data)), uint16_t(~0xddf2));
}

TEST(Checksum, OddLengthPadsWithZero) {
  EXPECT_EQ(internet_checksum(bytes({0x12, 0x34, 0x56})),
            internet_checksum(bytes({0x12, 0x34, 0x56, 0x00})));
}

TEST(Checksum, IncrementalUpdateMatchesRecompute) {
  auto data = bytes({0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01});
  uint16_t before = internet_checksum(data);
  data[8] = std::byte(0x3f);  // TTL 64 -> 63
  EXPECT_EQ(checksum_update(before, 0x4001, 0x3f01), internet_checksum(data));
}

}  // namespace
}  // namespace ovl::net
