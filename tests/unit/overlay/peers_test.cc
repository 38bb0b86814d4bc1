// The per-peer entries of the vxlan and host-gw backends against a simulating
// NetworkOps: DESIGN.md section 6's table, for a peer that joins, changes its
// VTEP MAC, and leaves.
#include "core/overlay/peers.h"

#include <gtest/gtest.h>

#include "tests/support/fake_network.h"

namespace ovl::overlay {
namespace {

using Lines = std::vector<std::string>;

net::Cidr cidr(const char* text) { return *net::Cidr::parse(text); }
net::Mac mac(const char* text) { return *net::Mac::parse(text); }

Lease vxlan_lease(const char* subnet, net::Ipv4 ip, const char* vtep) {
  return Lease{cidr(subnet), LeaseAttrs{ip, "vxlan", VxlanBackendData{1, mac(vtep)}}};
}

const net::Ipv4 kNode2(172, 20, 54, 98), kNode3(172, 20, 54, 99);

TEST(VxlanPeers, AJoiningPeerGetsNeighbourFdbAndRouteInFlannelsOrder) {
  test::FakeNetwork net;
  VxlanPeers peers(net, "flannel.1", 8472);
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:01"));
  EXPECT_EQ(net.applied, (Lines{"ip neigh replace 100.96.2.0 lladdr 0e:00:00:00:02:01 nud permanent dev flannel.1",
                                "bridge fdb replace 0e:00:00:00:02:01 dst 172.20.54.98 self permanent dev flannel.1",
                                "ip route replace 100.96.2.0/24 via 100.96.2.0 dev flannel.1 onlink"}));
  peers.add(vxlan_lease("100.96.3.0/24", kNode3, "0e:00:00:00:03:01"));
  EXPECT_EQ(net.tables(), (Lines{"0e:00:00:00:02:01 dev flannel.1 dst 172.20.54.98 self permanent",
                                 "0e:00:00:00:03:01 dev flannel.1 dst 172.20.54.99 self permanent",
                                 "100.96.2.0 dev flannel.1 lladdr 0e:00:00:00:02:01 PERMANENT",
                                 "100.96.2.0/24 via 100.96.2.0 dev flannel.1 onlink",
                                 "100.96.3.0 dev flannel.1 lladdr 0e:00:00:00:03:01 PERMANENT",
                                 "100.96.3.0/24 via 100.96.3.0 dev flannel.1 onlink"}));
  DaemonStatus s;
  peers.describe(s);
  ASSERT_EQ(s.peers.size(), 2u);
  EXPECT_EQ(s.peers[0].vtep_mac, mac("0e:00:00:00:02:01"));
  EXPECT_EQ(s.peers[0].port, 8472);
}

TEST(VxlanPeers, APeerThatChangedItsVtepMacLeavesNoOldFdbEntry) {
  test::FakeNetwork net;
  VxlanPeers peers(net, "flannel.1", 8472);
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:01"));
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:02"));
  EXPECT_EQ(net.tables(), (Lines{"0e:00:00:00:02:02 dev flannel.1 dst 172.20.54.98 self permanent",
                                 "100.96.2.0 dev flannel.1 lladdr 0e:00:00:00:02:02 PERMANENT",
                                 "100.96.2.0/24 via 100.96.2.0 dev flannel.1 onlink"}));
}

// This daemon was down while the peer recreated its device: the entry of
// the peer's earlier life is in the kernel but not in this daemon's memory.
TEST(VxlanPeers, AnFdbEntryFromAPeersEarlierLifeIsSwept) {
  test::FakeNetwork net;
  net.state[""].fdb[{"flannel.1", mac("0e:00:00:00:02:99")}] = kNode2;
  VxlanPeers peers(net, "flannel.1", 8472);
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:01"));
  EXPECT_EQ(net.fdb("", "flannel.1"), (std::vector<scenario::RemoteFdb>{{mac("0e:00:00:00:02:01"), kNode2}}));
}

TEST(VxlanPeers, ALeavingPeerTakesItsEntriesWithIt) {
  test::FakeNetwork net;
  VxlanPeers peers(net, "flannel.1", 8472);
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:01"));
  peers.add(vxlan_lease("100.96.3.0/24", kNode3, "0e:00:00:00:03:01"));
  peers.remove(cidr("100.96.2.0/24"));
  EXPECT_EQ(net.tables(), (Lines{"0e:00:00:00:03:01 dev flannel.1 dst 172.20.54.99 self permanent",
                                 "100.96.3.0 dev flannel.1 lladdr 0e:00:00:00:03:01 PERMANENT",
                                 "100.96.3.0/24 via 100.96.3.0 dev flannel.1 onlink"}));
  peers.remove(cidr("100.96.2.0/24"));  // twice is fine
  DaemonStatus s;
  peers.describe(s);
  EXPECT_EQ(s.peers.size(), 1u);
}

TEST(VxlanPeers, ALeaseWithoutBackendDataIsSkippedAndSaysWhy) {
  test::FakeNetwork net;
  VxlanPeers peers(net, "flannel.1", 8472);
  peers.add(vxlan_lease("100.96.2.0/24", kNode2, "0e:00:00:00:02:01"));
  Lease udp{cidr("100.96.2.0/24"), LeaseAttrs{kNode2, "udp", std::nullopt}};
  EXPECT_THROW(peers.add(udp), PeerSkipped);
  EXPECT_EQ(net.tables(), Lines{});  // what it had is removed, not left half-valid
  DaemonStatus s;
  peers.describe(s);
  ASSERT_EQ(s.peers.size(), 1u);
  EXPECT_NE(s.peers[0].problem.find("has backend type udp"), std::string::npos) << s.peers[0].problem;
  EXPECT_FALSE(s.peers[0].vtep_mac);
}

Lease hostgw_lease(const char* subnet, net::Ipv4 ip) { return Lease{cidr(subnet), LeaseAttrs{ip, "host-gw", std::nullopt}}; }

TEST(HostGwPeers, EachPeerIsARouteViaItsNode) {
  test::FakeNetwork net;
  HostGwPeers peers(net, "eth0", cidr("172.20.32.0/19"));
  peers.add(hostgw_lease("100.96.2.0/24", kNode2));
  peers.add(hostgw_lease("100.96.3.0/24", kNode3));
  EXPECT_EQ(net.tables(), (Lines{"100.96.2.0/24 via 172.20.54.98 dev eth0", "100.96.3.0/24 via 172.20.54.99 dev eth0"}));
  EXPECT_EQ(net.applied.front(), "ip route replace 100.96.2.0/24 via 172.20.54.98 dev eth0");
}

TEST(HostGwPeers, APeerThatMovedGetsItsRouteChangedAndALeavingOneLosesIt) {
  test::FakeNetwork net;
  HostGwPeers peers(net, "eth0", cidr("172.20.32.0/19"));
  peers.add(hostgw_lease("100.96.2.0/24", kNode2));
  peers.add(hostgw_lease("100.96.2.0/24", kNode3));
  EXPECT_EQ(net.tables(), Lines{"100.96.2.0/24 via 172.20.54.99 dev eth0"});
  peers.remove(cidr("100.96.2.0/24"));
  EXPECT_EQ(net.tables(), Lines{});
}

TEST(HostGwPeers, APeerOffTheSegmentIsSkippedWithTheSentence) {
  test::FakeNetwork net;
  HostGwPeers peers(net, "eth0", cidr("192.168.1.0/24"));
  try {
    peers.add(hostgw_lease("100.96.2.0/24", net::Ipv4(192, 168, 2, 10)));
    FAIL() << "not skipped";
  } catch (const PeerSkipped& e) {
    EXPECT_EQ(std::string(e.what()),
              "host-gw cannot reach 100.96.2.0/24: its node 192.168.2.10 is not on eth0's segment 192.168.1.0/24; "
              "host-gw needs every node on one L2 segment (use udp or vxlan)");
  }
  EXPECT_EQ(net.tables(), Lines{});
  DaemonStatus s;
  peers.describe(s);
  ASSERT_EQ(s.peers.size(), 1u);
  EXPECT_EQ(s.peers[0].via, "");
  EXPECT_NE(s.peers[0].problem, "");
}

}  // namespace
}  // namespace ovl::overlay
