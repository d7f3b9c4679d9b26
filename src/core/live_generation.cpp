#include "live_generation.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "key_hash.hpp"

namespace status_policy {

namespace {

constexpr uint64_t kMagic = 0x31305649454c5053ULL;     // "SPLEIV01"
constexpr uint64_t kExactSalt = 1;
constexpr uint64_t kPrefixSalt = 2;
constexpr uint64_t kDigestSalt = 3;

struct StoredRule {
    uint32_t pattern_off;
    uint32_t pattern_len;
    uint32_t target_off;
    uint32_t target_len;
    int16_t code;
    Kind kind;
    uint8_t pad;
};

struct Slot {
    uint32_t tag;
    uint32_t rule;          // index + 1, 0 for an empty slot
};

struct Hits {
    int64_t hits;
    int64_t first;
    int64_t last;
};

size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

size_t slots_for(size_t rules)
{
    size_t n = 2;
    while (n < rules * 2) {
        n *= 2;
    }
    return n;
}

uint64_t key_hash(std::string_view pattern, bool exact)
{
    return hash_key(pattern, exact ? kExactSalt : kPrefixSalt);
}

// Where each part of a generation of n rules, t text bytes and l
// distinct prefix lengths begins.
struct Layout {
    size_t rules, slots, lengths, hits, text, end;

    Layout(size_t header, size_t n, size_t t, size_t l)
    {
        rules = align8(header);
        slots = align8(rules + n * sizeof(StoredRule));
        lengths = align8(slots + slots_for(n) * sizeof(Slot));
        hits = align8(lengths + l * sizeof(uint32_t));
        text = hits + n * sizeof(Hits);
        end = align8(text + t);
    }
};

std::vector<uint32_t> prefix_lengths(const LiveSet &set)
{
    std::vector<uint32_t> lengths;
    for (const LiveRule &r : set.rules()) {
        if (!live_exact(r.kind)) {
            lengths.push_back(static_cast<uint32_t>(r.pattern.size()));
        }
    }
    std::sort(lengths.begin(), lengths.end());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
    return lengths;
}

size_t text_bytes(const LiveSet &set)
{
    size_t t = 0;
    for (const LiveRule &r : set.rules()) {
        t += r.pattern.size() + r.target.size();
    }
    return t;
}

} // namespace

uint64_t live_digest(const LiveSet &set)
{
    uint64_t digest = 0;
    std::string line;
    for (const LiveRule &r : set.rules()) {
        line.clear();
        append_live_line(line, r);
        digest += hash_key(line, kDigestSalt);
    }
    return digest;
}

struct LiveGeneration::Header {
    uint64_t magic;
    uint64_t size;
    uint64_t digest;
    uint32_t nrules;
    uint32_t mask;
    uint32_t nlengths;      // ascending, in lengths
    uint32_t pad;
    uint64_t rules, slots, lengths, hits, text;

    const char *base() const noexcept
    {
        return reinterpret_cast<const char *>(this);
    }
    const StoredRule *rule_at(uint32_t i) const noexcept
    {
        return reinterpret_cast<const StoredRule *>(base() + rules) + i;
    }
    const Slot *slot_at(size_t i) const noexcept
    {
        return reinterpret_cast<const Slot *>(base() + slots) + i;
    }
    const uint32_t *length_list() const noexcept
    {
        return reinterpret_cast<const uint32_t *>(base() + lengths);
    }
    Hits *hits_at(uint32_t i) const noexcept
    {
        return const_cast<Hits *>(
                   reinterpret_cast<const Hits *>(base() + hits)) + i;
    }
    std::string_view pattern(const StoredRule &r) const noexcept
    {
        return {base() + text + r.pattern_off, r.pattern_len};
    }
    std::string_view target(const StoredRule &r) const noexcept
    {
        return {base() + text + r.target_off, r.target_len};
    }

    // The rule in the slot chain of hash h whose key is (bytes, exact).
    uint32_t probe(uint64_t h, const char *bytes, size_t len,
                   bool exact) const noexcept
    {
        auto tag = static_cast<uint32_t>(h >> 32);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot *s = slot_at(i);
            if (s->rule == 0) {
                return SP_NO_RULE;
            }
            if (s->tag != tag) {
                continue;
            }
            const StoredRule &r = *rule_at(s->rule - 1);
            if (live_exact(r.kind) == exact && r.pattern_len == len
                && std::memcmp(base() + text + r.pattern_off, bytes, len)
                       == 0) {
                return s->rule - 1;
            }
        }
    }
};

size_t LiveGeneration::size_of(const LiveSet &set)
{
    size_t text = text_bytes(set);
    if (text > UINT32_MAX || set.size() >= UINT32_MAX) {
        return 0;
    }
    return Layout(sizeof(Header), set.size(), text,
                  prefix_lengths(set).size())
        .end;
}

