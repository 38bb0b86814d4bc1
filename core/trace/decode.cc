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
      switch (code) {
        case 0: return "net unreachable";
        case 1: return "host unreachable";
        case 3: return "port unreachable";
        case net::kIcmpFragNeeded: return "fragmentation needed";
        default: return "destination unreachable";
      }
    default: return "icmp";
  }
}

std::string tcp_flag_names(uint8_t flags) {
  using T = net::TcpHeader;
  std::string out;
  for (auto [bit, name] : {std::pair{T::kSyn, "SYN"}, {T::kFin, "FIN"}, {T::kRst, "RST"}, {T::kPsh, "PSH"},
                           {T::kAck, "ACK"}})
    if (flags & bit) out += (out.empty() ? "" : "-") + std::string(name);
  return out.empty() ? "none" : out;
}

namespace {

using scenario::ProbeKind;

// a - b in sequence space, as a signed distance.
int64_t seq_distance(uint32_t a, uint32_t b) { return int32_t(a - b); }

// Whether a quoted source port or ICMP id can be compared with the key's:
// past a NAT the quoted source is the node's, and so is the port.
bool same_source(net::Ipv4 quoted_src, const ProbeKey& key) { return quoted_src == key.src; }

class Decoder {
 public:
  Decoder(const ProbeKey& key, const DecodeOptions& options, bool cut)
      : key_(key), options_(options), partial_(cut) {}

  Decoded run(net::Bytes bytes, LinkType link) {
    start_ = bytes.data();
    if (link == LinkType::ethernet)
      ethernet(bytes);
    else
      ipv4(bytes);
    return std::move(out_);
  }

 private:
  net::Extent extent() const { return partial_ ? net::Extent::partial : net::Extent::whole; }

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
    auto ip = net::parse_ipv4(b, extent());
    if (!ip) return;
    const auto& h = ip.header;
    int offset = h.fragment_offset() * 8;
    nlohmann::ordered_json fields{{"src", h.src.str()}, {"dst", h.dst.str()}, {"ttl", h.ttl},
                                  {"id", h.id},         {"protocol", h.protocol}, {"len", h.total_length},
                                  {"df", h.dont_fragment()}, {"mf", h.more_fragments()}, {"frag_offset", offset}};
    std::string summary = "IPv4 " + h.src.str() + " > " + h.dst.str() + " ttl " + std::to_string(h.ttl);
    fragment_ = h.more_fragments() || offset != 0;
    partial_ = partial_ || fragment_;  // what it carries, inner packets too, may run past the bytes
    if (fragment_)
      summary += " fragment id " + std::to_string(h.id) + " offset " + std::to_string(offset) +
                 (h.more_fragments() ? " (more follow)" : " (last)");
    add({"ipv4", fields, summary}, b, h.header_length);
    ip_ = h;
    if (offset != 0) return;  // no transport header: matched by its IP id (trace.cc)
    auto payload = net::ipv4_payload(b, h);
    if (h.protocol == net::kProtoIcmp) icmp(payload);
    if (h.protocol == net::kProtoUdp) udp(payload);
    if (h.protocol == net::kProtoTcp) tcp(payload);
  }

  void udp(net::Bytes b) {
    auto u = net::parse_udp(b, extent());
    if (!u) return;
    const auto& h = u.header;
    add({"udp", {{"sport", h.src_port}, {"dport", h.dst_port}, {"len", h.length}},
         "UDP " + std::to_string(h.src_port) + " > " + std::to_string(h.dst_port)},
        b, net::UdpHeader::kSize);
    auto payload = b.subspan(net::UdpHeader::kSize, std::min<size_t>(h.length, b.size()) - net::UdpHeader::kSize);
    if (h.dst_port == options_.vxlan_port && options_.vxlan_port != options_.udp_port)
      vxlan(payload);
    else if (h.dst_port == options_.udp_port || h.src_port == options_.udp_port)
      encapsulated(payload);
    else
      match_udp(h, payload);
  }

  // The udp backend's payload: one inner IPv4 packet per datagram; a GSO
  // super-packet holds several back to back, each ending where its IPv4
  // total length says.
  void encapsulated(net::Bytes b) {
    size_t outer = out_.layers.size();
    ipv4(b);
    std::vector<Decoded> more;
    for (size_t at = next_packet(b, 0); at && at < b.size(); at = next_packet(b, at)) {
      Decoder d(key_, options_, partial_);
      d.start_ = start_;  // offsets count from the sighting's first byte
      d.out_.layers.assign(out_.layers.begin(), out_.layers.begin() + long(outer));
      d.ipv4(b.subspan(at));
      more.push_back(std::move(d.out_));
    }
    if (more.empty()) return;
    auto& udp = out_.layers.at(outer - 1);
    udp.fields["gso_datagrams"] = more.size() + 1;
    udp.summary += " (" + std::to_string(more.size() + 1) + " datagrams in one GSO send)";
    for (auto& d : more) d.layers.at(outer - 1) = udp;
    out_.also = std::move(more);
  }

