#include "window_counter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace status_policy {

namespace {

// A new window's hits count this much in the baseline.
constexpr double kBaselineWeight = 0.25;

} // namespace

uint64_t Windows::bucket_ms() const
{
    return std::max<uint64_t>(window_ms / kBuckets, 1);
}

void counter_start(WindowCounter &c, const Windows &w, uint64_t now_ms)
{
    std::memset(&c, 0, sizeof(c));
    c.first_seen_ms = now_ms;
    c.bucket_epoch = now_ms / w.bucket_ms();
    c.window_epoch = w.window_of(now_ms);
}

// The window ended: its hits go into the baseline and the history, and
// the windows with no hits since then are zero in both.
void counter_roll_window(WindowCounter &c, const Windows &w, uint64_t window,
                         uint32_t *history)
{
    c.baseline += kBaselineWeight * (c.window_hits - c.baseline);
    uint64_t idle = window - c.window_epoch - 1;
    if (idle > 0) {
        c.baseline *= std::pow(
            1 - kBaselineWeight,
            static_cast<double>(std::min<uint64_t>(idle, 1000)));
    }
    if (history != nullptr && w.history > 0) {
        history[c.window_epoch % w.history] = c.window_hits;
        uint64_t zeros = std::min<uint64_t>(idle, w.history);
        for (uint64_t k = 1; k <= zeros; k++) {
            history[(c.window_epoch + k) % w.history] = 0;
        }
    }
    c.window_hits = 0;
    c.window_epoch = window;
}

void counter_add(WindowCounter &c, uint64_t now_ms)
{
    c.total++;
    c.last_seen_ms = now_ms;
    c.window_hits++;
    c.buckets[c.bucket_epoch % kBuckets]++;
}

uint32_t counter_window_count(const WindowCounter &c, const Windows &w,
                              uint64_t now_ms)
{
    uint32_t n = 0;
    counter_each_bucket(c, w, now_ms, [&](size_t k) { n += c.buckets[k]; });
    return n;
}

uint32_t counter_history(const WindowCounter &c, const Windows &w,
                         const uint32_t *history, uint64_t epoch)
{
    if (epoch == c.window_epoch) {
        return c.window_hits;
    }
    if (epoch > c.window_epoch || w.history == 0 || history == nullptr
        || epoch + w.history <= c.window_epoch)
    {
        return 0;
    }
    return history[epoch % w.history];
}

} // namespace status_policy
