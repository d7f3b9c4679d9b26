#include "live_edit.hpp"

#include <algorithm>

namespace status_policy {

namespace {

// Zones smaller than this are written whole: it takes a few milliseconds.
constexpr uint32_t kLayerFloor = 4096;
// A layer holds at most this many rules, and a sixteenth of its base.
constexpr size_t kLayerMost = 8192;

size_t layer_share(uint32_t base) noexcept
{
    return base < kLayerFloor ? 0 : std::min<size_t>(kLayerMost, base / 16);
}

// While the zone is written whole in the background
constexpr size_t kLayerStretch = 4;

void load_layer(const LiveGeneration &layer, LiveSet &out)
{
    for (uint32_t i = 0; i < layer.count(); i++) {
        out.push_sorted(layer.rule(i));
    }
}

} // namespace

bool live_wants_whole(const LiveView &now)
{
    return now.layer().valid()
           && now.layer().count() >= layer_share(now.base().count());
}

void load_live(const LiveView &view, LiveSet &out)
{
    LiveView::Position at;
    uint32_t i;
    while (view.next(at, i)) {
        out.push_sorted(view.rule(i));
    }
}

LiveEdit edit_live(const LiveView &now, LiveOp op, const LiveSet &more,
                   const LiveRule &key, LiveSet &out, LiveLayer &layer,
                   unsigned &line, bool background)
{
    layer = LiveLayer();
    uint32_t removing = SP_NO_RULE;

    if (op == LiveOp::post) {
        for (const LiveRule &r : more.rules()) {
            if (now.find_key(r) != SP_NO_RULE) {
                line = r.line;
                return LiveEdit::conflict;
            }
        }
    } else if (op == LiveOp::remove) {
        removing = now.find_key(key);
        if (removing == SP_NO_RULE) {
            return LiveEdit::missing;
        }
    }

    size_t held = now.layer().valid() ? now.layer().count() : 0;
    size_t changing = op == LiveOp::remove ? 1 : more.size();

    size_t most = layer_share(now.base().count())
                  * (background ? kLayerStretch : 1);

    if (!now.valid() || held + changing > most) {
        unsigned conflict;
        load_live(now, out);
        if (op == LiveOp::remove) {
            out.remove(key);
        } else {
            out.merge(more, true, conflict);
        }
        return LiveEdit::done;
    }

    load_layer(now.layer(), out);
    layer.base = now.base().block();
    layer.count = now.count();
    layer.digest = now.digest();

    if (op == LiveOp::remove) {
        layer.count--;
        layer.digest -= live_line_digest(now.rule(removing));
        if (now.base().find_key(key) == SP_NO_RULE) {
            out.remove(key);
        } else {
            LiveRule gone = key;
            gone.code = 0;
            gone.target = {};
            out.put(gone);
        }
        return LiveEdit::done;
    }

    for (const LiveRule &r : more.rules()) {
        uint32_t was = now.find_key(r);
        if (was == SP_NO_RULE) {
            layer.count++;
        } else {
            layer.digest -= live_line_digest(now.rule(was));
        }
        layer.digest += live_line_digest(r);
    }
    unsigned conflict;
    out.merge(more, true, conflict);
    return LiveEdit::done;
}

LiveRebase rebase_live(const LiveGeneration &whole, const LiveView &from,
                       const LiveView &now, LiveSet &out, LiveLayer &layer)
{
    layer = LiveLayer();
    if (!now.layer().valid() || now.base().block() != from.base().block()) {
        return LiveRebase::stale;
    }
    if (now.layer().block() == from.layer().block()) {
        return LiveRebase::as_is;
    }

    // only keys of the two layers can differ between `whole` and `now`
    const LiveGeneration &was = from.layer(), &is = now.layer();
    uint32_t a = 0, b = 0;
    while (a < was.count() || b < is.count()) {
        LiveRule key;
        if (b == is.count()
            || (a < was.count() && live_before(was.rule(a), is.rule(b)))) {
            key = was.rule(a++);
        } else {
            key = is.rule(b++);
            if (a < was.count() && live_same_key(was.rule(a), key)) {
                a++;
            }
        }
        uint32_t want = now.find_key(key);
        uint32_t held = whole.find_key(key);
        if (want == SP_NO_RULE && held == SP_NO_RULE) {
            continue;
        }
        if (want != SP_NO_RULE && held != SP_NO_RULE) {
            LiveRule w = now.rule(want), h = whole.rule(held);
            if (w.code == h.code && w.target == h.target && w.kind == h.kind) {
                continue;
            }
        }
        LiveRule change = want != SP_NO_RULE ? now.rule(want) : key;
        if (want == SP_NO_RULE) {
            change.code = 0;
            change.target = {};
        }
        out.push_sorted(change);
    }
    layer.base = whole.block();
    layer.count = now.count();
    layer.digest = now.digest();
    return LiveRebase::layer;
}

} // namespace status_policy
