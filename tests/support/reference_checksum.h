// RFC 1071 word by word, as plainly as it can be written: what the tests
// check core/net's vectorised checksum_partial (and what the offload tests
// build their packets) against.
#pragma once

#include <cstdint>

#include "core/net/bytes.h"

namespace ovl::test {

inline uint32_t reference_sum(net::Bytes data, uint32_t sum = 0) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += net::load16(data, i);
  if (i < data.size()) sum += uint32_t(net::load8(data, i)) << 8;
  return sum;
}

}  // namespace ovl::test