  // Where the IPv4 packet at `at` ends, or 0 when there is none.
  size_t next_packet(net::Bytes b, size_t at) const {
    auto ip = net::parse_ipv4(b.subspan(at), net::Extent::partial);
    return ip ? at + ip.header.total_length : 0;
  }

  void vxlan(net::Bytes b) {
    auto v = net::parse_vxlan(b);
    if (!v) return;
    add({"vxlan", {{"vni", v.header.vni}, {"flags", v.header.flags}}, "VXLAN vni " + std::to_string(v.header.vni)},
        b, net::VxlanHeader::kSize);
    ethernet(b.subspan(net::VxlanHeader::kSize));
  }

  void tcp(net::Bytes b) {
    auto t = net::parse_tcp(b);
    if (!t) return;
    const auto& h = t.header;
    size_t headers = ip_.header_length + h.header_length;
    uint32_t len = ip_.total_length > headers ? uint32_t(ip_.total_length - headers) : 0;
    auto flags = tcp_flag_names(h.flags);
    std::string summary = "TCP " + std::to_string(h.src_port) + " > " + std::to_string(h.dst_port) + " " + flags;
    summary += " seq " + std::to_string(h.seq) + (h.has(net::TcpHeader::kAck) ? " ack " + std::to_string(h.ack) : "");
    if (len) summary += " len " + std::to_string(len);
    add({"tcp",
         {{"sport", h.src_port}, {"dport", h.dst_port}, {"seq", h.seq}, {"ack", h.ack}, {"flags", flags},
          {"win", h.window}, {"len", len}},
         summary},
        b, h.header_length);
    match_tcp(h, len);
  }

  void icmp(net::Bytes b) {
    auto i = net::parse_icmp(b);
    if (!i) return;
    const auto& h = i.header;
    nlohmann::ordered_json fields{{"type", h.type}, {"code", h.code}};
    std::string summary = std::string("ICMP ") + icmp_name(h.type, h.code);
    bool echo = h.type == net::kIcmpEchoRequest || h.type == net::kIcmpEchoReply;
    bool error = h.type == net::kIcmpUnreachable || h.type == net::kIcmpTimeExceeded;
    if (echo) {
      fields["id"] = h.id;
      fields["seq"] = h.seq;
      summary += " id " + std::to_string(h.id) + " seq " + std::to_string(h.seq);
    }
    if (h.type == net::kIcmpUnreachable && h.code == net::kIcmpFragNeeded) {
      fields["mtu"] = net::icmp_next_hop_mtu(h);
      summary += " (mtu " + std::to_string(net::icmp_next_hop_mtu(h)) + ")";
    }
    std::string what = summary;
    std::optional<Leg> leg;
    if (error) leg = quote(b.subspan(net::IcmpHeader::kSize), fields, summary);
    add({"icmp", fields, summary}, b, b.size());
    if (echo) match_echo(h, b.subspan(net::IcmpHeader::kSize));
    if (leg) found(*leg, what + " from " + ip_.src.str());
  }

  // What an ICMP error quotes: the offending packet's IPv4 header and its
  // first 8 bytes (ports, or ICMP type/id/seq, or TCP ports and seq). Returns
  // the leg the error travels when it is about the probe: back against the
  // packet it quotes.
  std::optional<Leg> quote(net::Bytes q, nlohmann::ordered_json& fields, std::string& summary) {
    auto ip = net::parse_ipv4(q, net::Extent::partial);
    if (!ip || q.size() < ip.header.header_length + 8) return std::nullopt;
    const auto& h = ip.header;
    auto l4 = q.subspan(h.header_length, 8);
    nlohmann::ordered_json quoted{{"src", h.src.str()}, {"dst", h.dst.str()}, {"protocol", h.protocol},
                                  {"len", h.total_length}};
    std::string text = h.src.str() + " > " + h.dst.str();
    if (h.protocol == net::kProtoTcp || h.protocol == net::kProtoUdp) {
      quoted["sport"] = net::load16(l4, 0);
      quoted["dport"] = net::load16(l4, 2);
      text += std::string(h.protocol == net::kProtoTcp ? " TCP " : " UDP ") + std::to_string(net::load16(l4, 0)) +
              " > " + std::to_string(net::load16(l4, 2));
    } else if (h.protocol == net::kProtoIcmp) {
      text += std::string(" ICMP ") + icmp_name(net::load8(l4, 0), net::load8(l4, 1));
    }
    fields["quoted"] = quoted;
    summary += ", quoting " + text + " (" + std::to_string(h.total_length) + " bytes)";
    return quoted_leg(h, l4);
  }

