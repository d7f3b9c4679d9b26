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

// A slot holds what a probe compares, so that only a hit reads its rule.
struct Slot {
    uint32_t tag;
    uint32_t rule;          // index + 1 (0: empty), kExactBit for exact
    uint32_t pattern_off;
    uint32_t pattern_len;
};

constexpr uint32_t kExactBit = 0x80000000u;
constexpr uint32_t kStopBit = 0x40000000u;      // "^~"
constexpr uint32_t kIndexBits = 0x3fffffffu;

// Bits per prefix rule in the filter a prefix probe asks first: a probe
// at a length no prefix has is most often answered from cache.
constexpr size_t kBloomBits = 16;

size_t bloom_words(size_t prefixes)
{
    size_t bits = 64;
    while (bits < prefixes * kBloomBits) {
        bits *= 2;
    }
    return bits / 64;
}

// Paths and prefixes are told apart by their first kHead bytes first: a
// path whose head no prefix rule has is probed at the shorter lengths only.
constexpr size_t kHead = 8;

uint64_t head_of(const char *p) noexcept
{
    uint64_t v;
    std::memcpy(&v, p, kHead);
    return v;
}

uint64_t head_slot(uint64_t head) noexcept
{
    return (head * 0x9e3779b97f4a7c15ULL) >> 7;
}

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

// A word at a time: a lookup hashes the path once for the exact key and
// once per prefix length it probes.
uint64_t hash_bytes(const char *p, size_t n, uint64_t salt) noexcept
{
    uint64_t h = (salt * 0x9e3779b97f4a7c15ULL) ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    if (n) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h | 1;
}

uint64_t key_hash(std::string_view pattern, bool exact)
{
    return hash_bytes(pattern.data(), pattern.size(),
                      exact ? kExactSalt : kPrefixSalt);
}

// Where each part of a generation of n rules, t text bytes and l
// distinct prefix lengths begins.
struct Layout {
    size_t rules, slots, lengths, heads, bloom, hits, text, end;

    Layout(size_t header, size_t n, size_t t, size_t l, size_t nheads,
           size_t nbloom)
    {
        rules = align8(header);
        slots = align8(rules + n * sizeof(StoredRule));
        lengths = align8(slots + slots_for(n) * sizeof(Slot));
        heads = align8(lengths + l * sizeof(uint32_t));
        bloom = heads + nheads * sizeof(uint64_t);
        hits = bloom + nbloom * sizeof(uint64_t);
        text = hits + n * sizeof(Hits);
        end = align8(text + t);
    }
};

// The distinct heads of prefix rules at least kHead long.
size_t prefix_count(const LiveSet &set)
{
    size_t n = 0;
    for (const LiveRule &r : set.rules()) {
        n += !live_exact(r.kind);
    }
    return n;
}

std::vector<uint64_t> prefix_heads(const LiveSet &set)
{
    std::vector<uint64_t> heads;
    for (const LiveRule &r : set.rules()) {
        if (!live_exact(r.kind) && r.pattern.size() >= kHead) {
            heads.push_back(head_of(r.pattern.data()));
        }
    }
    std::sort(heads.begin(), heads.end());
    heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
    return heads;
}

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

