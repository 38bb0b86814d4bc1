// IPv4 addresses, CIDR blocks and MAC addresses as plain values.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ovl::net {

class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
      : value_(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d) {}

  // Dotted quad only: no shorthand ("10.1"), no leading zeros, no spaces.
  static std::optional<Ipv4> parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  std::string str() const;

  constexpr Ipv4 operator+(uint32_t n) const { return Ipv4(value_ + n); }
  constexpr auto operator<=>(const Ipv4&) const = default;

 private:
  uint32_t value_ = 0;
};

// An address with a prefix length. The address may carry host bits (an
// interface address such as 100.96.1.1/24); network() drops them.
class Cidr {
 public:
  constexpr Cidr() = default;
  constexpr Cidr(Ipv4 addr, int len) : addr_(addr), len_(len) {}

  static std::optional<Cidr> parse(std::string_view text);
  // Flannel's etcd key form, "100.96.1.0-24".
  static std::optional<Cidr> parse_key(std::string_view text);

  constexpr Ipv4 addr() const { return addr_; }
  constexpr int len() const { return len_; }
  constexpr uint32_t mask() const { return len_ == 0 ? 0 : ~uint32_t(0) << (32 - len_); }
  constexpr Ipv4 network() const { return Ipv4(addr_.value() & mask()); }
  constexpr Ipv4 broadcast() const { return Ipv4(addr_.value() | ~mask()); }
  constexpr uint64_t size() const { return uint64_t(1) << (32 - len_); }
  constexpr bool has_host_bits() const { return addr_ != network(); }
  constexpr Cidr canonical() const { return Cidr(network(), len_); }

  constexpr bool contains(Ipv4 ip) const { return (ip.value() & mask()) == network().value(); }
  constexpr bool contains(const Cidr& other) const {
    return other.len_ >= len_ && contains(other.addr_);
  }
  constexpr bool overlaps(const Cidr& other) const {
    return contains(other.network()) || other.contains(network());
  }

  // The address n places after the network address, keeping this prefix
  // length: Cidr("100.96.1.0/24").host(1) is 100.96.1.1/24.
  constexpr Cidr host(uint32_t n) const { return Cidr(network() + n, len_); }

  std::string str() const;
  std::string key() const;  // "100.96.1.0-24"

  constexpr auto operator<=>(const Cidr&) const = default;

 private:
  Ipv4 addr_;
  int len_ = 0;
};

class Mac {
 public:
  constexpr Mac() = default;
  constexpr explicit Mac(std::array<uint8_t, 6> bytes) : bytes_(bytes) {}
  static std::optional<Mac> parse(std::string_view text);
  constexpr const std::array<uint8_t, 6>& bytes() const { return bytes_; }
  std::string str() const;  // "52:17:43:ba:2e:56"
  constexpr auto operator<=>(const Mac&) const = default;

 private:
  std::array<uint8_t, 6> bytes_{};
};

}  // namespace ovl::net
