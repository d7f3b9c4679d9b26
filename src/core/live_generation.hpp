// One generation of a live zone's rules: a single block of shared memory
// that holds everything by offset (rules, their text, a hash table of
// keys, the lengths prefix rules come in, hit counters), so that every
// worker reads it where it is mapped.  A generation is written once,
// outside any lock, before it is published, and never changed after,
// apart from its hit counters.
//
// A generation is the zone's rules, or a layer: the rules changed since
// a base generation, with a removed rule marked by code 0, so that a
// small change to a large zone writes only what changed (LiveView reads
// the two as one).
//
// A lookup hashes the path once: the hash at each length some prefix
// rule has is probed, longest first, after the exact key.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "live_set.hpp"
#include "status_policy_core.h"

namespace status_policy {

// What a set of rules is, as a number that does not depend on their
// order: the same rules give the same digest on every node.
uint64_t live_digest(const LiveSet &set);

// One rule's part of a digest: digests add up.
uint64_t live_line_digest(const LiveRule &rule);

// What makes a generation a layer: its base, and the count and digest of
// the rules the zone holds with it.
struct LiveLayer {
    const void *base = nullptr;
    uint32_t count = 0;
    uint64_t digest = 0;
};

class LiveGeneration {
public:
    // The bytes a generation of `set` takes.
    static size_t size_of(const LiveSet &set);

    // Writes the generation of `set` into block (size_of(set) bytes),
    // as a layer over layer->base if layer is given.
    static void write(const LiveSet &set, void *block, size_t size,
                      const LiveLayer *layer = nullptr);

    // A view of a written block; valid() is false for anything else.
    explicit LiveGeneration(const void *block) noexcept;
    bool valid() const noexcept { return header_ != nullptr; }
    const void *block() const noexcept { return header_; }

    // The rules it holds (a layer's removals too).
    uint32_t count() const noexcept;
    // The rules, and their digest, that the zone holds with it published.
    uint32_t zone_count() const noexcept;
    uint64_t digest() const noexcept;
    // A layer's base, or nullptr.
    const void *base() const noexcept;

    // The rule a path hits (exact, else the longest prefix), or
    // SP_NO_RULE; *prefix_len is the length of a prefix rule's pattern.
    uint32_t find(const char *path, size_t len, size_t &prefix_len) const
        noexcept;
    // The same, with the rule's kind, known without reading the rule.
    uint32_t find(const char *path, size_t len, size_t &prefix_len,
                  Kind &kind) const noexcept;

    // The two steps of find(): the exact rule of path; the longest
    // prefix rule of path shorter than `below`.
    uint32_t find_exact(const char *path, size_t len) const noexcept;
    uint32_t find_prefix(const char *path, size_t len, size_t below,
                         size_t &prefix_len, Kind &kind) const noexcept;

    // A layer's mark that its base's rule of that key is gone.
    bool removed(uint32_t index) const noexcept;

    // The rule of exactly that key, or SP_NO_RULE.
    uint32_t find_key(const LiveRule &key) const noexcept;

    // Rules in key order: the first one after `key`.
    uint32_t after(const LiveRule &key) const noexcept;

    LiveRule rule(uint32_t index) const noexcept;

    // Counters of a rule in shared memory (atomic updates).
    void count_hit(uint32_t index, int64_t now) const noexcept;
    sp_rule_hits_t hits(uint32_t index) const noexcept;
    // Before it is published: counts carried from another generation.
    void set_hits(uint32_t index, const sp_rule_hits_t &hits) const noexcept;

    struct Header;

private:
    const Header *header_ = nullptr;
};

} // namespace status_policy
