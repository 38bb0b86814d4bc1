#include "core/overlay/lease.h"

#include <gtest/gtest.h>

namespace ovl::overlay {
namespace {

// Lease values exactly as Flannel's releases write them (pkg/lease LeaseAttrs
// through Go's encoding/json; the seeds' era is v0.7 to v0.10, etcd v2).

LeaseAttrs attrs(const char* ip, const char* type, std::optional<VxlanBackendData> vxlan = std::nullopt) {
  return LeaseAttrs{*net::Ipv4::parse(ip), type, vxlan};
}

VxlanBackendData vtep(const char* mac, uint32_t vni = 1) { return VxlanBackendData{vni, *net::Mac::parse(mac)}; }

std::string error_of(std::string_view json) {
  try {
    attrs_from_json(json);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

// Today's Flannel (v0.15 on): PublicIPv6 always there, null on IPv4 nodes;
// udp sets no BackendType. The vxlan example is Flannel's own
// Documentation/reservations.md.
TEST(LeaseAttrs, WritesWhatFlannelWritesToday) {
  EXPECT_EQ(attrs_to_json(attrs("172.20.54.98", "")), R"({"PublicIP":"172.20.54.98","PublicIPv6":null})");
  EXPECT_EQ(attrs_to_json(attrs("172.20.54.98", "host-gw")),
            R"({"PublicIP":"172.20.54.98","PublicIPv6":null,"BackendType":"host-gw"})");
  EXPECT_EQ(attrs_to_json(attrs("192.168.64.3", "vxlan", vtep("c6:d2:32:6f:8f:44"))),
            R"({"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan",)"
            R"("BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}})");
}

TEST(LeaseAttrs, ReadsWhatFlannelWritesToday) {
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"172.20.54.98","PublicIPv6":null})"), attrs("172.20.54.98", ""));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","PublicIPv6":null,"BackendType":"host-gw"})"),
            attrs("10.0.0.1", "host-gw"));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan",)"
                            R"("BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}})"),
            attrs("192.168.64.3", "vxlan", vtep("c6:d2:32:6f:8f:44")));
  // A dual-stack vxlan node: the IPv6 half is not the lab's business.
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","PublicIPv6":"fd00::1","BackendType":"vxlan",)"
                            R"("BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"},)"
                            R"("BackendV6Data":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:45"}})"),
            attrs("10.0.0.1", "vxlan", vtep("c6:d2:32:6f:8f:44")));
}

// v0.7 to v0.10, the seeds' Flannel: no PublicIPv6, and vxlan's BackendData
// holds VtepMAC alone (before v0.13.1). The udp values are the seeds' own
// (000 prints it with a space after the colon); the vxlan ones are Flannel's
// v0.7.0 Documentation/reservations.md and issue flannel-io/flannel#484.
TEST(LeaseAttrs, ReadsWhatFlannelWroteInTheSeedsEra) {
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"172.20.54.98"})"), attrs("172.20.54.98", ""));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP": "172.20.54.98"})"), attrs("172.20.54.98", ""));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.168.0.3"})"), attrs("10.168.0.3", ""));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","BackendType":"host-gw"})"), attrs("10.0.0.1", "host-gw"));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.37.7.195","BackendType":"vxlan",)"
                            R"("BackendData":{"VtepMAC":"82:4b:b6:2f:54:4e"}})"),
            attrs("10.37.7.195", "vxlan", vtep("82:4b:b6:2f:54:4e")));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.18.221.107","BackendType":"vxlan",)"
                            R"("BackendData":{"VtepMAC":"22:6d:5f:d3:2a:83"}})"),
            attrs("10.18.221.107", "vxlan", vtep("22:6d:5f:d3:2a:83")));
  // v0.13.1 to v0.14: VNI joins VtepMAC, still no PublicIPv6.
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","BackendType":"vxlan",)"
                            R"("BackendData":{"VNI":4096,"VtepMAC":"82:4b:b6:2f:54:4e"}})"),
            attrs("10.0.0.1", "vxlan", vtep("82:4b:b6:2f:54:4e", 4096)));
}

TEST(LeaseAttrs, IgnoresUnknownKeysAndOtherBackendsData) {
  EXPECT_EQ(attrs_from_json(R"({"Owner":"me","PublicIP":"10.0.0.1","PublicIPv6":null,"BackendData":{"x":1},"X":[1]})"),
            attrs("10.0.0.1", ""));
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","BackendType":"udp","BackendData":null})"),
            attrs("10.0.0.1", "udp"));
  EXPECT_EQ(backend_type_text(attrs("10.0.0.1", "")), "none");
  EXPECT_EQ(backend_type_text(attrs("10.0.0.1", "host-gw")), "host-gw");
}

