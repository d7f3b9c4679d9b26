// The rules' text arena: files are read into it and referred to in place,
// so growth must keep what was read, and rules from several files and
// directives must still read back their own text afterwards.

#include "helpers.hpp"

#include <cstdint>
#include <string>

#include "text_arena.hpp"

using sptest::Ruleset;
using sptest::RuleInfo;
using sptest::TempDir;
using status_policy::TextArena;

TEST(TextArena, GrowthWithinTheReservedRoomMovesNothing)
{
    TextArena a;
    a.reserve(64);
    a.append("/old");
    auto before = reinterpret_cast<uintptr_t>(a.data());
    a.append(std::string(60, 'x'));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()), before);
    EXPECT_EQ(a.size(), 64u);
    EXPECT_EQ(std::string(a.data(), 4), "/old");
}

TEST(TextArena, GrowthBeyondTheRoomKeepsTheText)
{
    TextArena a;
    a.append("/first");
    for (int i = 0; i < 1000; i++) {
        a.append("/page-" + std::to_string(i));
    }
    EXPECT_EQ(std::string(a.data(), 6), "/first");
    EXPECT_EQ(std::string(a.data() + a.size() - 9, 9), "/page-999");
}

TEST(TextArena, HoldsOnlyViewsIntoItsText)
{
    TextArena a;
    std::string_view outside = "/old";
    EXPECT_FALSE(a.holds(outside));
    a.append("/old/page");
    std::string_view inside(a.data() + 4, 5);
    EXPECT_TRUE(a.holds(inside));
    EXPECT_FALSE(a.holds(outside));
    EXPECT_FALSE(a.holds(std::string_view(a.data() + 4, 6)));
    a.truncate(4);
    EXPECT_EQ(a.size(), 4u);
    EXPECT_FALSE(a.holds(inside));
}

TEST(TextArena, LargeBlocksSitOnHugePageBoundaries)
{
    TextArena a;
    a.reserve(5u << 20);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % (2u << 20), 0u);
    EXPECT_GE(a.capacity(), 5u << 20);
    char *p = a.grow(5u << 20);
    p[0] = 'a';
    p[(5u << 20) - 1] = 'z';
    EXPECT_EQ(a.data()[(5u << 20) - 1], 'z');
}

// Plain tokens are referred to where the file put them; quoted tokens
// with escapes are copied; a second file and a directive come after.
TEST(TextArena, RulesOfSeveralFilesAndDirectivesKeepTheirText)
{
    TempDir dir;
    std::string first = dir.write("first.rules",
                                  "410 = /old-page\n"
                                  "301 ^~ \"/quoted \\\"dir\\\"/\" /new/\n"
                                  "# a comment\n"
                                  "410 ~ ^/legacy-(\\d+)$\n");
    std::string big;
    for (int i = 0; i < 20000; i++) {
        big += "410 = /bulk/" + std::to_string(i) + ".html\n";
    }
    std::string second = dir.write("second.rules", big);

    Ruleset rs;
    ASSERT_EQ(rs.add_file(first).rc, SP_OK);
    ASSERT_EQ(rs.add("302 /after-files /elsewhere", "nginx.conf", 9).rc, SP_OK);
    ASSERT_EQ(rs.add_file(second).rc, SP_OK);
    ASSERT_EQ(rs.compile().rc, SP_OK) << rs.compile().err;

    struct Expect {
        uint32_t index;
        std::string pattern, target;
    } expect[] = {
        {0, "/old-page", ""},
        {1, "/quoted \"dir\"/", "/new/"},
        {2, "^/legacy-(\\d+)$", ""},
        {3, "/after-files", "/elsewhere"},
        {4, "/bulk/0.html", ""},
        {20003, "/bulk/19999.html", ""},
    };
    for (const Expect &e : expect) {
        RuleInfo info;
        ASSERT_TRUE(rs.info(e.index, info)) << e.index;
        EXPECT_EQ(info.pattern, e.pattern) << e.index;
        EXPECT_EQ(info.target, e.target) << e.index;
    }

    EXPECT_EQ(rs.match("/old-page").m.rule, 0u);
    EXPECT_EQ(rs.match("/quoted \"dir\"/x").m.rule, 1u);
    EXPECT_EQ(rs.match("/legacy-7").m.rule, 2u);
    EXPECT_EQ(rs.match("/after-files/x").m.rule, 3u);
    EXPECT_EQ(rs.match("/bulk/12345.html").m.rule, 12349u);
    EXPECT_EQ(rs.match("/bulk/12345.htm").found, 0);
}
