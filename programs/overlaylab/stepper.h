// overlaylab step (trace --step): a trace's walk in a terminal, one hop per
// key press, the screen redrawn in place; every hop one after the other,
// without colours, when stdin or stdout is not a terminal.
#pragma once

#include "core/trace/trace.h"

namespace ovl::overlaylab {

void step_through(const trace::Trace& t);

}  // namespace ovl::overlaylab
