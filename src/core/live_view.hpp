// What a zone holds: its published generation read as one set of rules.
// A published layer is read over its base: a rule of the layer hides
// the base's rule of the same key, and a removal hides it for good.
// Rule indexes count the base's rules first, then the layer's.

#pragma once

#include <cstddef>
#include <cstdint>

#include "live_generation.hpp"

namespace status_policy {

class LiveView {
public:
    // The published block (nullptr, or any bytes, read as an empty zone).
    explicit LiveView(const void *published) noexcept;
    bool valid() const noexcept { return base_.valid(); }

    uint32_t count() const noexcept;
    uint64_t digest() const noexcept;

    // As LiveGeneration::find(), over both.
    uint32_t find(const char *path, size_t len, size_t &prefix_len,
                  Kind &kind) const noexcept;
    uint32_t find(const char *path, size_t len, size_t &prefix_len) const
        noexcept;
    uint32_t find_key(const LiveRule &key) const noexcept;

    // Whether index is one of a rule of the view.
    bool holds(uint32_t index) const noexcept
    {
        return index < base_.count() + (layer_.valid() ? layer_.count() : 0);
    }
    LiveRule rule(uint32_t index) const noexcept;
    sp_rule_hits_t hits(uint32_t index) const noexcept;
    void count_hit(uint32_t index, int64_t now) const noexcept;

    // Rules in key order: a position after `key` (nullptr: the first),
    // and the rule there, moving past it; false at the end.
    struct Position {
        uint32_t base = 0;
        uint32_t layer = 0;
    };
    Position after(const LiveRule *key) const noexcept;
    bool next(Position &at, uint32_t &index) const noexcept;

    // The generations: a layer's base and the layer, or the zone's rules
    // and an invalid layer.
    const LiveGeneration &base() const noexcept { return base_; }
    const LiveGeneration &layer() const noexcept { return layer_; }

private:
    uint32_t of_layer(uint32_t i) const noexcept { return base_.count() + i; }

    LiveGeneration base_;
    LiveGeneration layer_;
};

// Gives the rules of a written generation the hit counts that `from`
// holds for the same key, code and target.
void carry_hits(const LiveView &from, const LiveGeneration &to);

} // namespace status_policy
