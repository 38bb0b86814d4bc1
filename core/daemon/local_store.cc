#include "core/daemon/local_store.h"
#include "core/util/files.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "core/os/dir_watch.h"
#include "core/os/file_lock.h"

namespace ovl::daemon {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using TimePoint = std::chrono::system_clock::time_point;
using std::chrono::milliseconds;

int64_t to_ms(TimePoint t) { return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count(); }
TimePoint from_ms(int64_t ms) { return TimePoint(std::chrono::duration_cast<TimePoint::duration>(milliseconds(ms))); }

std::string format_lease_file(const overlay::Lease& lease) {
  return overlay::attrs_to_json(lease.attrs) + "\nexpires_ms=" + std::to_string(to_ms(lease.expiration)) + "\n";
}

// A lease file as read: its expiry (nullopt when unreadable: not a lease
// file at all, counted as absent) and its lease, or why the value is not one.
struct LeaseFile {
  std::optional<TimePoint> expiration;
  std::optional<overlay::Lease> lease;
  std::string problem;
};

LeaseFile parse_lease_file(const net::Cidr& subnet, const std::string& text) {
  LeaseFile out;
  auto cut = text.find("\nexpires_ms=");
  if (cut == std::string::npos) return out;
  std::string_view ms_text = std::string_view(text).substr(cut + 12);
  if (!ms_text.empty() && ms_text.back() == '\n') ms_text.remove_suffix(1);
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(ms_text.data(), ms_text.data() + ms_text.size(), ms);
  if (ec != std::errc() || end != ms_text.data() + ms_text.size()) return out;
  out.expiration = from_ms(ms);
  try {
    out.lease = overlay::Lease{subnet, overlay::attrs_from_json(std::string_view(text).substr(0, cut)), from_ms(ms)};
  } catch (const std::runtime_error& e) {
    out.problem = e.what();
  }
  return out;
}

struct LogEntry {
  uint64_t revision = 0;
  overlay::LeaseEvent event;
};

std::string format_log_entry(const LogEntry& entry) {
  Json line;
  line["revision"] = entry.revision;
  bool added = entry.event.type == overlay::LeaseEvent::Type::added;
  line["type"] = added ? "added" : "removed";
  line["subnet"] = entry.event.lease.subnet.key();
  if (added) {
    line["value"] = Json::parse(overlay::attrs_to_json(entry.event.lease.attrs));
    line["expires_ms"] = to_ms(entry.event.lease.expiration);
  }
  return line.dump() + "\n";
}

std::optional<LogEntry> parse_log_entry(std::string_view text) {
  Json line = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (line.is_discarded() || !line.is_object()) return std::nullopt;
  try {
    LogEntry entry;
    entry.revision = line.at("revision").get<uint64_t>();
    auto subnet = net::Cidr::parse_key(line.at("subnet").get<std::string>());
    if (!subnet) return std::nullopt;
    entry.event.lease.subnet = *subnet;
    entry.event.type = line.at("type") == "added" ? overlay::LeaseEvent::Type::added : overlay::LeaseEvent::Type::removed;
    if (entry.event.type == overlay::LeaseEvent::Type::added) {
      entry.event.lease.expiration = from_ms(line.at("expires_ms").get<int64_t>());
      try {
        entry.event.lease.attrs = overlay::attrs_from_json(line.at("value").dump());
      } catch (const std::runtime_error& e) {
        // Written by another writer in a form this one cannot use.
        entry.event.type = overlay::LeaseEvent::Type::unusable;
        entry.event.reason = e.what();
      }
    }
    return entry;
  } catch (const std::exception&) {
    return std::nullopt;  // a line torn by a crash mid-append
  }
}

}  // namespace

// The store as seen under the exclusive lock: the change log (read once) and
// the lease files. Every read-modify-write of the directory is one Txn.
class LocalStore::Txn {
 public:
  explicit Txn(const LocalStore& store)
      : dir_(store.dir_), lock_(dir_ / "lock", /*wait=*/true), now_(store.clock_()) {
    read_last_revision();
  }

  TimePoint now() const { return now_; }
  fs::path lease_path(const net::Cidr& subnet) const { return dir_ / "subnets" / subnet.key(); }

  // The lease file on subnet if it is live; an expired one is removed on
  // sight. Its value may still be unusable (LeaseFile::problem).
  std::optional<LeaseFile> live_file(const net::Cidr& subnet) {
    auto text = util::read_file(lease_path(subnet));
    if (!text) return std::nullopt;
    auto file = parse_lease_file(subnet, *text);
    if (file.expiration && *file.expiration > now_) return file;
    remove_lease(subnet);
    return std::nullopt;
  }

  void write_lease(const overlay::Lease& lease) {
    util::write_file_atomically(lease_path(lease.subnet), format_lease_file(lease));
    append({overlay::LeaseEvent::Type::added, lease});
  }

