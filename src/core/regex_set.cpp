#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "regex_set.hpp"

#include <algorithm>

#include "case_fold.hpp"
#include "error.hpp"
#include "literal_prefix.hpp"

namespace status_policy {

namespace {

template <typename Vector>
void make_room(Vector &v)
{
    if (v.size() == v.capacity()) {
        v.reserve(v.size() * 2 + 8);
    }
}

// Where one Vectorscan pass beats trying the regexes in order: when this
// many of them have no literal prefix to filter on (each is then a PCRE2
// run for every path).  Measured with bench/matcher_bench.cpp
// (BM_UnanchoredSignatures, BM_AnchoredRegexes).
constexpr size_t kUnfilteredForVectorscan = 4;

} // namespace

Pcre2Code RegexSet::compile(std::string_view pattern, bool caseless,
                            std::string_view target, unsigned needed)
{
    int error;
    size_t offset;
    Pcre2Code code = compile_regex(pattern, caseless, error, offset);

    if (!code) {
        PCRE2_UCHAR message[256];
        if (pcre2_get_error_message(error, message, sizeof(message)) < 0) {
            message[0] = '\0';
        }
        std::string reason = "invalid regex \"";
        reason.append(pattern);
        reason += "\" at offset " + std::to_string(offset) + ": ";
        reason += reinterpret_cast<const char *>(message);
        throw Error(reason);
    }

    uint32_t captures = 0;
    pcre2_pattern_info(code.get(), PCRE2_INFO_CAPTURECOUNT, &captures);
    if (needed > captures) {
        std::string reason = "target \"";
        reason.append(target);
        reason += "\" uses $" + std::to_string(needed) + ", but the regex has "
                  + std::to_string(captures) + " capture"
                  + (captures == 1 ? "" : "s");
        throw Error(reason);
    }
    return code;
}

void RegexSet::add(Pcre2Code code, std::string_view pattern, bool caseless,
                   uint32_t rule)
{
    std::string prefix = literal_prefix(pattern);
    if (caseless) {
        prefix = folded(prefix);
    }
    // room first, so that the three lists stay the same length
    make_room(entries_);
    make_room(prefixes_);
    make_room(caseless_);
    make_room(patterns_);
    patterns_.emplace_back(pattern);
    prefixes_.push_back(std::move(prefix));
    entries_.push_back({std::move(code), rule});
    caseless_.push_back(caseless);
}

void RegexSet::build(Engine engine)
{
    // Group entries by (prefix, caseless); member lists stay in rule order.
    std::vector<uint32_t> order(entries_.size());
    for (uint32_t i = 0; i < order.size(); i++) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        if (caseless_[a] != caseless_[b]) {
            return caseless_[a] < caseless_[b];
        }
        return prefixes_[a] < prefixes_[b];
    });

    std::vector<PrefixTrie::Key> exact_keys, folded_keys;

    for (size_t i = 0; i < order.size();) {
        uint32_t first = order[i];

        if (prefixes_[first].empty()) {
            for (; i < order.size() && prefixes_[order[i]].empty()
                   && caseless_[order[i]] == caseless_[first];
                 i++) {
                unfiltered_.push_back(order[i]);
            }
            continue;
        }

        uint32_t group = static_cast<uint32_t>(group_start_.size());
        group_start_.push_back(static_cast<uint32_t>(group_members_.size()));
        for (; i < order.size() && caseless_[order[i]] == caseless_[first]
               && prefixes_[order[i]] == prefixes_[first];
             i++) {
            group_members_.push_back(order[i]);
        }
        (caseless_[first] ? folded_keys : exact_keys)
            .push_back({prefixes_[first], group});
    }
    group_start_.push_back(static_cast<uint32_t>(group_members_.size()));

    std::sort(unfiltered_.begin(), unfiltered_.end());

    filtered_ = !exact_keys.empty() || !folded_keys.empty();
    exact_prefixes_.build(std::move(exact_keys), false);
    folded_prefixes_.build(std::move(folded_keys), true);
    candidates_.reserve(entries_.size());

    chose_vectorscan_ = VectorscanSet::available() && !unfiltered_.empty()
                        && (engine == Engine::vectorscan
                            || ((engine == Engine::automatic
                                 || engine == Engine::check_only)
                                && unfiltered_.size()
                                       >= kUnfilteredForVectorscan));
    if (chose_vectorscan_ && engine != Engine::check_only) {
        build_scanner();
    }
    patterns_.clear();
    patterns_.shrink_to_fit();
}

