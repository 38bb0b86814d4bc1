// Verbs that build, enter and tear down labs: up, down, list, exec, ping.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>

#include "core/lab/hosts.h"
#include "core/lab/executor.h"
#include "core/lab/lab.h"
#include "core/linux/exec.h"
#include "core/linux/linux_network_ops.h"
#include "core/linux/ping.h"
#include "core/net/packet.h"
#include "core/scenario/names.h"
#include "lab/overlaylab/cli.h"
#include "lab/overlaylab/verbs.h"

namespace ovl::cli {
namespace {

std::string lab_name_option(const Args& a, const scenario::Scenario& s) {
  if (!a.vm.count("name")) return s.name;
  auto name = a.vm["name"].as<std::string>();
  bool ok = !name.empty() && name.size() <= 24 &&
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!ok) throw UsageError("lab name '" + name + "' must be 1 to 24 of a-z, 0-9 and '-'");
  return name;
}

// A host's address, read from the kernel: the truth, whatever IPAM chose.
net::Ipv4 host_address(const lab::RunningLab& lab, const std::string& host, os::LinuxNetworkOps& net) {
  if (auto ip = net::Ipv4::parse(host)) return *ip;
  auto where = lab::primary_iface(lab.scenario, lab.name, host);
  if (!where) throw UsageError("lab '" + lab.name + "' has no host '" + host + "'");
  for (const auto& a : net.rtnl(where->ns).addresses())
    if (a.dev == where->iface) return a.address.addr();
  throw std::runtime_error(host + " has no address on " + where->iface);
}

}  // namespace

int verb_up(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("name", po::value<std::string>(), "lab name (default: the scenario's name)");
  auto a = parse(args, "overlaylab up FILE [--name LAB]", opts, {"file"});
  if (a.help) return kOk;
  auto file = a.vm["file"].as<std::string>();
  auto loaded = load_scenario(file);
  require_root("up");
  install_interrupt_handlers();
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  lab::UpRequest request{&loaded.scenario, text, lab_name_option(a, loaded.scenario)};
  request.cancel = &g_interrupted;
  request.root = state_root();
  os::LinuxNetworkOps net;
  try {
    lab::up(request, net);
  } catch (const lab::Interrupted&) {
    std::cerr << "overlaylab up: interrupted; lab '" << request.lab << "' was rolled back\n";
    return kFailed;
  }
  std::cout << "lab '" << request.lab << "' is up: " << loaded.scenario.nodes.size()
            << " nodes; `overlaylab down " << request.lab << "` removes it\n";
  return kOk;
}

int verb_down(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("all", "tear down every lab on this machine");
  auto a = parse(args, "overlaylab down LAB | --all", opts, {"lab?"});
  if (a.help) return kOk;
  bool all = a.vm.count("all");
  if (all == bool(a.vm.count("lab")))
    throw UsageError("name one lab or give --all (usage: overlaylab down LAB | --all)");
  require_root("down");
  os::LinuxNetworkOps net;
  std::vector<std::string> labs;
  if (all)
    for (const auto& l : lab::list(state_root())) labs.push_back(l.name);
  else
    labs.push_back(a.vm["lab"].as<std::string>());
  int status = kOk;
  for (const auto& name : labs) {
    try {
      if (lab::down(name, net, state_root())) {
        std::cout << "lab '" << name << "' is down\n";
      } else {
        std::cerr << "overlaylab down: there is no lab '" << name << "' (see `overlaylab list`)\n";
        status = kFailed;
      }
    } catch (const std::exception& e) {
      std::cerr << "overlaylab down: lab '" << name << "': " << e.what() << "\n";
      status = kFailed;
    }
  }
  return status;
}

int verb_list(const VerbArgs& args) {
  po::options_description opts("options");
  auto a = parse(args, "overlaylab list", opts, {});
  if (a.help) return kOk;
  auto labs = lab::list(state_root());
  if (labs.empty()) std::cout << "no labs\n";
  for (const auto& l : labs)
    std::cout << l.name << "  " << (l.complete ? "up" : "incomplete (overlaylab down " + l.name + ")")
              << "  " << l.namespaces << " namespaces\n";
  return kOk;
}

