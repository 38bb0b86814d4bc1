#include "tests/support/lab_fixture.h"

#include <boost/process.hpp>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/files.h"

namespace ovl::test {
namespace bp = boost::process;
namespace fs = std::filesystem;

fs::path binary_dir() { return OVERLAYLAB_BINARY_DIR; }
fs::path overlaylab_binary() { return binary_dir() / "overlaylab"; }

namespace {

RunResult run_at(const fs::path& exe, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& extra_env) {
  auto tmp = fs::temp_directory_path();
  auto out_path = tmp / ("ovltest-out-" + std::to_string(::getpid()));
  auto err_path = tmp / ("ovltest-err-" + std::to_string(::getpid()));
  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : extra_env) env[k] = v;
  bp::child child(exe.string(), bp::args(args), env, bp::std_out > out_path.string(),
                  bp::std_err > err_path.string(), bp::std_in < bp::null);
  child.wait();
  RunResult r{child.exit_code(), read_file(out_path), read_file(err_path)};
  fs::remove(out_path);
  fs::remove(err_path);
  return r;
}

}  // namespace

RunResult overlaylab(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env) {
  return run_at(overlaylab_binary(), args, env);
}

RunResult run_program(const std::vector<std::string>& argv) {
  auto exe = argv.at(0).find('/') != std::string::npos ? boost::filesystem::path(argv[0]) : bp::search_path(argv[0]);
  if (exe.empty()) return RunResult{127, "", argv[0] + ": not found"};
  return run_at(exe.string(), std::vector<std::string>(argv.begin() + 1, argv.end()), {});
}

struct Background::Impl {
  fs::path out, err;
  bp::child child;
  std::optional<int> status;
};

Background::Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env)
    : impl_(std::make_unique<Impl>()) {
  static int serial = 0;
  auto base = fs::temp_directory_path() / ("ovltest-bg-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
  impl_->out = base.string() + ".out";
  impl_->err = base.string() + ".err";
  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : extra_env) env[k] = v;
  impl_->child = bp::child(argv.at(0), bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), env,
                           bp::std_out > impl_->out.string(), bp::std_err > impl_->err.string(), bp::std_in < bp::null);
}

Background::~Background() {
  stop();
  fs::remove(impl_->out);
  fs::remove(impl_->err);
}

int Background::pid() const { return impl_->child.id(); }
std::string Background::out() const { return read_file(impl_->out); }
std::string Background::err() const { return read_file(impl_->err); }

std::optional<int> Background::wait(std::chrono::milliseconds limit) {
  if (impl_->status) return impl_->status;
  std::error_code ec;
  if (impl_->child.wait_for(limit, ec)) impl_->status = impl_->child.exit_code();
  return impl_->status;
}

void Background::stop() {
  if (impl_->status || !impl_->child.valid()) return;
  ::kill(impl_->child.id(), SIGTERM);
  if (!wait(std::chrono::seconds(10))) {
    ::kill(impl_->child.id(), SIGKILL);
    impl_->child.wait();
    impl_->status = impl_->child.exit_code();
  }
}

std::vector<std::string> lab_namespaces(const std::string& lab) {
  std::vector<std::string> out;
  std::string prefix = "ovl-" + lab + ".";
  if (!fs::exists("/run/netns")) return out;
  for (const auto& e : fs::directory_iterator("/run/netns")) {
    auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

// Everything the lab could leave behind, as text: the host namespace's
// links, addresses and routes whole; of the named namespaces and their
// mounts, those of the lab (other labs may come and go meanwhile).
std::string host_snapshot(const std::string& lab, const std::vector<fs::path>& roots) {
  std::ostringstream out;
  out << "netns:\n";
  for (const auto& ns : lab_namespaces(lab)) out << ns << "\n";
  out << "links:\n" << run_program({"ip", "-o", "link", "show"}).out;
  out << "addresses:\n" << run_program({"ip", "-o", "addr", "show"}).out;
  out << "routes:\n" << run_program({"ip", "route", "show", "table", "all"}).out;
  out << "mounts:\n";
  std::ifstream mounts("/proc/self/mounts");
  for (std::string line; std::getline(mounts, line);)
    if (line.find("/run/netns/ovl-" + lab + ".") != std::string::npos) out << line << "\n";
  for (const auto& root : roots) {
    out << root.string() << ":\n";
    if (!fs::exists(root)) continue;
    std::set<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) files.insert(e.path().string());
    for (const auto& f : files) out << f << "\n";
  }
  return out.str();
}

std::string scenario(const std::string& name) { return (source_dir() / "scenarios" / (name + ".xml")).string(); }

fs::path node_dir(const std::string& lab, const std::string& node) {
  return fs::path("/run/overlaylab") / lab / "nodes" / node;
}

nlohmann::json status_of(const std::string& lab, const std::string& node) {
  std::ifstream in(node_dir(lab, node) / "run/overlayd/status.json");
  return nlohmann::json::parse(in, nullptr, false);
}

void LabTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "lab tests build network namespaces and need root";
}

std::string LabTest::lab(const std::string& name) {
  labs_.push_back(name);
  return name;
}

fs::path LabTest::private_state_root() {
  if (private_root_.empty()) {
    private_root_ = fs::temp_directory_path() /
                    ("ovltest-state-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    env_["OVERLAYLAB_STATE_DIR"] = private_root_.string();
  }
  return private_root_;
}

fs::path LabTest::out_dir() {
  if (out_.empty())
    out_ = fs::temp_directory_path() / ("ovltest-out-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  return out_;
}

nlohmann::json LabTest::trace_json(const std::string& probe) {
  std::ifstream in(out_dir() / ("trace-" + probe + ".json"));
  return nlohmann::json::parse(in, nullptr, false);
}

void LabTest::TearDown() {
  for (const auto& name : labs_) {
    run({"down", name});
    auto left = lab_namespaces(name);
    EXPECT_EQ(left, std::vector<std::string>{}) << "lab " << name << " left namespaces";
    // Reported above; removed so that the next run does not trip over them
    // (the names carry this test's lab name: nobody else's).
    for (const auto& ns : left) run_program({"ip", "netns", "del", ns});
    auto root = private_root_.empty() ? fs::path("/run/overlaylab") : private_root_;
    EXPECT_FALSE(fs::exists(root / name)) << "lab " << name << " left its state directory";
  }
  if (!private_root_.empty()) fs::remove_all(private_root_);
  if (!out_.empty()) fs::remove_all(out_);
}

}  // namespace ovl::test
