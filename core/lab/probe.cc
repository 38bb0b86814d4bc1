#include "core/lab/probe.h"

#include <random>
#include <thread>

#include "core/lab/hosts.h"
#include "core/net/packet.h"
#include "core/os/transport_probe.h"
#include "core/scenario/diagnostics.h"
#include "core/scenario/names.h"
#include "core/scenario/parse.h"

namespace ovl::lab {
namespace {

// size bytes (ping's 56 by default) whose first kNonceBytes are random, so
// that only our own probe's answer is taken for ours, at every hop.
std::vector<std::byte> probe_payload(std::mt19937_64& rng, size_t size) {
  std::vector<std::byte> payload(size);
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = i < scenario::kNonceBytes ? std::byte(rng() & 0xff) : std::byte(i);
  return payload;
}

class Sender {
 public:
  Sender(const RunningLab& lab, os::LinuxNetworkOps& net, const ProbeReport& report, const ProbeOptions& opts)
      : report_(report), opts_(opts), from_(net.netns_fd(scenario::netns_name(lab.name, report.from))) {
    if (!report.answerer.empty()) to_ = net.netns_fd(scenario::netns_name(lab.name, report.answerer));
  }

  ProbeEcho send(int seq, std::mt19937_64& rng) {
    const auto& spec = opts_.spec;
    ProbeEcho echo{seq, {}, {}};
    if (spec.kind != scenario::ProbeKind::tcp) echo.payload = probe_payload(rng, size_t(spec.size));
    os::TransportProbe t{from_, to_, report_.dst, spec.port, opts_.timeout};
    switch (spec.kind) {
      case scenario::ProbeKind::icmp:
        if (!pinger_) pinger_.emplace(from_);
        echo.result = pinger_->echo(report_.dst, report_.id, uint16_t(seq), net::as_bytes(echo.payload),
                                    opts_.timeout, spec.df);
        break;
      case scenario::ProbeKind::udp: echo.result = os::udp_probe(t, net::as_bytes(echo.payload), spec.df); break;
      case scenario::ProbeKind::tcp: echo.result = os::tcp_probe(t, size_t(spec.size)); break;
    }
    return echo;
  }

 private:
  const ProbeReport& report_;
  const ProbeOptions& opts_;
  int from_, to_ = -1;
  std::optional<os::Pinger> pinger_;
};

}  // namespace

int ProbeReport::received() const {
  int n = 0;
  for (const auto& e : echoes) n += e.result.kind == os::EchoResult::Kind::reply;
  return n;
}

std::optional<int> ProbeReport::reply_ttl() const {
  std::optional<int> ttl;
  for (const auto& e : echoes)
    if (e.result.kind == os::EchoResult::Kind::reply && e.result.ttl) ttl = e.result.ttl;
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

std::string host_owning(const RunningLab& lab, net::Ipv4 ip, os::LinuxNetworkOps& net) {
  for (const auto& host : lab.scenario.host_names())
    for (const auto& a : net.rtnl(scenario::netns_name(lab.name, host)).addresses())
      if (a.address.addr() == ip) return host;
  return "";
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
  report.spec = opts.spec;
  report.dst = host_address(lab, to, net);
  report.src = host_address(lab, from, net);
  if (opts.spec.kind != scenario::ProbeKind::icmp && opts.spec.listen)
    report.answerer = lab.scenario.has_host(to) ? to : host_owning(lab, report.dst, net);
  Sender sender(lab, net, report, opts);
  std::mt19937_64 rng(std::random_device{}());
  report.id = uint16_t(rng());
  for (int seq = 1; seq <= opts.count; ++seq) {
    auto echo = sender.send(seq, rng);
    if (echo.result.sport) report.src = echo.result.source;
    report.echoes.push_back(echo);
    if (on_echo) on_echo(report, echo);
    if (seq < opts.count) std::this_thread::sleep_for(opts.interval);
  }
  return report;
}

}  // namespace ovl::lab
