// The rules of a live zone while they are edited, in a worker's own
// memory: exact and prefix rules, one per pattern, kept sorted by key so
// that a zone's pages, its digest and its state file do not depend on the
// order rules arrived in.  A set is parsed from a rules-file body (PUT,
// POST, PATCH), or read back from a published generation to be edited.

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "rule.hpp"

namespace status_policy {

struct LiveRule {
    std::string_view pattern;
    std::string_view target;
    int code = 0;
    Kind kind = Kind::prefix;      // exact, prefix or prefix_stop
    unsigned line = 0;             // of the body it came from, 0 if none
};

// Exact rules and prefix rules of one pattern are different rules;
// "/x" and "^~ /x" are the same one, as they are for nginx's locations.
inline bool live_exact(Kind k) noexcept { return k == Kind::exact; }

// Orders rules by pattern, then exact after prefix.
bool live_before(const LiveRule &a, const LiveRule &b) noexcept;
bool live_same_key(const LiveRule &a, const LiveRule &b) noexcept;

// A key as the API names it: "= /x", "^~ /x" or "/x" (the modifier only
// chooses exact or prefix).  False if `text` is no such key.
bool parse_live_key(std::string_view text, LiveRule &key);

class LiveSet {
public:
    // A failure to parse: the reason and the line of the body.
    struct Failure {
        std::string error;
        unsigned line = 0;
    };

    // Parses a rules-file body.  Returns false with *failure set on the
    // first bad line: a rule a rules file refuses, a regex (zones hold
    // exact and prefix rules), or a pattern given twice.
    bool parse(std::string_view text, Failure &failure);

    // Adds a rule whose strings outlive the set (a generation's).
    void push_sorted(const LiveRule &rule) { rules_.push_back(rule); }

    // Merges `more` into this set.  With replace, a rule of `more`
    // replaces the one of the same key; without, an existing key fails
    // the whole merge and *conflict is the line in `more`.
    bool merge(const LiveSet &more, bool replace, unsigned &conflict);

    // Adds a rule, or replaces the one of its key, with copies of its
    // strings.
    void put(const LiveRule &rule);

    // Removes the rule of that key; false if there is none.
    bool remove(const LiveRule &key);

    const std::vector<LiveRule> &rules() const noexcept { return rules_; }
    size_t size() const noexcept { return rules_.size(); }

private:
    std::string_view keep(std::string_view s);

    std::vector<LiveRule> rules_;
    std::deque<std::string> text_;      // quoted tokens parse() unescaped
    std::string body_;                  // the body parse() read
};

// One rule as a rules-file line, tokens quoted where they need it.
void append_live_line(std::string &out, const LiveRule &rule);

} // namespace status_policy