int verb_exec(const VerbArgs& args) {
  auto dashes = std::find(args.begin(), args.end(), "--");
  VerbArgs own(args.begin(), dashes), command(dashes == args.end() ? dashes : dashes + 1, args.end());
  po::options_description opts("options");
  auto a = parse(own, "overlaylab exec LAB HOST -- COMMAND [ARGS...]", opts, {"lab", "host"});
  if (a.help) return kOk;
  if (command.empty()) throw UsageError("give a command after -- (overlaylab exec LAB HOST -- ip route)");
  require_root("exec");
  auto lab = lab::open_lab(a.vm["lab"].as<std::string>(), state_root());
  auto host = a.vm["host"].as<std::string>();
  if (!lab.scenario.has_host(host))
    throw UsageError("lab '" + lab.name + "' has no host '" + host + "'" +
                     scenario::did_you_mean(host, lab.scenario.host_names()));
  os::exec_in_netns(scenario::netns_name(lab.name, host), command);
}

}  // namespace ovl::cli

namespace ovl::cli {
namespace {

// 56 data bytes as ping sends them; the first 16 are a nonce, so replies to
// someone else's echo with the same id cannot be mistaken for ours.
std::vector<std::byte> ping_payload(std::mt19937_64& rng) {
  std::vector<std::byte> payload(56);
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = i < 16 ? std::byte(rng() & 0xff) : std::byte(i);
  return payload;
}

void print_result(const os::EchoResult& r, int seq) {
  using Kind = os::EchoResult::Kind;
  if (r.kind == Kind::timeout) {
    std::cout << "no answer for icmp_seq=" << seq << "\n";
  } else if (r.kind == Kind::reply) {
    std::printf("%zu bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms\n", r.bytes, r.from.str().c_str(),
                seq, r.ttl, std::chrono::duration<double, std::milli>(r.rtt).count());
  } else {
    std::printf("From %s icmp_seq=%d %s (type %d code %d)\n", r.from.str().c_str(), seq,
                r.icmp_type == 3 ? "Destination Unreachable" : "Time to live exceeded", r.icmp_type,
                r.icmp_code);
  }
  std::fflush(stdout);
}

}  // namespace

int verb_ping(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("count,c", po::value<int>()->default_value(3), "echo requests to send")(
      "timeout,W", po::value<double>()->default_value(1.0), "seconds to wait for each answer")(
      "interval,i", po::value<double>()->default_value(0.2), "seconds between requests");
  auto a = parse(args, "overlaylab ping LAB FROM TO [-c COUNT]", opts, {"lab", "from", "to"});
  if (a.help) return kOk;
  int count = a.vm["count"].as<int>();
  if (count < 1 || count > 10000) throw UsageError("--count must be from 1 to 10000");
  require_root("ping");
  auto lab = lab::open_lab(a.vm["lab"].as<std::string>(), state_root());
  auto from = a.vm["from"].as<std::string>(), to = a.vm["to"].as<std::string>();
  if (!lab.scenario.has_host(from))
    throw UsageError("lab '" + lab.name + "' has no host '" + from + "'" +
                     scenario::did_you_mean(from, lab.scenario.host_names()));
  os::LinuxNetworkOps net;
  auto dst = host_address(lab, to, net);
  os::Pinger pinger(net.netns_fd(scenario::netns_name(lab.name, from)));
  std::mt19937_64 rng(std::random_device{}());
  auto id = uint16_t(rng());
  std::cout << "PING " << to << " (" << dst.str() << ") from " << from << ": 56 data bytes\n";
  int received = 0;
  std::vector<double> rtts;
  for (int seq = 1; seq <= count; ++seq) {
    auto payload = ping_payload(rng);
    auto r = pinger.echo(dst, id, uint16_t(seq), net::as_bytes(payload),
                         std::chrono::milliseconds(int(a.vm["timeout"].as<double>() * 1000)));
    print_result(r, seq);
    if (r.kind == os::EchoResult::Kind::reply) {
      ++received;
      rtts.push_back(std::chrono::duration<double, std::milli>(r.rtt).count());
    }
    if (seq < count) ::usleep(useconds_t(a.vm["interval"].as<double>() * 1e6));
  }
  std::printf("\n--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n",
              to.c_str(), count, received, (count - received) * 100 / count);
  if (!rtts.empty())
    std::printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", *std::min_element(rtts.begin(), rtts.end()),
                std::accumulate(rtts.begin(), rtts.end(), 0.0) / double(rtts.size()),
                *std::max_element(rtts.begin(), rtts.end()));
  return received ? kOk : kFailed;
}

}  // namespace ovl::cli
