// Live zones against file rules: the cost per lookup with 1M exact rules
// and 100k prefixes held by a zone, and by a rules file at the same
// level, for a miss, an exact hit and a prefix hit, also with a layer of
// 4,096 POSTed changes over the zone; what a POST of one rule costs the
// worker, as the layer grows; and what a PUT of the same 1.1M rules costs
// (parsing the body, writing the generation), outside any lock.
//
//   make bench

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "status_policy_core.h"

namespace {

constexpr int kExact = 1000000;
constexpr int kPrefixes = 100000;

const char *const kWords[] = {"news", "blog", "post", "shop", "item",
                              "guide", "review", "best", "new", "old"};

std::string word(std::mt19937 &rng)
{
    return kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
}

struct Rules {
    std::vector<std::string> exact, prefixes;
    std::string body;           // the same rules as a rules file
};

const Rules &rules()
{
    static const Rules r = [] {
        Rules t;
        std::mt19937 rng(42);
        for (int i = 0; i < kExact; i++) {
            t.exact.push_back("/" + word(rng) + "/" + word(rng) + "-"
                              + word(rng) + "-" + std::to_string(i)
                              + ".html");
            t.body += "410 = " + t.exact.back() + "\n";
        }
        for (int i = 0; i < kPrefixes; i++) {
            t.prefixes.push_back("/section-" + std::to_string(i) + "/"
                                 + word(rng) + "/");
            t.body += "301 " + t.prefixes.back() + " /archive/\n";
        }
        return t;
    }();
    return r;
}

std::vector<std::string> paths(int kind)
{
    const Rules &t = rules();
    std::mt19937 rng(3 + kind);
    std::vector<std::string> out;
    for (int i = 0; i < 4096; i++) {
        if (kind == 0) {
            out.push_back("/" + word(rng) + "/2024/" + word(rng) + "-"
                          + std::to_string(i) + ".html");
        } else if (kind == 1) {
            out.push_back(t.exact[rng() % t.exact.size()]);
        } else {
            out.push_back(t.prefixes[rng() % t.prefixes.size()] + "page-"
                          + std::to_string(i));
        }
    }
    return out;
}

void die(const char *what, const char *err)
{
    std::fprintf(stderr, "%s: %s\n", what, err);
    std::abort();
}

sp_live_set_t *parsed_body()
{
    const std::string &body = rules().body;
    sp_live_set_t *set = sp_live_set_create();
    char err[256];
    unsigned line;
    if (sp_live_set_parse(set, body.data(), body.size(), err, sizeof(err),
                          &line) != SP_OK) {
        die("parse", err);
    }
    return set;
}

// The zone's generation, written into shared memory mapped as nginx maps
// its zones (MAP_SHARED | MAP_ANONYMOUS; whether the kernel backs it with
// huge pages is /sys/kernel/mm/transparent_hugepage/shmem_enabled).
const void *generation()
{
    static const void *block = [] {
        sp_live_set_t *set = parsed_body();
        size_t size = sp_live_generation_size(set);
        void *b = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (b == MAP_FAILED
            || sp_live_generation_write(set, b, size, nullptr) != SP_OK) {
            die("write", "failed");
        }
        if (std::getenv("LIVE_BENCH_HUGE")) {
            madvise(b, size, MADV_HUGEPAGE);
        }
        sp_live_set_destroy(set);
        return b;
    }();
    return block;
}

// The same rules from a rules file at the level.
const sp_ruleset_t *file_rules()
{
    static sp_ruleset_t *rs = [] {
        char path[] = "/tmp/sp_live_bench_XXXXXX";
        int fd = mkstemp(path);
        const std::string &body = rules().body;
        if (fd < 0 || write(fd, body.data(), body.size())
                          != static_cast<ssize_t>(body.size())) {
            die("rules file", path);
        }
        close(fd);
        sp_ruleset_t *set = sp_ruleset_create();
        char err[256];
        if (sp_ruleset_add_file(set, {path, sizeof(path) - 1}, err,
                                sizeof(err)) != SP_OK
            || sp_ruleset_compile(set, 0, err, sizeof(err)) != SP_OK) {
            die("file rules", err);
        }
        unlink(path);
        return set;
    }();
    return rs;
}

const char *const kKinds[] = {"miss", "exact", "prefix"};

void lookups(benchmark::State &state, const sp_ruleset_t *rs, const void *g)
{
    int kind = static_cast<int>(state.range(0));
    static std::vector<std::string> cache[3];
    if (cache[kind].empty()) {
        cache[kind] = paths(kind);
    }
    const std::vector<std::string> &p = cache[kind];
    size_t i = 0;
    sp_match_t m;
    for (auto _ : state) {
        const std::string &path = p[i++ & (p.size() - 1)];
        int found = sp_ruleset_match_live(rs, g, path.data(), path.size(), &m);
        benchmark::DoNotOptimize(found);
        if (found != (kind != 0)) {
            state.SkipWithError("unexpected match result");
            break;
        }
    }
    state.SetLabel(kKinds[kind]);
}

void BM_FileRules(benchmark::State &state)
{
    lookups(state, file_rules(), nullptr);
}

void BM_ZoneRules(benchmark::State &state)
{
    lookups(state, nullptr, generation());
}

// A PUT of 1.1M rules in the worker that receives it: the body parsed and
// the new generation written (into ordinary memory here).
void BM_ZonePut(benchmark::State &state)
{
    for (auto _ : state) {
        sp_live_set_t *set = parsed_body();
        size_t size = sp_live_generation_size(set);
        std::vector<uint64_t> b((size + 7) / 8);
        sp_live_generation_write(set, b.data(), size, generation());
        benchmark::DoNotOptimize(b.data());
        state.counters["bytes"] = static_cast<double>(size);
        sp_live_set_destroy(set);
    }
    state.counters["body_bytes"] = static_cast<double>(rules().body.size());
}

// One POST of a rule into the zone published as `published`: the edit and
// the generation it writes (a layer over the zone's base while the layer
// is small), into ordinary memory.
std::vector<uint64_t> posted(const void *published, int i)
{
    std::string line = "410 = /layer/" + std::to_string(i) + "\n";
    sp_live_set_t *more = sp_live_set_create();
    sp_live_set_t *set = sp_live_set_create();
    char err[256];
    unsigned at;
    if (sp_live_set_parse(more, line.data(), line.size(), err, sizeof(err),
                          &at) != SP_OK
        || sp_live_edit(set, published, SP_LIVE_POST, more, nullptr, 0, 0, &at)
               != SP_OK) {
        die("post", line.c_str());
    }
    size_t size = sp_live_generation_size(set);
    std::vector<uint64_t> block((size + 7) / 8);
    sp_live_generation_write(set, block.data(), size, published);
    sp_live_set_destroy(set);
    sp_live_set_destroy(more);
    return block;
}

// The zone after `changes` POSTs: its base and a layer of them.
const void *with_layer(int changes)
{
    static std::vector<uint64_t> layers[2];
    std::vector<uint64_t> &layer = layers[changes > 4096];
    if (layer.empty()) {
        const void *now = generation();
        for (int i = 0; i < changes; i++) {
            layer = posted(now, i);
            now = layer.data();
        }
        if (sp_live_base(now) != generation()) {
            die("layer", "not a layer over the zone");
        }
    }
    return layer.data();
}

void BM_ZoneWithLayer(benchmark::State &state)
{
    lookups(state, nullptr, with_layer(4096));
}

// A POST into the zone with a layer of 0, 4,096 or 8,000 changes.
void BM_ZonePost(benchmark::State &state)
{
    int changes = static_cast<int>(state.range(0));
    const void *now = changes ? with_layer(changes) : generation();
    int i = 1000000;
    for (auto _ : state) {
        std::vector<uint64_t> block = posted(now, i++);
        benchmark::DoNotOptimize(block.data());
    }
}

} // namespace

BENCHMARK(BM_FileRules)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_ZoneRules)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_ZoneWithLayer)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_ZonePost)->Arg(0)->Arg(4096)->Arg(8000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ZonePut)->Iterations(1)->Unit(benchmark::kMillisecond);
