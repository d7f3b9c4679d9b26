// libFuzzer target: any bytes as a status_policy_hits_state file.  The
// reader accepts a state or throws Error, never anything else; what it
// accepts, written out again, reads back the same.
//
//   make fuzz            (clang, ASan + UBSan)

#include "error.hpp"
#include "hits_state.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace status_policy;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

std::string rewrite(const HitsState &s)
{
    std::string text = state_header(s.started, s.written, s.sources);
    for (const StateRule &r : s.rules) {
        append_state_rule(text, r);
    }
    append_state_end(text, s.rules.size());
    return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    HitsState state;
    try {
        state = parse_hits_state(text);
    } catch (const Error &) {
        return 0;
    }

    std::string again = rewrite(state);
    HitsState back = parse_hits_state(again);
    check(back.rules.size() == state.rules.size());
    check(rewrite(back) == again);
    for (size_t i = 0; i < state.rules.size(); i++) {
        check(back.rules[i].pattern == state.rules[i].pattern);
        check(back.rules[i].hits.hits == state.rules[i].hits.hits);
    }
    return 0;
}
