// The regex prefilter skips a regex when a path does not start with the
// regex's literal prefix.  That is only safe if the scan that finds the
// prefix reads the pattern as PCRE2 does: a top-level "|" it overlooks
// would let a path that the regex matches skip the regex, and the rule
// would not apply where an nginx "location ~" would.  Constructs that
// consume the next character (\c), and POSIX classes inside a bracket
// expression, must not mislead it.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "helpers.hpp"

#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

using sptest::Match;
using sptest::Ruleset;

namespace {

class Pcre2 {
public:
    Pcre2(const std::string &re, bool caseless)
    {
        int err = 0;
        PCRE2_SIZE off = 0;
        code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()),
                              re.size(), caseless ? PCRE2_CASELESS : 0, &err,
                              &off, nullptr);
        if (code_ != nullptr) {
            // JIT-compiled like the core's regexes, so that only the
            // prefilter can make the two disagree
            (void) pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
            data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
        }
    }

    ~Pcre2()
    {
        pcre2_match_data_free(data_);
        pcre2_code_free(code_);
    }

    Pcre2(const Pcre2 &) = delete;
    Pcre2 &operator=(const Pcre2 &) = delete;

    bool valid() const { return code_ != nullptr; }

    bool matches(const std::string &path) const
    {
        return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(path.data()),
                           path.size(), 0, 0, data_, nullptr) >= 0;
    }

private:
    pcre2_code *code_ = nullptr;
    pcre2_match_data *data_ = nullptr;
};

struct Case {
    const char *regex;
    const char *path;
};

// Each regex has a top-level alternation that a scan could miss, and the
// path matches through the second branch only.
const Case cases[] = {
    // a "(" after a POSIX class, inside the same bracket expression
    {"^/a[[:alpha:](]|/b", "/x/b"},
    {"^/a[[:digit:]([]|/b", "/x/b"},
    {"^/a[x[:space:](]|/b", "/x/b"},
    // a "[" after a POSIX class: the class goes on to the next "]"
    {"^/a[[:alpha:][]|/b", "/x/b"},
    // \c takes the next character, whatever it is
    {"^/a\\c(|/b", "/x/b"},
    {"^/a\\c[|/b", "/x/b"},
    {"^/a\\c\\|/b", "/x/b"},
    {"^/a\\c)|/b", "/x/b"},
};

TEST(Prefilter, ConstructsThatHideAnAlternation)
{
    for (const Case &c : cases) {
        Pcre2 re(c.regex, false);
        ASSERT_TRUE(re.valid()) << c.regex;
        ASSERT_TRUE(re.matches(c.path)) << c.regex << " on " << c.path;

        Ruleset rs;
        sptest::must_add_tokens(rs, {"410", "~", c.regex});
        sptest::must_add_tokens(rs, {"404", "~", "^/x/"});
        sptest::must_compile(rs);

        Match r = rs.match(c.path);
        EXPECT_EQ(r.found, 1) << c.regex << " on " << c.path;
        EXPECT_EQ(r.m.rule, 0u) << c.regex << " on " << c.path;
    }
}

// Random patterns built from pieces that are easy to misread, several to
// a set, against trying each with PCRE2 in order.
class Pieces {
public:
    explicit Pieces(uint32_t seed) : rng_(seed) {}

    size_t below(size_t n)
    {
        return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
    }

    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

    std::string regex(int depth = 0)
    {
        static const char *literals[] = {
            "a", "b", "A", "/", "-", "x", "\\.", "\\/", "\\(", "\\|", "\\[",
            "\\]", "\xC3\xA9", " "};
        static const char *atoms[] = {
            ".", "[a-b]", "[^/]", "[[:alpha:](]", "[[:digit:]]",
            "[x[:space:]|]",
            "[[:alpha:][]", "\\d", "\\w", "\\c(", "\\c[", "\\c\\", "\\c)",
            "[]a]", "[^]b]", "[(]", "[|]", "\\Qa|b\\E", "(?i)", "(?#c|d)",
            "\\x41", "\\x{42}", "\\b", "$"};
        static const char *quantifiers[] = {"*", "+", "?", "{1,2}", "*?",
                                            "++", "{2}", "{,2}"};
        std::string s;
        size_t n = 1 + below(5);
        for (size_t i = 0; i < n; i++) {
            size_t k = below(10);
            if (k < 5) {
                s += literals[below(std::size(literals))];
            } else if (k < 7) {
                s += atoms[below(std::size(atoms))];
            } else if (k < 9 && depth < 2) {
                s += chance(0.5) ? "(" : "(?:";
                s += regex(depth + 1) + ")";
            } else {
                s += "|";
            }
            if (chance(0.2)) {
                s += quantifiers[below(std::size(quantifiers))];
            }
        }
        return s;
    }

    std::string path()
    {
        static const char *parts[] = {
            "a", "b", "A", "B", "/", "-", "x", ".", "(", "|", "[", "]",
            "\xC3\xA9", " ", "1", "\x1B", "\x1C", "h", "i", "\x08"};
        std::string s = "/";
        size_t n = below(8);
        for (size_t i = 0; i < n; i++) {
            s += parts[below(std::size(parts))];
        }
        return s;
    }

private:
    std::mt19937 rng_;
};

TEST(Prefilter, RandomPatternsAgreeWithPcre2)
{
    Pieces g(20250611u);
    int checked = 0;
    int failures = 0;

    for (int set = 0; set < 3000 && failures < 5; set++) {
        Ruleset rs;
        std::vector<std::unique_ptr<Pcre2>> res;
        std::vector<std::string> lines;

        size_t n = 1 + g.below(4);
        for (size_t i = 0; i < n; i++) {
            std::string re = (g.chance(0.8) ? "^" : "") + g.regex();
            bool caseless = g.chance(0.3);
            auto pcre = std::make_unique<Pcre2>(re, caseless);
            if (!pcre->valid()) {
                continue;
            }
            sptest::must_add_tokens(rs, {"410", caseless ? "~*" : "~", re});
            lines.push_back((caseless ? "~* " : "~ ") + re);
            res.push_back(std::move(pcre));
        }
        sptest::must_compile(rs);

        for (int p = 0; p < 100; p++) {
            std::string path = g.path();
            uint32_t want = SP_NO_RULE;
            for (uint32_t i = 0; i < res.size(); i++) {
                if (res[i]->matches(path)) {
                    want = i;
                    break;
                }
            }
            Match got = rs.match(path);
            checked++;
            if (got.m.rule != want) {
                failures++;
                std::string all;
                for (const std::string &l : lines) {
                    all += "\n  " + l;
                }
                ADD_FAILURE() << "path \"" << path << "\": rule " << got.m.rule
                              << ", PCRE2 in order: " << want << all;
                break;
            }
        }
    }
    EXPECT_GT(checked, 100000);
}

} // namespace
