// status-policy-check: checks rules files without nginx, with the same core
// the module uses.
//
//   status-policy-check lint [-i | --zone] FILE...
//   status-policy-check explain [-i] FILE... PATH
//   status-policy-check replay [-i] [--json] [--top N] FILE... ACCESS_LOG
//   status-policy-check unused [-i] [--since TIME] [--json] FILE... STATE
//
// -i compiles as with "status_policy_ignore_case on".

#include "status_policy_core.h"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "explain_command.hpp"
#include "options.hpp"
#include "replay_command.hpp"
#include "rules.hpp"
#include "unused_command.hpp"
#include "zone_lint.hpp"

namespace {

using namespace check_tool;

int run(const Options &options)
{
    std::vector<std::string> files = options.operands;

    if (options.command == "lint" && options.zone) {
        return lint_zone_bodies(files);
    }

    if (options.command == "lint") {
        Ruleset rs = load_rules(files, options.ignore_case, true);
        if (!rs) {
            return 1;
        }
        std::printf("%zu rules, no errors\n", sp_ruleset_count(rs.get()));
        return 0;
    }

    // explain, replay and unused: the last operand is the path, the log
    // or the state
    std::string last = files.back();
    files.pop_back();
    Ruleset rs = load_rules(files, options.ignore_case);
    if (!rs) {
        return 1;
    }
    if (options.command == "explain") {
        return explain_path(rs.get(), options.ignore_case, last);
    }
    if (options.command == "unused") {
        return list_unused(rs.get(), files, last, options);
    }
    return replay_log(rs.get(), last, options);
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    std::string error = parse_options(argc, argv, options);
    if (options.help) {
        std::fputs(usage_text(true), stdout);
        return 0;
    }
    if (!error.empty()) {
        std::fprintf(stderr, "status-policy-check: %s\n%s", error.c_str(),
                     usage_text(false));
        return 2;
    }

    try {
        return run(options);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "status-policy-check: %s\n", e.what());
    }
    return 1;
}
