#include "core/net/checksum.h"

#include <bit>
#include <cstring>

namespace ovl::net {

// Native-order words summed into wide accumulators (no carries to chase),
// 64 bytes per step in vector registers; folding and swapping the bytes of
// the result gives the big-endian sum (RFC 1071: the sum is byte-order
// independent). On x86-64 an AVX2 build of the loop is picked at load time.
namespace {

using Lanes = uint64_t __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
uint64_t sum_blocks(const unsigned char* p, size_t blocks) {
  Lanes a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
  const Lanes low = {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff};
  for (; blocks; --blocks, p += 64) {
    Lanes w0, w1;
    std::memcpy(&w0, p, sizeof w0);
    std::memcpy(&w1, p + 32, sizeof w1);
    a += (w0 & low) + (w0 >> 32);
    b += (w1 & low) + (w1 >> 32);
  }
  a += b;
  return uint64_t(checksum_fold(a[0])) + checksum_fold(a[1]) + checksum_fold(a[2]) + checksum_fold(a[3]);
}

}  // namespace

uint32_t checksum_partial(Bytes data, uint32_t sum) {
  auto p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint64_t acc = sum_blocks(p, n / 64);
  p += n / 64 * 64;
  n %= 64;
  // Headers are short: eight bytes a step before the last few.
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc += (w & 0xffffffff) + (w >> 32);
  }
  for (; n >= 2; p += 2, n -= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    acc += w;
  }
  bool little = std::endian::native == std::endian::little;
  // A trailing odd byte is the high byte of a big-endian word.
  if (n) acc += little ? uint64_t(*p) : uint64_t(*p) << 8;
  uint16_t folded = checksum_fold(acc);
  if (little) folded = uint16_t(folded << 8 | folded >> 8);
  return sum + folded;
}

uint32_t pseudo_header_sum(Ipv4 src, Ipv4 dst, uint8_t protocol, uint16_t l4_length) {
  uint32_t s = src.value(), d = dst.value();
  return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + protocol + l4_length;
}

uint32_t pseudo_header_sum(Bytes ipv4_header, uint8_t protocol, uint16_t l4_length) {
  return pseudo_header_sum(Ipv4(load32(ipv4_header, 12)), Ipv4(load32(ipv4_header, 16)), protocol, l4_length);
}

uint16_t checksum_fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

uint16_t checksum_finish(uint32_t sum) { return uint16_t(~checksum_fold(sum)); }

uint16_t checksum_update(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = uint16_t(~checksum) + uint32_t(uint16_t(~old_word)) + new_word;
  return checksum_finish(sum);
}

}  // namespace ovl::net
