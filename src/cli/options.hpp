// The command line of status-policy-check.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace check_tool {

struct Options {
    std::string command;                // lint, explain, replay, unused
    std::vector<std::string> operands;  // files, then PATH or ACCESS_LOG
    bool ignore_case = false;
    bool zone = false;                  // lint --zone
    bool json = false;
    size_t top = 5;
    bool help = false;
    bool replay_options = false;        // --json or --top was given
    int64_t since = 0;                  // unused --since, in seconds
    bool since_given = false;
};

// Returns "" or what is wrong with the command line.
std::string parse_options(int argc, char **argv, Options &options);

// The usage text, for --help (complete) or after an error (short).
const char *usage_text(bool complete);

} // namespace check_tool
