#include "core/net/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/net/packet.h"
#include "tests/support/reference_checksum.h"

namespace ovl::net {
namespace {

using test::reference_sum;

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

// The vectorised sum against the plain one: every length around its 64- and
// 8-byte steps, chained at an even offset, and a sum that must fold.
TEST(Checksum, MatchesTheReferenceForAnyLengthAndChains) {
  std::mt19937 rng(7);
  for (size_t len : {0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 1399, 1432, 65535}) {
    std::vector<std::byte> b(len);
    for (auto& x : b) x = std::byte(rng());
    EXPECT_EQ(checksum_finish(checksum_partial(b, 0x1234)), checksum_finish(reference_sum(b, 0x1234))) << len;
    if (len < 64) continue;
    auto split = Bytes(b).first(32);
    EXPECT_EQ(checksum_finish(checksum_partial(Bytes(b).subspan(32), checksum_partial(split))),
              checksum_finish(reference_sum(b)));
  }
}

TEST(Checksum, AllOnesDataStillFolds) {
  std::vector<std::byte> b(65535, std::byte(0xff));
  EXPECT_EQ(checksum_finish(checksum_partial(b)), checksum_finish(reference_sum(b)));
}

// RFC 768's pseudo-header: source, destination, zero, protocol, length.
TEST(Checksum, PseudoHeaderSumsTheTwelveBytes) {
  Ipv4 src(172, 20, 33, 102), dst(172, 20, 54, 98);
  auto pseudo = bytes({172, 20, 33, 102, 172, 20, 54, 98, 0, kProtoUdp, 0x05, 0xdc});
  auto ip = bytes({0x45, 0, 0, 0, 0, 0, 0, 0, 64, kProtoUdp, 0, 0, 172, 20, 33, 102, 172, 20, 54, 98});
  uint16_t want = checksum_fold(reference_sum(pseudo));
  EXPECT_EQ(checksum_fold(pseudo_header_sum(src, dst, kProtoUdp, 0x05dc)), want);
  EXPECT_EQ(checksum_fold(pseudo_header_sum(ip, kProtoUdp, 0x05dc)), want);
}

TEST(Checksum, IncrementalUpdateMatchesRecompute) {
  auto data = bytes({0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01});
  uint16_t before = internet_checksum(data);
  data[8] = std::byte(0x3f);  // TTL 64 -> 63
  EXPECT_EQ(checksum_update(before, 0x4001, 0x3f01), internet_checksum(data));
}

}  // namespace
}  // namespace ovl::net
