// Rule identities and the status_policy_hits_state file: what it keeps,
// and that a foreign, truncated or corrupt file is refused with its line.

#include "error.hpp"
#include "hits_state.hpp"
#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace {

using namespace status_policy;

StateRule sample(uint64_t id, const std::string &pattern)
{
    StateRule r;
    r.id = id;
    r.hits = {7, 1700000000, 1700000500};
    r.level = "/old/";
    r.source = "/etc/nginx/gone.rules";
    r.line = 3;
    r.code = 301;
    r.kind = Kind::prefix_stop;
    r.pattern = pattern;
    r.target = "/new/";
    return r;
}

std::string file_with(const std::vector<StateRule> &rules)
{
    std::string text = state_header(1690000000, 1700000600,
                                    {{"/etc/nginx/gone.rules", 12}});
    for (const StateRule &r : rules) {
        append_state_rule(text, r);
    }
    append_state_end(text, rules.size());
    return text;
}

std::string refusal(const std::string &text)
{
    try {
        parse_hits_state(text);
    } catch (const Error &e) {
        return e.message();
    }
    return "";
}

TEST(RuleIdentity, FollowsWhatTheRuleIsNotWhereItIs)
{
    uint64_t a = rule_identity("server", 410, Kind::exact, "/a", "", 0);
    EXPECT_EQ(a, rule_identity("server", 410, Kind::exact, "/a", "", 0));
    EXPECT_NE(a, rule_identity("/loc/", 410, Kind::exact, "/a", "", 0));
    EXPECT_NE(a, rule_identity("server", 404, Kind::exact, "/a", "", 0));
    EXPECT_NE(a, rule_identity("server", 410, Kind::prefix, "/a", "", 0));
    EXPECT_NE(a, rule_identity("server", 410, Kind::exact, "/b", "", 0));
    EXPECT_NE(a, rule_identity("server", 410, Kind::exact, "/a", "", 1));
    // fields cannot run into each other
    EXPECT_NE(rule_identity("server", 301, Kind::prefix, "/a", "/b", 0),
              rule_identity("server", 301, Kind::prefix, "/a/", "b", 0));
}

TEST(RuleIdentity, IsStableAcrossReleases)
{
    // state files written before keep naming the same rules
    EXPECT_EQ(rule_identity("server", 410, Kind::exact, "/gone/1", "", 0),
              0x91b940204907eeeaULL);
    EXPECT_EQ(rule_identity("server", 301, Kind::prefix, "/old/", "/new/", 0),
              0x3f21671bd547a459ULL);
}

TEST(RuleIdentity, IsTheSameThroughTheCInterface)
{
    sp_rule_info_t info{};
    info.code = 301;
    info.kind = SP_KIND_PREFIX;
    info.pattern = {"/old/", 5};
    info.target = {"/new/", 5};
    info.source = {"/any/file", 9};
    info.line = 99;
    EXPECT_EQ(sp_rule_identity({"server", 6}, &info, 0),
              rule_identity("server", 301, Kind::prefix, "/old/", "/new/", 0));
}

TEST(RuleIdentity, InTwoStepsIsTheSame)
{
    // the module numbers the copies of a shared file's rules this way
    sp_rule_info_t info{};
    info.code = 410;
    info.kind = SP_KIND_EXACT;
    info.pattern = {"/gone/1", 7};
    uint64_t prefix = sp_rule_identity_prefix({"server", 6}, &info);
    for (unsigned ordinal : {0u, 1u, 29u, 4000000000u}) {
        EXPECT_EQ(sp_rule_identity_of(prefix, ordinal),
                  rule_identity("server", 410, Kind::exact, "/gone/1", "",
                                ordinal));
    }
    EXPECT_EQ(sp_rule_identity_of(prefix, 0), 0x91b940204907eeeaULL);
}

TEST(HitsState, RoundTrips)
{
    StateRule odd = sample(0xfedcba9876543210ULL, "/a\tb\\c\nd");
    HitsState s = parse_hits_state(file_with({sample(1, "/x/"), odd}));
    EXPECT_EQ(s.started, 1690000000);
    EXPECT_EQ(s.written, 1700000600);
    ASSERT_EQ(s.sources.size(), 1u);
    EXPECT_EQ(s.sources[0].first, "/etc/nginx/gone.rules");
    EXPECT_EQ(s.sources[0].second, 12u);
    ASSERT_EQ(s.rules.size(), 2u);
    const StateRule &r = s.rules[1];
    EXPECT_EQ(r.id, 0xfedcba9876543210ULL);
    EXPECT_EQ(r.hits.hits, 7u);
    EXPECT_EQ(r.hits.first, 1700000000);
    EXPECT_EQ(r.hits.last, 1700000500);
    EXPECT_EQ(r.level, "/old/");
    EXPECT_EQ(r.line, 3u);
    EXPECT_EQ(r.code, 301);
    EXPECT_EQ(r.kind, Kind::prefix_stop);
    EXPECT_EQ(r.pattern, "/a\tb\\c\nd");
    EXPECT_EQ(r.target, "/new/");
}

