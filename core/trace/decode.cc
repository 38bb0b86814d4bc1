#include "core/trace/decode.h"

#include <algorithm>

#include "core/net/packet.h"

namespace ovl::trace {

const char* icmp_name(uint8_t type, uint8_t code) {
  switch (type) {
    case net::kIcmpEchoReply: return "echo reply";
    case net::kIcmpEchoRequest: return "echo request";
    case net::kIcmpTimeExceeded: return "time exceeded";
    case net::kIcmpUnreachable:
      return code == 0 ? "net unreachable" : code == 1 ? "host unreachable" : code == 3 ? "port unreachable"
                                                                                      : "destination unreachable";
    default: return "icmp";
  }
}

namespace {

class Decoder {
 public:
  Decoder(const ProbeKey& key, const DecodeOptions& options) : key_(key), options_(options) {}

  Decoded run(net::Bytes bytes, LinkType link) {
    start_ = bytes.data();
    if (link == LinkType::ethernet)
      ethernet(bytes);
    else
      ipv4(bytes);
    return std::move(out_);
  }

 private:
  void ethernet(net::Bytes b) {
    auto eth = net::parse_ethernet(b);
    if (!eth) return;
    char type[8];
    std::snprintf(type, sizeof type, "0x%04x", eth.header.ethertype);
    add({"eth", {{"src", eth.header.src.str()}, {"dst", eth.header.dst.str()}, {"type", type}},
         "Ethernet " + eth.header.src.str() + " > " + eth.header.dst.str()},
        b, net::EthernetHeader::kSize);
    if (eth.header.ethertype == net::kEtherTypeIpv4) ipv4(b.subspan(net::EthernetHeader::kSize));
  }

  void ipv4(net::Bytes b) {
    auto ip = net::parse_ipv4(b);
    if (!ip) return;
    const auto& h = ip.header;
    add({"ipv4",
         {{"src", h.src.str()}, {"dst", h.dst.str()}, {"ttl", h.ttl}, {"id", h.id}, {"protocol", h.protocol},
          {"len", h.total_length}},
         "IPv4 " + h.src.str() + " > " + h.dst.str() + " ttl " + std::to_string(h.ttl)},
        b, h.header_length);
    auto payload = net::ipv4_payload(b, h);
    if (h.fragment_offset() != 0) return;
    if (h.protocol == net::kProtoIcmp) icmp(payload);
    if (h.protocol == net::kProtoUdp) udp(payload);
  }

  void udp(net::Bytes b) {
    auto u = net::parse_udp(b);
    if (!u) return;
    const auto& h = u.header;
    add({"udp", {{"sport", h.src_port}, {"dport", h.dst_port}, {"len", h.length}},
         "UDP " + std::to_string(h.src_port) + " > " + std::to_string(h.dst_port)},
        b, net::UdpHeader::kSize);
    auto payload = b.subspan(net::UdpHeader::kSize, h.length - net::UdpHeader::kSize);
    if (h.dst_port == options_.vxlan_port && options_.vxlan_port != options_.udp_port)
      vxlan(payload);
    else if (h.dst_port == options_.udp_port || h.src_port == options_.udp_port)
      ipv4(payload);
  }

  void vxlan(net::Bytes b) {
    auto v = net::parse_vxlan(b);
    if (!v) return;
    add({"vxlan", {{"vni", v.header.vni}, {"flags", v.header.flags}}, "VXLAN vni " + std::to_string(v.header.vni)},
        b, net::VxlanHeader::kSize);
    ethernet(b.subspan(net::VxlanHeader::kSize));
  }

  void icmp(net::Bytes b) {
    auto i = net::parse_icmp(b);
    if (!i) return;
    const auto& h = i.header;
    nlohmann::ordered_json fields{{"type", h.type}, {"code", h.code}};
    std::string summary = std::string("ICMP ") + icmp_name(h.type, h.code);
    bool echo = h.type == net::kIcmpEchoRequest || h.type == net::kIcmpEchoReply;
    if (echo) {
      fields["id"] = h.id;
      fields["seq"] = h.seq;
      summary += " id " + std::to_string(h.id) + " seq " + std::to_string(h.seq);
    }
    add({"icmp", fields, summary}, b, b.size());
    if (echo) match_echo(h, b.subspan(net::IcmpHeader::kSize));
    if (h.type == net::kIcmpUnreachable || h.type == net::kIcmpTimeExceeded)
      match_error(b.subspan(net::IcmpHeader::kSize));
  }

  void match_echo(const net::IcmpHeader& h, net::Bytes payload) {
    if (h.id != key_.id || h.seq != key_.seq || payload.size() < key_.nonce.size()) return;
    if (!std::equal(key_.nonce.begin(), key_.nonce.end(), payload.begin())) return;
    out_.leg = h.type == net::kIcmpEchoRequest ? Leg::request : Leg::reply;
  }

  // An error quotes the offending IPv4 header and 8 bytes: our echo's header.
  void match_error(net::Bytes quoted) {
    if (quoted.size() < net::Ipv4Header::kMinSize) return;
    size_t ihl = size_t(net::load8(quoted, 0) & 15) * 4;
    if (ihl < 20 || quoted.size() < ihl + 8) return;
    auto inner = quoted.subspan(ihl);
    if (net::load8(inner, 0) == net::kIcmpEchoRequest && net::load16(inner, 4) == key_.id &&
        net::load16(inner, 6) == key_.seq && net::Ipv4(net::load32(quoted, 16)) == key_.dst)
      out_.leg = Leg::reply;
  }

  // Appends layer, which starts at the front of b and spans length bytes.
  void add(Layer layer, net::Bytes b, size_t length) {
    layer.offset = size_t(b.data() - start_);
    layer.length = std::min(length, b.size());
    out_.layers.push_back(std::move(layer));
  }

  const ProbeKey& key_;
  const DecodeOptions& options_;
  const std::byte* start_ = nullptr;
  Decoded out_;
};

}  // namespace

const char* to_string(Leg leg) { return leg == Leg::request ? "request" : "reply"; }

Decoded decode(net::Bytes bytes, LinkType link, const ProbeKey& key, const DecodeOptions& options) {
  return Decoder(key, options).run(bytes, link);
}

const Layer* first(const std::vector<Layer>& layers, const std::string& proto) {
  for (const auto& l : layers)
    if (l.proto == proto) return &l;
  return nullptr;
}

const Layer* outer_ipv4(const std::vector<Layer>& layers) { return first(layers, "ipv4"); }

const Layer* inner_ipv4(const std::vector<Layer>& layers) {
  const Layer* last = nullptr;
  for (const auto& l : layers)
    if (l.proto == "ipv4") last = &l;
  return last;
}

}  // namespace ovl::trace
