// libFuzzer target: the spike counter driven by arbitrary operations on a
// small block (hits with hostile keys and referers, clock jumps in both
// directions, sweeps, reports), and by arbitrary bytes written into the
// block itself between operations (a worker killed mid-update).  Nothing
// may crash, hang or read past the block; the zone stays within capacity.
//
//   make fuzz            (clang, ASan + UBSan)

#include "status_policy_core.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t block_size = 64 * 1024;
    static std::vector<uint64_t> block(block_size / 8);
    std::memset(block.data(), 0, block_size);

    sp_spike_config_t cfg{6000, 3, 2.0, 1, 1, {404}, 4, 2, 8};
    check(sp_spike_init(block.data(), block_size, &cfg, 1000000) == SP_OK);
    size_t capacity = sp_spike_capacity(block_size, cfg.history);
    size_t groups = sp_spike_group_capacity(block_size, cfg.history);

    uint64_t now = 1000000;
    size_t i = 0;
    std::vector<sp_spike_path_t> top(capacity);
    std::vector<sp_spike_group_t> top_groups(groups);
    std::vector<uint32_t> history(cfg.history * (capacity + groups + 1));
    sp_spike_event_record_t events[64];
    sp_spike_event_t ev[8];

    while (i < size) {
        uint8_t op = data[i++];
        switch (op % 5) {
        case 0:
        case 1: {
            size_t klen = i < size ? data[i++] % 64 : 0;
            klen = std::min(klen, size - i);
            std::string key(reinterpret_cast<const char *>(data + i), klen);
            i += klen;
            std::string ref = key.substr(0, key.size() / 2);
            sp_spike_event_t e[SP_SPIKE_HIT_EVENTS];
            check(sp_spike_hit(block.data(), &cfg, 404, key.data(),
                               key.size(), ref.data(), ref.size(), now, e)
                  <= SP_SPIKE_HIT_EVENTS);
            break;
        }
        case 2:
            if (op & 0x40) {
                // a reload: a newer configuration, perhaps in other units
                cfg.generation++;
                cfg.window_ms = (op & 0x20) ? 6000 : 2000;
                cfg.threshold = 1 + (op & 0x7);
                char notice[64];
                int claim = sp_spike_claim(block.data(), block_size, &cfg,
                                           now, notice, sizeof(notice));
                check(claim == SP_SPIKE_OURS || claim == SP_SPIKE_RESTARTED);
                break;
            }
            // the clock moves, mostly forward, sometimes back
            now += (op & 0x80) ? -static_cast<int64_t>(op) * 977
                               : static_cast<int64_t>(op) * 1999;
            break;
        case 3:
            sp_spike_sweep(block.data(), &cfg, now, ev, 8);
            break;
        case 4: {
            if (op & 0x40 && i + 3 <= size) {
                // a stray write past the header
                size_t off = 256 + (data[i] | data[i + 1] << 8) % (block_size - 256);
                reinterpret_cast<uint8_t *>(block.data())[off] = data[i + 2];
                i += 3;
                break;
            }
            sp_spike_stats_t stats{};
            size_t n = sp_spike_top(block.data(), &cfg, now, top.data(),
                                    top.size(), &stats);
            check(n <= capacity && stats.used <= stats.capacity);
            for (size_t k = 0; k < n; k++) {
                check(top[k].key_len <= sizeof(top[k].key));
                check(top[k].nreferers <= 4);
            }
            sp_spike_ranking_t *ranking
                = sp_spike_group_ranking_create(groups);
            size_t from = 0;
            do {
                from = sp_spike_rank(block.data(), &cfg, now, ranking, from);
            } while (from);
            n = sp_spike_ranked_groups(block.data(), &cfg, now, ranking,
                                       top_groups.data(), groups,
                                       history.data());
            sp_spike_ranking_destroy(ranking);
            check(n <= groups);
            for (size_t k = 0; k < n; k++) {
                check(top_groups[k].key_len <= sizeof(top_groups[k].key));
                check(top_groups[k].ntop_paths <= 4
                      && top_groups[k].ntop_referers <= 4);
            }
            check(sp_spike_history(block.data(), &cfg, now,
                                   &history[(capacity + groups) * cfg.history], events,
                                   64)
                  <= 64);
            break;
        }
        }
    }
    return 0;
}
