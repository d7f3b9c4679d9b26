#include "options.hpp"

#include <cerrno>
#include <cstdlib>

namespace check_tool {

namespace {

const char kUsage[] =
    "usage: status-policy-check lint [-i] FILE...\n"
    "       status-policy-check explain [-i] FILE... PATH\n"
    "       status-policy-check replay [-i] [--json] [--top N] FILE... "
    "ACCESS_LOG\n";

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
    "\n"
    "  -i, --ignore-case  as with status_policy_ignore_case on\n"
    "  --json             replay: print JSON instead of tables\n"
    "  --top N            replay: example paths shown per rule (default 5)\n"
    "  -h, --help         print this help\n"
    "\n"
    "Exit status: 0 success, 1 rules file errors (or, for explain, no\n"
    "matching rule; for replay, an unreadable log), 2 usage errors.\n";

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
        } else if (arg == "--json") {
            options.json = true;
            options.replay_options = true;
        } else if (arg == "--top" || arg.rfind("--top=", 0) == 0) {
            options.replay_options = true;
            std::string value;
            if (arg == "--top") {
                if (i + 1 == args.size()) {
                    return "--top needs a number";
                }
                value = args[++i];
            } else {
                value = arg.substr(6);
            }
            if (!parse_count(value, options.top)) {
                return "--top needs a number from 0 to 1000000, not \"" + value
                       + "\"";
            }
        } else {
            return "unknown option \"" + arg + "\"";
        }
    }

    if (options.help) {
        return {};
    }
    const std::string &c = options.command;
    if (c != "lint" && c != "explain" && c != "replay") {
        return c.empty() ? "no command" : "unknown command \"" + c + "\"";
    }
    if (c != "replay" && options.replay_options) {
        return "--json and --top are options of replay";
    }
    size_t needed = c == "lint" ? 1 : 2;
    if (options.operands.size() < needed) {
        return c == "lint" ? "no rules file"
               : c == "explain" ? "explain needs rules files and a path"
                                : "replay needs rules files and an access log";
    }
    return {};
}

} // namespace check_tool
