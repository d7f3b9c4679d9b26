// Loading rules files into one ruleset, and naming rules in output.

#pragma once

#include "status_policy_core.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace check_tool {

struct RulesetDeleter {
    void operator()(sp_ruleset_t *rs) const noexcept { sp_ruleset_destroy(rs); }
};
using Ruleset = std::unique_ptr<sp_ruleset_t, RulesetDeleter>;

// Loads every file into one ruleset, as several status_policy_file
// directives at one level would, and compiles it (check_only: for lint,
// which matches nothing, see sp_ruleset_check_only()).  Prints every
// error to stderr and returns nullptr if there was any.
Ruleset load_rules(const std::vector<std::string> &files, bool ignore_case,
                   bool check_only = false);

struct RuleText {
    std::string where;      // "source:line"
    int code = 0;
    sp_kind_t kind = SP_KIND_PREFIX;
    std::string pattern;    // with its modifier: "^~ /archive/"
    std::string target;
};

RuleText rule_text(const sp_ruleset_t *rs, uint32_t rule);

// "exact", "prefix" or "regex": the modifier shows in the pattern
const char *kind_name(sp_kind_t kind);

std::string_view view(sp_str_t s);

} // namespace check_tool
