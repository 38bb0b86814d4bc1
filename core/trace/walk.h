// The classroom walk of a trace: what a student is shown at each hop beyond
// the capture itself. Which headers were added or removed since the
// packet's previous hop (a TCP handshake's ACK is a packet of its own), the
// time since the previous hop, the user/kernel crossing, and the commands
// that show the hop's decision in the lab. All of it is
// derived from the trace (its origin names the lab); the JSON, the HTML walk
// and the terminal step mode read it from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/trace/trace.h"

namespace ovl::trace {

struct HopWalk {
  int64_t dt_ns = 0;     // since the previous hop; 0 for the first
  int64_t since_ns = 0;  // since the first hop
  // Per layer of the hop: added since the previous hop of its packet (the
  // layers the two share are counted from the innermost one).
  std::vector<bool> added;
  // The previous hop's outer layers that are gone here.
  std::vector<const Layer*> removed;
  std::string crossing;  // "kernel -> user space: ...", empty when none
  std::vector<std::string> commands;  // "overlaylab exec LAB HOST -- ip route get ..."
};

// One entry per hop of t, in order. Points into t's layers.
std::vector<HopWalk> walk(const Trace& t);

// The user/kernel crossing a decision's userspace step makes at hop.
std::string crossing(const Hop& hop);

// The commands that show, in the lab, what decided hop.
std::vector<std::string> commands(const Hop& hop, const Origin& origin);

// bytes as lowercase hex, two digits a byte.
std::string hex(const std::vector<std::byte>& bytes);
// The inverse; nullopt when text is not such hex.
std::optional<std::vector<std::byte>> from_hex(const std::string& text);

}  // namespace ovl::trace
