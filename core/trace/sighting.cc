#include "core/trace/sighting.h"

namespace ovl::trace {

const char* to_string(Direction d) { return d == Direction::in ? "in" : "out"; }

}  // namespace ovl::trace
