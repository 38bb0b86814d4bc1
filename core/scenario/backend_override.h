// `--backend`: the same scenario on another Flannel backend. The lab keeps
// the scenario text it was built from (its store config, its daemons and
// later verbs read it back), so the override is an edit of that text: the
// <overlay> element's backend, its port when it was the old backend's
// default, and the expectations that depend on the backend: the ttl, and
// hops on the overlay device (flannel0 <-> flannel.<vni>; host-gw has none,
// so such a hop becomes a comment saying so). Edits stay on their lines, so
// every later line keeps its number and diagnostics still point where the
// user looks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scenario/model.h"
#include "core/scenario/validate.h"

namespace ovl::scenario {

struct BackendOverride {
  std::string text;                // the scenario, rewritten
  std::vector<std::string> notes;  // one sentence per change, for the user
};

// parsed is text as parse/validate read it (for element positions and
// defaults). A backend equal to the scenario's own returns text unchanged.
//
// TTL: a reply between containers on two nodes arrives with 64 minus one per
// kernel that forwarded it; the udp daemons also decrement it, once on each
// side, and the other backends add nothing. So such an expectation moves by
// 2 between udp and the others. Expectations of other probes are left alone.
BackendOverride override_backend(std::string_view text, const Scenario& parsed, Backend backend);

// The loaded scenario on another backend: its text rewritten and read again.
// The new diagnostics are in the result (host-gw across a router warns);
// notes, when given, receive override_backend's sentences.
Loaded reload_with_backend(const Loaded& original, Backend backend, std::vector<std::string>* notes = nullptr);

// Backend names as scenarios spell them: "udp", "vxlan", "host-gw".
std::optional<Backend> parse_backend(std::string_view name);

}  // namespace ovl::scenario
