// Matcher benchmarks: cost per lookup at 1k, 100k and 1M exact rules (plus
// a tenth as many prefixes and 1,000 regexes), against the baseline of
// running the same 1,000 regexes one after another with PCRE2's JIT, which
// is what an ordered list of regex locations or map entries costs.  Also
// load time and memory of a 1.1M-line rules file.
//
//   make bench

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "pcre2_handle.hpp"
#include "status_policy_core.h"

namespace {

constexpr int kRegexes = 1000;
constexpr int kUnanchoredRegexes = 10;      // no literal prefix: always run

const char *const kWords[] = {"news", "blog", "post", "shop", "item",
                              "guide", "review", "best", "new", "old",
                              "list", "top", "how", "to", "2019", "2024"};

std::string word(std::mt19937 &rng)
{
    return kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
}

struct RuleText {
    std::vector<std::string> exact, prefixes, regexes;
};

// Rules shaped like real retirement lists: slugged article paths,
// section prefixes, and regexes for legacy script paths, most with a
// literal prefix and a few without.
RuleText make_rules(int exact)
{
    std::mt19937 rng(42);
    RuleText t;
    t.exact.reserve(exact);
    for (int i = 0; i < exact; i++) {
        t.exact.push_back("/" + word(rng) + "/" + word(rng) + "-" + word(rng)
                          + "-" + word(rng) + "-" + std::to_string(i)
                          + ".html");
    }
    for (int i = 0; i < exact / 10; i++) {
        t.prefixes.push_back("/section-" + std::to_string(i) + "/" + word(rng)
                             + "/");
    }
    for (int i = 0; i < kRegexes - kUnanchoredRegexes; i++) {
        t.regexes.push_back("^/legacy-" + std::to_string(i)
                            + "/[a-z]+/\\d+\\.(php|asp)$");
    }
    for (int i = 0; i < kUnanchoredRegexes; i++) {
        t.regexes.push_back("\\.bak" + std::to_string(i) + "$");
    }
    return t;
}

std::vector<std::string> miss_paths()
{
    std::mt19937 rng(7);
    std::vector<std::string> paths;
    for (int i = 0; i < 4096; i++) {
        paths.push_back("/" + word(rng) + "/" + std::to_string(2000 + i % 25)
                        + "/" + word(rng) + "-" + word(rng) + "-"
                        + std::to_string(i) + ".html");
    }
    return paths;
}

struct RulesetDeleter {
    void operator()(sp_ruleset_t *rs) const noexcept { sp_ruleset_destroy(rs); }
};
using Ruleset = std::unique_ptr<sp_ruleset_t, RulesetDeleter>;

void add(sp_ruleset_t *rs, std::initializer_list<std::string> tokens)
{
    std::vector<sp_str_t> args;
    for (const auto &t : tokens) {
        args.push_back({t.data(), t.size()});
    }
    char err[256];
    if (sp_ruleset_add(rs, args.data(), args.size(), {"bench", 5}, 1, err,
                       sizeof(err)) != SP_OK) {
        std::fprintf(stderr, "%s\n", err);
        std::abort();
    }
}

// Built once per size and kept: building a million rules per benchmark
// run would dominate the suite.
const sp_ruleset_t *ruleset(int exact)
{
    static std::map<int, Ruleset> cache;
    auto it = cache.find(exact);
    if (it != cache.end()) {
        return it->second.get();
    }

    RuleText t = make_rules(exact);
    Ruleset rs(sp_ruleset_create());
    for (const auto &p : t.exact) {
        add(rs.get(), {"410", "=", p});
    }
    for (const auto &p : t.prefixes) {
        add(rs.get(), {"410", p});
    }
    for (const auto &p : t.regexes) {
        add(rs.get(), {"410", "~", p});
    }
    char err[256];
    if (sp_ruleset_compile(rs.get(), 0, err, sizeof(err)) != SP_OK) {
        std::fprintf(stderr, "%s\n", err);
        std::abort();
    }
    return cache.emplace(exact, std::move(rs)).first->second.get();
}

void lookups(benchmark::State &state, const std::vector<std::string> &paths,
             int expect)
{
    const sp_ruleset_t *rs = ruleset(static_cast<int>(state.range(0)));
    size_t i = 0;
    sp_match_t m;
    for (auto _ : state) {
        const std::string &p = paths[i++ & (paths.size() - 1)];
        int found = sp_ruleset_match(rs, p.data(), p.size(), &m);
        benchmark::DoNotOptimize(found);
        if (found != expect) {
            state.SkipWithError("unexpected match result");
            break;
        }
    }
    state.counters["rules"] = static_cast<double>(sp_ruleset_count(rs));
}

void BM_Miss(benchmark::State &state)
{
    static const std::vector<std::string> paths = miss_paths();
    lookups(state, paths, 0);
}

void BM_HitExact(benchmark::State &state)
{
    RuleText t = make_rules(static_cast<int>(state.range(0)));
    std::vector<std::string> paths;
    std::mt19937 rng(3);
    for (int i = 0; i < 4096; i++) {
        paths.push_back(t.exact[rng() % t.exact.size()]);
    }
    lookups(state, paths, 1);
}

void BM_HitPrefix(benchmark::State &state)
{
    RuleText t = make_rules(static_cast<int>(state.range(0)));
    std::vector<std::string> paths;
    std::mt19937 rng(4);
    for (int i = 0; i < 4096; i++) {
        paths.push_back(t.prefixes[rng() % t.prefixes.size()] + "page-"
                        + std::to_string(i));
    }
    lookups(state, paths, 1);
}

// Paths that the anchored regexes match, spread over all of them.
std::vector<std::string> regex_hit_paths()
{
    std::vector<std::string> paths;
    std::mt19937 rng(5);
    for (int i = 0; i < 4096; i++) {
        paths.push_back("/legacy-"
                        + std::to_string(rng() % (kRegexes
                                                  - kUnanchoredRegexes))
                        + "/cgi/" + std::to_string(i) + ".php");
    }
    return paths;
}

void BM_HitRegex(benchmark::State &state)
{
    static const std::vector<std::string> paths = regex_hit_paths();
    lookups(state, paths, 1);
}

// The baseline: the same 1,000 regexes, one pcre2_jit_match each in order
// until one matches.  A miss runs all of them.
class LinearJit {
public:
    LinearJit()
    {
        RuleText t = make_rules(0);
        for (const auto &re : t.regexes) {
            int error;
            PCRE2_SIZE offset;
            status_policy::Pcre2Code code(pcre2_compile(
                reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(), 0, &error,
                &offset, nullptr));
            pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
            codes_.push_back(std::move(code));
        }
        data_.reset(pcre2_match_data_create(10, nullptr));
    }

