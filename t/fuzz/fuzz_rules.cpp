// libFuzzer target: arbitrary bytes as a rules file and as request paths.
// Whatever the input, loading must fail cleanly or succeed, matching must
// return a rule of the set, a redirect must be a well-formed header value
// whose length the first call predicted, and a path escaped for a log
// line must be printable ASCII.
//
//   make fuzz            (clang, ASan + UBSan, 60 s by default)

#include "rules_file.hpp"
#include "status_policy_core.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

// The path as a log line would show it: only printable ASCII, every
// escape \xHH, the length the length query gave.
void check_log_escape(std::string_view path)
{
    size_t need = sp_log_escape(path.data(), path.size(), nullptr, 0);
    check(need >= path.size());
    std::string out(need, '\0');
    check(sp_log_escape(path.data(), path.size(), out.data(), out.size())
          == need);
    for (size_t i = 0; i < out.size(); i++) {
        unsigned char c = static_cast<unsigned char>(out[i]);
        check(c >= 0x20 && c < 0x7f && c != '"');
        if (c == '\\') {
            check(i + 3 < out.size() && out[i + 1] == 'x');
            i += 3;
        }
    }
}

void exercise(const sp_ruleset_t *rs, std::string_view path)
{
    check_log_escape(path);

    sp_match_t m;
    int found = sp_ruleset_match(rs, path.data(), path.size(), &m);
    check(found == 0 || found == 1);
    if (found == 0) {
        return;
    }
    check(m.rule < sp_ruleset_count(rs));

    sp_rule_info_t info;
    check(sp_ruleset_rule(rs, m.rule, &info) == SP_OK);
    if (info.target.len == 0) {
        return;
    }

    const char args[] = "a=1&b=%20";
    size_t need = 0;
    check(sp_ruleset_redirect(rs, &m, path.data(), path.size(), args,
                              sizeof(args) - 1, nullptr, 0, &need)
          == SP_OK);
    std::string location(need, '\0');
    size_t wrote = 0;
    check(sp_ruleset_redirect(rs, &m, path.data(), path.size(), args,
                              sizeof(args) - 1, location.data(),
                              location.size(), &wrote)
          == SP_OK);
    check(wrote == need);
    for (unsigned char c : location) {
        check(c > 0x20 && c != 0x7f);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view input(reinterpret_cast<const char *>(data), size);

    // rules, then a NUL, then paths separated by newlines
    size_t split = input.find('\0');
    std::string_view rules = input.substr(0, split);
    std::string_view paths = split == std::string_view::npos
                                 ? std::string_view("/")
                                 : input.substr(split + 1);

    for (int ignore_case = 0; ignore_case < 2; ignore_case++) {
        sp_ruleset_t *rs = sp_ruleset_create();
        check(rs != nullptr);

        status_policy::RulesFileReader reader(rules);
        status_policy::RulesFileReader::Line line;
        char err[512];

        while (reader.next(line)) {
            std::vector<sp_str_t> args;
            for (size_t i = 0; i < line.count && i < line.tokens.size(); i++) {
                args.push_back({line.tokens[i].data(), line.tokens[i].size()});
            }
            if (line.count > line.tokens.size()) {
                args.push_back({"extra", 5});     // too many tokens
            }
            sp_ruleset_add(rs, args.data(), args.size(),
                           {"fuzz", 4}, line.number, err, sizeof(err));
        }

        if (sp_ruleset_compile(rs, ignore_case, err, sizeof(err)) == SP_OK) {
            size_t start = 0;
            while (start <= paths.size()) {
                size_t end = paths.find('\n', start);
                if (end == std::string_view::npos) {
                    end = paths.size();
                }
                exercise(rs, paths.substr(start, end - start));
                start = end + 1;
            }
        }

        sp_ruleset_destroy(rs);
    }
    return 0;
}
