#include "prefix_trie.hpp"

#include <algorithm>

namespace status_policy {

namespace {

size_t common_prefix(std::string_view a, std::string_view b) noexcept
{
    size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) {
        i++;
    }
    return i;
}

} // namespace

void PrefixTrie::build(std::vector<Key> keys, bool folding)
{
    folding_ = folding;
    nodes_.clear();
    labels_.clear();

    std::sort(keys.begin(), keys.end(), [](const Key &a, const Key &b) {
        return a.bytes < b.bytes;
    });

    nodes_.emplace_back();

    size_t lo = 0;
    if (!keys.empty() && keys[0].bytes.empty()) {
        nodes_[0].value = keys[0].value;
        lo = 1;
    }

    // Every pending node owns keys[lo, hi), which share their first
    // `depth` bytes and are all longer than that; its children are
    // allocated together so that they sit next to each other.
    struct Pending {
        size_t node, lo, hi, depth;
    };
    std::vector<Pending> pending{{0, lo, keys.size(), 0}};

    while (!pending.empty()) {
        Pending p = pending.back();
        pending.pop_back();

        if (p.lo == p.hi) {
            continue;
        }

        size_t groups = 0;
        for (size_t i = p.lo; i < p.hi;) {
            char c = keys[i].bytes[p.depth];
            while (i < p.hi && keys[i].bytes[p.depth] == c) {
                i++;
            }
            groups++;
        }

        size_t first = nodes_.size();
        nodes_[p.node].first_child = static_cast<uint32_t>(first);
        nodes_[p.node].children = static_cast<uint16_t>(groups);
        nodes_.resize(first + groups);

        size_t child = first;
        for (size_t i = p.lo; i < p.hi; child++) {
            size_t a = i;
            char c = keys[a].bytes[p.depth];
            while (i < p.hi && keys[i].bytes[p.depth] == c) {
                i++;
            }
            size_t depth = common_prefix(keys[a].bytes, keys[i - 1].bytes);

            Node &n = nodes_[child];
            n.label_offset = static_cast<uint32_t>(labels_.size());
            n.label_length = static_cast<uint32_t>(depth - p.depth);
            n.first = static_cast<unsigned char>(c);
            labels_.append(keys[a].bytes.substr(p.depth, depth - p.depth));

            if (keys[a].bytes.size() == depth) {
                n.value = keys[a].value;
                a++;
            }
            pending.push_back({child, a, i, depth});
        }
    }

    nodes_.shrink_to_fit();
    labels_.shrink_to_fit();
}

const PrefixTrie::Node *PrefixTrie::find_child(const Node &node,
                                               unsigned char c) const noexcept
{
    const Node *begin = &nodes_[node.first_child];
    const Node *end = begin + node.children;

    if (node.children <= 8) {
        for (const Node *n = begin; n != end; n++) {
            if (n->first == c) {
                return n;
            }
        }
        return nullptr;
    }

    const Node *n = std::lower_bound(
        begin, end, c,
        [](const Node &a, unsigned char b) { return a.first < b; });
    return (n != end && n->first == c) ? n : nullptr;
}

} // namespace status_policy
