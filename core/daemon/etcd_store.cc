// Flannel's registry operations (pkg/subnet/etcd/registry.go) on etcd's v3
// JSON gateway. The gateway's JSON: keys and values in base64, 64-bit
// numbers as strings, fields at their default value left out (a PUT event
// has no "type", a failed transaction no "succeeded").
#include "core/daemon/etcd_store.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/net/base64.h"
#include "core/daemon/etcd_client.h"

namespace ovl::daemon {
namespace {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

std::string b64(const std::string& text) { return net::base64_encode(text); }

std::string unb64(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return net::base64_decode(it->get<std::string>()).value_or("");
}

// A 64-bit field, which the gateway writes as a string; 0 when absent.
int64_t int_field(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  try {
    return std::stoll(it->get<std::string>());
  } catch (const std::exception&) {
    return 0;
  }
}

// A lease ID kept in the gateway's decimal string form, "0" for none.
std::string id_field(const Json& object, const char* key) { return std::to_string(int_field(object, key)); }

const Json& header_of(const Json& reply) {
  static const Json empty = Json::object();
  auto it = reply.find("header");
  return it == reply.end() ? empty : *it;
}

// etcd's range_end for "every key starting with prefix".
std::string prefix_end(std::string prefix) {
  prefix.back() = char(prefix.back() + 1);
  return prefix;
}

Json range_of_prefix(const std::string& prefix) {
  return Json{{"key", b64(prefix)}, {"range_end", b64(prefix_end(prefix))}};
}

std::optional<net::Cidr> subnet_from_key(const std::string& subnets_prefix, std::string_view key) {
  if (!key.starts_with(subnets_prefix)) return std::nullopt;
  return net::Cidr::parse_key(key.substr(subnets_prefix.size()));
}

// A kv under <prefix>/subnets as a lease, or why it is not one. Flannel
// logs such a value ("Ignoring bad subnet node") and skips it; so does
// overlayd, but it says so in its status too.
struct Read {
  std::optional<net::Cidr> subnet;
  std::optional<overlay::LeaseAttrs> attrs;
  std::string key, problem;
};

Read read_kv(const std::string& subnets_prefix, const Json& kv) {
  Read r;
  r.key = unb64(kv, "key");
  r.subnet = subnet_from_key(subnets_prefix, r.key);
  if (!r.subnet) {
    r.problem = "the key does not name a subnet (" + subnets_prefix + "100.96.1.0-24 does)";
    return r;
  }
  try {
    r.attrs = overlay::attrs_from_json(unb64(kv, "value"));
  } catch (const std::runtime_error& e) {
    r.problem = e.what();
  }
  return r;
}

Json put_request(const std::string& key, const std::string& value, const std::string& lease_id) {
  return Json{{"request_put", Json{{"key", b64(key)}, {"value", b64(value)}, {"lease", lease_id}}}};
}

// "if compare then put": a transaction with one condition and one write.
Json txn(Json compare, Json put) {
  return Json{{"compare", Json::array({std::move(compare)})}, {"success", Json::array({std::move(put)})}};
}

// Follows one watch stream: the created message, then the first message
// carrying events; says when to stop.
struct WatchFollower {
  std::string subnets_prefix;
  uint64_t asked = 0;
  overlay::WatchResult result;
  uint64_t created_at = 0;  // the store's revision when the watch began

  bool on_message(const Json& message) {
    auto it = message.find("result");
    if (it == message.end()) return true;
    const Json& r = *it;
    if (r.value("created", false)) created_at = uint64_t(int_field(header_of(r), "revision"));
    // Compacted history, a cancelled watch, or a store whose revision went
    // backwards (restarted empty): what happened after `asked` is lost.
    bool restarted = r.value("created", false) && created_at < asked;
    if (restarted || int_field(r, "compact_revision") > 0 || r.value("canceled", false)) {
      result = overlay::WatchResult{{}, created_at, true};
      return false;
    }
    auto events = r.find("events");
    if (events == r.end() || events->empty()) return true;
    for (const auto& event : *events) add_event(event);
    return false;
  }