    int match(const std::string &p) const
    {
        for (size_t i = 0; i < codes_.size(); i++) {
            if (pcre2_jit_match(codes_[i].get(),
                                reinterpret_cast<PCRE2_SPTR>(p.data()),
                                p.size(), 0, 0, data_.get(), nullptr) >= 0) {
                return static_cast<int>(i);
            }
        }
        return -1;
    }

private:
    std::vector<status_policy::Pcre2Code> codes_;
    status_policy::Pcre2MatchData data_;
};

void BM_Baseline_LinearJit_Miss(benchmark::State &state)
{
    static const LinearJit regexes;
    static const std::vector<std::string> paths = miss_paths();
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(regexes.match(paths[i++ & 4095]));
    }
}

void BM_Baseline_LinearJit_HitRegex(benchmark::State &state)
{
    static const LinearJit regexes;
    static const std::vector<std::string> paths = regex_hit_paths();
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(regexes.match(paths[i++ & 4095]));
    }
}

long resident_bytes()
{
    long pages = 0, resident = 0;
    if (std::FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        std::fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

// Loading a 1.1M-line file as nginx -t does: read, parse, compile.
void BM_LoadFile(benchmark::State &state)
{
    RuleText t = make_rules(static_cast<int>(state.range(0)));
    std::string path = "/tmp/status-policy-bench-"
                       + std::to_string(getpid()) + ".rules";
    {
        std::ofstream out(path);
        for (const auto &p : t.exact) {
            out << "410 = " << p << '\n';
        }
        for (const auto &p : t.prefixes) {
            out << "410 " << p << '\n';
        }
        for (const auto &p : t.regexes) {
            out << "410 ~ " << p << '\n';
        }
    }
    std::ifstream in(path, std::ios::ate);
    auto file_size = static_cast<double>(in.tellg());
    t = RuleText();

    double rss = 0;
    size_t count = 0;
    for (auto _ : state) {
        long before = resident_bytes();
        Ruleset rs(sp_ruleset_create());
        char err[256];
        if (sp_ruleset_add_file(rs.get(), {path.data(), path.size()}, err,
                                sizeof(err)) != SP_OK
            || sp_ruleset_compile(rs.get(), 0, err, sizeof(err)) != SP_OK) {
            state.SkipWithError(err);
            break;
        }
        state.PauseTiming();
        rss = static_cast<double>(resident_bytes() - before);
        count = sp_ruleset_count(rs.get());
        rs.reset();
        state.ResumeTiming();
    }
    std::remove(path.c_str());

    state.counters["rules"] = static_cast<double>(count);
    state.counters["file_MB"] = file_size / 1e6;
    state.counters["rss_MB"] = rss / 1e6;
    state.counters["rss_per_file_byte"] = rss / file_size;
}

} // namespace

BENCHMARK(BM_Miss)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_HitExact)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_HitPrefix)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_HitRegex)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_Baseline_LinearJit_Miss);
BENCHMARK(BM_Baseline_LinearJit_HitRegex);
BENCHMARK(BM_LoadFile)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