void LiveGeneration::write(const LiveSet &set, void *block, size_t size,
                           const void *carry)
{
    std::vector<uint32_t> lengths = prefix_lengths(set);
    Layout at(sizeof(Header), set.size(), text_bytes(set), lengths.size());
    char *base = static_cast<char *>(block);
    std::memset(base, 0, at.end);

    auto *h = reinterpret_cast<Header *>(base);
    h->size = at.end;
    h->nrules = static_cast<uint32_t>(set.size());
    h->mask = static_cast<uint32_t>(slots_for(set.size()) - 1);
    h->nlengths = static_cast<uint32_t>(lengths.size());
    h->rules = at.rules;
    h->slots = at.slots;
    h->lengths = at.lengths;
    h->hits = at.hits;
    h->text = at.text;
    if (!lengths.empty()) {
        std::memcpy(base + at.lengths, lengths.data(),
                    lengths.size() * sizeof(uint32_t));
    }

    LiveGeneration old(carry);
    auto *rules = reinterpret_cast<StoredRule *>(base + at.rules);
    auto *slots = reinterpret_cast<Slot *>(base + at.slots);
    char *text = base + at.text;
    uint32_t offset = 0;

    for (uint32_t i = 0; i < set.size(); i++) {
        const LiveRule &r = set.rules()[i];
        StoredRule &s = rules[i];
        s.code = static_cast<int16_t>(r.code);
        s.kind = r.kind;
        s.pattern_off = offset;
        s.pattern_len = static_cast<uint32_t>(r.pattern.size());
        std::memcpy(text + offset, r.pattern.data(), r.pattern.size());
        offset += s.pattern_len;
        s.target_off = offset;
        s.target_len = static_cast<uint32_t>(r.target.size());
        if (!r.target.empty()) {
            std::memcpy(text + offset, r.target.data(), r.target.size());
        }
        offset += s.target_len;

        uint64_t kh = key_hash(r.pattern, live_exact(r.kind));
        size_t j = kh & h->mask;
        while (slots[j].rule != 0) {
            j = (j + 1) & h->mask;
        }
        slots[j] = {static_cast<uint32_t>(kh >> 32), i + 1};


        if (old.valid()) {
            uint32_t was = old.find_key(r);
            if (was != SP_NO_RULE) {
                LiveRule o = old.rule(was);
                if (o.code == r.code && o.target == r.target
                    && o.kind == r.kind) {
                    sp_rule_hits_t counts = old.hits(was);
                    *h->hits_at(i) = {static_cast<int64_t>(counts.hits),
                                      counts.first, counts.last};
                }
            }
        }
    }
    h->digest = live_digest(set);
    (void) size;
    h->magic = kMagic;
}

LiveGeneration::LiveGeneration(const void *block) noexcept
{
    auto *h = static_cast<const Header *>(block);
    if (h != nullptr && h->magic == kMagic) {
        header_ = h;
    }
}

uint32_t LiveGeneration::count() const noexcept
{
    return header_ ? header_->nrules : 0;
}

uint64_t LiveGeneration::digest() const noexcept
{
    return header_ ? header_->digest : 0;
}

uint32_t LiveGeneration::find(const char *path, size_t len,
                              size_t &prefix_len) const noexcept
{
    prefix_len = 0;
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }

    // one pass: the FNV state at every length a prefix rule has
    constexpr size_t kSaved = 512;
    uint64_t saved[kSaved];
    const uint32_t *lengths = header_->length_list();
    size_t nsaved = 0;
    size_t next = 0;
    uint64_t fnv = kFnvBasis;

    for (size_t i = 0; i <= len; i++) {
        while (next < header_->nlengths && lengths[next] == i) {
            if (nsaved < kSaved) {
                saved[nsaved++] = fnv;
            }
            next++;
        }
        if (i < len) {
            fnv = fnv_step(fnv, static_cast<unsigned char>(path[i]));
        }
    }

    uint32_t found = header_->probe(hash_finish(fnv, kExactSalt), path, len,
                                    true);
    if (found != SP_NO_RULE) {
        return found;
    }

    // lengths beyond what was saved (more than kSaved of them up to len)
    for (size_t k = next; k-- > nsaved;) {
        size_t l = lengths[k];
        found = header_->probe(
            hash_key(std::string_view(path, l), kPrefixSalt), path, l, false);
        if (found != SP_NO_RULE) {
            prefix_len = l;
            return found;
        }
    }
    for (size_t k = nsaved; k-- > 0;) {
        size_t l = lengths[k];
        found = header_->probe(hash_finish(saved[k], kPrefixSalt), path, l,
                               false);
        if (found != SP_NO_RULE) {
            prefix_len = l;
            return found;
        }
    }
    return SP_NO_RULE;
}

uint32_t LiveGeneration::find_key(const LiveRule &key) const noexcept
{
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }
    bool exact = live_exact(key.kind);
    return header_->probe(key_hash(key.pattern, exact), key.pattern.data(),
                          key.pattern.size(), exact);
}

uint32_t LiveGeneration::after(const LiveRule &key) const noexcept
{
    uint32_t lo = 0, hi = count();
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (live_before(key, rule(mid))) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

LiveRule LiveGeneration::rule(uint32_t index) const noexcept
{
    const StoredRule &s = *header_->rule_at(index);
    LiveRule r;
    r.pattern = header_->pattern(s);
    r.target = header_->target(s);
    r.code = s.code;
    r.kind = s.kind;
    return r;
}

void LiveGeneration::count_hit(uint32_t index, int64_t now) const noexcept
{
    Hits *h = header_->hits_at(index);
    __atomic_fetch_add(&h->hits, 1, __ATOMIC_RELAXED);
    int64_t none = 0;
    __atomic_compare_exchange_n(&h->first, &none, now, false,
                                __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    __atomic_store_n(&h->last, now, __ATOMIC_RELAXED);
}

sp_rule_hits_t LiveGeneration::hits(uint32_t index) const noexcept
{
    const Hits *h = header_->hits_at(index);
    sp_rule_hits_t out;
    out.hits = static_cast<uint64_t>(__atomic_load_n(&h->hits,
                                                     __ATOMIC_RELAXED));
    out.first = __atomic_load_n(&h->first, __ATOMIC_RELAXED);
    out.last = __atomic_load_n(&h->last, __ATOMIC_RELAXED);
    return out;
}

} // namespace status_policy
