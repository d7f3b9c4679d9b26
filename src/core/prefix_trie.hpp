// A path-compressed byte trie in flat arrays, for longest-prefix lookups:
// one node per branching point, so a walk costs a handful of steps however
// many keys there are.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "case_fold.hpp"

namespace status_policy {

class PrefixTrie {
public:
    static constexpr uint32_t none = UINT32_MAX;

    struct Key {
        std::string_view bytes;     // already folded when the trie folds
        uint32_t value;
    };

    // Keys must be distinct.  A folding trie compares paths folded.
    void build(std::vector<Key> keys, bool folding);

    bool empty() const noexcept { return nodes_.size() <= 1; }

    // Calls visit(length, value) for every key that is a prefix of path,
    // shortest first.
    template <typename Visit>
    void for_each_prefix(const char *path, size_t len, Visit &&visit) const
    {
        if (nodes_.empty()) {
            return;
        }
        const Node *node = &nodes_[0];
        size_t pos = 0;

        for (;;) {
            if (node->value != none) {
                visit(pos, node->value);
            }
            if (pos == len || node->children == 0) {
                return;
            }
            const Node *child = find_child(
                *node, fold_if(static_cast<unsigned char>(path[pos]),
                               folding_));
            if (child == nullptr || child->label_length > len - pos
                || !equal_folded(labels_.data() + child->label_offset,
                                 path + pos, child->label_length,
                                 folding_)) {
                return;
            }
            pos += child->label_length;
            node = child;
        }
    }

private:
    struct Node {
        uint32_t label_offset = 0;
        uint32_t label_length = 0;
        uint32_t first_child = 0;
        uint32_t value = none;
        uint16_t children = 0;
        unsigned char first = 0;    // first byte of the label
    };

    const Node *find_child(const Node &node, unsigned char c) const noexcept;

    std::vector<Node> nodes_;
    std::string labels_;
    bool folding_ = false;
};

} // namespace status_policy
