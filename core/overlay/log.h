// overlayd's log: one line per event, "<UTC time> overlayd: <message>",
// written alike by the daemon and its backends.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace ovl::overlay {

// UTC to the second, as 2024-05-01T12:00:00Z.
std::string utc_timestamp(std::chrono::system_clock::time_point t);

// Writes "<now> overlayd: message" as one line and flushes it.
void log_line(std::ostream& out, const std::string& message);

}  // namespace ovl::overlay
