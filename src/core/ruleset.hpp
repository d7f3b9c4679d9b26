// The rules of one configuration level and the structures that answer
// "which rule does this path hit" with nginx's location precedence:
// exact, then the longest prefix (final if "^~"), then regexes in order,
// then that prefix.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exact_index.hpp"
#include "large_alloc.hpp"
#include "live_view.hpp"
#include "prefix_trie.hpp"
#include "regex_set.hpp"
#include "rule.hpp"
#include "rule_syntax.hpp"
#include "text_arena.hpp"
#include "status_policy_core.h"

namespace status_policy {

class Ruleset {
public:
    // Each throws Error with the reason when the rules cannot be used
    // (std::bad_alloc when memory runs out).
    void add(const std::string_view *args, size_t nargs,
             std::string_view source, unsigned line);
    void add_file(const std::string &path);
    void compile(bool ignore_case);

    // Before compile(): the set will only be checked (RegexSet's
    // check_only).
    void check_only() noexcept { check_only_ = true; }

    size_t count() const noexcept { return rules_.size(); }

    // The regex rules, and how many of them one Vectorscan pass scans.
    size_t regex_count() const noexcept { return regexes_.size(); }
    size_t vectorscan_count() const noexcept
    {
        return regexes_.vectorscan_size();
    }
    bool chose_vectorscan() const noexcept
    {
        return regexes_.chose_vectorscan();
    }

    // Not reentrant: the regexes share their match scratch (RegexSet).
    // A live zone's rules (may be null) take part as this set's own exact
    // and prefix rules, and win over a file rule of the same pattern.
    bool match(const char *path, size_t len, sp_match_t &m,
               const LiveView *live = nullptr) const;

    // The Location of a match (see sp_ruleset_redirect()): writes at most
    // size bytes, sets needed to the full length.  False if m names no
    // rule of this set.
    bool redirect(const sp_match_t &m, std::string_view path,
                  std::string_view args, char *buf, size_t size,
                  size_t &needed) const;

    bool info(uint32_t index, sp_rule_info_t &info) const noexcept;

private:
    // A rule that passed every check, with its regex compiled, but not
    // stored yet.
    struct Checked {
        RuleSyntax syntax;
        Pcre2Code regex;        // regex rules only
    };

    // The checks of one rule (throw Error), apart from storing it, so
    // that a rules file can name the line of a rule's own errors only.
    Checked check(const std::string_view *args, size_t nargs) const;
    void insert(Checked rule, uint16_t source, unsigned line);

    void check_duplicates(const std::vector<PrefixTrie::Key> &sorted) const;
    std::string duplicate(uint32_t later, uint32_t first) const;
    std::string where(uint32_t rule) const;

    uint16_t source_id(std::string_view name);
    TextRef store(std::string_view s);

    std::string_view text(TextRef ref) const noexcept
    {
        return {text_.data() + ref.offset, ref.length};
    }
    std::string_view pattern(uint32_t rule) const noexcept
    {
        return text(rules_[rule].pattern);
    }

    std::vector<Rule, LargeAllocator<Rule>> rules_;
    TextArena text_;       // rules files as read, other patterns and targets
    std::vector<std::string> sources_;

    ExactIndex exact_;
    PrefixTrie prefixes_;
    RegexSet regexes_;
    bool check_only_ = false;
    bool compiled_ = false;
};

} // namespace status_policy
