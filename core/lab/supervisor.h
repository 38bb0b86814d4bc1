// The lab supervisor: one detached process per lab, started by `up`, that
// brings the store up first, then every node's overlayd, and keeps them
// running: a service that dies is restarted after a back-off (1 s, doubling
// to 8 s) unless a verb asked for it to stay stopped. It exits, stopping its
// services, on SIGTERM or when the lab's journal disappears.
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <map>
#include <vector>

#include "core/lab/journal.h"
#include "core/lab/services.h"

namespace ovl::lab {

class Supervisor {
 public:
  // store_ready blocks until the store answers and holds the network config
  // (throws when it cannot); it runs after the store's service starts and
  // before any overlayd.
  Supervisor(std::vector<Service> services, Journal& journal, std::filesystem::path journal_path,
             std::function<void()> store_ready, std::ostream& log);

  // Runs until stop. reload (SIGHUP) re-reads every service's desired state.
  void run(const std::atomic<bool>& stop, std::atomic<bool>& reload);

 private:
  struct Running {
    os::Child child;
    std::chrono::steady_clock::time_point since;
  };
  void start(const Service& svc);
  void start_all();
  void prepare(const Service& svc);
  void spawn(const Service& svc);
  void announce(const Service& svc) const;
  std::string state_of(const Service& svc) const;
  void log_line(const Service& svc, const std::string& state);
  void stop(const Service& svc);
  void stop_all();
  void reap();
  void apply_desired_states();
  void restart_due();
  void say(const Service& svc, const std::string& state);
  void forget(const Service& svc, const std::string& state);

  std::vector<Service> services_;
  Journal& journal_;
  std::filesystem::path journal_path_;
  std::function<void()> store_ready_;
  std::ostream& log_;
  std::map<std::string, Running> running_;
  std::map<std::string, std::chrono::steady_clock::time_point> restart_at_;
  std::map<std::string, std::chrono::seconds> backoff_;
};

}  // namespace ovl::lab
