#include "core/overlay/log.h"

#include <ctime>
#include <ostream>

namespace ovl::overlay {

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&secs));
  return buf;
}

void log_line(std::ostream& out, const std::string& message) {
  out << utc_timestamp(std::chrono::system_clock::now()) << " overlayd: " << message << std::endl;
}

}  // namespace ovl::overlay
