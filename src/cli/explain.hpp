// Every rule that matches a path, and where each one stands under nginx's
// precedence: which one wins and what beat each of the others.  For the
// offline checker: it tries every rule on every call, which is slow on a
// large rule set but leaves the matcher itself untouched.

#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "pcre2_handle.hpp"
#include "status_policy_core.h"

namespace status_policy {

enum class Standing : uint8_t {
    winner,
    exact_wins,         // lost to an exact match, which wins over everything
    longer_prefix,      // a longer prefix matched too
    stop_not_longest,   // a ^~ prefix, but ^~ counts only on the longest
    stopped_by_prefix,  // a regex, not tried: the longest prefix is ^~
    earlier_regex,      // a regex given earlier matched first
    regex_wins,         // the longest prefix, without ^~: a regex matched
    match_limit,        // a regex tried before the winner that ran into
                        // PCRE2's limits, which counts as no match
};

struct Candidate {
    uint32_t rule = SP_NO_RULE;
    sp_kind_t kind = SP_KIND_PREFIX;
    Standing standing = Standing::winner;
};

struct Explanation {
    uint32_t winner = SP_NO_RULE;
    uint32_t longest_prefix = SP_NO_RULE;   // the prefix nginx remembers
    // The winner first, then the losers in the order nginx looks at them:
    // exact, prefixes longest first, regexes in rule order.
    std::vector<Candidate> candidates;
};

class Explainer {
public:
    // rules must be compiled with the same ignore_case, and outlive this.
    Explainer(const sp_ruleset_t *rules, bool ignore_case);

    Explanation explain(std::string_view path) const;

private:
    enum class Outcome : uint8_t { no_match, match, limit };

    struct Entry {
        uint32_t rule;
        sp_kind_t kind;
        std::string_view pattern;
        Pcre2Code regex;
    };

    bool literal_matches(const Entry &e, std::string_view path) const;
    Outcome regex_outcome(const Entry &e, std::string_view path) const;

    std::vector<Entry> entries_;
    bool ignore_case_;

    // written by every explain(), which is const but not reentrant
    mutable MatchScratch scratch_;
};

} // namespace status_policy
