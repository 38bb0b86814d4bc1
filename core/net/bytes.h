// Big-endian loads and stores over byte spans: packets are bytes, never
// casts to kernel structs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ovl::net {

using Bytes = std::span<const std::byte>;
using MutableBytes = std::span<std::byte>;

inline uint8_t load8(Bytes b, size_t at) { return uint8_t(b[at]); }
inline uint16_t load16(Bytes b, size_t at) { return uint16_t(load8(b, at) << 8 | load8(b, at + 1)); }
inline uint32_t load32(Bytes b, size_t at) { return uint32_t(load16(b, at)) << 16 | load16(b, at + 2); }

inline void store8(MutableBytes b, size_t at, uint8_t v) { b[at] = std::byte(v); }
inline void store16(MutableBytes b, size_t at, uint16_t v) {
  store8(b, at, uint8_t(v >> 8));
  store8(b, at + 1, uint8_t(v));
}
inline void store32(MutableBytes b, size_t at, uint32_t v) {
  store16(b, at, uint16_t(v >> 16));
  store16(b, at + 2, uint16_t(v));
}

}  // namespace ovl::net
