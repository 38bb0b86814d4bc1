#include "core/os/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/os/fd.h"
#include "core/os/netns.h"

namespace ovl::os {
namespace bp = boost::process;

std::optional<ProcessId> ProcessId::parse(const std::string& text) {
  std::istringstream in(text);
  ProcessId id;
  if (!(in >> id.pid >> id.start_time) || id.pid <= 0) return std::nullopt;
  return id;
}

namespace {

// Fields of /proc/<pid>/stat after the command name, which may hold spaces.
std::optional<std::vector<std::string>> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

}  // namespace

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto fields = stat_fields(pid);
  // stat field 22 (starttime) is index 19 after "pid (comm)".
  if (!fields || fields->size() < 20) return std::nullopt;
  return std::stoull((*fields)[19]);
}

std::optional<ProcessId> identify(pid_t pid) {
  auto start = process_start_time(pid);
  if (!start) return std::nullopt;
  return ProcessId{pid, *start};
}

bool alive(const ProcessId& id) {
  auto fields = stat_fields(id.pid);
  if (!fields || fields->size() < 20) return false;
  return (*fields)[0] != "Z" && std::stoull((*fields)[19]) == id.start_time;
}

std::optional<double> cpu_seconds(const ProcessId& id) {
  auto fields = stat_fields(id.pid);
  if (!fields || fields->size() < 20 || std::stoull((*fields)[19]) != id.start_time) return std::nullopt;
  // utime and stime: stat fields 14 and 15.
  return (std::stod((*fields)[11]) + std::stod((*fields)[12])) / double(::sysconf(_SC_CLK_TCK));
}

void terminate(const ProcessId& id, std::chrono::milliseconds grace) { terminate_all({id}, grace); }

void terminate_all(const std::vector<ProcessId>& ids, std::chrono::milliseconds grace) {
  auto any_alive = [&] { return std::any_of(ids.begin(), ids.end(), [](auto& id) { return alive(id); }); };
  for (const auto& id : ids)
    if (alive(id)) ::kill(id.pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (any_alive() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (const auto& id : ids)
    if (alive(id)) ::kill(id.pid, SIGKILL);
  for (int i = 0; i < 200 && any_alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

namespace {

// The child's own start time (stat field 22), read without allocating: it
// runs between fork and exec. 0 when it cannot be read.
uint64_t own_start_time() {
  char buf[1024];
  int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  ssize_t at = n - 1;
  while (at >= 0 && buf[at] != ')') --at;  // the command name may hold spaces
  int field = 2;
  for (++at; at < n && field < 22; ++at)
    if (buf[at] == ' ') ++field;
  uint64_t value = 0;
  for (; at < n && buf[at] >= '0' && buf[at] <= '9'; ++at) value = value * 10 + uint64_t(buf[at] - '0');
  return value;
}

// Appends the decimal digits of v to out; returns the new end.
char* put_number(char* out, uint64_t v) {
  char digits[24];
  int n = 0;
  do digits[n++] = char('0' + v % 10); while ((v /= 10) != 0);
  while (n) *out++ = digits[--n];
  return out;
}

// Writes record's line about the calling process; false when it cannot.
bool write_record(const SpawnRecord& record) {
  char line[512];
  size_t room = sizeof line - 48;
  if (record.before.size() + record.after.size() > room) return false;
  char* end = std::copy(record.before.begin(), record.before.end(), line);
  end = put_number(end, uint64_t(::getpid()));
  *end++ = ' ';
  end = put_number(end, own_start_time());
  end = std::copy(record.after.begin(), record.after.end(), end);
  ssize_t len = end - line;
  return ::write(record.fd, line, size_t(len)) == len;
}

// Runs in the child between fork and exec: only async-signal-safe calls.
struct ChildSetup : bp::extend::handler {
  int netns_fd = -1;
  bool new_session = true;
  pid_t die_with = 0;  // the parent whose death should end the child
  const SpawnRecord* record = nullptr;
  template <class Executor>
  void on_exec_setup(Executor&) const {
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);  // a supervisor may block signals
    ::signal(SIGPIPE, SIG_DFL);                  // overlaylab ignores it; exec would keep that
    if (new_session) ::setsid();
    // Checked after asking: the parent may have died before the request.
    if (die_with && (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != die_with)) ::_exit(125);
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(126);
    if (record->fd >= 0 && !write_record(*record)) ::_exit(124);
  }
};

}  // namespace

struct Child::Impl {
  bp::child child;
};

Child::Child(const SpawnRequest& req) {
  Fd netns;
  if (!req.netns.empty()) netns = open_named_netns(req.netns);
  if (req.argv.empty()) throw std::invalid_argument("spawning a process needs a program");
  // "e" (close-on-exec): the child holds its log only as stdout and stderr.
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(req.log.c_str(), "ae"), &std::fclose);
  if (!out) throw_errno("opening log " + req.log.string());
  ChildSetup setup;
  setup.netns_fd = netns.get();
  setup.new_session = req.new_session;
  setup.die_with = req.die_with_parent ? ::getpid() : 0;
  setup.record = &req.record;
  std::error_code ec;
  std::vector<std::string> args(req.argv.begin() + 1, req.argv.end());
  impl_ = std::make_unique<Impl>(Impl{bp::child(bp::exe = req.argv.at(0), bp::args = args,
                                                (bp::std_out & bp::std_err) > out.get(), bp::std_in < bp::null,
                                                bp::start_dir = req.cwd.string(), setup, ec)});
  if (ec) throw std::runtime_error("starting " + req.argv[0] + ": " + ec.message());
  auto id = identify(impl_->child.id());
  id_ = id.value_or(ProcessId{impl_->child.id(), 0});
}

Child::~Child() {
  if (impl_ && impl_->child.valid()) impl_->child.detach();
}
Child::Child(Child&&) noexcept = default;
Child& Child::operator=(Child&&) noexcept = default;

bool Child::exited(std::string* status) {
  std::error_code ec;
  if (impl_->child.running(ec)) return false;
  if (status) {
    int native = impl_->child.native_exit_code();
    *status = WIFSIGNALED(native) ? "killed by signal " + std::to_string(WTERMSIG(native))
                                  : "exited with status " + std::to_string(WEXITSTATUS(native));
  }
  return true;
}

void Child::detach() { impl_->child.detach(); }

std::filesystem::path self_exe() { return std::filesystem::read_symlink("/proc/self/exe"); }

}  // namespace ovl::os