uint64_t live_line_digest(const LiveRule &rule)
{
    std::string line;
    append_live_line(line, rule);
    return hash_key(line, kDigestSalt);
}

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
    uint64_t digest;        // of the zone's rules with this one published
    int64_t base_from;      // a layer's base, from this header; 0: none
    uint32_t zone_count;
    uint32_t nrules;
    uint32_t mask;
    uint32_t nlengths;      // ascending, in lengths
    uint32_t nshort;        // of them shorter than kHead
    uint64_t head_mask;     // heads: slots - 1 (0: no heads)
    uint64_t bloom_mask;    // bits - 1
    uint64_t rules, slots, lengths, heads, bloom, hits, text;

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
    bool maybe_prefix(uint64_t h) const noexcept
    {
        auto *words = reinterpret_cast<const uint64_t *>(base() + bloom);
        uint64_t a = h & bloom_mask;
        uint64_t b = (h >> 32) & bloom_mask;
        return (words[a / 64] >> (a % 64) & 1) && (words[b / 64] >> (b % 64) & 1);
    }
    bool has_head(uint64_t head) const noexcept
    {
        if (head_mask == 0) {
            return false;
        }
        auto *table = reinterpret_cast<const uint64_t *>(base() + heads);
        for (uint64_t i = head_slot(head) & head_mask;;
             i = (i + 1) & head_mask) {
            if (table[i] == head) {
                return true;
            }
            if (table[i] == 0) {
                return false;
            }
        }
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

    // The slot of the key (bytes, exact) in the chain of hash h, or null.
    const Slot *probe(uint64_t h, const char *bytes, size_t len,
                      bool exact) const noexcept
    {
        auto tag = static_cast<uint32_t>(h >> 32);
        uint32_t flag = exact ? kExactBit : 0;
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot *s = slot_at(i);
            if (s->rule == 0) {
                return nullptr;
            }
            if (s->tag == tag && (s->rule & kExactBit) == flag
                && s->pattern_len == len
                && std::memcmp(base() + text + s->pattern_off, bytes, len)
                       == 0) {
                return s;
            }
        }
    }
};

size_t LiveGeneration::size_of(const LiveSet &set)
{
    size_t text = text_bytes(set);
    if (text > UINT32_MAX || set.size() >= kIndexBits) {
        return 0;
    }
    std::vector<uint64_t> heads = prefix_heads(set);
    return Layout(sizeof(Header), set.size(), text,
                  prefix_lengths(set).size(),
                  heads.empty() ? 0 : slots_for(heads.size()),
                  bloom_words(prefix_count(set)))
        .end;
}

void LiveGeneration::write(const LiveSet &set, void *block, size_t size,
                           const LiveLayer *layer)
{
    std::vector<uint32_t> lengths = prefix_lengths(set);
    std::vector<uint64_t> heads = prefix_heads(set);
    size_t nheads = heads.empty() ? 0 : slots_for(heads.size());
    size_t nbloom = bloom_words(prefix_count(set));
    Layout at(sizeof(Header), set.size(), text_bytes(set), lengths.size(),
              nheads, nbloom);
    char *base = static_cast<char *>(block);
    std::memset(base, 0, at.end);

    auto *h = reinterpret_cast<Header *>(base);
    h->size = at.end;
    h->nrules = static_cast<uint32_t>(set.size());
    h->mask = static_cast<uint32_t>(slots_for(set.size()) - 1);
    h->nlengths = static_cast<uint32_t>(lengths.size());
    h->nshort = static_cast<uint32_t>(
        std::lower_bound(lengths.begin(), lengths.end(), kHead)
        - lengths.begin());
    h->head_mask = nheads ? nheads - 1 : 0;
    h->heads = at.heads;
    h->bloom_mask = nbloom * 64 - 1;
    h->bloom = at.bloom;
    h->rules = at.rules;
    h->slots = at.slots;
    h->lengths = at.lengths;
    h->hits = at.hits;
    h->text = at.text;
    if (!lengths.empty()) {
        std::memcpy(base + at.lengths, lengths.data(),
                    lengths.size() * sizeof(uint32_t));
    }
    auto *head_table = reinterpret_cast<uint64_t *>(base + at.heads);
    for (uint64_t head : heads) {
        uint64_t i = head_slot(head) & h->head_mask;
        while (head_table[i] != 0) {
            i = (i + 1) & h->head_mask;
        }
        head_table[i] = head;
    }

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
        slots[j] = {static_cast<uint32_t>(kh >> 32),
                    (i + 1) | (live_exact(r.kind) ? kExactBit : 0)
                        | (r.kind == Kind::prefix_stop ? kStopBit : 0),
                    s.pattern_off, s.pattern_len};
        if (!live_exact(r.kind)) {
            auto *words = reinterpret_cast<uint64_t *>(base + at.bloom);
            uint64_t a = kh & h->bloom_mask, b = (kh >> 32) & h->bloom_mask;
            words[a / 64] |= uint64_t{1} << (a % 64);
            words[b / 64] |= uint64_t{1} << (b % 64);
        }
    }
    if (layer != nullptr && layer->base != nullptr) {
        h->base_from = static_cast<const char *>(layer->base) - base;
        h->zone_count = layer->count;
        h->digest = layer->digest;
    } else {
        h->zone_count = h->nrules;
        h->digest = live_digest(set);
    }
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

