// Shared helpers for the core's unit tests: a RAII wrapper around
// sp_ruleset_t, temporary rules files, and checked redirect rendering.
// Everything here is inline so that each test file may include it.

#pragma once

#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace sptest {

inline sp_str_t to_str(const std::string &s)
{
    return sp_str_t{s.data(), s.size()};
}

inline std::string from_str(sp_str_t s)
{
    return s.data ? std::string(s.data, s.len) : std::string();
}

// Splits a directive-like line on spaces (no quoting: tests that need
// blanks inside a token pass the tokens themselves).
inline std::vector<std::string> split(const std::string &line)
{
    std::vector<std::string> out;
    std::istringstream in(line);
    std::string token;
    while (in >> token) {
        out.push_back(token);
    }
    return out;
}

// Assertion helpers for messages whose tail comes from elsewhere.
inline ::testing::AssertionResult starts_with(const std::string &s,
                                              const std::string &prefix)
{
    if (s.compare(0, prefix.size(), prefix) == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "\"" << s << "\" does not start with \"" << prefix << "\"";
}

inline ::testing::AssertionResult contains(const std::string &s,
                                           const std::string &part)
{
    if (s.find(part) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "\"" << s << "\" does not contain \"" << part << "\"";
}

struct Result {
    int rc = SP_ERROR;
    std::string err;

    bool ok() const { return rc == SP_OK; }
};

inline std::ostream &operator<<(std::ostream &os, const Result &r)
{
    return os << "rc=" << r.rc << " err=\"" << r.err << "\"";
}

struct RuleInfo {
    std::string source;
    unsigned line = 0;
    int code = 0;
    int kind = -1;
    std::string pattern;
    std::string target;
};

struct Match {
    int found = -1;
    sp_match_t m{};
    // the matched rule's code and kind, from sp_ruleset_rule(); -1 if none
    int code = -1;
    int kind = -1;
};

class Ruleset {
public:
    Ruleset() : rs_(sp_ruleset_create())
    {
        if (rs_ == nullptr) {
            throw std::runtime_error("sp_ruleset_create failed");
        }
    }

    ~Ruleset() { sp_ruleset_destroy(rs_); }

    Ruleset(const Ruleset &) = delete;
    Ruleset &operator=(const Ruleset &) = delete;

    sp_ruleset_t *get() const { return rs_; }

    Result add_tokens(const std::vector<std::string> &tokens,
                      const std::string &source = "test.conf",
                      unsigned line = 1)
    {
        std::vector<sp_str_t> args;
        for (const std::string &t : tokens) {
            args.push_back(to_str(t));
        }
        Result r;
        char err[1024];
        std::memset(err, 0, sizeof(err));
        r.rc = sp_ruleset_add(rs_, args.empty() ? nullptr : args.data(),
                              args.size(), to_str(source), line, err,
                              sizeof(err));
        r.err = err;
        return r;
    }

    Result add(const std::string &line, const std::string &source = "test.conf",
               unsigned lineno = 1)
    {
        return add_tokens(split(line), source, lineno);
    }

    Result add_file(const std::string &path)
    {
        Result r;
        char err[2048];
        std::memset(err, 0, sizeof(err));
        r.rc = sp_ruleset_add_file(rs_, to_str(path), err, sizeof(err));
        r.err = err;
        return r;
    }

    Result compile(bool ignore_case = false)
    {
        Result r;
        char err[2048];
        std::memset(err, 0, sizeof(err));
        r.rc = sp_ruleset_compile(rs_, ignore_case ? 1 : 0, err, sizeof(err));
        r.err = err;
        return r;
    }

    size_t count() const { return sp_ruleset_count(rs_); }

    Match match(const std::string &path) const
    {
        Match r;
        std::memset(&r.m, 0xA5, sizeof(r.m));
        r.found = sp_ruleset_match(rs_, path.data(), path.size(), &r.m);
        sp_rule_info_t info;
        if (r.found == 1 && sp_ruleset_rule(rs_, r.m.rule, &info) == SP_OK) {
            r.code = info.code;
            r.kind = info.kind;
        }
        return r;
    }

    bool info(uint32_t index, RuleInfo &out) const
    {
        sp_rule_info_t i;
        std::memset(&i, 0, sizeof(i));
        if (sp_ruleset_rule(rs_, index, &i) != SP_OK) {
            return false;
        }
        out.source = from_str(i.source);
        out.line = i.line;
        out.code = i.code;
        out.kind = i.kind;
        out.pattern = from_str(i.pattern);
        out.target = from_str(i.target);
        return true;
    }

private:
    sp_ruleset_t *rs_;
};

// Adds a rule that must be accepted.
inline void must_add(Ruleset &rs, const std::string &line,
                     const std::string &source = "test.conf",
                     unsigned lineno = 1)
{
    Result r = rs.add(line, source, lineno);
    EXPECT_EQ(r.rc, SP_OK) << "adding \"" << line << "\": " << r.err;
}

inline void must_add_tokens(Ruleset &rs, const std::vector<std::string> &tok,
                            const std::string &source = "test.conf",
                            unsigned lineno = 1)
{
    Result r = rs.add_tokens(tok, source, lineno);
    EXPECT_EQ(r.rc, SP_OK) << "adding tokens: " << r.err;
}

inline void must_compile(Ruleset &rs, bool ignore_case = false)
{
    Result r = rs.compile(ignore_case);
    EXPECT_EQ(r.rc, SP_OK) << "compile: " << r.err;
}

// sp_ruleset_redirect(), which must succeed; returns the length it
// reports in *needed.
inline size_t redirect_needed(const sp_ruleset_t *rs, const sp_match_t *m,
                              const char *path, size_t len, const char *args,
                              size_t args_len, char *buf, size_t size)
{
    size_t needed = SIZE_MAX;
    EXPECT_EQ(sp_ruleset_redirect(rs, m, path, len, args, args_len, buf, size,
                                  &needed),
              SP_OK);
    return needed;
}

// Renders the Location for a match, checking the length protocol: the
// length query with no buffer, the exact-size call, and that nothing is
// written past the given size.
inline std::string redirect(const Ruleset &rs, const sp_match_t &m,
                            const std::string &path, const std::string &args)
{
    const char *a = args.empty() ? nullptr : args.data();
    size_t need = redirect_needed(rs.get(), &m, path.data(), path.size(), a,
                                  args.size(), nullptr, 0);

    const size_t guard = 16;
    std::vector<char> buf(need + guard, '\x7f');
    size_t wrote = redirect_needed(rs.get(), &m, path.data(), path.size(), a,
                                   args.size(), buf.data(), need);
    EXPECT_EQ(wrote, need) << "redirect length differs between calls";
    for (size_t i = need; i < need + guard; i++) {
        EXPECT_EQ(buf[i], '\x7f') << "byte " << i << " past size " << need
                                  << " was written";
    }
    return std::string(buf.data(), need);
}

// Matches path and renders its Location; fails the test if nothing
// matched.
inline std::string location(const Ruleset &rs, const std::string &path,
                            const std::string &args = "")
{
    Match r = rs.match(path);
    EXPECT_EQ(r.found, 1) << "no rule matched \"" << path << "\"";
    if (r.found != 1) {
        return "<no match>";
    }
    return redirect(rs, r.m, path, args);
}

// A private temporary directory, removed with its files at the end.
class TempDir {
public:
    TempDir()
    {
        const char *base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp")
                           + "/sp_unit_XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = buf.data();
    }

    ~TempDir()
    {
        for (const std::string &f : files_) {
            std::remove(f.c_str());
        }
        rmdir(dir_.c_str());
    }

    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const std::string &path() const { return dir_; }

    // Writes content verbatim (binary) and returns the file's path.
    std::string write(const std::string &name, const std::string &content)
    {
        std::string p = dir_ + "/" + name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write " + p);
        }
        files_.push_back(p);
        return p;
    }

    // Only remembers a name for removal (for files created elsewhere).
    std::string name(const std::string &name)
    {
        std::string p = dir_ + "/" + name;
        files_.push_back(p);
        return p;
    }

private:
    std::string dir_;
    std::vector<std::string> files_;
};

} // namespace sptest
