// The state file of status_policy_hits_state: the count and first and last
// hit time of every rule that was hit, each with what the rule is, and how
// many rules every file had, so that counts outlive a restart and
// status-policy-check can tell which rules no request has hit.
//
//   # status_policy hits state 1
//   started <TAB> UNIX_TIME
//   written <TAB> UNIX_TIME
//   source <TAB> FILE <TAB> RULES
//   rule <TAB> ID <TAB> HITS <TAB> FIRST <TAB> LAST <TAB> LEVEL <TAB> FILE
//        <TAB> LINE <TAB> CODE <TAB> MODIFIER <TAB> PATTERN <TAB> TARGET
//   end <TAB> RULE_LINES
//
// Fields escape backslash, tab, CR and LF as \\ \t \r \n.  The end line
// tells a whole file from one cut short.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rule.hpp"

namespace status_policy {

struct RuleHits {
    uint64_t hits = 0;
    int64_t first = 0;      // UNIX time, 0 if never hit
    int64_t last = 0;
};

struct StateRule {
    uint64_t id = 0;
    RuleHits hits;
    std::string level;      // where the rule is configured
    std::string source;
    unsigned line = 0;
    int code = 0;
    Kind kind = Kind::prefix;
    std::string pattern;
    std::string target;
};

struct HitsState {
    int64_t started = 0;    // when these counts began
    int64_t written = 0;
    std::vector<std::pair<std::string, size_t>> sources;   // file, rules
    std::vector<StateRule> rules;                          // the hit ones
};

// What a rule is, as a number: its level, code, modifier, pattern and
// target, and which of several identical rules it is (0 for the first),
// so that a count follows a rule that moved and not its line.
uint64_t rule_identity(std::string_view level, int code, Kind kind,
                       std::string_view pattern, std::string_view target,
                       unsigned ordinal);

// The same in two steps, for callers that number many copies of one rule:
// all but the ordinal, then the identity of the copy with that ordinal.
uint64_t rule_identity_prefix(std::string_view level, int code, Kind kind,
                              std::string_view pattern,
                              std::string_view target) noexcept;
uint64_t rule_identity_of(uint64_t prefix, unsigned ordinal) noexcept;

// The modifier as a rules file writes it: "", "=", "^~", "~" or "~*".
std::string_view modifier_text(Kind kind);

// The file's text, in three steps: the header, a line per hit rule, the end.
std::string state_header(int64_t started, int64_t written,
    const std::vector<std::pair<std::string, size_t>> &sources);
void append_state_rule(std::string &out, const StateRule &rule);
void append_state_end(std::string &out, size_t rules);

// Reads a state file's text; throws Error naming the line and the reason
// when it is not one (foreign, truncated or corrupt).
HitsState parse_hits_state(std::string_view text);

// Reads a state file; throws Error, prefixed with "cannot open" when it
// cannot be read.
HitsState read_hits_state(const std::string &path);

// Replaces path with text at once: written to a temporary file beside it,
// flushed, then renamed over it.  Throws Error with the reason.
void write_file_atomically(const std::string &path, std::string_view text);

} // namespace status_policy