// Vectorscan scans the regexes the prefilter cannot skip: those with no
// literal prefix.  The others stay behind their prefixes, so that the
// database (slow to build) holds only what one pass is for.
void RegexSet::build_scanner()
{
    std::vector<VectorscanSet::Pattern> patterns;
    patterns.reserve(unfiltered_.size());
    for (uint32_t i : unfiltered_) {
        patterns.push_back({patterns_[i], caseless_[i], i});
    }
    unscanned_.clear();
    if (!scanner_.build(patterns, unscanned_)) {
        unscanned_.clear();
        return;
    }
    std::sort(unscanned_.begin(), unscanned_.end());
}

// The regexes that may match a path, in rule order: `always` (the ones
// with no literal prefix, or those of them Vectorscan does not scan) and
// those whose prefix the path begins with.
void RegexSet::collect_candidates(const char *path, size_t len,
                                  const std::vector<uint32_t> &always) const
{
    candidates_.assign(always.begin(), always.end());

    auto add_group = [this](size_t, uint32_t group) {
        candidates_.insert(candidates_.end(),
                           group_members_.begin() + group_start_[group],
                           group_members_.begin() + group_start_[group + 1]);
    };
    exact_prefixes_.for_each_prefix(path, len, add_group);
    folded_prefixes_.for_each_prefix(path, len, add_group);

    std::sort(candidates_.begin(), candidates_.end());
}

RegexSet::Outcome RegexSet::run(const Entry &e, const char *path, size_t len,
                                Match &m) const
{
    int rc = pcre2_match(e.code.get(), reinterpret_cast<PCRE2_SPTR>(path),
                         len, 0, 0, scratch_.data.get(),
                         scratch_.context.get());

    if (rc == PCRE2_ERROR_NOMATCH) {
        return Outcome::no_match;
    }
    if (rc < 0) {
        // match, depth, heap or JIT stack limit: a pathological regex
        return Outcome::limit;
    }

    uint32_t pairs = rc == 0 ? regex_max_captures : static_cast<uint32_t>(rc);
    PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(scratch_.data.get());

    m.ncaptures = static_cast<int>(pairs);
    for (uint32_t i = 0; i < regex_max_captures; i++) {
        bool set = i < pairs && ovector[2 * i] != PCRE2_UNSET;
        m.captures[2 * i] = set ? static_cast<long>(ovector[2 * i]) : -1;
        m.captures[2 * i + 1] = set ? static_cast<long>(ovector[2 * i + 1])
                                    : -1;
    }
    return Outcome::match;
}

bool RegexSet::attempt(uint32_t index, const char *path, size_t len,
                       Match &m) const
{
    const Entry &e = entries_[index];
    switch (run(e, path, len, m)) {
    case Outcome::match:
        m.rule = e.rule;
        return true;
    case Outcome::limit:
        if (m.limit_rule == UINT32_MAX) {
            m.limit_rule = e.rule;
        }
        return false;
    case Outcome::no_match:
        return false;
    }
    return false;
}

// One Vectorscan pass names the first scanned regex that matches; the
// other candidates that come before it (behind a prefix the path has, or
// refused by Vectorscan) run on PCRE2, in order; then PCRE2 runs the
// winner for its captures.  Should PCRE2 not confirm it (its match
// limit), the candidates after it are tried in order, as without a scan.
bool RegexSet::match_scanned(const char *path, size_t len, Match &m) const
{
    uint32_t first = scanner_.first_match(path, len);

    collect_candidates(path, len, unscanned_);
    for (uint32_t i : candidates_) {
        if (i > first) {
            break;
        }
        if (attempt(i, path, len, m)) {
            return true;
        }
    }
    if (first == UINT32_MAX) {
        return false;
    }
    if (attempt(first, path, len, m)) {
        return true;
    }
    collect_candidates(path, len, unfiltered_);
    for (uint32_t i : candidates_) {
        if (i > first && attempt(i, path, len, m)) {
            return true;
        }
    }
    return false;
}

bool RegexSet::match(const char *path, size_t len, Match &m) const
{
    m.rule = UINT32_MAX;
    m.limit_rule = UINT32_MAX;
    m.ncaptures = 0;

    if (scanner_.size() != 0) {
        return match_scanned(path, len, m);
    }

    if (!filtered_) {
        for (uint32_t i = 0; i < entries_.size(); i++) {
            if (attempt(i, path, len, m)) {
                return true;
            }
        }
        return false;
    }

    collect_candidates(path, len, unfiltered_);
    for (uint32_t i : candidates_) {
        if (attempt(i, path, len, m)) {
            return true;
        }
    }
    return false;
}

} // namespace status_policy
