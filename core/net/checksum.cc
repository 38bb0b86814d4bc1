#include "core/net/checksum.h"

namespace ovl::net {

uint32_t checksum_partial(Bytes data, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += load16(data, i);
  if (i < data.size()) sum += uint32_t(load8(data, i)) << 8;
  return sum;
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

uint16_t checksum_update(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = uint16_t(~checksum) + uint32_t(uint16_t(~old_word)) + new_word;
  return checksum_finish(sum);
}

}  // namespace ovl::net
