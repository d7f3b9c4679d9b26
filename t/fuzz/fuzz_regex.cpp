// libFuzzer target: the regex engines against each other.  The input's
// first lines are regexes (those PCRE2 compiles; a leading "i " makes one
// case-insensitive), the rest are paths: the set tried in order with
// PCRE2, the set scanned with Vectorscan and a plain loop of pcre2_match()
// must choose the same rule with the same captures, or all three say
// that a regex hit PCRE2's match limit.
//
//   make fuzz            (clang, ASan + UBSan)

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "error.hpp"
#include "pcre2_handle.hpp"
#include "regex_set.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using status_policy::Pcre2Code;
using status_policy::RegexSet;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start < text.size() && out.size() < 64) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::vector<std::string_view> all = lines(
        std::string_view(reinterpret_cast<const char *>(data), size));
    if (all.size() < 2) {
        return 0;
    }
    size_t nregex = 1 + all[0].size() % std::min<size_t>(all.size() - 1, 12);

    RegexSet in_order, scanned;
    std::vector<Pcre2Code> loop;
    for (size_t i = 1; i <= nregex && i < all.size(); i++) {
        std::string_view p = all[i];
        bool caseless = p.substr(0, 2) == "i ";
        if (caseless) {
            p.remove_prefix(2);
        }
        try {
            auto rule = static_cast<uint32_t>(loop.size());
            in_order.add(RegexSet::compile(p, caseless, "", 0), p, caseless,
                         rule);
            scanned.add(RegexSet::compile(p, caseless, "", 0), p, caseless,
                        rule);
            loop.push_back(RegexSet::compile(p, caseless, "", 0));
        } catch (const status_policy::Error &) {
            // not a regex PCRE2 takes: not a rule
        }
    }
    in_order.build(RegexSet::Engine::pcre2);
    scanned.build(RegexSet::Engine::vectorscan);

    static status_policy::MatchScratch scratch;
    for (size_t i = nregex + 1; i < all.size(); i++) {
        std::string path(all[i]);
        RegexSet::Match a, b;
        bool ma = in_order.match(path.data(), path.size(), a);
        bool mb = scanned.match(path.data(), path.size(), b);

        // the reference, under the same limits as the sets
        int want = -1;
        bool limit = false;
        for (uint32_t r = 0; r < loop.size() && want < 0; r++) {
            int rc = pcre2_match(loop[r].get(),
                                 reinterpret_cast<PCRE2_SPTR>(path.data()),
                                 path.size(), 0, 0, scratch.data.get(),
                                 scratch.context.get());
            if (rc >= 0) {
                want = static_cast<int>(r);
            } else if (rc != PCRE2_ERROR_NOMATCH) {
                limit = true;
            }
        }
        bool limited = limit || a.limit_rule != UINT32_MAX
                       || b.limit_rule != UINT32_MAX;
        if (!limited) {
            check(ma == (want >= 0));
            check(mb == ma);
            if (ma) {
                check(a.rule == static_cast<uint32_t>(want));
                check(b.rule == a.rule);
                check(b.ncaptures == a.ncaptures);
                for (int k = 0; k < 2 * a.ncaptures; k++) {
                    check(a.captures[k] == b.captures[k]);
                }
            }
        }
    }
    return 0;
}
