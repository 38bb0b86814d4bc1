// Semantic checks on a parsed scenario, before anything is created: names and
// references, address plans, and the Flannel rules the lab will meet later.
#pragma once

#include "core/scenario/diagnostics.h"
#include "core/scenario/model.h"

namespace ovl::scenario {

void validate(const Scenario& s, Diagnostics& diags);

// Reads, parses and validates a file: the front end every verb shares.
// Returns false (with diags holding the reasons) when the file cannot be used.
struct Loaded {
  Scenario scenario;
  Diagnostics diags;
  std::string text;  // as read: a lab keeps it, --backend rewrites it
  bool ok() const { return !diags.has_errors(); }
};
Loaded load_text(std::string_view text, const std::string& file);

// A scenario file larger than this is refused unread (a 1,000-node scenario
// is about 150 KB): the file may be /dev/zero behind a symlink.
inline constexpr size_t kScenarioBytesMax = size_t(16) << 20;

}  // namespace ovl::scenario
