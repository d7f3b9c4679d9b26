#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "explain.hpp"

#include <algorithm>
#include <new>

#include "case_fold.hpp"

namespace status_policy {

namespace {

bool is_regex_kind(sp_kind_t kind) noexcept
{
    return kind == SP_KIND_REGEX || kind == SP_KIND_REGEX_CASELESS;
}

Standing shorter_prefix_standing(sp_kind_t kind) noexcept
{
    return kind == SP_KIND_PREFIX_STOP ? Standing::stop_not_longest
                                       : Standing::longer_prefix;
}

} // namespace

// The scratch has the matcher's limits, so that a regex that runs into
// them in the matcher runs into them here too.
Explainer::Explainer(const sp_ruleset_t *rules, bool ignore_case)
    : ignore_case_(ignore_case)
{
    size_t count = sp_ruleset_count(rules);
    entries_.reserve(count);
    for (uint32_t i = 0; i < count; i++) {
        sp_rule_info_t info;
        if (sp_ruleset_rule(rules, i, &info) != SP_OK) {
            continue;
        }
        Entry e{i, static_cast<sp_kind_t>(info.kind),
                {info.pattern.data, info.pattern.len}, nullptr};

        if (is_regex_kind(e.kind)) {
            int error;
            size_t offset;
            e.regex = compile_regex(e.pattern,
                                    e.kind == SP_KIND_REGEX_CASELESS, error,
                                    offset);
            if (!e.regex) {
                // the ruleset compiled it already: only memory can fail
                throw std::bad_alloc();
            }
        }
        entries_.push_back(std::move(e));
    }
}

bool Explainer::literal_matches(const Entry &e, std::string_view path) const
{
    size_t len = e.pattern.size();
    if (e.kind == SP_KIND_EXACT ? path.size() != len : path.size() < len) {
        return false;
    }
    return equal_folded(e.pattern.data(), path.data(), len, ignore_case_);
}

Explainer::Outcome Explainer::regex_outcome(const Entry &e,
                                            std::string_view path) const
{
    int rc = pcre2_match(e.regex.get(),
                         reinterpret_cast<PCRE2_SPTR>(path.data()),
                         path.size(), 0, 0, scratch_.data.get(),
                         scratch_.context.get());
    if (rc == PCRE2_ERROR_NOMATCH) {
        return Outcome::no_match;
    }
    return rc < 0 ? Outcome::limit : Outcome::match;
}

Explanation Explainer::explain(std::string_view path) const
{
    const Entry *exact = nullptr;
    std::vector<const Entry *> prefixes;
    std::vector<std::pair<const Entry *, Outcome>> regexes;

    for (const Entry &e : entries_) {
        if (is_regex_kind(e.kind)) {
            Outcome outcome = regex_outcome(e, path);
            if (outcome != Outcome::no_match) {
                regexes.emplace_back(&e, outcome);
            }
        } else if (literal_matches(e, path)) {
            if (e.kind == SP_KIND_EXACT) {
                exact = &e;
            } else {
                prefixes.push_back(&e);
            }
        }
    }
    // matching prefixes of one path differ in length (equal ones are
    // duplicates, which compile rejects)
    std::sort(prefixes.begin(), prefixes.end(),
              [](const Entry *a, const Entry *b) {
                  return a->pattern.size() > b->pattern.size();
              });

    Explanation out;
    const Entry *longest = prefixes.empty() ? nullptr : prefixes.front();
    out.longest_prefix = longest ? longest->rule : SP_NO_RULE;

    auto add = [&out](const Entry *e, Standing standing) {
        out.candidates.push_back({e->rule, e->kind, standing});
    };
    auto add_shorter_prefixes = [&]() {
        for (size_t i = 1; i < prefixes.size(); i++) {
            add(prefixes[i], shorter_prefix_standing(prefixes[i]->kind));
        }
    };

    if (exact != nullptr) {
        add(exact, Standing::winner);
        for (const Entry *p : prefixes) {
            add(p, Standing::exact_wins);
        }
        for (const auto &[r, outcome] : regexes) {
            if (outcome == Outcome::match) {
                add(r, Standing::exact_wins);
            }
        }
    } else if (longest != nullptr && longest->kind == SP_KIND_PREFIX_STOP) {
        add(longest, Standing::winner);
        add_shorter_prefixes();
        for (const auto &[r, outcome] : regexes) {
            if (outcome == Outcome::match) {
                add(r, Standing::stopped_by_prefix);
            }
        }
    } else {
        auto first = std::find_if(regexes.begin(), regexes.end(),
                                  [](const auto &r) {
                                      return r.second == Outcome::match;
                                  });
        if (first != regexes.end()) {
            add(first->first, Standing::winner);
            if (longest != nullptr) {
                add(longest, Standing::regex_wins);
            }
        } else if (longest != nullptr) {
            add(longest, Standing::winner);
        }
        add_shorter_prefixes();
        for (auto r = regexes.begin(); r != regexes.end(); ++r) {
            if (r < first) {
                add(r->first, Standing::match_limit);
            } else if (r > first && r->second == Outcome::match) {
                add(r->first, Standing::earlier_regex);
            }
        }
    }

    if (!out.candidates.empty()
        && out.candidates.front().standing == Standing::winner) {
        out.winner = out.candidates.front().rule;
    }
    return out;
}

} // namespace status_policy
