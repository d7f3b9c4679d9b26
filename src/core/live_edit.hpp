// A write to a live zone, as the rules of the generation it publishes.
// A change to a large zone is written as a layer over the zone's base:
// the rules changed since, and marks for those removed, so that one
// rule added to a million costs what the changes cost.  Once the layer
// has grown to a share of its base, the zone is written whole again:
// in the background, while writes go on as layers (then rebased onto
// the whole zone), or, where there is no background, by the write.

#pragma once

#include "live_set.hpp"
#include "live_view.hpp"

namespace status_policy {

enum class LiveOp { post, patch, remove };
enum class LiveEdit { done, conflict, missing };

// The rules that publish `now` with the change, into `out` (empty), and
// `layer`, set for a layer (its base null otherwise).  post adds `more`
// (conflict, with *line, if a key is held); patch adds or replaces;
// remove takes the rule of `key` away (missing if there is none).  With
// `background`, the layer may grow beyond its share (to four times it),
// the zone being written whole meanwhile.
LiveEdit edit_live(const LiveView &now, LiveOp op, const LiveSet &more,
                   const LiveRule &key, LiveSet &out, LiveLayer &layer,
                   unsigned &line, bool background);

// Whether the zone's layer has grown to its share of the base.
bool live_wants_whole(const LiveView &now);

// The zone's rules in key order, with their strings in the generations.
void load_live(const LiveView &view, LiveSet &out);

// The zone written whole (`whole`, from `from`) while writes went on, to
// `now`: published as it is, as a layer over it of what changed since
// `from`, into `out` and `layer`, or stale (`now` has another base).
enum class LiveRebase { as_is, layer, stale };
LiveRebase rebase_live(const LiveGeneration &whole, const LiveView &from,
                       const LiveView &now, LiveSet &out, LiveLayer &layer);

} // namespace status_policy
