#include "core/os/holders.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <sstream>

#include "core/os/netns.h"
#include "core/util/files.h"

namespace ovl::os {
namespace fs = std::filesystem;
namespace {

struct NsId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsId&) const = default;
};

std::optional<NsId> ns_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return NsId{st.st_dev, st.st_ino};
}

std::vector<pid_t> pids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    auto name = e.path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      out.push_back(pid_t(std::stol(name)));
  }
  return out;
}

// Calls on_fd(fd number, link target) for each fd of pid it may read.
template <class F>
void each_fd(pid_t pid, F&& on_fd) {
  std::error_code ec;
  fs::path dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code link_ec;
    auto target = fs::read_symlink(e.path(), link_ec);
    if (!link_ec) on_fd(e.path().filename().string(), target.string());
  }
}

Holder holder(pid_t pid) {
  auto comm = util::read_file("/proc/" + std::to_string(pid) + "/comm").value_or("?");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return Holder{pid, comm};
}

}  // namespace

std::string tun_iface(const std::string& fdinfo) {
  std::istringstream in(fdinfo);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("iff:", 0) == 0) {
      auto name = line.substr(4);
      name.erase(0, name.find_first_not_of(" \t"));
      return name;
    }
  return "";
}

std::vector<uint64_t> udp_inodes(const std::string& table, uint16_t port) {
  std::vector<uint64_t> out;
  std::istringstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string sl, local, remote, st, queues, timer, retransmits, uid, timeout;
    uint64_t inode = 0;
    if (!(row >> sl >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >> inode)) continue;
    auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    unsigned long bound = 0;
    std::istringstream(local.substr(colon + 1)) >> std::hex >> bound;
    if (bound == port && inode != 0) out.push_back(inode);
  }
  return out;
}

std::vector<Holder> netns_processes(const std::string& netns) {
  auto ns = ns_of(netns_path(netns));
  std::vector<Holder> out;
  if (!ns) return out;
  for (pid_t pid : pids())
    if (ns_of("/proc/" + std::to_string(pid) + "/ns/net") == ns) out.push_back(holder(pid));
  return out;
}

std::vector<Holder> tun_holders(const std::string& netns, const std::string& device) {
  std::vector<Holder> out;
  for (const auto& h : netns_processes(netns)) {
    std::string proc = "/proc/" + std::to_string(h.pid);
    bool holds = false;
    each_fd(h.pid, [&](const std::string& fd, const std::string& target) {
      if (holds || target != "/dev/net/tun") return;
      holds = tun_iface(util::read_file(proc + "/fdinfo/" + fd).value_or("")) == device;
    });
    if (holds) out.push_back(h);
  }
  return out;
}

std::vector<Holder> udp_holders(const std::string& netns, uint16_t port) {
  std::vector<std::string> wanted;
  for (auto inode : udp_inodes(read_proc_net(netns, "udp"), port))
    wanted.push_back("socket:[" + std::to_string(inode) + "]");
  std::vector<Holder> out;
  if (wanted.empty()) return out;
  for (pid_t pid : pids()) {
    bool holds = false;
    each_fd(pid, [&](const std::string&, const std::string& target) {
      holds = holds || std::find(wanted.begin(), wanted.end(), target) != wanted.end();
    });
    if (holds) out.push_back(holder(pid));
  }
  return out;
}

// The thread-self view follows the calling thread's namespace, which
// NetnsScope moves for as long as the read takes.
std::string read_proc_net(const std::string& netns, const std::string& file) {
  try {
    auto fd = open_named_netns(netns);
    NetnsScope scope(fd.get());
    return util::read_file("/proc/thread-self/net/" + file).value_or("");
  } catch (const std::exception&) {
    return "";
  }
}

std::string describe(const std::vector<Holder>& holders) {
  std::string out;
  for (const auto& h : holders) out += (out.empty() ? "" : " and ") + h.str();
  return out;
}

}  // namespace ovl::os
