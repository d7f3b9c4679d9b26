#include "replay_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "line_reader.hpp"
#include "replay.hpp"
#include "replay_report.hpp"

namespace check_tool {

namespace {

struct FileCloser {
    void operator()(std::FILE *f) const noexcept { std::fclose(f); }
};

} // namespace

int replay_log(const sp_ruleset_t *rs, const std::string &log,
               const Options &options)
{
    bool from_stdin = log == "-";
    std::unique_ptr<std::FILE, FileCloser> opened;
    if (!from_stdin) {
        opened.reset(std::fopen(log.c_str(), "rb"));
        if (!opened) {
            std::fprintf(stderr, "%s: cannot open: %s\n", log.c_str(),
                         std::strerror(errno));
            return 1;
        }
    }

    LineReader reader(from_stdin ? stdin : opened.get());
    Replay replay(rs, options.top);
    std::string_view line;
    while (reader.next(line)) {
        replay.add_line(line);
    }
    if (reader.failed()) {
        std::fprintf(stderr, "%s: read error: %s\n",
                     from_stdin ? "standard input" : log.c_str(),
                     std::strerror(errno));
        return 1;
    }

    ReportOptions report{from_stdin ? "standard input" : log, options.top};
    if (options.json) {
        print_json_report(rs, replay.counts(), report);
    } else {
        print_text_report(rs, replay.counts(), report);
    }
    return 0;
}

} // namespace check_tool
