#include "core/net/base64.h"

#include <gtest/gtest.h>

namespace ovl::net {
namespace {

// RFC 4648, section 10.
TEST(Base64, EncodesTheRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfcVectors) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, EncodesAnEtcdKey) {
  EXPECT_EQ(base64_encode("/coreos.com/network/config"), "L2NvcmVvcy5jb20vbmV0d29yay9jb25maWc=");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += char(i);
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    auto part = bytes.substr(0, len);
    EXPECT_EQ(base64_decode(base64_encode(part)), part) << len;
  }
  EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);       // not a multiple of four
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);      // three padding characters
  EXPECT_EQ(base64_decode("===="), std::nullopt);
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding in the middle
  EXPECT_EQ(base64_decode("Zm9v!A=="), std::nullopt);  // outside the alphabet
  EXPECT_EQ(base64_decode("Zm 9"), std::nullopt);
}

}  // namespace
}  // namespace ovl::net
