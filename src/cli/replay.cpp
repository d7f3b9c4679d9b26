#include "replay.hpp"

#include "access_log.hpp"
#include "request_line.hpp"
#include "uri_normalize.hpp"

namespace check_tool {

using status_policy::RequestError;
using status_policy::UriError;

Replay::Replay(const sp_ruleset_t *rules, size_t examples)
    : rules_(rules), examples_(examples)
{
    counts_.rules.resize(sp_ruleset_count(rules));
}

void Replay::add_line(std::string_view line)
{
    counts_.lines++;

    status_policy::LogEntry entry;
    if (!status_policy::parse_log_line(line, entry)) {
        counts_.unparsed++;
        if (counts_.unparsed_lines.size() < examples_) {
            counts_.unparsed_lines.push_back(counts_.lines);
        }
        return;
    }
    counts_.requests++;

    std::string_view request =
        status_policy::unescape_log_field(entry.request, unescaped_);
    status_policy::RequestLine parsed;
    RequestError request_error =
        status_policy::parse_request_line(request, parsed);
    if (request_error != RequestError::none) {
        add_invalid(request, describe(request_error));
        return;
    }
    UriError uri_error = status_policy::normalize_path(parsed.target, path_);
    if (uri_error != UriError::none) {
        add_invalid(request, describe(uri_error));
        return;
    }

    sp_match_t m;
    bool found = sp_ruleset_match(rules_, path_.data(), path_.size(), &m) == 1;
    if (m.limit_rule != SP_NO_RULE) {
        counts_.match_limit++;
        counts_.rules[m.limit_rule].match_limit++;
    }
    if (!found) {
        counts_.no_rule++;
        return;
    }

    counts_.matched++;
    RuleCounts &rule = counts_.rules[m.rule];
    rule.hits++;
    sp_rule_info_t info;
    if (sp_ruleset_rule(rules_, m.rule, &info) == SP_OK
        && entry.status != info.code) {
        rule.changed++;
        counts_.changed++;
    }
    counts_.paths.add(m.rule, path_);
}

void Replay::add_invalid(std::string_view request, const char *reason)
{
    counts_.invalid++;
    InvalidRequest &invalid =
        counts_.invalid_requests.try_emplace(std::string(request))
            .first->second;
    invalid.count++;
    invalid.reason = reason;
}

} // namespace check_tool
