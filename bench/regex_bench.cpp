// Regex sets by engine: the set tried in order with PCRE2 (the literal
// prefix prefilter skipping what cannot match) against one Vectorscan
// pass, for the two shapes that decide between them: unanchored
// case-insensitive scanner signatures, matched anywhere in the path, and
// regexes anchored behind a literal.  Also how long 10,000 regexes take
// to load, as nginx -t does.
//
//   make bench

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "regex_set.hpp"
#include "status_policy_core.h"

namespace {

using status_policy::RegexSet;

const char *const kStems[] = {"upload", "shell", "admin", "config", "backup",
                              "wp", "cmd", "eval", "test", "setup", "login",
                              "cgi", "phpinfo", "dump", "exec", "sql"};

std::string stem(std::mt19937 &rng)
{
    return kStems[rng() % (sizeof(kStems) / sizeof(kStems[0]))];
}

// "upload[-_]?git640\.(php|asp|cgi)": found anywhere in the path
std::vector<std::string> signatures(int n)
{
    std::mt19937 rng(7);
    std::vector<std::string> out;
    for (int i = 0; i < n; i++) {
        out.push_back(stem(rng) + "[-_]?" + stem(rng) + std::to_string(i)
                      + "\\.(php|asp|cgi)");
    }
    return out;
}

// "^/legacy-17/.*\.cgi$": the shape the prefilter serves
std::vector<std::string> anchored(int n)
{
    std::vector<std::string> out;
    for (int i = 0; i < n; i++) {
        out.push_back("^/legacy-" + std::to_string(i) + "/.*\\.(cgi|pl)$");
    }
    return out;
}

std::vector<std::string> miss_paths()
{
    std::mt19937 rng(3);
    std::vector<std::string> out;
    for (int i = 0; i < 4096; i++) {
        out.push_back("/blog/2024/" + stem(rng) + "-notes-" + std::to_string(i)
                      + ".html");
    }
    return out;
}

RegexSet make_set(const std::vector<std::string> &patterns, bool caseless,
                  RegexSet::Engine engine)
{
    RegexSet set;
    for (uint32_t i = 0; i < patterns.size(); i++) {
        set.add(RegexSet::compile(patterns[i], caseless, "", 0), patterns[i],
                caseless, i);
    }
    set.build(engine);
    return set;
}

void misses(benchmark::State &state, const std::vector<std::string> &patterns,
            bool caseless, RegexSet::Engine engine)
{
    RegexSet set = make_set(patterns, caseless, engine);
    static const std::vector<std::string> paths = miss_paths();
    size_t i = 0;
    RegexSet::Match m;
    for (auto _ : state) {
        const std::string &p = paths[i++ & 4095];
        benchmark::DoNotOptimize(set.match(p.data(), p.size(), m));
    }
    state.counters["vectorscan"] = static_cast<double>(set.vectorscan_size());
}

void BM_Signatures_Pcre2(benchmark::State &state)
{
    misses(state, signatures(static_cast<int>(state.range(0))), true,
           RegexSet::Engine::pcre2);
}

void BM_Signatures_Vectorscan(benchmark::State &state)
{
    misses(state, signatures(static_cast<int>(state.range(0))), true,
           RegexSet::Engine::vectorscan);
}

void BM_Anchored_Pcre2(benchmark::State &state)
{
    misses(state, anchored(static_cast<int>(state.range(0))), false,
           RegexSet::Engine::pcre2);
}

void BM_Anchored_Vectorscan(benchmark::State &state)
{
    misses(state, anchored(static_cast<int>(state.range(0))), false,
           RegexSet::Engine::vectorscan);
}

void BM_Signatures_Auto(benchmark::State &state)
{
    misses(state, signatures(static_cast<int>(state.range(0))), true,
           RegexSet::Engine::automatic);
}

// Loading regex rules as nginx -t does (add, then compile), engine chosen
// as the module chooses it.
void BM_LoadSignatures(benchmark::State &state)
{
    std::vector<std::string> patterns
        = signatures(static_cast<int>(state.range(0)));
    size_t scanned = 0;
    for (auto _ : state) {
        sp_ruleset_t *rs = sp_ruleset_create();
        char err[256];
        for (const std::string &p : patterns) {
            sp_str_t args[] = {{"444", 3}, {"~*", 2}, {p.data(), p.size()}};
            if (sp_ruleset_add(rs, args, 3, {"bench", 5}, 1, err, sizeof(err))
                != SP_OK) {
                state.SkipWithError(err);
            }
        }
        if (sp_ruleset_compile(rs, 0, err, sizeof(err)) != SP_OK) {
            state.SkipWithError(err);
        }
        scanned = sp_ruleset_vectorscan_count(rs);
        sp_ruleset_destroy(rs);
    }
    state.counters["vectorscan"] = static_cast<double>(scanned);
}

} // namespace

BENCHMARK(BM_Signatures_Pcre2)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_Signatures_Vectorscan)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_Signatures_Auto)->Arg(3)->Arg(4)->Arg(16);
BENCHMARK(BM_Anchored_Pcre2)->Arg(10)->Arg(1000);
BENCHMARK(BM_Anchored_Vectorscan)->Arg(10)->Arg(1000);
BENCHMARK(BM_LoadSignatures)->Arg(1000)->Arg(10000)->Iterations(1)
    ->Unit(benchmark::kMillisecond);
