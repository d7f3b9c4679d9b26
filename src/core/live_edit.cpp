#include "live_edit.hpp"

#include <algorithm>

namespace status_policy {

namespace {

// Zones smaller than this are written whole: it takes a few milliseconds.
constexpr uint32_t kLayerFloor = 4096;
// A layer holds at most this many rules, and a sixteenth of its base.
constexpr size_t kLayerMost = 8192;

size_t layer_limit(uint32_t base) noexcept
{
    return base < kLayerFloor ? 0 : std::min<size_t>(kLayerMost, base / 16);
}

void load_layer(const LiveGeneration &layer, LiveSet &out)
{
    for (uint32_t i = 0; i < layer.count(); i++) {
        out.push_sorted(layer.rule(i));
    }
}

} // namespace

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
                   unsigned &line)
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

    if (!now.valid() || held + changing > layer_limit(now.base().count())) {
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

} // namespace status_policy
