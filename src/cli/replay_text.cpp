// The plain text report of replay: a summary, then hits per rule with
// their top paths, requests per code, and the invalid requests.

#include "replay_report.hpp"

#include <cstdio>
#include <string>

#include "printable.hpp"
#include "replay_summary.hpp"
#include "rules.hpp"
#include "text_table.hpp"

namespace check_tool {

namespace {

std::string number(uint64_t n)
{
    return std::to_string(n);
}

void print_summary(const ReplayCounts &c, const ReportOptions &options)
{
    std::printf("replay of %s: %s lines\n", printable(options.log_name).c_str(),
                number(c.lines).c_str());

    std::string unparsed;
    for (size_t i = 0; i < c.unparsed_lines.size(); i++) {
        unparsed += i ? ", " : c.unparsed == 1 ? "(line " : "(lines ";
        unparsed += number(c.unparsed_lines[i]);
    }
    if (!unparsed.empty()) {
        unparsed += c.unparsed > c.unparsed_lines.size() ? ", ...)" : ")";
    }

    TextTable table({false, true, false});
    table.add({"requests", number(c.requests), ""});
    table.add({"unparsed", number(c.unparsed), unparsed});
    table.add({"invalid", number(c.invalid),
               "nginx answers 400 before any rule"});
    table.add({"rule hits", number(c.matched), ""});
    table.add({"no rule", number(c.no_rule), ""});
    table.add({"changed", number(c.changed),
               "the logged status differs from the rule's code"});
    if (c.match_limit != 0) {
        table.add({"match limit", number(c.match_limit),
                   "a regex ran into the PCRE2 match limit: no match"});
    }
    table.print(stdout, "  ");
}

void print_rules(const sp_ruleset_t *rules, const ReplayCounts &c,
                 size_t top)
{
    std::printf("\nper rule:\n");
    TextTable table({false, true, true, true, false});
    table.add({"RULE", "CODE", "HITS", "CHANGED", "PATTERN"});

    // rules without hits only counted: a migration file may hold
    // thousands, and --json lists them all
    size_t unused = 0;
    TopPaths top_paths(c, top);
    for (uint32_t rule : rules_by_hits(c)) {
        if (c.rules[rule].hits == 0) {
            unused++;
            continue;
        }
        RuleText t = rule_text(rules, rule);
        std::string pattern = printable(t.pattern);
        if (!t.target.empty()) {
            pattern += " " + printable(t.target);
        }
        table.add({t.where, number(t.code), number(c.rules[rule].hits),
                   number(c.rules[rule].changed), pattern});

        auto paths = top_paths.of(rule);
        size_t width = paths.empty() ? 0 : number(paths.front().hits).size();
        for (const PathTally::Entry &p : paths) {
            std::string count = number(p.hits);
            table.add_note(std::string(width - count.size(), ' ') + count
                           + "  " + printable(p.path));
        }
    }
    table.print(stdout, "  ");
    if (unused != 0) {
        std::printf("  and %zu rule%s without hits (--json lists every "
                    "rule)\n", unused, unused == 1 ? "" : "s");
    }
}

void print_codes(const sp_ruleset_t *rules, const ReplayCounts &c)
{
    std::printf("\nper code:\n");
    TextTable table({false, true, true});
    table.add({"CODE", "REQUESTS", "CHANGED"});
    for (const auto &[code, counts] : code_counts(rules, c)) {
        table.add({number(static_cast<uint64_t>(code)),
                   number(counts.requests), number(counts.changed)});
    }
    table.add({"no rule", number(c.no_rule), "-"});
    table.add({"invalid", number(c.invalid), "-"});
    table.print(stdout, "  ");
}

void print_invalid(const ReplayCounts &c, size_t top)
{
    auto invalid = top_invalid(c, top);
    if (invalid.empty()) {
        return;
    }
    std::printf("\ninvalid requests:\n");
    size_t width = number(invalid.front().second.count).size();
    for (const auto &[request, r] : invalid) {
        std::string count = number(r.count);
        std::printf("  %*s%s  \"%s\": %s\n",
                    static_cast<int>(width - count.size()), "", count.c_str(),
                    printable(request).c_str(), r.reason);
    }
}

} // namespace

void print_text_report(const sp_ruleset_t *rules, const ReplayCounts &counts,
                       const ReportOptions &options)
{
    print_summary(counts, options);
    print_rules(rules, counts, options.top);
    print_codes(rules, counts);
    print_invalid(counts, options.top);
}

} // namespace check_tool
