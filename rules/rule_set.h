#pragma once

// A rule set: the compiled signatures plus the domain, URL and IP lists, loaded together from the
// `inspection:` config into one immutable, versioned object. Workers hold it through a
// std::shared_ptr<const RuleSet>; a reload builds a new one and swaps it in whole.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "rules/domain_list.h"
#include "rules/inspector.h"
#include "rules/ip_list.h"
#include "rules/list_file.h"
#include "rules/rule_parser.h"
#include "rules/signature_set.h"
#include "rules/url_list.h"

namespace bulwark::rules {

// What a list decided, and which entry made it decide.
struct ListVerdict {
  Decision decision = Decision::Pass;
  std::string_view file;    // the list file; empty when no list matched
  uint32_t line = 0;        // the entry's line; 0 for "not on any allow list"
  bool not_allowed = false; // refused because allow lists exist and none matched
  bool scan_error = false;  // a URL regex could not finish
};

class RuleSet {
public:
  struct DomainList {
    std::string file;
    config::ListAction action = config::ListAction::Reject;
    bool on_sni = true;
    bool on_host = true;
    DomainSet set;
  };
  struct UrlList {
    std::string file;
    config::ListAction action = config::ListAction::Reject;
    UrlSet set;
  };
  struct IpList {
    std::string file;
    config::ListAction action = config::ListAction::Drop;
    IpSet set;
  };

  uint64_t version = 0;
  std::string hash; // SHA-256 of every input file's content and the settings that shape them
  std::shared_ptr<const SignatureSet> signatures;
  std::vector<DomainList> domain_lists;
  std::vector<UrlList> url_lists;
  std::vector<IpList> ip_lists;

  // Lists are checked in config order. The first list that matches with reject or drop decides;
  // alert lists add an alert and go on; a match on an allow list ends the list checks. When
  // allow lists apply and none matched, the answer is Reject with not_allowed set.
  ListVerdict checkIp(const IpAddress& client) const noexcept;
  ListVerdict checkSni(std::string_view sni) const noexcept;
  ListVerdict checkHost(std::string_view host) const noexcept;
  ListVerdict checkUrl(std::string_view normalized_path, std::string_view query) const noexcept;
};

// The outcome of loading a rule set, with everything that did not load and why.
struct RuleSetLoad {
  std::shared_ptr<const RuleSet> rule_set; // null when the set as a whole could not be built
  std::vector<RuleProblem> rule_problems;  // unsupported rules and rule errors, file order
  std::vector<ListProblem> list_problems;
  size_t rules_seen = 0;
  size_t rules_loaded = 0;
  size_t rules_disabled = 0;
  std::map<std::string, size_t> unsupported; // reason -> count
  size_t errors = 0;                         // rule errors (the rule is left out)
  double seconds = 0;                        // wall time to parse, load lists and compile

  bool ok() const noexcept { return rule_set != nullptr; }
};

// Loads every file the `inspection` section names. A rule or list line that cannot be taken is
// reported and left out; the rest loads (as Suricata does). The load as a whole fails only when
// the prefilter cannot be built. Runs on the control thread; may take seconds. Never throws.
RuleSetLoad loadRuleSet(const config::Inspection& inspection, uint64_t version);

// The settings a worker's Inspector takes from the config.
InspectorOptions inspectorOptions(const config::Inspection& inspection);

// "reject" etc. for logs.
Decision decisionFor(config::ListAction action) noexcept;

} // namespace bulwark::rules