TEST(HitsState, AForeignFileIsRefused)
{
    EXPECT_EQ(refusal("410 = /old\n"),
              "line 1: not a status_policy hits state file");
    EXPECT_EQ(refusal(""), "line 1: not a status_policy hits state file");
    EXPECT_NE(refusal("# status_policy hits state 9\nend\t0\n")
                  .find("another format (9)"),
              std::string::npos);
}

TEST(HitsState, ATruncatedFileIsRefusedWherePossible)
{
    std::string whole = file_with({sample(1, "/x/"), sample(2, "/y/")});
    // every cut but the whole file itself, and the cut that leaves only
    // the end line's final newline off, is refused
    for (size_t n = 0; n < whole.size(); n++) {
        EXPECT_NE(refusal(whole.substr(0, n)), "") << "cut at " << n;
    }
    EXPECT_EQ(refusal(whole), "");
    EXPECT_EQ(refusal(whole.substr(0, whole.find("rule\t"))),
              "truncated after line 4 (no end line)");
}

TEST(HitsState, ACorruptFileNamesTheLine)
{
    std::string whole = file_with({sample(1, "/x/")});
    std::string bad = whole;
    bad.replace(bad.find("\t7\t"), 3, "\tx\t");
    EXPECT_EQ(refusal(bad), "line 5: the hit count is not a number");

    bad = whole;
    bad.replace(bad.find("end\t1"), 5, "end\t2");
    EXPECT_EQ(refusal(bad),
              "line 6: the end line counts 2 rules, the file has 1");

    EXPECT_EQ(refusal(whole + "rule\t1\n"), "line 7: text after the end line");
    bad = whole;
    bad.insert(bad.find("end"), "garbage\n");
    EXPECT_EQ(refusal(bad), "line 6: not a line of a state file");
}

TEST(HitsState, WrittenAtomicallyAndReadBack)
{
    char dir[] = "/tmp/sp-state-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/hits.state";

    sp_hits_state_t *w = sp_hits_state_create(1690000000, 1700000600);
    ASSERT_NE(w, nullptr);
    sp_rule_info_t info{};
    info.source = {"/etc/gone.rules", 15};
    info.line = 1;
    info.code = 410;
    info.kind = SP_KIND_EXACT;
    info.pattern = {"/a", 2};
    sp_rule_hits_t hit{3, 1695000000, 1699000000}, none{0, 0, 0};
    ASSERT_EQ(sp_hits_state_add(w, 11, &hit, {"server", 6}, &info), SP_OK);
    info.line = 2;
    info.pattern = {"/b", 2};
    ASSERT_EQ(sp_hits_state_add(w, 12, &none, {"server", 6}, &info), SP_OK);
    char err[256];
    ASSERT_EQ(sp_hits_state_write(w, path.c_str(), err, sizeof(err)), SP_OK)
        << err;
    sp_hits_state_free(w);
    EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(),
                     F_OK), 0) << "no temporary file left";

    HitsState s = read_hits_state(path);
    ASSERT_EQ(s.sources.size(), 1u);
    EXPECT_EQ(s.sources[0].second, 2u) << "both rules loaded";
    ASSERT_EQ(s.rules.size(), 1u) << "only the hit rule written";

    sp_hits_state_t *r = nullptr;
    ASSERT_EQ(sp_hits_state_read(path.c_str(), &r, err, sizeof(err)), SP_OK);
    sp_rule_hits_t got{};
    EXPECT_EQ(sp_hits_state_find(r, 11, &got), 1);
    EXPECT_EQ(got.hits, 3u);
    EXPECT_EQ(got.first, 1695000000);
    EXPECT_EQ(got.last, 1699000000);
    EXPECT_EQ(sp_hits_state_find(r, 12, &got), 0);
    EXPECT_EQ(sp_hits_state_started(r), 1690000000);
    sp_hits_state_free(r);

    unlink(path.c_str());
    EXPECT_EQ(sp_hits_state_read(path.c_str(), &r, err, sizeof(err)),
              SP_HITS_STATE_MISSING);

    std::ofstream(path) << "# status_policy hits state 1\nstarted\t1\n";
    EXPECT_EQ(sp_hits_state_read(path.c_str(), &r, err, sizeof(err)),
              SP_ERROR);
    EXPECT_STREQ(err, "truncated after line 2 (no end line)");
    EXPECT_EQ(r, nullptr);

    // a directory that cannot be written: the reason, nothing thrown
    w = sp_hits_state_create(1, 2);
    EXPECT_EQ(sp_hits_state_write(w, "/proc/no/such/dir/state", err,
                                  sizeof(err)),
              SP_ERROR);
    EXPECT_NE(std::string(err).find("cannot create"), std::string::npos)
        << err;
    sp_hits_state_free(w);

    unlink(path.c_str());
    rmdir(dir);
}

} // namespace