  void add_event(const Json& event) {
    const Json& kv = event.value("kv", Json::object());
    result.revision = std::max(result.revision, uint64_t(int_field(kv, "mod_revision")));
    using Type = overlay::LeaseEvent::Type;
    auto key = unb64(kv, "key");
    auto subnet = subnet_from_key(subnets_prefix, key).value_or(net::Cidr());
    if (event.value("type", "PUT") == "DELETE") {
      result.events.push_back({Type::removed, overlay::Lease{subnet, {}, {}}, key, ""});
      return;
    }
    auto read = read_kv(subnets_prefix, kv);
    if (read.attrs)
      result.events.push_back({Type::added, overlay::Lease{subnet, *read.attrs, {}}, key, ""});
    else
      result.events.push_back({Type::unusable, overlay::Lease{subnet, {}, {}}, key, read.problem});
  }
};

}  // namespace

EtcdStore::EtcdStore(std::vector<std::string> endpoints, std::string prefix, int netns_fd) : prefix_(std::move(prefix)) {
  if (endpoints.empty()) throw std::invalid_argument("no etcd endpoints given");
  for (const auto& e : endpoints)
    if (!e.starts_with("http://") || e.size() == 7)
      throw std::invalid_argument("etcd endpoint \"" + e + "\" is not http://host:port (TLS is not supported)");
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  if (prefix_.empty() || prefix_[0] != '/')
    throw std::invalid_argument("etcd prefix \"" + prefix_ + "\" must start with / (e.g. /coreos.com/network)");
  client_ = std::make_unique<EtcdClient>(std::move(endpoints), netns_fd);
}

EtcdStore::~EtcdStore() = default;

std::optional<overlay::NetworkConfig> EtcdStore::config() {
  std::string key = prefix_ + "/config";
  Json reply = client_->call("/v3/kv/range", Json{{"key", b64(key)}}, "reading " + key);
  auto kvs = reply.find("kvs");
  if (kvs == reply.end() || kvs->empty()) return std::nullopt;
  return overlay::parse_network_config(unb64(kvs->at(0), "value"));
}

void EtcdStore::put_config(const overlay::NetworkConfig& config) {
  std::string key = prefix_ + "/config";
  client_->call("/v3/kv/put", Json{{"key", b64(key)}, {"value", b64(to_json(config))}}, "writing " + key);
}

overlay::LeaseSnapshot EtcdStore::leases() {
  Json reply = client_->call("/v3/kv/range", range_of_prefix(subnets_prefix()), "reading " + prefix_ + "/subnets");
  overlay::LeaseSnapshot snapshot;
  snapshot.revision = uint64_t(int_field(header_of(reply), "revision"));
  std::map<std::string, TimePoint> expirations;  // one TTL query per etcd lease
  for (const auto& kv : reply.value("kvs", Json::array())) {
    auto read = read_kv(subnets_prefix(), kv);
    if (!read.attrs) {
      snapshot.unusable.push_back({read.key, read.problem});
      continue;
    }
    std::string id = id_field(kv, "lease");
    if (id != "0" && !expirations.contains(id)) expirations[id] = expiration(id);
    snapshot.leases.push_back(overlay::Lease{*read.subnet, *read.attrs, id == "0" ? TimePoint{} : expirations[id]});
  }
  std::sort(snapshot.leases.begin(), snapshot.leases.end(),
            [](const overlay::Lease& a, const overlay::Lease& b) { return a.subnet < b.subnet; });
  return snapshot;
}

bool EtcdStore::create_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) {
  std::string key = lease_key(subnet), what = "creating " + key;
  std::string id = grant(ttl, what);
  Json absent{{"key", b64(key)}, {"target", "VERSION"}, {"result", "EQUAL"}, {"version", "0"}};
  Json reply = client_->call("/v3/kv/txn", txn(absent, put_request(key, overlay::attrs_to_json(attrs), id)), what);
  if (reply.value("succeeded", false)) return true;
  revoke(id);
  return false;
}

// Flannel's updateSubnet: a new etcd lease of ttl and a plain put bound to
// it; the key's previous etcd lease is left to expire with nothing on it.
void EtcdStore::renew_lease(const net::Cidr& subnet, const overlay::LeaseAttrs& attrs, std::chrono::seconds ttl) {
  std::string key = lease_key(subnet), what = "renewing " + key;
  std::string id = grant(ttl, what);
  try {
    client_->call("/v3/kv/put", put_request(key, overlay::attrs_to_json(attrs), id)["request_put"], what);
  } catch (const overlay::StoreUnavailable&) {
    revoke(id);
    throw;
  }
}

void EtcdStore::delete_lease(const net::Cidr& subnet) {
  std::string key = lease_key(subnet);
  client_->call("/v3/kv/deleterange", Json{{"key", b64(key)}}, "deleting " + key);
}

overlay::WatchResult EtcdStore::watch(uint64_t revision, std::chrono::milliseconds timeout) {
  Json create = range_of_prefix(subnets_prefix());
  create["start_revision"] = revision + 1;
  WatchFollower follower{subnets_prefix(), revision, overlay::WatchResult{{}, revision, false}};
  client_->stream("/v3/watch", Json{{"create_request", create}}, "watching " + prefix_ + "/subnets",
                  std::chrono::steady_clock::now() + timeout,
                  [&](const Json& message) { return follower.on_message(message); });
  return follower.result;
}

std::string EtcdStore::describe() const {
  std::string endpoints;
  for (const auto& e : client_->endpoints()) endpoints += (endpoints.empty() ? "" : ",") + e;
  return "etcd " + endpoints + " " + prefix_;
}

std::string EtcdStore::grant(std::chrono::seconds ttl, const std::string& what) {
  Json reply = client_->call("/v3/lease/grant", Json{{"TTL", ttl.count()}}, what);
  std::string id = id_field(reply, "ID");
  if (id == "0") throw overlay::StoreUnavailable("etcd granted no lease while " + what + ": " + reply.dump());
  return id;
}

// Best effort: an unused lease also goes away by itself when its TTL ends.
void EtcdStore::revoke(const std::string& lease_id) {
  try {
    client_->call("/v3/lease/revoke", Json{{"ID", lease_id}}, "revoking lease " + lease_id);
  } catch (const overlay::StoreUnavailable&) {
  }
}

TimePoint EtcdStore::expiration(const std::string& lease_id) {
  Json reply = client_->call("/v3/lease/timetolive", Json{{"ID", lease_id}}, "reading the TTL of lease " + lease_id);
  int64_t ttl = int_field(reply, "TTL");
  if (ttl <= 0) return TimePoint{};  // expired meanwhile: its keys are going too
  return std::chrono::system_clock::now() + std::chrono::seconds(ttl);
}

std::vector<std::string> parse_etcd_endpoints(std::string_view flag) {
  std::vector<std::string> out;
  while (!flag.empty()) {
    auto comma = std::min(flag.find(','), flag.size());
    std::string_view item = flag.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    flag.remove_prefix(std::min(comma + 1, flag.size()));
  }
  return out;
}

}  // namespace ovl::daemon
