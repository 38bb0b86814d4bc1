// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#pragma once

#include <cstdint>

#include "core/net/bytes.h"

namespace ovl::net {

// One's-complement sum of 16-bit big-endian words, not yet folded; chain calls
// to sum a pseudo-header and a payload.
uint32_t checksum_partial(Bytes data, uint32_t sum = 0);

// Folds a partial sum and complements it: the value to store in a header.
uint16_t checksum_finish(uint32_t sum);

inline uint16_t internet_checksum(Bytes data) { return checksum_finish(checksum_partial(data)); }

// The checksum after one 16-bit word of the covered data changes from
// old_word to new_word (RFC 1624, eqn. 3).
uint16_t checksum_update(uint16_t checksum, uint16_t old_word, uint16_t new_word);

}  // namespace ovl::net
