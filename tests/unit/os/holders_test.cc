// Reading who holds a TUN device or a UDP port: the /proc texts parsed.
#include "core/os/holders.h"

#include <gtest/gtest.h>

namespace ovl::os {
namespace {

TEST(Holders, FindsTheSocketsBoundToAPortInProcNetUdp) {
  // 0x205D is 8285; the second row is bound elsewhere, the third is 8285 on another address.
  const char* table =
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
      "  112: 66211414:205D 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41234 2 0000000000000000 0\n"
      "  113: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41235 2 0000000000000000 0\n"
      "  114: 00000000:205D 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41236 2 0000000000000000 0\n";
  EXPECT_EQ(udp_inodes(table, 8285), (std::vector<uint64_t>{41234, 41236}));
  EXPECT_TRUE(udp_inodes(table, 8472).empty());
  EXPECT_TRUE(udp_inodes("", 8285).empty());
}

TEST(Holders, ReadsTheInterfaceOfATunFdFromItsFdinfo) {
  EXPECT_EQ(tun_iface("pos:\t0\nflags:\t0104002\nmnt_id:\t25\nino:\t1059\niff:\tflannel0\n"), "flannel0");
  EXPECT_EQ(tun_iface("pos:\t0\nflags:\t02\n"), "");
}

TEST(Holders, DescribesProcessesByNameAndPid) {
  EXPECT_EQ(describe({}), "");
  EXPECT_EQ(describe({{4242, "overlayd"}}), "overlayd (pid 4242)");
  EXPECT_EQ(describe({{1, "flanneld"}, {2, "flanneld"}}), "flanneld (pid 1) and flanneld (pid 2)");
}

}  // namespace
}  // namespace ovl::os