TEST(LeaseAttrs, RoundTrips) {
  for (const auto& a : {attrs("172.20.33.102", ""), attrs("172.20.33.102", "host-gw"),
                        attrs("172.20.33.102", "vxlan", vtep("52:17:43:ba:2e:56", 7))})
    EXPECT_EQ(attrs_from_json(attrs_to_json(a)), a) << attrs_to_json(a);
}

// Only a vxlan node needs BackendData: a broken one leaves the rest of the
// value usable (a udp node routes by it), and says what is wrong.
TEST(LeaseAttrs, AnUnreadableVxlanBackendDataIsKeptAsAProblem) {
  auto a = attrs_from_json(R"({"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VtepMAC":"52:17"}})");
  EXPECT_EQ(a.public_ip, net::Ipv4(10, 0, 0, 1));
  EXPECT_FALSE(a.vxlan);
  EXPECT_EQ(a.backend_data_problem, R"("VtepMAC" "52:17" is not a MAC address)");
  EXPECT_EQ(attrs_from_json(R"({"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":[]})").backend_data_problem,
            R"("BackendData" is not an object)");
}

TEST(LeaseAttrs, NamesWhatIsWrong) {
  EXPECT_EQ(error_of("nope"), "lease value nope: is not a JSON object");
  EXPECT_EQ(error_of(R"({"BackendType":"udp"})"), R"(lease value {"BackendType":"udp"}: "PublicIP" is missing)");
  EXPECT_EQ(error_of(R"({"PublicIP":null})"), R"(lease value {"PublicIP":null}: "PublicIP" null is not a string)");
  EXPECT_EQ(error_of(R"({"PublicIP":"172.20.33"})"),
            R"(lease value {"PublicIP":"172.20.33"}: "PublicIP" "172.20.33" is not an IPv4 address)");
  EXPECT_EQ(error_of(R"({"PublicIP":"1.2.3.4","BackendType":7})"),
            R"(lease value {"PublicIP":"1.2.3.4","BackendType":7}: "BackendType" 7 is not a string)");
}

TEST(SubnetEnv, WritesTheFourLinesFlannelWrites) {
  SubnetEnv env{*net::Cidr::parse("100.96.0.0/16"), *net::Cidr::parse("100.96.1.0/24"), 1472, false};
  EXPECT_EQ(format_subnet_env(env),
            "FLANNEL_NETWORK=100.96.0.0/16\n"
            "FLANNEL_SUBNET=100.96.1.1/24\n"
            "FLANNEL_MTU=1472\n"
            "FLANNEL_IPMASQ=false\n");
  env.ip_masq = true;
  EXPECT_NE(format_subnet_env(env).find("FLANNEL_IPMASQ=true\n"), std::string::npos);
}

TEST(SubnetEnv, ReadsTheSubnetAsTheLeaseNetwork) {
  auto env = parse_subnet_env(
      "FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_SUBNET=100.96.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->network, *net::Cidr::parse("100.96.0.0/16"));
  EXPECT_EQ(env->subnet, *net::Cidr::parse("100.96.1.0/24"));
  EXPECT_EQ(env->mtu, 1472);
  EXPECT_TRUE(env->ip_masq);
}

TEST(SubnetEnv, RoundTrips) {
  SubnetEnv env{*net::Cidr::parse("10.244.0.0/16"), *net::Cidr::parse("10.244.3.0/24"), 1450, true};
  auto back = parse_subnet_env(format_subnet_env(env));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->network, env.network);
  EXPECT_EQ(back->subnet, env.subnet);
  EXPECT_EQ(back->mtu, env.mtu);
  EXPECT_EQ(back->ip_masq, env.ip_masq);
}

TEST(SubnetEnv, NeedsOnlyTheSubnet) {
  auto env = parse_subnet_env("# written by hand\r\nFLANNEL_SUBNET=10.244.0.1/24\r\nFLANNEL_MTU=x\r\n");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->subnet, *net::Cidr::parse("10.244.0.0/24"));
  EXPECT_EQ(env->mtu, 0);
  EXPECT_EQ(env->network, net::Cidr());
  EXPECT_FALSE(env->ip_masq);
}

TEST(SubnetEnv, WithoutAReadableSubnetIsNothing) {
  EXPECT_FALSE(parse_subnet_env(""));
  EXPECT_FALSE(parse_subnet_env("FLANNEL_NETWORK=100.96.0.0/16\nFLANNEL_MTU=1472\n"));
  EXPECT_FALSE(parse_subnet_env("FLANNEL_SUBNET=100.96.1.1\n"));
}

}  // namespace
}  // namespace ovl::overlay
