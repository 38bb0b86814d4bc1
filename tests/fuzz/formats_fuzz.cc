// Fuzz target: the text formats overlayd and overlaylab read from files and
// from etcd — a lease value, the network config, subnet.env and the daemon's
// status file. Bad input is an exception or nullopt, never a crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "core/overlay/lease.h"
#include "core/overlay/network_config.h"
#include "core/overlay/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ovl::overlay;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)attrs_to_json(attrs_from_json(text));
  } catch (const std::runtime_error&) {
  }
  try {
    (void)to_json(parse_network_config(text));
  } catch (const std::runtime_error&) {
  }
  if (auto env = parse_subnet_env(text)) (void)format_subnet_env(*env);
  if (auto status = parse_daemon_status(text)) (void)to_json(*status);
  return 0;
}
