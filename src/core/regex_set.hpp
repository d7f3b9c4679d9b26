// The regex rules of one ruleset, JIT-compiled, the first in the order
// they were given winning.  A small set, or one whose regexes begin with
// literals, is tried in order, a prefilter on each regex's literal prefix
// skipping the ones that cannot match a path.  Where many regexes have no
// literal prefix (unanchored signatures), those are scanned in one pass
// with Vectorscan, where the core is built with it; PCRE2 then runs the
// winner, for its captures, the prefixed candidates before it and the
// regexes Vectorscan cannot take.
// PCRE2's match limit bounds every PCRE2 run.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcre2_handle.hpp"
#include "prefix_trie.hpp"
#include "vectorscan_set.hpp"

namespace status_policy {

class RegexSet {
public:
    struct Match {
        uint32_t rule = UINT32_MAX;
        uint32_t limit_rule = UINT32_MAX;
        int ncaptures = 0;
        long captures[2 * regex_max_captures];
    };

    // Compiles the regex of a rule whose target uses captures up to
    // $needed; throws Error with the reason it cannot be used.
    static Pcre2Code compile(std::string_view pattern, bool caseless,
                             std::string_view target, unsigned needed);

    // Adds a regex that compile() made, for `rule`.  If it throws,
    // nothing was added.
    void add(Pcre2Code code, std::string_view pattern, bool caseless,
             uint32_t rule);

    // check_only: the set will be checked, never matched (nginx -t):
    // automatic's choice is made and noted, the Vectorscan database (the
    // slow part of loading thousands of regexes) is not built, and
    // match() runs PCRE2, which chooses the same rule.
    enum class Engine { automatic, pcre2, vectorscan, check_only };

    // Readies the set for match(); `engine` forces one (tests compare
    // them), automatic chooses by the set's shape.
    void build(Engine engine = Engine::automatic);

    size_t size() const noexcept { return entries_.size(); }

    // How many regexes Vectorscan scans (0 when the set is tried in order
    // with PCRE2 alone).
    size_t vectorscan_size() const noexcept { return scanner_.size(); }

    // Whether automatic chose Vectorscan (also with check_only).
    bool chose_vectorscan() const noexcept { return chose_vectorscan_; }

    // Finds the first regex, in rule order, that matches.  Not reentrant
    // (see scratch_): one set serves one thread at a time.
    bool match(const char *path, size_t len, Match &m) const;

private:
    struct Entry {
        Pcre2Code code;
        uint32_t rule;
    };

    enum class Outcome { no_match, match, limit };

    Outcome run(const Entry &e, const char *path, size_t len,
                Match &m) const;
    bool attempt(uint32_t index, const char *path, size_t len,
                 Match &m) const;
    void collect_candidates(const char *path, size_t len,
                            const std::vector<uint32_t> &always) const;
    bool match_scanned(const char *path, size_t len, Match &m) const;
    void build_scanner();

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

    // Vectorscan: the patterns until build(), then the scanner and, in
    // rule order, the regexes it does not take
    std::vector<std::string> patterns_;
    bool chose_vectorscan_ = false;
    VectorscanSet scanner_;
    std::vector<uint32_t> unscanned_;

    // The working memory of match(), written by every call: match() is
    // const because the set stays as it is, but two calls must not
    // overlap.  nginx asks from one thread per worker process, and one
    // scratch for all calls saves an allocation or a lock per request.
    mutable MatchScratch scratch_;
    mutable std::vector<uint32_t> candidates_;
};

} // namespace status_policy
