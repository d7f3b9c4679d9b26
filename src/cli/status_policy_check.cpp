// status-policy-check: checks rules files without nginx, with the same core
// the module uses.
//
//   status-policy-check lint [-i] FILE...
//   status-policy-check explain [-i] FILE... PATH
//
// -i compiles as with "status_policy_ignore_case on".

#include "status_policy_core.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr size_t kErrorSize = 1024;

struct RulesetDeleter {
    void operator()(sp_ruleset_t *rs) const noexcept { sp_ruleset_destroy(rs); }
};
using Ruleset = std::unique_ptr<sp_ruleset_t, RulesetDeleter>;

int usage()
{
    std::fputs("usage: status-policy-check lint [-i] FILE...\n"
               "       status-policy-check explain [-i] FILE... PATH\n",
               stderr);
    return 2;
}

const char *kind_name(int kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "exact";
    case SP_KIND_PREFIX: return "prefix";
    case SP_KIND_PREFIX_STOP: return "prefix (^~)";
    case SP_KIND_REGEX: return "regex";
    case SP_KIND_REGEX_CASELESS: return "regex (~*)";
    }
    return "?";
}

const char *modifier(int kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "= ";
    case SP_KIND_PREFIX_STOP: return "^~ ";
    case SP_KIND_REGEX: return "~ ";
    case SP_KIND_REGEX_CASELESS: return "~* ";
    }
    return "";
}

// Loads every file into one ruleset, as several status_policy_file
// directives at one level would; reports every failing file.
Ruleset load(const std::vector<std::string> &files, bool ignore_case)
{
    Ruleset rs(sp_ruleset_create());
    if (!rs) {
        std::fputs("status-policy-check: out of memory\n", stderr);
        return nullptr;
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

int explain(const sp_ruleset_t *rs, const std::string &path)
{
    sp_match_t m;
    int found = sp_ruleset_match(rs, path.data(), path.size(), &m);

    sp_rule_info_t limited;
    if (m.limit_rule != SP_NO_RULE
        && sp_ruleset_rule(rs, m.limit_rule, &limited) == SP_OK) {
        std::printf("%s: %.*s:%u hit the PCRE2 match limit, "
                    "treated as no match\n",
                    path.c_str(), static_cast<int>(limited.source.len),
                    limited.source.data, limited.line);
    }

    if (found != 1) {
        std::printf("%s: no rule matches\n", path.c_str());
        return 1;
    }

    sp_rule_info_t info;
    if (sp_ruleset_rule(rs, m.rule, &info) != SP_OK) {
        return 1;
    }

    std::printf("%s: %.*s:%u: %d %s%.*s", path.c_str(),
                static_cast<int>(info.source.len), info.source.data,
                info.line, info.code, modifier(info.kind),
                static_cast<int>(info.pattern.len), info.pattern.data);
    if (info.target.len) {
        std::printf(" %.*s", static_cast<int>(info.target.len),
                    info.target.data);
    }
    std::printf(" (%s match)\n", kind_name(info.kind));

    if (info.target.len) {
        size_t n = sp_ruleset_redirect(rs, &m, path.data(), path.size(),
                                       nullptr, 0, nullptr, 0);
        std::string location(n, '\0');
        sp_ruleset_redirect(rs, &m, path.data(), path.size(), nullptr, 0,
                            location.data(), n);
        std::printf("  Location: %s\n", location.c_str());
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        return usage();
    }

    std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);

    bool ignore_case = false;
    if (!args.empty() && args.front() == "-i") {
        ignore_case = true;
        args.erase(args.begin());
    }

    if (command == "lint") {
        if (args.empty()) {
            return usage();
        }
        Ruleset rs = load(args, ignore_case);
        if (!rs) {
            return 1;
        }
        std::printf("%zu rules, no errors\n", sp_ruleset_count(rs.get()));
        return 0;
    }

    if (command == "explain") {
        if (args.size() < 2) {
            return usage();
        }
        std::string path = args.back();
        args.pop_back();
        Ruleset rs = load(args, ignore_case);
        return rs ? explain(rs.get(), path) : 1;
    }

    return usage();
}
