// Counts of one thing (a path, a group, the whole zone) over time, in a
// fixed layout for shared memory: a sliding window of sub-window buckets,
// a baseline (hits per window, an exponential average over past windows),
// the hits of each of the last windows (the history, a ring kept beside
// the counter) and the state of its spike.

#pragma once

#include <cstddef>
#include <cstdint>

namespace status_policy {

constexpr size_t kBuckets = 6;

// What a spike of a counter is.
enum SpikeState : uint8_t {
    kQuiet = 0,
    kReported,  // its start was logged; its end will be
    kFolded,    // part of a group that was logged: no lines of its own
};

struct WindowCounter {
    uint32_t buckets[kBuckets];
    uint64_t bucket_epoch;  // index of the newest bucket
    uint64_t window_epoch;  // the window whose hits window_hits counts
    uint32_t window_hits;
    uint32_t spike_peak;
    uint64_t total;
    uint64_t first_seen_ms;
    uint64_t last_seen_ms;
    uint64_t spike_start_ms;
    double baseline;        // hits per window
    uint8_t spiking;        // SpikeState
    uint8_t pad[7];
};

// How counters are cut in time: the same for every counter of a zone.
struct Windows {
    uint64_t window_ms;
    uint32_t history;       // windows kept in each history ring

    uint64_t bucket_ms() const;
    uint64_t window_of(uint64_t now_ms) const { return now_ms / window_ms; }
};

void counter_start(WindowCounter &c, const Windows &w, uint64_t now_ms);

// Brings the buckets, the baseline and the history up to now.  Calls
// cleared(k) for each bucket k emptied, so that a caller keeping more
// per bucket empties the same ones.
template <typename F>
void counter_advance(WindowCounter &c, const Windows &w, uint64_t now_ms,
                     uint32_t *history, F &&cleared);

void counter_add(WindowCounter &c, uint64_t now_ms);

// Calls f(k) for each bucket k that holds hits of the current window.
template <typename F>
void counter_each_bucket(const WindowCounter &c, const Windows &w,
                         uint64_t now_ms, F &&f);

uint32_t counter_window_count(const WindowCounter &c, const Windows &w,
                              uint64_t now_ms);

// The hits of window `epoch`: the current one, a past one still in the
// ring, or 0.
uint32_t counter_history(const WindowCounter &c, const Windows &w,
                         const uint32_t *history, uint64_t epoch);

// -- templates --------------------------------------------------------------

void counter_roll_window(WindowCounter &c, const Windows &w, uint64_t window,
                         uint32_t *history);

template <typename F>
void counter_advance(WindowCounter &c, const Windows &w, uint64_t now_ms,
                     uint32_t *history, F &&cleared)
{
    uint64_t epoch = now_ms / w.bucket_ms();
    if (epoch > c.bucket_epoch) {
        uint64_t steps = epoch - c.bucket_epoch;
        if (steps > kBuckets) {
            steps = kBuckets;
        }
        for (uint64_t k = 1; k <= steps; k++) {
            size_t b = (c.bucket_epoch + k) % kBuckets;
            c.buckets[b] = 0;
            cleared(b);
        }
        c.bucket_epoch = epoch;
    }
    uint64_t window = w.window_of(now_ms);
    if (window > c.window_epoch) {
        counter_roll_window(c, w, window, history);
    }
}

template <typename F>
void counter_each_bucket(const WindowCounter &c, const Windows &w,
                         uint64_t now_ms, F &&f)
{
    uint64_t epoch = now_ms / w.bucket_ms();
    if (epoch >= c.bucket_epoch + kBuckets) {
        return;
    }
    // the buckets of the last kBuckets epochs that advance has reached;
    // later ones are still to be cleared and hold nothing of this window
    uint64_t oldest = epoch + 1 >= kBuckets ? epoch + 1 - kBuckets : 0;
    for (uint64_t k = 0; k < kBuckets && k <= c.bucket_epoch; k++) {
        uint64_t e = c.bucket_epoch - k;
        if (e < oldest) {
            break;
        }
        f(static_cast<size_t>(e % kBuckets));
    }
}

} // namespace status_policy
