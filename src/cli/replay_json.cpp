// The JSON report of replay: the same counts as the text report, rules in
// the order they were given.

#include "replay_report.hpp"

#include <cstdio>
#include <string>

#include "escape.hpp"
#include "replay_summary.hpp"
#include "rules.hpp"

namespace check_tool {

namespace {

using status_policy::append_json_string;

void field(std::string &out, const char *name, uint64_t value)
{
    out += "  \"";
    out += name;
    out += "\": " + std::to_string(value) + ",\n";
}

void append_rule(std::string &out, const sp_ruleset_t *rules,
                 const ReplayCounts &c, uint32_t rule,
                 const TopPaths &top_paths)
{
    RuleText t = rule_text(rules, rule);
    const RuleCounts &n = c.rules[rule];

    out += "    {\"rule\": ";
    append_json_string(out, t.where);
    out += ", \"code\": " + std::to_string(t.code) + ", \"kind\": \"";
    out += kind_name(t.kind);
    out += "\", \"pattern\": ";
    append_json_string(out, t.pattern);
    out += ", \"target\": ";
    append_json_string(out, t.target);
    out += ", \"hits\": " + std::to_string(n.hits);
    out += ", \"changed\": " + std::to_string(n.changed);
    out += ", \"match_limit\": " + std::to_string(n.match_limit);
    out += ", \"top\": [";
    bool first = true;
    for (const PathTally::Entry &p : top_paths.of(rule)) {
        out += first ? "" : ", ";
        first = false;
        out += "{\"path\": ";
        append_json_string(out, p.path);
        out += ", \"hits\": " + std::to_string(p.hits) + "}";
    }
    out += "]}";
}

void append_codes(std::string &out, const sp_ruleset_t *rules,
                  const ReplayCounts &c)
{
    out += "  \"codes\": {";
    bool first = true;
    for (const auto &[code, counts] : code_counts(rules, c)) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "    \"" + std::to_string(code) + "\": {\"requests\": "
               + std::to_string(counts.requests) + ", \"changed\": "
               + std::to_string(counts.changed) + "}";
    }
    out += first ? "},\n" : "\n  },\n";
}

void append_invalid(std::string &out, const ReplayCounts &c, size_t top)
{
    out += "  \"invalid_requests\": [";
    bool first = true;
    for (const auto &[request, r] : top_invalid(c, top)) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "    {\"request\": ";
        append_json_string(out, request);
        out += ", \"reason\": ";
        append_json_string(out, r.reason);
        out += ", \"count\": " + std::to_string(r.count) + "}";
    }
    out += first ? "],\n" : "\n  ],\n";
}

} // namespace

void print_json_report(const sp_ruleset_t *rules, const ReplayCounts &c,
                       const ReportOptions &options)
{
    std::string out = "{\n  \"log\": ";
    append_json_string(out, options.log_name);
    out += ",\n";
    field(out, "lines", c.lines);
    field(out, "requests", c.requests);
    field(out, "unparsed", c.unparsed);
    out += "  \"unparsed_lines\": [";
    for (size_t i = 0; i < c.unparsed_lines.size(); i++) {
        out += (i ? ", " : "") + std::to_string(c.unparsed_lines[i]);
    }
    out += "],\n";
    field(out, "invalid", c.invalid);
    field(out, "matched", c.matched);
    field(out, "no_rule", c.no_rule);
    field(out, "changed", c.changed);
    field(out, "match_limit", c.match_limit);
    append_codes(out, rules, c);
    append_invalid(out, c, options.top);

    out += "  \"rules\": [";
    TopPaths top_paths(c, options.top);
    for (uint32_t rule = 0; rule < c.rules.size(); rule++) {
        out += rule ? ",\n" : "\n";
        append_rule(out, rules, c, rule, top_paths);
    }
    out += c.rules.empty() ? "]\n}\n" : "\n  ]\n}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
}

} // namespace check_tool
