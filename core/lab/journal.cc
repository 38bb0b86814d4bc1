#include "core/lab/journal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <system_error>

namespace ovl::lab {

Journal::Journal(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)), path_(path) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "opening journal " + path.string());
}

Journal::~Journal() { ::close(fd_); }

// A write() is what a crash of this process cannot undo: the line is in the
// page cache. No fdatasync: what the journal describes (namespaces,
// processes) does not survive a reboot either, and syncing every line made
// building a large lab on a disk-backed /run wait on the disk thousands of
// times.
void Journal::record(const std::string& kind, const std::string& rest) {
  std::string line = kind + (rest.empty() ? "" : " " + rest) + "\n";
  if (::write(fd_, line.data(), line.size()) != ssize_t(line.size()))
    throw std::system_error(errno, std::generic_category(), "writing journal " + path_.string());
  if (++written_ == crash_after_) ::raise(SIGKILL);
}

void Journal::record_netns(const std::string& name, uint64_t id) { record("netns", name + " " + std::to_string(id)); }

os::SpawnRecord Journal::process_record(const std::string& role) const { return {fd_, "proc ", " " + role + "\n"}; }

std::vector<JournalEntry> Journal::read(const std::filesystem::path& path) {
  std::vector<JournalEntry> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto space = line.find(' ');
    out.push_back({line.substr(0, space), space == std::string::npos ? "" : line.substr(space + 1)});
  }
  return out;
}

std::vector<JournalNetns> journal_namespaces(const std::vector<JournalEntry>& entries) {
  std::vector<JournalNetns> out;
  for (const auto& e : entries) {
    if (e.kind != "netns") continue;
    auto space = e.rest.find(' ');
    if (space == std::string::npos) continue;  // no identity: cannot prove it is ours
    uint64_t id = 0;
    auto digits = std::string_view(e.rest).substr(space + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), id).ec != std::errc()) continue;
    out.push_back({e.rest.substr(0, space), id});
  }
  return out;
}

std::vector<JournalProcess> journal_processes(const std::vector<JournalEntry>& entries) {
  std::vector<JournalProcess> out;
  for (const auto& e : entries) {
    if (e.kind != "proc") continue;
    auto id = os::ProcessId::parse(e.rest);
    auto role_at = e.rest.find(' ', e.rest.find(' ') + 1);  // after "pid start_time "
    if (id) out.push_back({*id, role_at == std::string::npos ? "" : e.rest.substr(role_at + 1)});
  }
  return out;
}

}  // namespace ovl::lab
