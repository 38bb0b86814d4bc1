// Base64 (RFC 4648, standard alphabet, with padding): etcd's JSON gateway
// carries keys and values this way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ovl::net {

std::string base64_encode(std::string_view bytes);
// nullopt on a character outside the alphabet, bad padding or a length that
// is not a multiple of four.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ovl::net
