#include "core/lab/probe.h"

#include <random>
#include <thread>

#include "core/lab/hosts.h"
#include "core/net/packet.h"
#include "core/scenario/diagnostics.h"
#include "core/scenario/names.h"

namespace ovl::lab {
namespace {

// 56 data bytes, as ping sends; the first 16 are a nonce so that only our
// own echo's reply is taken for ours.
std::vector<std::byte> echo_payload(std::mt19937_64& rng) {
  std::vector<std::byte> payload(56);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = i < kNonceSize ? std::byte(rng() & 0xff) : std::byte(i);
  return payload;
}

}  // namespace

int ProbeReport::received() const {
  int n = 0;
  for (const auto& e : echoes) n += e.result.kind == os::EchoResult::Kind::reply;
  return n;
}

std::optional<int> ProbeReport::reply_ttl() const {
  std::optional<int> ttl;
  for (const auto& e : echoes)
    if (e.result.kind == os::EchoResult::Kind::reply) ttl = e.result.ttl;
  return ttl;
}

net::Ipv4 host_address(const RunningLab& lab, const std::string& host, os::LinuxNetworkOps& net) {
  if (auto ip = net::Ipv4::parse(host)) return *ip;
  auto where = primary_iface(lab.scenario, lab.name, host);
  if (!where)
    throw std::runtime_error("lab '" + lab.name + "' has no host '" + host + "'" +
                             scenario::did_you_mean(host, lab.scenario.host_names()));
  for (const auto& a : net.rtnl(where->ns).addresses())
    if (a.dev == where->iface) return a.address.addr();
  throw std::runtime_error(host + " has no address on " + where->iface);
}

ProbeReport probe(const RunningLab& lab, os::LinuxNetworkOps& net, const std::string& from,
                  const std::string& to, const ProbeOptions& opts,
                  const std::function<void(const ProbeReport&, const ProbeEcho&)>& on_echo) {
  if (!lab.scenario.has_host(from))
    throw std::runtime_error("lab '" + lab.name + "' has no host '" + from + "'" +
                             scenario::did_you_mean(from, lab.scenario.host_names()));
  ProbeReport report;
  report.from = from;
  report.to = to;
  report.dst = host_address(lab, to, net);
  os::Pinger pinger(net.netns_fd(scenario::netns_name(lab.name, from)));
  std::mt19937_64 rng(std::random_device{}());
  report.id = uint16_t(rng());
  for (int seq = 1; seq <= opts.count; ++seq) {
    auto payload = echo_payload(rng);
    ProbeEcho echo{seq, pinger.echo(report.dst, report.id, uint16_t(seq), net::as_bytes(payload), opts.timeout),
                   payload};
    report.echoes.push_back(echo);
    if (on_echo) on_echo(report, echo);
    if (seq < opts.count) std::this_thread::sleep_for(opts.interval);
  }
  return report;
}

}  // namespace ovl::lab
