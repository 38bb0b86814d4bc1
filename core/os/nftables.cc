#include "core/os/nftables.h"

#include <nftables/libnftables.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/os/netns.h"

namespace ovl::os {

Nftables::Nftables(int netns_fd) {
  NetnsScope scope(netns_fd);
  ctx_ = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx_) throw std::runtime_error("libnftables could not make a context");
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

Nftables::~Nftables() { nft_ctx_free(ctx_); }

void Nftables::run(const std::string& command) {
  nft_ctx_output_set_flags(ctx_, 0);
  if (nft_run_cmd_from_buffer(ctx_, command.c_str()) == 0) return;
  std::string error = nft_ctx_get_error_buffer(ctx_);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  throw std::runtime_error("nftables refused it: " + error.substr(0, error.find('\n')));
}

std::string Nftables::list(const std::string& what, bool json, bool handles) {
  nft_ctx_output_set_flags(ctx_, (json ? NFT_CTX_OUTPUT_JSON : 0) | (handles ? NFT_CTX_OUTPUT_HANDLE : 0));
  if (nft_run_cmd_from_buffer(ctx_, ("list " + what).c_str()) != 0)
    throw std::runtime_error("nftables could not list " + what + ": " + nft_ctx_get_error_buffer(ctx_));
  return nft_ctx_get_output_buffer(ctx_);
}

namespace {

using Json = nlohmann::json;

// "table ip flannel-ipv4" / "chain postrtg" / "<rule> # handle 5", as the
// text listing nests them: the text of each rule by table and handle.
std::map<std::pair<std::string, int>, std::string> rule_texts(const std::string& listing) {
  std::map<std::pair<std::string, int>, std::string> out;
  std::istringstream in(listing);
  std::string table;
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of('\t');
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line.rfind("table ", 0) == 0) table = line.substr(6, line.find(" {") - 6);
    auto mark = line.rfind(" # handle ");
    if (mark == std::string::npos || line.find('{') != std::string::npos) continue;
    out[{table, std::stoi(line.substr(mark + 10))}] = line.substr(0, mark);
  }
  return out;
}

std::optional<trace::AddrMatch> address(const Json& right, bool negate) {
  std::optional<net::Cidr> cidr;
  if (right.is_string())
    if (auto ip = net::Ipv4::parse(right.get<std::string>())) cidr = net::Cidr(*ip, 32);
  if (right.is_object() && right.contains("prefix"))
    if (auto ip = net::Ipv4::parse(right["prefix"].value("addr", "")))
      cidr = net::Cidr(*ip, right["prefix"].value("len", 32));
  if (!cidr) return std::nullopt;
  return trace::AddrMatch{*cidr, negate};
}

// One expression of a rule; false when the explainer could not evaluate it.
bool read_expr(const Json& e, trace::NatRule& r) {
  if (e.contains("counter")) return true;
  for (const char* verdict : {"return", "accept", "drop", "masquerade", "snat"})
    if (e.contains(verdict)) {
      r.verdict = verdict;
      return true;
    }
  if (!e.contains("match")) return false;
  const auto& m = e["match"];
  const auto& left = m["left"];
  bool negate = m.value("op", "==") == "!=";
  if (left.contains("meta") && left["meta"].value("key", "") == "mark" && m["right"].is_number() && !negate) {
    r.mark = m["right"].get<uint32_t>();
    return true;
  }
  if (!left.contains("payload") || left["payload"].value("protocol", "") != "ip") return false;
  auto field = left["payload"].value("field", "");
  auto match = address(m["right"], negate);
  if (!match || (field != "saddr" && field != "daddr")) return false;
  (field == "saddr" ? r.saddr : r.daddr) = match;
  return true;
}

}  // namespace

std::vector<trace::NatRule> postrouting_nat_rules(Nftables& nft) {
  auto listing = Json::parse(nft.list("ruleset", true, true), nullptr, false);
  if (listing.is_discarded() || !listing.contains("nftables")) return {};
  auto texts = rule_texts(nft.list("ruleset", false, true));
  std::map<std::string, int> nat_chains;  // "family table chain" -> priority
  for (const auto& item : listing["nftables"])
    if (item.contains("chain") && item["chain"].value("type", "") == "nat" &&
        item["chain"].value("hook", "") == "postrouting") {
      const auto& c = item["chain"];
      nat_chains[c.value("family", "") + " " + c.value("table", "") + " " + c.value("name", "")] = c.value("prio", 0);
    }
  std::vector<std::pair<int, trace::NatRule>> rules;
  for (const auto& item : listing["nftables"]) {
    if (!item.contains("rule")) continue;
    const auto& j = item["rule"];
    std::string table = j.value("family", "") + " " + j.value("table", "");
    auto chain = nat_chains.find(table + " " + j.value("chain", ""));
    if (chain == nat_chains.end()) continue;
    trace::NatRule r;
    r.table = table;
    r.chain = j.value("chain", "");
    r.text = texts[{table, j.value("handle", 0)}];
    for (const auto& e : j["expr"]) r.understood = read_expr(e, r) && r.understood;
    rules.emplace_back(chain->second, std::move(r));
  }
  std::stable_sort(rules.begin(), rules.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<trace::NatRule> out;
  for (auto& [prio, r] : rules) out.push_back(std::move(r));
  return out;
}

}  // namespace ovl::os
