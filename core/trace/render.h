// A trace as a terminal table, as JSON (DESIGN.md section 7) and as pcapng
// (one interface block per capture point, named host:interface; direction
// flags; one packet id per packet of the exchange; decisions as packet
// comments).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/trace/trace.h"

namespace ovl::trace {

std::string render_table(const Trace& trace);
nlohmann::ordered_json to_json(const Trace& trace);
// Reads what to_json wrote (capture points are not kept there; what the walk
// derives, walk.h, is derived again).
// Throws nlohmann::json::exception on JSON of another shape.
Trace from_json(const nlohmann::ordered_json& json);
std::string to_pcapng(const Trace& trace);

// The header stack of a hop as one line, outer to inner, Ethernet left out.
std::string headers_line(const Hop& hop);

}  // namespace ovl::trace
