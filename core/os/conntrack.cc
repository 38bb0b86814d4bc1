#include "core/os/conntrack.h"

#include <fstream>

#include "core/os/netns.h"

namespace ovl::os {

// /proc/thread-self/net is the calling thread's namespace, so the file is
// opened while the thread is inside the one asked for.
std::vector<trace::ConntrackEntry> conntrack_entries(int netns_fd) {
  std::ifstream in;
  {
    NetnsScope scope(netns_fd);
    in.open("/proc/thread-self/net/nf_conntrack");
  }
  std::vector<trace::ConntrackEntry> out;
  for (std::string line; std::getline(in, line);)
    if (auto e = trace::parse_conntrack(line)) out.push_back(std::move(*e));
  return out;
}

}  // namespace ovl::os
