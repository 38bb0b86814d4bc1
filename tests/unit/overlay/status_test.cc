// overlayd's status file: one type, written and read through one JSON codec.
#include "core/overlay/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ovl::overlay {
namespace {

DaemonStatus common(const char* backend) {
  DaemonStatus s;
  s.pid = 4242;
  s.backend = backend;
  s.iface = "eth0";
  s.public_ip = net::Ipv4(172, 20, 33, 102);
  s.lease = *net::Cidr::parse("100.96.1.0/24");
  s.lease_expires = "2026-12-02T09:00:00Z";
  s.lease_renewed = "2026-12-01T08:00:00Z";
  s.lease_next_renewal = "2026-12-01T09:01:00Z";
  s.lease_renew_error = "etcd http://172.20.33.102:2379: connection refused while renewing";
  s.mtu = 1472;
  s.store = {"etcd http://172.20.33.102:2379", false, "connection refused"};
  s.updated = "2026-12-01T09:00:00Z";
  return s;
}

TEST(DaemonStatus, EachBackendsStatusSurvivesItsJson) {
  auto udp = common("udp");
  udp.device = "flannel0";
  udp.port = 8285;
  udp.peers = {{*net::Cidr::parse("100.96.2.0/24"), net::Ipv4(172, 20, 54, 98), 8285}};
  udp.udp = UdpStatus{"fast", {}, Offloads{true, true, true, false, true, true, true}, {1 << 24, 1 << 24, false}};
  udp.unusable_leases = {{"/coreos.com/network/subnets/100.96.9.0-24", "lease value nope: is not a JSON object"}};
  udp.unusable_seen = 3;
  udp.udp->counters.drop_truncated = 3;
  udp.udp->counters.coalesced_segments = 7;

  auto vxlan = common("vxlan");
  vxlan.device = "flannel.1";
  vxlan.port = 8472;
  vxlan.vxlan = VxlanStatus{1, *net::Mac::parse("0e:11:22:33:44:55"), "created flannel.1"};
  vxlan.peers = {{*net::Cidr::parse("100.96.2.0/24"), net::Ipv4(172, 20, 54, 98), 8472,
                  net::Mac::parse("0e:11:22:33:44:66")},
                 {*net::Cidr::parse("100.96.3.0/24"), net::Ipv4(172, 20, 54, 99), 8472, std::nullopt, "",
                  "vxlan cannot reach 100.96.3.0/24"}};

  auto hostgw = common("host-gw");
  hostgw.device = "eth0";
  hostgw.segment = net::Cidr::parse("172.20.32.0/19");
  hostgw.peers = {{*net::Cidr::parse("100.96.2.0/24"), net::Ipv4(172, 20, 54, 98), std::nullopt, std::nullopt, "eth0"}};

  for (const auto& s : {udp, vxlan, hostgw}) {
    auto back = parse_daemon_status(to_json(s));
    ASSERT_TRUE(back) << to_json(s);
    EXPECT_EQ(*back, s) << to_json(s);
  }
}

// The keys scripts and tests read stay where they were.
TEST(DaemonStatus, KeepsTheFilesKeys) {
  auto s = common("udp");
  s.device = "flannel0";
  s.port = 8285;
  s.udp = UdpStatus{"simple", {}, std::nullopt, {212992, 212992, true}};
  s.udp->counters.drop_malformed = 2;
  auto j = nlohmann::json::parse(to_json(s));
  EXPECT_EQ(j["lease"]["subnet"], "100.96.1.0/24");
  EXPECT_EQ(j["counters"]["drops"]["malformed"], 2);
  EXPECT_EQ(j["counters"]["fast"]["gso_segments"], 0);
  EXPECT_EQ(j["store"]["ok"], false);
  EXPECT_EQ(j["dataplane"], "simple");
  EXPECT_FALSE(j.contains("offloads"));
  EXPECT_TRUE(j["peers"].is_array());
  EXPECT_EQ(j["socket_buffers"]["rcvbuf"], 212992);
  EXPECT_EQ(j["socket_buffers"]["kernel_default"], true);
  EXPECT_EQ(j["lease"]["renew_error"], "etcd http://172.20.33.102:2379: connection refused while renewing");
  EXPECT_EQ(j["lease"]["next_renewal"], "2026-12-01T09:01:00Z");
  EXPECT_EQ(j["unusable_leases"]["seen"], 0);
  EXPECT_TRUE(j["unusable_leases"]["now"].is_array());
}

TEST(DaemonStatus, WhatIsNotAStatusFileIsRefused) {
  for (const char* text : {"", "{", "[]", "{\"pid\":1}", "null"}) EXPECT_FALSE(parse_daemon_status(text)) << text;
  auto s = common("udp");
  s.device = "flannel0";
  auto j = nlohmann::json::parse(to_json(s));
  j["lease"]["subnet"] = "not a subnet";
  EXPECT_FALSE(parse_daemon_status(j.dump()));
}

}  // namespace
}  // namespace ovl::overlay
