// overlayd: a Flannel-style overlay daemon. One per node: it leases a subnet
// from etcd (or the embedded local store), writes subnet.env, and moves
// packets between nodes with the backend the network config names.
// Flag names follow flanneld's where flanneld has one, and, as flanneld,
// every flag may also come from the environment as FLANNELD_<FLAG>
// (--etcd-endpoints: FLANNELD_ETCD_ENDPOINTS); the command line wins.
#include <cctype>
#include <csignal>
#include <iostream>

#include <boost/program_options.hpp>

#include "core/daemon/etcd_store.h"
#include "core/daemon/host.h"
#include "core/daemon/local_store.h"
#include "core/overlay/daemon.h"

namespace po = boost::program_options;
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

po::options_description options() {
  po::options_description o("overlayd options (flanneld's names where flanneld has them)");
  o.add_options()("help,h", "show this help")(
      "etcd-endpoints", po::value<std::string>()->default_value("http://127.0.0.1:2379"),
      "comma-separated etcd endpoints")(
      "etcd-prefix", po::value<std::string>()->default_value(ovl::overlay::kDefaultPrefix), "etcd key prefix")(
      "store", po::value<std::string>()->default_value("etcd"), "lease store: etcd, or local (embedded)")(
      "local-store-dir", po::value<std::string>(), "directory of the local store (with --store=local)")(
      "local-store-poll-ms", po::value<int>()->default_value(0),
      "look at the local store every N ms instead of holding an inotify instance (0: inotify)")(
      "iface", po::value<std::string>()->default_value("eth0"), "interface towards the other nodes")(
      "public-ip", po::value<std::string>(), "IP other nodes send to (default: the iface's address)")(
      "subnet-file", po::value<std::string>()->default_value("/run/flannel/subnet.env"),
      "where to write the lease for the container runtime")(
      "ip-masq", po::bool_switch(), "record FLANNEL_IPMASQ=true (overlayd installs no masquerade rules)")(
      "status-file", po::value<std::string>(), "where to write peers and counters as JSON, every second")(
      "subnet-lease-renew-margin", po::value<int>()->default_value(60), "minutes before expiry to renew")(
      "lease-ttl", po::value<int>()->default_value(24 * 3600), "lease lifetime in seconds (Flannel: 24 h)")(
      "renew-retry", po::value<int>()->default_value(60),
      "seconds before trying a failed lease renewal again (Flannel: 60)")(
      "dataplane", po::value<std::string>()->default_value("fast"),
      "udp backend: simple (one packet per system call, as Flannel's proxy) or fast (TUN offloads, "
      "UDP GSO/GRO, batches; the same packets on the wire)");
  return o;
}

// FLANNELD_ETCD_ENDPOINTS -> etcd-endpoints, for the options overlayd has.
std::string option_of_env(const po::options_description& options, const std::string& name) {
  const std::string prefix = "FLANNELD_";
  if (name.rfind(prefix, 0) != 0) return "";
  std::string option;
  for (char c : name.substr(prefix.size()))
    option += c == '_' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  return option != "help" && options.find_nothrow(option, false) ? option : "";
}

std::unique_ptr<ovl::overlay::LeaseStore> make_store(const po::variables_map& vm) {
  auto kind = vm["store"].as<std::string>();
  if (kind == "local") {
    if (!vm.count("local-store-dir")) throw std::runtime_error("--store=local needs --local-store-dir");
    int poll = vm["local-store-poll-ms"].as<int>();
    if (poll < 0) throw std::runtime_error("--local-store-poll-ms must be 0 or more");
    return std::make_unique<ovl::daemon::LocalStore>(
        vm["local-store-dir"].as<std::string>(), [] { return std::chrono::system_clock::now(); },
        std::chrono::milliseconds(poll));
  }
  if (kind != "etcd") throw std::runtime_error("--store must be etcd or local, not '" + kind + "'");
  return std::make_unique<ovl::daemon::EtcdStore>(ovl::daemon::parse_etcd_endpoints(vm["etcd-endpoints"].as<std::string>()),
                                                   vm["etcd-prefix"].as<std::string>());
}

ovl::overlay::DaemonOptions daemon_options(const po::variables_map& vm) {
  ovl::overlay::DaemonOptions d;
  d.iface = vm["iface"].as<std::string>();
  if (vm.count("public-ip")) {
    auto ip = ovl::net::Ipv4::parse(vm["public-ip"].as<std::string>());
    if (!ip) throw std::runtime_error("--public-ip is not an IPv4 address");
    d.public_ip = *ip;
  }
  d.subnet_file = vm["subnet-file"].as<std::string>();
  if (vm.count("status-file")) d.status_file = vm["status-file"].as<std::string>();
  d.ip_masq = vm["ip-masq"].as<bool>();
  d.renew_margin = std::chrono::minutes(vm["subnet-lease-renew-margin"].as<int>());
  d.lease_ttl = std::chrono::seconds(vm["lease-ttl"].as<int>());
  d.renew_retry = std::chrono::seconds(vm["renew-retry"].as<int>());
  if (d.renew_margin.count() <= 0 || d.renew_margin >= d.lease_ttl)
    throw std::runtime_error("--subnet-lease-renew-margin must be at least 1 minute and shorter than the lease (" +
                             std::to_string(d.lease_ttl.count()) + " s)");
  if (d.renew_retry.count() <= 0) throw std::runtime_error("--renew-retry must be at least 1 second");
  return d;
}

// The udp backend in the data plane --dataplane names.
ovl::overlay::DaemonHost daemon_host(const po::variables_map& vm) {
  auto name = vm["dataplane"].as<std::string>();
  auto dataplane = ovl::daemon::parse_dataplane(name);
  if (!dataplane) throw std::runtime_error("--dataplane must be simple or fast, not '" + name + "'");
  return ovl::daemon::linux_daemon_host(ovl::daemon::UdpOptions{*dataplane, &std::cerr});
}

}  // namespace

int main(int argc, char** argv) {
  po::variables_map vm;
  auto opts = options();
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::store(po::parse_environment(opts, [&](const std::string& name) { return option_of_env(opts, name); }), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "overlayd: " << e.what() << " (overlayd --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  for (int sig : {SIGINT, SIGTERM}) sigaction(sig, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto store = make_store(vm);
    ovl::overlay::Daemon daemon(daemon_options(vm), *store, daemon_host(vm), std::cerr);
    daemon.run(g_stop);
  } catch (const std::exception& e) {
    std::cerr << "overlayd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
