// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#pragma once

#include <cstdint>

#include "core/net/bytes.h"
#include "core/net/ipv4.h"

namespace ovl::net {

// One's-complement sum of 16-bit big-endian words, not yet folded; chain calls
// to sum a pseudo-header and a payload. Each piece of a chain but the last
// must be of even length. Several words per step: it sums 64 KB
// super-packets on the fast data plane's hot path.
uint32_t checksum_partial(Bytes data, uint32_t sum = 0);

// The TCP/UDP pseudo-header (RFC 768, RFC 793): source and destination
// addresses, protocol and the L4 length, summed as by checksum_partial.
uint32_t pseudo_header_sum(Ipv4 src, Ipv4 dst, uint8_t protocol, uint16_t l4_length);
// The same for an IPv4 packet, whose header holds the addresses (bytes 12..19).
uint32_t pseudo_header_sum(Bytes ipv4_header, uint8_t protocol, uint16_t l4_length);

// Folds a partial sum to 16 bits, not complemented: what a CHECKSUM_PARTIAL
// packet carries in its checksum field.
uint16_t checksum_fold(uint64_t sum);

// Folds a partial sum and complements it: the value to store in a header.
uint16_t checksum_finish(uint32_t sum);

inline uint16_t internet_checksum(Bytes data) { return checksum_finish(checksum_partial(data)); }

// The checksum after one 16-bit word of the covered data changes from
// old_word to new_word (RFC 1624, eqn. 3).
uint16_t checksum_update(uint16_t checksum, uint16_t old_word, uint16_t new_word);

}  // namespace ovl::net