  std::optional<Leg> quoted_leg(const net::Ipv4Header& h, net::Bytes l4) const {
    switch (key_.kind) {
      case ProbeKind::icmp: {
        bool ours = h.protocol == net::kProtoIcmp && h.dst == key_.dst && net::load8(l4, 0) == net::kIcmpEchoRequest &&
                    net::load16(l4, 6) == key_.seq && (net::load16(l4, 4) == key_.id || !same_source(h.src, key_));
        return ours ? std::optional(Leg::reply) : std::nullopt;
      }
      case ProbeKind::udp:
      case ProbeKind::tcp: {
        uint8_t proto = key_.kind == ProbeKind::udp ? net::kProtoUdp : net::kProtoTcp;
        if (h.protocol != proto) return std::nullopt;
        uint16_t sport = net::load16(l4, 0), dport = net::load16(l4, 2);
        if (h.dst == key_.dst && dport == key_.dport && (sport == key_.sport || !same_source(h.src, key_)) &&
            (proto == net::kProtoUdp || in_window(net::load32(l4, 4), 0)))
          return Leg::reply;
        if (h.src == key_.dst && sport == key_.dport && (dport == key_.sport || !same_source(h.dst, key_)))
          return Leg::request;  // an error about the answer travels back toward its sender
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  bool nonce_matches(net::Bytes payload) const {
    return !key_.nonce.empty() && payload.size() >= key_.nonce.size() &&
           std::equal(key_.nonce.begin(), key_.nonce.end(), payload.begin());
  }

  void found(Leg leg, std::string label) {
    out_.leg = leg;
    out_.label = std::move(label);
    if (fragment_) out_.fragment_offset = ip_.fragment_offset() * 8;
  }

  // The id is not compared: a masquerading NAT rewrites it, the nonce not.
  void match_echo(const net::IcmpHeader& h, net::Bytes payload) {
    if (key_.kind != ProbeKind::icmp || h.seq != key_.seq || !nonce_matches(payload)) return;
    bool request = h.type == net::kIcmpEchoRequest;
    found(request ? Leg::request : Leg::reply, request ? "echo request" : "echo reply");
  }

  void match_udp(const net::UdpHeader& h, net::Bytes payload) {
    if (key_.kind != ProbeKind::udp || !nonce_matches(payload)) return;
    if (h.dst_port == key_.dport) found(Leg::request, "datagram");
    else if (h.src_port == key_.dport) found(Leg::reply, "reply datagram");
  }

  // seq - isn within [from, size + 1]: the SYN is 0, data bytes 1..size.
  bool in_window(uint32_t seq, int64_t from) const {
    if (!key_.isn) return false;
    int64_t d = seq_distance(seq, *key_.isn);
    return d >= from && d <= int64_t(key_.size) + 1;
  }

  void match_tcp(const net::TcpHeader& h, uint32_t len) {
    using T = net::TcpHeader;
    if (key_.kind != ProbeKind::tcp || h.has(T::kFin)) return;
    bool to_server = ip_.dst == key_.dst && h.dst_port == key_.dport;
    bool from_server = ip_.src == key_.dst && h.src_port == key_.dport;
    if (to_server && !h.has(T::kRst) && in_window(h.seq, 0))
      found(Leg::request, tcp_label(h, len, seq_distance(h.seq, *key_.isn), Leg::request));
    else if (from_server && h.has(T::kAck) && in_window(h.ack, 1))
      found(Leg::reply, tcp_label(h, len, seq_distance(h.ack, *key_.isn), Leg::reply));
  }

  // rel: the client's sequence number (request) or the acknowledgement
  // (reply), counted from the client's initial sequence number.
  static std::string tcp_label(const net::TcpHeader& h, uint32_t len, int64_t rel, Leg leg) {
    using T = net::TcpHeader;
    if (h.has(T::kSyn)) return h.has(T::kAck) ? "SYN-ACK" : "SYN";
    if (h.has(T::kRst)) return "RST";
    if (len) return "data bytes " + std::to_string(rel) + "-" + std::to_string(rel + len - 1);
    if (leg == Leg::request || rel == 1) return "ACK";
    return "ACK of " + std::to_string(rel - 1) + " bytes";
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
  bool partial_;           // lengths may run past the bytes: a cut capture, or inside a fragment
  bool fragment_ = false;  // the innermost IPv4 packet so far is a fragment
  net::Ipv4Header ip_;     // the innermost IPv4 header so far
  Decoded out_;
};

}  // namespace

const char* to_string(Leg leg) { return leg == Leg::request ? "request" : "reply"; }

Decoded decode(net::Bytes bytes, LinkType link, const ProbeKey& key, const DecodeOptions& options, bool cut) {
  return Decoder(key, options, cut).run(bytes, link);
}

const Layer* first(const std::vector<Layer>& layers, const std::string& proto) {
  for (const auto& l : layers)
    if (l.proto == proto) return &l;
  return nullptr;
}

const Layer* last(const std::vector<Layer>& layers, const std::string& proto) {
  const Layer* found = nullptr;
  for (const auto& l : layers)
    if (l.proto == proto) found = &l;
  return found;
}

const Layer* outer_ipv4(const std::vector<Layer>& layers) { return first(layers, "ipv4"); }

const Layer* inner_ipv4(const std::vector<Layer>& layers) { return last(layers, "ipv4"); }

}  // namespace ovl::trace
