#include "options.hpp"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace check_tool {

namespace {

const char kUsage[] =
    "usage: status-policy-check lint [-i | --zone] FILE...\n"
    "       status-policy-check explain [-i] FILE... PATH\n"
    "       status-policy-check replay [-i] [--json] [--top N] FILE... "
    "ACCESS_LOG\n"
    "       status-policy-check unused [-i] [--since TIME] [--json] FILE... "
    "STATE\n";

const char kDetails[] =
    "\n"
    "Rules files given together form one level, as several\n"
    "status_policy_file lines would.\n"
    "\n"
    "  lint     check the files; errors read file:line: reason, as in\n"
    "           nginx -t; exit 1 on any error\n"
    "  explain  the rule a normalized path hits (source:line, code,\n"
    "           pattern, Location after substitution), why it wins, and\n"
    "           the other matching rules it beat; exit 1 if none matches\n"
    "  replay   what the rules would have answered to every request of an\n"
    "           access log in nginx's combined format (- reads standard\n"
    "           input): hits per rule with the top paths, requests per\n"
    "           code, and how many answers differ from the logged status\n"
    "  unused   the rules of the files that no request has hit (or none\n"
    "           since TIME ago, e.g. 90d) according to the\n"
    "           status_policy_hits_state file STATE, in rules-file syntax\n"
    "           with where each rule is and its last hit, for review\n"
    "\n"
    "  -i, --ignore-case  as with status_policy_ignore_case on\n"
    "  --zone             lint: check each FILE as a body for\n"
    "                     status_policy_api (exact and prefix rules, each\n"
    "                     pattern once) and print the digest the zone\n"
    "                     reports once it holds them\n"
    "  --json             replay: print JSON instead of tables\n"
    "  --top N            replay: example paths shown per rule (default 5)\n"
    "  --since TIME       unused: also list rules whose last hit is older;\n"
    "                     TIME is a number with s, m, h, d or w (90d, 12h)\n"
    "  --json             unused: print JSON instead of rules\n"
    "  -h, --help         print this help\n"
    "\n"
    "Exit status: 0 success, 1 rules file errors (or, for explain, no\n"
    "matching rule; for replay, an unreadable log; for unused, a state\n"
    "that cannot be read or does not know a file), 2 usage errors.\n";

bool parse_count(const std::string &text, size_t &value)
{
    if (text.empty()
        || text.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    errno = 0;
    unsigned long long n = std::strtoull(text.c_str(), nullptr, 10);
    if (errno != 0 || n > 1000000) {
        return false;
    }
    value = static_cast<size_t>(n);
    return true;
}

// "90d", "12h", "1w2d": seconds, or -1
int64_t parse_duration(const std::string &text)
{
    int64_t total = 0;
    size_t i = 0;
    if (text.empty()) {
        return -1;
    }
    while (i < text.size()) {
        size_t start = i;
        int64_t n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            n = n * 10 + (text[i++] - '0');
            if (n > 100000000) {
                return -1;
            }
        }
        if (i == start || i == text.size()) {
            return -1;
        }
        switch (text[i++]) {
        case 's': total += n; break;
        case 'm': total += n * 60; break;
        case 'h': total += n * 3600; break;
        case 'd': total += n * 86400; break;
        case 'w': total += n * 604800; break;
        default: return -1;
        }
    }
    return total;
}

// Whether args[i] is option `name`, as "--name VALUE" (i then moves to
// the value) or "--name=VALUE"; value is empty when none follows.
bool takes_value(const std::vector<std::string> &args, size_t &i,
                 const std::string &name, std::optional<std::string> &value)
{
    const std::string &arg = args[i];
    value.reset();
    if (arg == name) {
        if (i + 1 < args.size()) {
            value = args[++i];
        }
        return true;
    }
    if (arg.rfind(name + "=", 0) == 0) {
        value = arg.substr(name.size() + 1);
        return true;
    }
    return false;
}

} // namespace

const char *usage_text(bool complete)
{
    static const std::string full = std::string(kUsage) + kDetails;
    return complete ? full.c_str() : kUsage;
}

std::string parse_options(int argc, char **argv, Options &options)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        return "no command";
    }

    bool options_end = false;
    std::optional<std::string> value;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string &arg = args[i];
        if (options_end || arg == "-" || arg.empty() || arg[0] != '-') {
            if (options.command.empty()) {
                options.command = arg;
            } else {
                options.operands.push_back(arg);
            }
        } else if (arg == "--") {
            options_end = true;
        } else if (arg == "-h" || arg == "--help") {
            options.help = true;
        } else if (arg == "-i" || arg == "--ignore-case") {
            options.ignore_case = true;
        } else if (arg == "--zone") {
            options.zone = true;
        } else if (arg == "--json") {
            options.json = true;
        } else if (takes_value(args, i, "--since", value)) {
            if (!value) {
                return "--since needs a time, such as 90d";
            }
            options.since = parse_duration(*value);
            options.since_given = true;
            if (options.since <= 0) {
                return "--since needs a time such as 90d, 12h or 1w, not \""
                       + *value + "\"";
            }
        } else if (takes_value(args, i, "--top", value)) {
            options.replay_options = true;
            if (!value) {
                return "--top needs a number";
            }
            if (!parse_count(*value, options.top)) {
                return "--top needs a number from 0 to 1000000, not \""
                       + *value + "\"";
            }
        } else {
            return "unknown option \"" + arg + "\"";
        }
    }

    if (options.help) {
        return {};
    }
    const std::string &c = options.command;
    if (c != "lint" && c != "explain" && c != "replay" && c != "unused") {
        return c.empty() ? "no command" : "unknown command \"" + c + "\"";
    }
    if (c != "replay" && options.replay_options) {
        return "--top is an option of replay";
    }
    if (options.json && c != "replay" && c != "unused") {
        return "--json is an option of replay and unused";
    }
    if (options.zone && c != "lint") {
        return "--zone is an option of lint";
    }
    if (options.since_given && c != "unused") {
        return "--since is an option of unused";
    }
    size_t needed = c == "lint" ? 1 : 2;
    if (options.operands.size() < needed) {
        return c == "lint" ? "no rules file"
               : c == "explain" ? "explain needs rules files and a path"
               : c == "replay"  ? "replay needs rules files and an access log"
                                : "unused needs rules files and a state file";
    }
    return {};
}

} // namespace check_tool
