#include "core/net/ipv4.h"

#include <charconv>
#include <cstdio>

namespace ovl::net {
namespace {

// Parses a decimal number with no sign, no leading zeros and at most max.
std::optional<uint32_t> parse_decimal(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::optional<Cidr> parse_with_separator(std::string_view text, char separator) {
  auto cut = text.find(separator);
  if (cut == std::string_view::npos) return std::nullopt;
  auto addr = Ipv4::parse(text.substr(0, cut));
  auto len = parse_decimal(text.substr(cut + 1), 32);
  if (!addr || !len) return std::nullopt;
  return Cidr(*addr, int(*len));
}

}  // namespace

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    if ((i < 3) == (dot == std::string_view::npos)) return std::nullopt;
    auto part = parse_decimal(text.substr(0, dot), 255);
    if (!part) return std::nullopt;
    value = value << 8 | *part;
    text = i < 3 ? text.substr(dot + 1) : std::string_view();
  }
  return Ipv4(value);
}

std::string Ipv4::str() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", value_ >> 24, value_ >> 16 & 255, value_ >> 8 & 255,
                value_ & 255);
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) { return parse_with_separator(text, '/'); }

std::optional<Cidr> Cidr::parse_key(std::string_view text) {
  return parse_with_separator(text, '-');
}

std::string Cidr::str() const { return addr_.str() + "/" + std::to_string(len_); }

std::string Cidr::key() const { return addr_.str() + "-" + std::to_string(len_); }

std::optional<Mac> Mac::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::array<uint8_t, 6> bytes{};
  for (size_t i = 0; i < 6; ++i) {
    if (i < 5 && text[i * 3 + 2] != ':') return std::nullopt;
    auto pair = text.substr(i * 3, 2);
    auto [end, ec] = std::from_chars(pair.data(), pair.data() + 2, bytes[i], 16);
    if (ec != std::errc() || end != pair.data() + 2) return std::nullopt;
  }
  return Mac(bytes);
}

std::string Mac::str() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2],
                bytes_[3], bytes_[4], bytes_[5]);
  return buf;
}

}  // namespace ovl::net
