// pcapng (draft-ietf-opsawg-pcapng): a Section Header Block that names the
// lab, probe and backend, one Interface Description Block per capture point,
// one Enhanced Packet Block per hop with the hop's decision as its comment.
#include <cstring>

#include "core/trace/render.h"

namespace ovl::trace {
namespace {

constexpr uint16_t kLinkEthernet = 1, kLinkRaw = 101;  // LINKTYPE_ETHERNET, LINKTYPE_RAW

// Little-endian writer; pcapng readers accept either byte order.
class Block {
 public:
  explicit Block(uint32_t type) { u32(type), u32(0); }
  Block& u8(uint8_t v) { data_.push_back(char(v)); return *this; }
  Block& u16(uint16_t v) { return u8(uint8_t(v)).u8(uint8_t(v >> 8)); }
  Block& u32(uint32_t v) { return u16(uint16_t(v)).u16(uint16_t(v >> 16)); }
  Block& u64(uint64_t v) { return u32(uint32_t(v)).u32(uint32_t(v >> 32)); }
  Block& bytes(const void* p, size_t n) {
    data_.append(static_cast<const char*>(p), n);
    while (data_.size() % 4) data_.push_back('\0');
    return *this;
  }
  Block& option(uint16_t code, const std::string& value) {
    u16(code).u16(uint16_t(value.size()));
    return bytes(value.data(), value.size());
  }
  Block& option_u32(uint16_t code, uint32_t v) { return u16(code).u16(4).u32(v); }
  Block& option_u64(uint16_t code, uint64_t v) { return u16(code).u16(8).u64(v); }
  Block& option_u8(uint16_t code, uint8_t v) { return u16(code).u16(1).bytes(&v, 1); }
  Block& end_options() { return u16(0).u16(0); }
  std::string finish() {
    uint32_t len = uint32_t(data_.size() + 4);
    u32(len);
    std::memcpy(&data_[4], &len, 4);  // host is little-endian on every lab machine
    return data_;
  }

 private:
  std::string data_;
};

// What Wireshark's Capture File Properties (and capinfos) show about the file.
std::string section_comment(const Trace& t) {
  std::string out = "overlaylab";
  if (!t.origin.lab.empty()) out += " lab " + t.origin.lab + ",";
  out += " probe " + t.probe + ": " + t.from + " -> " + t.to + " (" + t.dst.str() + ")";
  if (!t.origin.backend.empty()) out += " on the " + t.origin.backend + " backend";
  out += "; " + t.outcome;
  if (t.ttl) out += ", ttl=" + std::to_string(*t.ttl);
  return out;
}

std::string section_header(const Trace& t) {
  Block b(0x0A0D0D0A);
  b.u32(0x1A2B3C4D).u16(1).u16(0).u64(~uint64_t(0));
  b.option(1, section_comment(t));  // opt_comment
  b.option(4, "overlaylab");        // shb_userappl
  return b.end_options().finish();
}

std::string interface_block(const CapturePoint& p) {
  Block b(1);
  b.u16(p.link == LinkType::ethernet ? kLinkEthernet : kLinkRaw).u16(0).u32(0);
  b.option(2, p.name());             // if_name
  b.option_u8(9, 9);                 // if_tsresol: nanoseconds
  return b.end_options().finish();
}

// The hop's decision in the sentence a student is shown; Wireshark shows it
// under the packet and as frame.comment.
std::string packet_comment(const Hop& h) {
  std::string out = "hop " + std::to_string(h.seq) + " (" + to_string(h.leg) + ")";
  if (!h.decision) return out;
  return out + ": " + (h.decision->sentence.empty() ? h.decision->text() : h.decision->sentence);
}

std::string packet_block(const Hop& h, uint32_t interface) {
  Block b(6);
  uint64_t t = uint64_t(h.t_ns);
  b.u32(interface).u32(uint32_t(t >> 32)).u32(uint32_t(t)).u32(uint32_t(h.bytes.size())).u32(h.wire_len);
  b.bytes(h.bytes.data(), h.bytes.size());
  b.option_u32(2, h.dir == Direction::in ? 1 : 2);                  // epb_flags: direction
  b.option_u64(5, h.packet + 1);                                    // epb_packetid: one per packet
  b.option(1, packet_comment(h));                                   // opt_comment
  return b.end_options().finish();
}

}  // namespace

std::string to_pcapng(const Trace& t) {
  std::string out = section_header(t);
  for (const auto& p : t.points) out += interface_block(p);
  for (const auto& h : t.hops) out += packet_block(h, uint32_t(h.point));
  return out;
}

}  // namespace ovl::trace