  void remove_lease(const net::Cidr& subnet) {
    std::error_code ec;
    if (!fs::remove(lease_path(subnet), ec)) return;  // already gone: no event
    append({overlay::LeaseEvent::Type::removed, overlay::Lease{subnet, {}, {}}});
  }

 private:
  // The revision of the log's last entry, from its last few kilobytes:
  // reading the whole log in every transaction made n nodes cost n^2.
  void read_last_revision() {
    std::ifstream in(dir_ / "log", std::ios::binary | std::ios::ate);
    if (!in) return;
    auto size = uint64_t(in.tellg());
    for (uint64_t chunk = 4096;; chunk *= 4) {
      uint64_t from = size > chunk ? size - chunk : 0;
      std::string tail(size - from, '\0');
      in.seekg(std::streamoff(from));
      in.read(tail.data(), std::streamsize(tail.size()));
      log_ends_cleanly_ = tail.empty() || tail.back() == '\n';
      // Complete lines, last first; the first line of a chunk may be cut.
      std::string_view text(tail);
      if (!log_ends_cleanly_) text = text.substr(0, text.rfind('\n') + 1);
      while (!text.empty()) {
        text.remove_suffix(1);
        auto start = text.rfind('\n');
        if (start == std::string_view::npos && from > 0) break;  // cut: read a bigger chunk
        auto line = text.substr(start == std::string_view::npos ? 0 : start + 1);
        if (auto entry = parse_log_entry(line)) {
          revision_ = entry->revision;
          return;
        }
        text = text.substr(0, start == std::string_view::npos ? 0 : start + 1);
      }
      if (from == 0) return;
    }
  }

  void append(const overlay::LeaseEvent& event) {
    LogEntry entry{revision_ + 1, event};
    std::ofstream out(dir_ / "log", std::ios::binary | std::ios::app);
    // A line torn by a crash must not swallow the next one.
    out << (log_ends_cleanly_ ? "" : "\n") << format_log_entry(entry);
    out.flush();
    if (!out) throw std::system_error(errno, std::generic_category(), "appending to " + (dir_ / "log").string());
    log_ends_cleanly_ = true;
    revision_ = entry.revision;
  }

  fs::path dir_;
  os::FileLock lock_;
  TimePoint now_;  // read once the lock is held: the time this Txn happens at
  uint64_t revision_ = 0;
  bool log_ends_cleanly_ = true;
};

// What this process has read of the change log. The log only grows, so each
// look reads what was appended since the last one: a change costs every
// watcher one line, not the whole log and every lease file. The leases the
// log describes are kept too, for leases() and for expiry.
struct LocalStore::Follower {
  fs::path dir;
  uint64_t offset = 0;              // bytes of complete lines read
  std::vector<LogEntry> history;    // every entry read, in revision order
  std::map<net::Cidr, overlay::Lease> live;
  std::map<net::Cidr, overlay::UnusableLease> unusable;  // values another writer left

  uint64_t revision() const { return history.empty() ? 0 : history.back().revision; }

