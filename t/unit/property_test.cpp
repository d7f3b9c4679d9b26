// Property test: random rule sets and random paths, sp_ruleset_match
// against a plain reference implementation of nginx's location precedence
// (exact; else longest prefix, which wins if ^~; else regexes in order;
// else the longest prefix), with and without ignore_case.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "helpers.hpp"

#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using sptest::Match;
using sptest::Ruleset;

namespace {

struct CodeDeleter {
    void operator()(pcre2_code *c) const { pcre2_code_free(c); }
};

struct DataDeleter {
    void operator()(pcre2_match_data *d) const { pcre2_match_data_free(d); }
};

using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;
using DataPtr = std::unique_ptr<pcre2_match_data, DataDeleter>;

struct RefRule {
    int kind;
    std::string pattern;
    int code;
    std::string target;
    CodePtr re;
};

struct RefResult {
    bool found = false;
    uint32_t rule = SP_NO_RULE;
    size_t prefix_len = 0;
    long start = -1;
    long end = -1;
};

char fold(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string folded(const std::string &s)
{
    std::string out(s);
    for (char &c : out) {
        c = fold(c);
    }
    return out;
}

bool same(const std::string &a, size_t alen, const std::string &b, bool ic)
{
    if (alen != b.size()) {
        return false;
    }
    for (size_t i = 0; i < alen; i++) {
        if (ic ? fold(a[i]) != fold(b[i]) : a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

bool is_prefix_kind(int kind)
{
    return kind == SP_KIND_PREFIX || kind == SP_KIND_PREFIX_STOP;
}

class Reference {
public:
    Reference(const std::vector<RefRule> &rules, bool ic) : rules_(rules), ic_(ic) {}

    RefResult match(const std::string &path) const
    {
        RefResult r;
        for (uint32_t i = 0; i < rules_.size(); i++) {
            const RefRule &rule = rules_[i];
            if (rule.kind == SP_KIND_EXACT
                && same(path, path.size(), rule.pattern, ic_)) {
                r.found = true;
                r.rule = i;
                return r;
            }
        }

        uint32_t best = SP_NO_RULE;
        size_t best_len = 0;
        for (uint32_t i = 0; i < rules_.size(); i++) {
            const RefRule &rule = rules_[i];
            if (!is_prefix_kind(rule.kind) || rule.pattern.size() > path.size()) {
                continue;
            }
            if (same(path, rule.pattern.size(), rule.pattern, ic_)
                && (best == SP_NO_RULE || rule.pattern.size() > best_len)) {
                best = i;
                best_len = rule.pattern.size();
            }
        }
        if (best != SP_NO_RULE && rules_[best].kind == SP_KIND_PREFIX_STOP) {
            r.found = true;
            r.rule = best;
            r.prefix_len = best_len;
            return r;
        }

        for (uint32_t i = 0; i < rules_.size(); i++) {
            const RefRule &rule = rules_[i];
            if (rule.kind != SP_KIND_REGEX && rule.kind != SP_KIND_REGEX_CASELESS) {
                continue;
            }
            DataPtr md(pcre2_match_data_create_from_pattern(rule.re.get(), nullptr));
            int rc = pcre2_match(rule.re.get(),
                                 reinterpret_cast<PCRE2_SPTR>(path.data()),
                                 path.size(), 0, 0, md.get(), nullptr);
            if (rc == PCRE2_ERROR_NOMATCH) {
                continue;
            }
            EXPECT_GT(rc, 0) << "reference pcre2_match failed on " << rule.pattern;
            if (rc <= 0) {
                continue;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md.get());
            r.found = true;
            r.rule = i;
            r.start = static_cast<long>(ov[0]);
            r.end = static_cast<long>(ov[1]);
            return r;
        }

        if (best != SP_NO_RULE) {
            r.found = true;
            r.rule = best;
            r.prefix_len = best_len;
        }
        return r;
    }

private:
    const std::vector<RefRule> &rules_;
    bool ic_;
};

class Generator {
public:
    explicit Generator(uint32_t seed) : rng_(seed) {}

    size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

    char path_char()
    {
        static const char set[] = "abAB12/";
        return set[below(sizeof(set) - 1)];
    }

    char letter()
    {
        static const char set[] = "abAB";
        return set[below(sizeof(set) - 1)];
    }

    // "/" followed by 0..max-1 path characters.
    std::string literal(size_t max)
    {
        std::string s = "/";
        size_t n = below(max);
        for (size_t i = 0; i < n; i++) {
            s += path_char();
        }
        return s;
    }

    std::string regex()
    {
        switch (below(7)) {
        case 0:
            return "^" + literal(4);
        case 1:
            return literal(3) + "$";
        case 2: {
            std::string s = "^/";
            s += letter();
            s += "[0-9]+";
            if (chance(0.5)) {
                s += "/";
                s += letter();
            }
            return s;
        }
        case 3:
            return chance(0.5) ? "[0-9]$" : "[0-9]/";
        case 4:
            return "^" + literal(3) + "(/[ab]+)?$";
        case 5: {
            std::string s;
            s += letter();
            s += letter();
            return s;
        }
        default: {
            std::string s = "^/(a|b)[ab12]*";
            s += letter();
            return s;
        }
        }
    }

    std::string vary_case(std::string s)
    {
        for (char &c : s) {
            if (chance(0.3)) {
                if (c >= 'a' && c <= 'z') {
                    c = static_cast<char>(c - 'a' + 'A');
                } else if (c >= 'A' && c <= 'Z') {
                    c = static_cast<char>(c - 'A' + 'a');
                }
            }
        }
        return s;
    }

    std::mt19937 &rng() { return rng_; }

private:
    std::mt19937 rng_;
};

const int plain_codes[] = {400, 403, 404, 410, 418, 429, 444, 451, 500, 503};

struct Case {
    std::vector<RefRule> rules;
    std::vector<std::string> lines;  // for failure messages
};

// Builds a random rule set without duplicates (as compile defines them).
void build_rules(Generator &g, bool ic, Case &c)
{
    std::set<std::pair<int, std::string>> seen;
    size_t n = 1 + g.below(14);
    for (size_t i = 0; i < n; i++) {
        RefRule r;
        size_t k = g.below(10);
        if (k < 3) {
            r.kind = SP_KIND_EXACT;
            r.pattern = g.literal(6);
        } else if (k < 5) {
            r.kind = SP_KIND_PREFIX;
            r.pattern = g.literal(5);
        } else if (k < 7) {
            r.kind = SP_KIND_PREFIX_STOP;
            r.pattern = g.literal(5);
        } else {
            r.kind = g.chance(0.5) ? SP_KIND_REGEX : SP_KIND_REGEX_CASELESS;
            r.pattern = g.regex();
        }

        if (r.kind == SP_KIND_EXACT || is_prefix_kind(r.kind)) {
            int cls = r.kind == SP_KIND_EXACT ? 0 : 1;
            std::string key = ic ? folded(r.pattern) : r.pattern;
            if (!seen.insert({cls, key}).second) {
                continue;
            }
        }

        if (is_prefix_kind(r.kind) && g.chance(0.3)) {
            r.code = 301;
            r.target = "/T" + std::to_string(i) + "/";
        } else {
            r.code = plain_codes[g.below(sizeof(plain_codes) / sizeof(plain_codes[0]))];
        }

        if (r.kind == SP_KIND_REGEX || r.kind == SP_KIND_REGEX_CASELESS) {
            int err = 0;
            PCRE2_SIZE off = 0;
            r.re.reset(pcre2_compile(
                reinterpret_cast<PCRE2_SPTR>(r.pattern.data()), r.pattern.size(),
                r.kind == SP_KIND_REGEX_CASELESS ? PCRE2_CASELESS : 0, &err, &off,
                nullptr));
            ASSERT_TRUE(r.re) << "reference cannot compile " << r.pattern;
        }

        static const char *mods[] = {"", "=", "^~", "~", "~*"};
        std::string line = std::to_string(r.code);
        if (mods[r.kind][0] != '\0') {
            line += std::string(" ") + mods[r.kind];
        }
        line += " " + r.pattern;
        if (!r.target.empty()) {
            line += " " + r.target;
        }
        c.lines.push_back(line);
        c.rules.push_back(std::move(r));
    }
}

std::string random_path(Generator &g, const std::vector<RefRule> &rules)
{
    if (rules.empty() || g.chance(0.25)) {
        return g.literal(9);
    }
    const RefRule &r = rules[g.below(rules.size())];
    std::string s;
    if (r.kind == SP_KIND_REGEX || r.kind == SP_KIND_REGEX_CASELESS) {
        // Something in the neighbourhood of the regex's literals.
        s = "/";
        for (char ch : r.pattern) {
            if (ch == '/' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                || (ch >= '0' && ch <= '9')) {
                s += ch;
            }
            if (ch == '+' && g.chance(0.7)) {
                s += static_cast<char>('1' + g.below(2));
            }
        }
    } else {
        s = r.pattern;
    }
    if (g.chance(0.3) && s.size() > 1) {
        s.resize(1 + g.below(s.size()));
    }
    size_t extra = g.chance(0.5) ? 0 : g.below(5);
    for (size_t i = 0; i < extra; i++) {
        s += g.path_char();
    }
    if (g.chance(0.4)) {
        s = g.vary_case(s);
    }
    if (s.empty() || s[0] != '/') {
        s = "/" + s;
    }
    return s;
}

std::string dump(const Case &c, bool ic)
{
    std::ostringstream out;
    out << "ignore_case " << (ic ? "on" : "off") << ", rules:\n";
    for (size_t i = 0; i < c.lines.size(); i++) {
        out << "  [" << i << "] " << c.lines[i] << "\n";
    }
    return out.str();
}

TEST(Property, MatchAgreesWithReferencePrecedence)
{
    Generator g(20240917u);
    const int sets = 500;
    const int paths_per_set = 24;
    int checked = 0;
    int matched = 0;
    int by_kind[5] = {0, 0, 0, 0, 0};
    int failures = 0;

    for (int s = 0; s < sets && failures < 10; s++) {
        bool ic = (s % 2) == 1;
        Case c;
        build_rules(g, ic, c);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }

        Ruleset rs;
        for (size_t i = 0; i < c.lines.size(); i++) {
            const RefRule &r = c.rules[i];
            std::vector<std::string> tokens = {std::to_string(r.code)};
            static const char *mods[] = {"", "=", "^~", "~", "~*"};
            if (mods[r.kind][0] != '\0') {
                tokens.push_back(mods[r.kind]);
            }
            tokens.push_back(r.pattern);
            if (!r.target.empty()) {
                tokens.push_back(r.target);
            }
            sptest::Result res = rs.add_tokens(tokens, "prop.rules",
                                               static_cast<unsigned>(i + 1));
            ASSERT_EQ(res.rc, SP_OK) << c.lines[i] << ": " << res.err;
        }
        sptest::Result comp = rs.compile(ic);
        ASSERT_EQ(comp.rc, SP_OK) << comp.err << "\n" << dump(c, ic);

        Reference ref(c.rules, ic);
        for (int p = 0; p < paths_per_set; p++) {
            std::string path = random_path(g, c.rules);
            RefResult want = ref.match(path);
            Match got = rs.match(path);
            checked++;

            bool ok = got.found == (want.found ? 1 : 0);
            if (ok && want.found) {
                const RefRule &r = c.rules[want.rule];
                ok = got.m.rule == want.rule && got.code == r.code
                     && got.kind == r.kind;
                if (ok && is_prefix_kind(r.kind)) {
                    ok = got.m.prefix_len == want.prefix_len;
                }
                if (ok && (r.kind == SP_KIND_REGEX || r.kind == SP_KIND_REGEX_CASELESS)) {
                    ok = got.m.ncaptures >= 1 && got.m.captures[0] == want.start
                         && got.m.captures[1] == want.end;
                }
                if (ok && !r.target.empty()) {
                    // Paths here hold only unreserved bytes: nothing to escape.
                    std::string loc = sptest::redirect(rs, got.m, path, "");
                    std::string expect = r.target + path.substr(want.prefix_len);
                    ok = loc == expect;
                    EXPECT_EQ(loc, expect) << "path \"" << path << "\"\n" << dump(c, ic);
                }
            }
            if (ok && !want.found) {
                ok = got.m.rule == SP_NO_RULE;
            }
            if (ok) {
                ok = got.m.limit_rule == SP_NO_RULE;
            }
            if (!ok) {
                failures++;
                ADD_FAILURE() << "path \"" << path << "\": expected "
                              << (want.found ? "rule " + std::to_string(want.rule)
                                             : std::string("no match"))
                              << " (prefix_len " << want.prefix_len << ", regex ["
                              << want.start << "," << want.end << ")), got found="
                              << got.found << " rule=" << got.m.rule
                              << " code=" << got.code << " kind=" << got.kind
                              << " prefix_len=" << got.m.prefix_len
                              << " captures[0..1]=" << got.m.captures[0] << ","
                              << got.m.captures[1] << " limit_rule=" << got.m.limit_rule
                              << "\n" << dump(c, ic);
            }
            if (want.found) {
                matched++;
                by_kind[c.rules[want.rule].kind]++;
            }
        }
    }

    // The generator must exercise every outcome, or the test proves little.
    EXPECT_GE(checked, 10000);
    EXPECT_GT(matched, checked / 3);
    EXPECT_LT(matched, checked - checked / 10);
    for (int k = 0; k < 5; k++) {
        EXPECT_GT(by_kind[k], checked / 50) << "too few matches of kind " << k;
    }
    RecordProperty("cases", checked);
    RecordProperty("matched", matched);
}

// Many prefixes sharing long common stems, compared with the reference:
// the trie must pick the longest one, and ^~ only when it is the longest.
TEST(Property, NestedPrefixStems)
{
    Generator g(7u);
    for (int round = 0; round < 40; round++) {
        bool ic = round % 2 == 0;
        Case c;
        std::set<std::string> seen;
        std::string stem = "/";
        for (int depth = 0; depth < 12; depth++) {
            stem += g.letter();
            if (g.chance(0.3)) {
                stem += "/";
            }
            std::string key = ic ? folded(stem) : stem;
            if (!seen.insert(key).second) {
                continue;
            }
            RefRule r;
            r.kind = g.chance(0.4) ? SP_KIND_PREFIX_STOP : SP_KIND_PREFIX;
            r.pattern = g.chance(0.5) ? g.vary_case(stem) : stem;
            r.code = 410;
            c.lines.push_back((r.kind == SP_KIND_PREFIX_STOP ? "410 ^~ " : "410 ")
                              + r.pattern);
            c.rules.push_back(std::move(r));
        }
        RefRule re;
        re.kind = SP_KIND_REGEX;
        re.pattern = "[aA]$";
        re.code = 404;
        int err = 0;
        PCRE2_SIZE off = 0;
        re.re.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>("[aA]$"), 5, 0, &err,
                                  &off, nullptr));
        c.lines.push_back("404 ~ [aA]$");
        c.rules.push_back(std::move(re));

        Ruleset rs;
        for (const std::string &line : c.lines) {
            sptest::must_add(rs, line);
        }
        sptest::Result comp = rs.compile(ic);
        ASSERT_EQ(comp.rc, SP_OK) << comp.err << "\n" << dump(c, ic);

        Reference ref(c.rules, ic);
        for (int p = 0; p < 200; p++) {
            std::string path = stem.substr(0, 1 + g.below(stem.size()));
            for (size_t e = g.below(3); e > 0; e--) {
                path += g.letter();
            }
            if (g.chance(0.5)) {
                path = g.vary_case(path);
            }
            RefResult want = ref.match(path);
            Match got = rs.match(path);
            ASSERT_EQ(got.found, want.found ? 1 : 0) << path << "\n" << dump(c, ic);
            if (want.found) {
                ASSERT_EQ(got.m.rule, want.rule) << path << "\n" << dump(c, ic);
                if (is_prefix_kind(c.rules[want.rule].kind)) {
                    ASSERT_EQ(got.m.prefix_len, want.prefix_len) << path;
                }
            }
        }
    }
}

} // namespace