uint32_t LiveGeneration::zone_count() const noexcept
{
    return header_ ? header_->zone_count : 0;
}

uint64_t LiveGeneration::digest() const noexcept
{
    return header_ ? header_->digest : 0;
}

const void *LiveGeneration::base() const noexcept
{
    return header_ && header_->base_from
               ? header_->base() + header_->base_from
               : nullptr;
}

uint32_t LiveGeneration::find(const char *path, size_t len,
                              size_t &prefix_len, Kind &kind) const noexcept
{
    prefix_len = 0;
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }
    uint32_t rule = find_exact(path, len);
    if (rule != SP_NO_RULE) {
        kind = Kind::exact;
        return rule;
    }
    return find_prefix(path, len, len + 1, prefix_len, kind);
}

uint32_t LiveGeneration::find_exact(const char *path, size_t len) const
    noexcept
{
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }
    const Slot *s = header_->probe(hash_bytes(path, len, kExactSalt), path,
                                   len, true);
    return s ? (s->rule & kIndexBits) - 1 : SP_NO_RULE;
}

uint32_t LiveGeneration::find_prefix(const char *path, size_t len,
                                     size_t below, size_t &prefix_len,
                                     Kind &kind) const noexcept
{
    prefix_len = 0;
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }

    // the longest prefix: at the lengths some prefix rule has, from the
    // longest the path allows; the long ones only if the head is known
    const uint32_t *lengths = header_->length_list();
    size_t end = std::upper_bound(lengths, lengths + header_->nlengths,
                                  std::min(len, below - 1))
                 - lengths;
    size_t first = len >= kHead && header_->has_head(head_of(path))
                       ? end
                       : std::min<size_t>(end, header_->nshort);

    for (size_t k = first; k-- > 0;) {
        size_t l = lengths[k];
        uint64_t h = hash_bytes(path, l, kPrefixSalt);
        if (!header_->maybe_prefix(h)) {
            continue;
        }
        const Slot *s = header_->probe(h, path, l, false);
        if (s != nullptr) {
            prefix_len = l;
            kind = s->rule & kStopBit ? Kind::prefix_stop : Kind::prefix;
            return (s->rule & kIndexBits) - 1;
        }
    }
    return SP_NO_RULE;
}

bool LiveGeneration::removed(uint32_t index) const noexcept
{
    return header_->rule_at(index)->code == 0;
}

uint32_t LiveGeneration::find(const char *path, size_t len,
                              size_t &prefix_len) const noexcept
{
    Kind kind;
    return find(path, len, prefix_len, kind);
}

uint32_t LiveGeneration::find_key(const LiveRule &key) const noexcept
{
    if (header_ == nullptr || header_->nrules == 0) {
        return SP_NO_RULE;
    }
    bool exact = live_exact(key.kind);
    const Slot *s = header_->probe(key_hash(key.pattern, exact),
                                   key.pattern.data(), key.pattern.size(),
                                   exact);
    return s ? (s->rule & kIndexBits) - 1 : SP_NO_RULE;
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

void LiveGeneration::set_hits(uint32_t index, const sp_rule_hits_t &hits) const
    noexcept
{
    *header_->hits_at(index) = {static_cast<int64_t>(hits.hits), hits.first,
                                hits.last};
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