  // Reads what was appended. False when the log shrank (it was replaced):
  // everything read before is void and was forgotten.
  bool catch_up(const fs::path& log) {
    // A stat first: a large lab's daemons poll this many times a second,
    // and almost every time nothing was appended.
    struct stat st;
    uint64_t size = ::stat(log.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
    if (size == offset) return true;
    std::ifstream in(log, std::ios::binary | std::ios::ate);
    size = in ? uint64_t(in.tellg()) : 0;
    bool kept = size >= offset;
    if (!kept) *this = Follower{dir};
    if (size == offset) return kept;
    std::string fresh(size - offset, '\0');
    in.seekg(std::streamoff(offset));
    in.read(fresh.data(), std::streamsize(fresh.size()));
    std::string_view rest(fresh.data(), size_t(in.gcount()));
    for (auto end = rest.find('\n'); end != std::string_view::npos; end = rest.find('\n')) {
      if (auto entry = parse_log_entry(rest.substr(0, end)); entry && entry->revision > revision()) apply(*entry);
      offset += end + 1;
      rest.remove_prefix(end + 1);
    }
    return kept;
  }

  void apply(const LogEntry& entry) {
    next_expiry_.reset();
    history.push_back(entry);
    const auto& subnet = entry.event.lease.subnet;
    live.erase(subnet);
    unusable.erase(subnet);
    if (entry.event.type == overlay::LeaseEvent::Type::added) live[subnet] = entry.event.lease;
    if (entry.event.type == overlay::LeaseEvent::Type::unusable)
      unusable[subnet] = {(dir / "subnets" / subnet.key()).string(), entry.event.reason};
  }

  std::vector<net::Cidr> expired(TimePoint now) {
    std::vector<net::Cidr> out;
    if (now < next_expiry()) return out;
    for (const auto& [subnet, lease] : live)
      if (lease.expiration <= now) out.push_back(subnet);
    return out;
  }

  // Kept until the leases change: a thousand leases scanned on every poll
  // of a thousand daemons was most of an idle large lab's CPU.
  TimePoint next_expiry() {
    if (!next_expiry_) {
      next_expiry_ = TimePoint::max();
      for (const auto& [subnet, lease] : live) next_expiry_ = std::min(*next_expiry_, lease.expiration);
    }
    return *next_expiry_;
  }
  std::optional<TimePoint> next_expiry_;
};

namespace {

// File and lock errors become StoreUnavailable naming the directory and the
// operation, like a network error on etcd.
template <typename F>
auto guarded(const fs::path& dir, const std::string& what, F&& body) {
  try {
    return body();
  } catch (const std::system_error& e) {  // fs::filesystem_error too
    throw overlay::StoreUnavailable("local " + dir.string() + ": " + e.what() + " while " + what);
  }
}

}  // namespace

LocalStore::LocalStore(std::filesystem::path dir, Clock clock, std::chrono::milliseconds poll)
    : dir_(std::move(dir)),
      clock_(std::move(clock)),
      poll_(poll),
      follower_(std::make_unique<Follower>(Follower{dir_})) {
  guarded(dir_, "creating the store directory", [&] { fs::create_directories(dir_ / "subnets"); });
}

std::optional<overlay::NetworkConfig> LocalStore::config() {
  auto text = guarded(dir_, "reading config", [&] { return util::read_file(dir_ / "config"); });
  if (!text) return std::nullopt;
  return overlay::parse_network_config(*text);
}

void LocalStore::put_config(const overlay::NetworkConfig& config) {
  guarded(dir_, "writing config", [&] {
    Txn txn(*this);
    util::write_file_atomically(dir_ / "config", to_json(config));
  });
}

overlay::LeaseSnapshot LocalStore::leases() {
  return guarded(dir_, "listing leases", [&] {
    catch_up_and_reap();
    overlay::LeaseSnapshot snapshot;
    snapshot.revision = follower_->revision();
    for (const auto& [subnet, lease] : follower_->live) snapshot.leases.push_back(lease);
    for (const auto& [subnet, unusable] : follower_->unusable) snapshot.unusable.push_back(unusable);
    return snapshot;
  });
}

// Reads the log's news; a lease whose time is up is removed under the lock
// (which logs its removal) and the news read again.
void LocalStore::catch_up_and_reap() {
  follower_->catch_up(dir_ / "log");
  auto expired = follower_->expired(clock_());
  if (expired.empty()) return;
  {
    Txn txn(*this);
    for (const auto& subnet : expired) txn.live_file(subnet);
  }
  follower_->catch_up(dir_ / "log");
}

// A live file counts as taken even when its value is unusable, as a key
// holding garbage does in etcd.
bool LocalStore::create_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) {
  return guarded(dir_, "creating lease " + subnet.key(), [&] {
    Txn txn(*this);
    if (txn.live_file(subnet)) return false;
    txn.write_lease(overlay::Lease{subnet, attrs, txn.now() + ttl});
    return true;
  });
}

void LocalStore::renew_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) {
  guarded(dir_, "renewing lease " + subnet.key(), [&] {
    Txn txn(*this);
    txn.write_lease(overlay::Lease{subnet, attrs, txn.now() + ttl});
  });
}

void LocalStore::delete_lease(const net::Cidr& subnet) {
  guarded(dir_, "deleting lease " + subnet.key(), [&] {
    Txn txn(*this);
    txn.remove_lease(subnet);
  });
}

// One look: the log's news after revision. A caller that saw more than the
// log now holds (the log was replaced) must list the leases again.
overlay::WatchResult LocalStore::poll_once(uint64_t revision) {
  catch_up_and_reap();
  const auto& history = follower_->history;
  overlay::WatchResult result{{}, follower_->revision(), revision > follower_->revision()};
  auto after = std::upper_bound(history.begin(), history.end(), revision,
                                [](uint64_t r, const LogEntry& e) { return r < e.revision; });
  for (auto it = after; it != history.end(); ++it) {
    result.events.push_back(it->event);
    result.events.back().key = key(it->event.lease.subnet);
  }
  return result;
}

overlay::WatchResult LocalStore::watch(uint64_t revision, std::chrono::milliseconds timeout) {
  return guarded(dir_, "watching leases", [&] {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // Watch before looking, so a change between the look and the wait still
    // wakes the wait.
    os::DirWatch changes(dir_, poll_);
    while (true) {
      overlay::WatchResult result = poll_once(revision);
      if (result.resync || !result.events.empty()) return result;
      auto left = std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return result;
      auto next_expiry = follower_->next_expiry();
      if (next_expiry != TimePoint::max())
        left = std::min(left, std::chrono::ceil<milliseconds>(next_expiry - clock_()) + milliseconds(1));
      changes.wait(std::max(left, milliseconds(0)));
    }
  });
}

LocalStore::~LocalStore() = default;
std::string LocalStore::key(const net::Cidr& subnet) const { return (dir_ / "subnets" / subnet.key()).string(); }

std::string LocalStore::describe() const { return "local " + dir_.string(); }

}  // namespace ovl::daemon
