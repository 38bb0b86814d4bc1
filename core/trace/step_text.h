// The walk in a terminal (overlaylab step): one screen of text per hop, the
// same content as the HTML walk's panel. Colours and highlights (ANSI) only
// when asked for, i.e. on a terminal.
#pragma once

#include <string>
#include <vector>

#include "core/trace/trace.h"
#include "core/trace/walk.h"

namespace ovl::trace {

struct StepStyle {
  bool colour = false;  // ANSI colours; the added headers' bytes highlighted
  size_t width = 100;   // columns that long text is wrapped to
};

// The screen for t's hop at index: the walk so far as a strip of hop
// numbers, the hop, its headers (+ added, - removed), the time since the
// previous hop, the user/kernel crossing, the decision, the commands that
// show it in the lab and the captured bytes. walked is walk(t).
std::string render_step(const Trace& t, const std::vector<HopWalk>& walked, size_t index, const StepStyle& style);

// The keys the stepper reads, as its screens' last line says them.
inline constexpr const char* kStepKeys = "Enter/Space next, b back, q quit";

}  // namespace ovl::trace
