#include "live_view.hpp"

namespace status_policy {

namespace {

const void *base_of(const void *published) noexcept
{
    LiveGeneration g(published);
    return g.base() ? g.base() : published;
}

const void *layer_of(const void *published) noexcept
{
    return LiveGeneration(published).base() ? published : nullptr;
}

} // namespace

LiveView::LiveView(const void *published) noexcept
    : base_(base_of(published)), layer_(layer_of(published))
{
}

uint32_t LiveView::count() const noexcept
{
    return layer_.valid() ? layer_.zone_count() : base_.count();
}

uint64_t LiveView::digest() const noexcept
{
    return layer_.valid() ? layer_.digest() : base_.digest();
}

uint32_t LiveView::find(const char *path, size_t len, size_t &prefix_len,
                        Kind &kind) const noexcept
{
    if (!layer_.valid()) {
        return base_.find(path, len, prefix_len, kind);
    }

    prefix_len = 0;
    uint32_t i = layer_.find_exact(path, len);
    if (i != SP_NO_RULE) {
        if (!layer_.removed(i)) {
            kind = Kind::exact;
            return of_layer(i);
        }
    } else if ((i = base_.find_exact(path, len)) != SP_NO_RULE) {
        kind = Kind::exact;
        return i;
    }

    // the longest prefix of either; a removal in the layer hides the
    // base's rule of its length, and the search goes on below it
    for (size_t below = len + 1;;) {
        size_t at_layer = 0, at_base = 0;
        Kind layer_kind = Kind::prefix, base_kind = Kind::prefix;
        uint32_t l = layer_.find_prefix(path, len, below, at_layer,
                                        layer_kind);
        uint32_t b = base_.find_prefix(path, len, below, at_base, base_kind);
        if (b != SP_NO_RULE && (l == SP_NO_RULE || at_base > at_layer)) {
            prefix_len = at_base;
            kind = base_kind;
            return b;
        }
        if (l == SP_NO_RULE) {
            return SP_NO_RULE;
        }
        if (!layer_.removed(l)) {
            prefix_len = at_layer;
            kind = layer_kind;
            return of_layer(l);
        }
        below = at_layer;
    }
}

uint32_t LiveView::find(const char *path, size_t len, size_t &prefix_len)
    const noexcept
{
    Kind kind;
    return find(path, len, prefix_len, kind);
}

uint32_t LiveView::find_key(const LiveRule &key) const noexcept
{
    if (layer_.valid()) {
        uint32_t i = layer_.find_key(key);
        if (i != SP_NO_RULE) {
            return layer_.removed(i) ? SP_NO_RULE : of_layer(i);
        }
    }
    return base_.find_key(key);
}

LiveRule LiveView::rule(uint32_t index) const noexcept
{
    return index < base_.count() ? base_.rule(index)
                                 : layer_.rule(index - base_.count());
}

sp_rule_hits_t LiveView::hits(uint32_t index) const noexcept
{
    return index < base_.count() ? base_.hits(index)
                                 : layer_.hits(index - base_.count());
}

void LiveView::count_hit(uint32_t index, int64_t now) const noexcept
{
    if (index < base_.count()) {
        base_.count_hit(index, now);
    } else if (index - base_.count() < layer_.count()) {
        layer_.count_hit(index - base_.count(), now);
    }
}

LiveView::Position LiveView::after(const LiveRule *key) const noexcept
{
    Position at;
    if (key != nullptr) {
        at.base = base_.after(*key);
        at.layer = layer_.valid() ? layer_.after(*key) : 0;
    }
    return at;
}

bool LiveView::next(Position &at, uint32_t &index) const noexcept
{
    uint32_t layer_count = layer_.valid() ? layer_.count() : 0;
    for (;;) {
        bool in_base = at.base < base_.count();
        bool in_layer = at.layer < layer_count;
        if (!in_base && !in_layer) {
            return false;
        }
        if (in_base && in_layer) {
            LiveRule b = base_.rule(at.base);
            LiveRule l = layer_.rule(at.layer);
            if (live_before(b, l)) {
                index = at.base++;
                return true;
            }
            if (live_same_key(b, l)) {
                at.base++;          // hidden by the layer's
            }
        } else if (in_base) {
            index = at.base++;
            return true;
        }
        uint32_t i = at.layer++;
        if (!layer_.removed(i)) {
            index = of_layer(i);
            return true;
        }
    }
}

void carry_hits(const LiveView &from, const LiveGeneration &to)
{
    if (!from.valid()) {
        return;
    }
    for (uint32_t i = 0; i < to.count(); i++) {
        LiveRule r = to.rule(i);
        uint32_t was = from.find_key(r);
        if (was == SP_NO_RULE) {
            continue;
        }
        LiveRule o = from.rule(was);
        if (o.code == r.code && o.target == r.target && o.kind == r.kind) {
            to.set_hits(i, from.hits(was));
        }
    }
}

} // namespace status_policy
