// libFuzzer target: any bytes as a body for status_policy_api.  The parser
// accepts a set or names a line, never anything else; a generation of an
// accepted set finds every rule by its key and its pattern; the rules
// written as a rules file (a state file's body) read back to the same
// digest; and any line of the input, looked up as a path, is answered.
//
//   make fuzz            (clang, ASan + UBSan)

#include "live_generation.hpp"
#include "live_set.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace status_policy;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

std::vector<uint64_t> generation_of(const LiveSet &set)
{
    size_t size = LiveGeneration::size_of(set);
    check(size > 0);
    std::vector<uint64_t> block((size + 7) / 8);
    LiveGeneration::write(set, block.data(), size, nullptr);
    return block;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    LiveSet set;
    LiveSet::Failure failure;
    if (!set.parse(text, failure)) {
        check(!failure.error.empty());
        return 0;
    }

    std::vector<uint64_t> block = generation_of(set);
    LiveGeneration g(block.data());
    check(g.count() == set.size());

    std::string lines;
    for (uint32_t i = 0; i < g.count(); i++) {
        LiveRule r = g.rule(i);
        check(g.find_key(r) == i);
        size_t prefix = 0;
        uint32_t hit = g.find(r.pattern.data(), r.pattern.size(), prefix);
        check(hit != SP_NO_RULE);
        if (live_exact(r.kind)) {
            check(hit == i);
        } else {
            check(prefix <= r.pattern.size());
        }
        append_live_line(lines, r);
    }

    LiveSet back;
    check(back.parse(lines, failure));
    check(back.size() == set.size());
    check(live_digest(back) == live_digest(set));

    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        size_t prefix = 0;
        (void) g.find(text.data() + start, end - start, prefix);
        start = end + 1;
    }
    return 0;
}
