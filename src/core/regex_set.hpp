// The regex rules of one ruleset, JIT-compiled, tried in the order they
// were given.  A prefilter on each regex's literal prefix skips the ones
// that cannot match a path; PCRE2's match limit bounds the others.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "prefix_trie.hpp"

struct pcre2_real_code_8;
struct pcre2_real_match_context_8;
struct pcre2_real_match_data_8;
struct pcre2_real_jit_stack_8;

namespace status_policy {

class RegexSet {
public:
    // Backtracking steps one regex may take on one path before it counts
    // as no match: well under a millisecond, far above what sane
    // patterns need on the longest paths nginx accepts.
    static constexpr uint32_t match_limit = 200000;
    static constexpr uint32_t max_captures = 10;      // $0..$9

    struct Match {
        uint32_t rule = UINT32_MAX;
        uint32_t limit_rule = UINT32_MAX;
        int ncaptures = 0;
        long captures[2 * max_captures];
    };

    RegexSet();
    ~RegexSet();
    RegexSet(const RegexSet &) = delete;
    RegexSet &operator=(const RegexSet &) = delete;

    // Compiles a regex for `rule`, whose target uses captures up to
    // $needed.  Returns "" or the reason it cannot be added (then nothing
    // was added).
    std::string add(std::string_view pattern, bool caseless, uint32_t rule,
                    std::string_view target, unsigned needed);

    void build();

    size_t size() const noexcept { return entries_.size(); }

    // Finds the first regex, in rule order, that matches.  Not reentrant:
    // one ruleset serves one thread (an nginx worker) at a time.
    bool match(const char *path, size_t len, Match &m) const;

private:
    struct Entry {
        pcre2_real_code_8 *code;
        uint32_t rule;
    };

    enum class Outcome { no_match, match, limit };

    Outcome run(const Entry &e, const char *path, size_t len,
                Match &m) const;
    void collect_candidates(const char *path, size_t len) const;

    std::vector<Entry> entries_;

    // Prefilter: entries with no usable prefix always run; the others are
    // grouped by prefix, case-sensitive (~) and folded (~*).
    std::vector<std::string> prefixes_;           // per entry, "" if none
    std::vector<uint32_t> unfiltered_;
    std::vector<uint32_t> group_members_;
    std::vector<uint32_t> group_start_;           // size groups + 1
    PrefixTrie exact_prefixes_;
    PrefixTrie folded_prefixes_;
    std::vector<bool> caseless_;
    bool filtered_ = false;

    pcre2_real_match_context_8 *context_ = nullptr;
    pcre2_real_match_data_8 *data_ = nullptr;
    pcre2_real_jit_stack_8 *jit_stack_ = nullptr;
    mutable std::vector<uint32_t> candidates_;
};

} // namespace status_policy
