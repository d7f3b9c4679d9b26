#include "rules.hpp"

#include <cstdio>

namespace check_tool {

namespace {

constexpr size_t kErrorSize = 1024;

const char *modifier(sp_kind_t kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "= ";
    case SP_KIND_PREFIX_STOP: return "^~ ";
    case SP_KIND_REGEX: return "~ ";
    case SP_KIND_REGEX_CASELESS: return "~* ";
    case SP_KIND_PREFIX: break;
    }
    return "";
}

} // namespace

std::string_view view(sp_str_t s)
{
    return s.data ? std::string_view(s.data, s.len) : std::string_view();
}

Ruleset load_rules(const std::vector<std::string> &files, bool ignore_case,
                   bool check_only)
{
    Ruleset rs(sp_ruleset_create());
    if (!rs) {
        std::fputs("status-policy-check: out of memory\n", stderr);
        return nullptr;
    }
    if (check_only) {
        sp_ruleset_check_only(rs.get());
    }

    char err[kErrorSize];
    bool ok = true;

    for (const auto &file : files) {
        if (sp_ruleset_add_file(rs.get(), {file.data(), file.size()}, err,
                                sizeof(err)) != SP_OK) {
            std::fprintf(stderr, "%s\n", err);
            ok = false;
        }
    }

    if (ok && sp_ruleset_compile(rs.get(), ignore_case, err, sizeof(err))
                  != SP_OK) {
        std::fprintf(stderr, "%s\n", err);
        ok = false;
    }

    return ok ? std::move(rs) : nullptr;
}

RuleText rule_text(const sp_ruleset_t *rs, uint32_t rule)
{
    RuleText text;
    sp_rule_info_t info;
    if (sp_ruleset_rule(rs, rule, &info) != SP_OK) {
        return text;
    }
    text.where = std::string(view(info.source)) + ":"
                 + std::to_string(info.line);
    text.code = info.code;
    text.kind = static_cast<sp_kind_t>(info.kind);
    text.pattern = modifier(text.kind) + std::string(view(info.pattern));
    text.target = std::string(view(info.target));
    return text;
}

const char *kind_name(sp_kind_t kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "exact";
    case SP_KIND_PREFIX:
    case SP_KIND_PREFIX_STOP: return "prefix";
    case SP_KIND_REGEX:
    case SP_KIND_REGEX_CASELESS: return "regex";
    }
    return "?";
}

} // namespace check_tool
