// A write to a live zone, as the rules of the generation it publishes.
// A change to a large zone is written as a layer over the zone's base:
// the rules changed since, and marks for those removed, so that one
// rule added to a million costs what the changes cost.  Once the layer
// has grown to a share of its base, the write is of the whole zone
// again, and the next layer starts from it.

#pragma once

#include "live_set.hpp"
#include "live_view.hpp"

namespace status_policy {

enum class LiveOp { post, patch, remove };
enum class LiveEdit { done, conflict, missing };

// The rules that publish `now` with the change, into `out` (empty), and
// `layer`, set for a layer (its base null otherwise).  post adds `more`
// (conflict, with *line, if a key is held); patch adds or replaces;
// remove takes the rule of `key` away (missing if there is none).
LiveEdit edit_live(const LiveView &now, LiveOp op, const LiveSet &more,
                   const LiveRule &key, LiveSet &out, LiveLayer &layer,
                   unsigned &line);

// The zone's rules in key order, with their strings in the generations.
void load_live(const LiveView &view, LiveSet &out);

} // namespace status_policy
