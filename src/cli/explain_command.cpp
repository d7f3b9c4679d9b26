#include "explain_command.hpp"

#include <cstdio>
#include <string>

#include "explain.hpp"
#include "printable.hpp"
#include "rules.hpp"

namespace check_tool {

namespace {

using status_policy::Candidate;
using status_policy::Explanation;
using status_policy::Standing;

const char *match_label(sp_kind_t kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "exact match";
    case SP_KIND_PREFIX: return "prefix match";
    case SP_KIND_PREFIX_STOP: return "prefix (^~) match";
    case SP_KIND_REGEX: return "regex match";
    case SP_KIND_REGEX_CASELESS: return "regex (~*) match";
    }
    return "match";
}

// "/old/ (prefix, retired.rules:12)"
std::string named(const sp_ruleset_t *rs, uint32_t rule)
{
    RuleText t = rule_text(rs, rule);
    return printable(t.pattern) + " (" + kind_name(t.kind) + ", " + t.where
           + ")";
}

bool is_regex(sp_kind_t kind)
{
    return kind == SP_KIND_REGEX || kind == SP_KIND_REGEX_CASELESS;
}

std::string why_it_wins(const Explanation &e, sp_kind_t kind)
{
    switch (kind) {
    case SP_KIND_EXACT:
        return "an exact match wins over everything";
    case SP_KIND_PREFIX_STOP:
        return "the longest matching prefix, and its ^~ stops the regex "
               "search";
    case SP_KIND_PREFIX:
        return "the longest matching prefix, and no regex matches";
    case SP_KIND_REGEX:
    case SP_KIND_REGEX_CASELESS:
        break;
    }
    if (e.longest_prefix == SP_NO_RULE) {
        return "the first regex in rules order that matches, and no prefix "
               "matches";
    }
    return "the first regex in rules order that matches; regexes are tried "
           "because the longest matching prefix has no ^~";
}

// Why a candidate lost, worded from nginx's precedence rules.
const char *why_it_lost(Standing standing, bool regex_won)
{
    switch (standing) {
    case Standing::exact_wins:
        return "exact wins over everything";
    case Standing::longer_prefix:
        return regex_won ? "a longer prefix is remembered instead, and a "
                           "regex wins over it"
                         : "a longer prefix wins";
    case Standing::stop_not_longest:
        return regex_won ? "its ^~ does not count: a longer prefix matches, "
                           "so regexes are tried"
                         : "a longer prefix wins; ^~ counts only on the "
                           "longest matching prefix";
    case Standing::stopped_by_prefix:
        return "^~ prefix stops the regex search";
    case Standing::earlier_regex:
        return "an earlier regex matches first";
    case Standing::regex_wins:
        return "a matching regex wins over a prefix without ^~";
    case Standing::match_limit:
        return "ran into the PCRE2 match limit, which counts as no match";
    case Standing::winner:
        break;
    }
    return "";
}

void print_location(const sp_ruleset_t *rs, const sp_match_t &m,
                    const std::string &path)
{
    size_t n = 0;
    std::string location;
    if (sp_ruleset_redirect(rs, &m, path.data(), path.size(), nullptr, 0,
                            nullptr, 0, &n) == SP_OK) {
        location.resize(n);
        sp_ruleset_redirect(rs, &m, path.data(), path.size(), nullptr, 0,
                            location.data(), n, &n);
    }
    std::printf("  Location: %s\n", printable(location).c_str());
}

void print_losers(const sp_ruleset_t *rs, const Explanation &e,
                  bool regex_won)
{
    for (const Candidate &c : e.candidates) {
        if (c.standing == Standing::winner) {
            continue;
        }
        const char *label = c.standing == Standing::match_limit ? "skipped"
                                                                : "beat";
        std::printf("  %s: %s — %s\n", label, named(rs, c.rule).c_str(),
                    why_it_lost(c.standing, regex_won));
    }
}

} // namespace

int explain_path(const sp_ruleset_t *rs, bool ignore_case,
                 const std::string &path)
{
    sp_match_t m;
    bool found = sp_ruleset_match(rs, path.data(), path.size(), &m) == 1;

    status_policy::Explainer explainer(rs, ignore_case);
    Explanation e = explainer.explain(path);
    if (e.winner != (found ? m.rule : SP_NO_RULE)) {
        std::fprintf(stderr, "status-policy-check: the explanation does not "
                             "agree with the matcher; please report this\n");
    }

    std::string shown = printable(path);
    if (!found) {
        std::printf("%s: no rule matches\n", shown.c_str());
        print_losers(rs, e, false);
        return 1;
    }

    RuleText rule = rule_text(rs, m.rule);
    std::printf("%s: %s: %d %s%s%s (%s)\n", shown.c_str(), rule.where.c_str(),
                rule.code, printable(rule.pattern).c_str(),
                rule.target.empty() ? "" : " ",
                printable(rule.target).c_str(), match_label(rule.kind));
    if (!rule.target.empty()) {
        print_location(rs, m, path);
    }
    std::printf("  why: %s\n", why_it_wins(e, rule.kind).c_str());
    print_losers(rs, e, is_regex(rule.kind));
    return 0;
}

} // namespace check_tool
