#include "conclave/schedule/secret_tree.h"

#include <string>
#include <utility>

#include "conclave/base/error.h"

namespace conclave::schedule {

namespace {

using tree::LeafCount;
using tree::LeafIndex;
using tree::NodeIndex;

[[noreturn]] void bad_state(const std::string& detail) {
  throw Error(ErrorCode::kInvalidScheduleState, detail);
}

// The leaves under node x: [first_leaf(x), first_leaf(x) + leaf_span(x)).
uint64_t leaf_span(NodeIndex x) {
  return uint64_t{1} << tree::level(x);
}
uint64_t first_leaf(NodeIndex x) {
  return (uint64_t{x.value} + 1 - leaf_span(x)) / 2;
}

}  // namespace

SecretTree::SecretTree(const crypto::Suite& suite, LeafCount leaf_count,
                       SecretBytes encryption_secret, RatchetWindow window)
    : suite_id_(suite.id()), leaf_count_(leaf_count.value), window_(window) {
  if (leaf_count.value == 0 || leaf_count.value > tree::kMaxLeaves)
    throw Error(ErrorCode::kInvalidArgument,
                "secret tree of " + std::to_string(leaf_count.value) + " leaves");
  if (encryption_secret.size() != suite.hash_len())
    throw Error(ErrorCode::kInvalidSecretLength,
                "encryption_secret is " + std::to_string(encryption_secret.size()) + " bytes");
  // §9: encryption_secret is the root's secret; nothing else exists until it is needed.
  const uint32_t root = tree::root(tree::full_leaf_count(leaf_count_)).value;
  nodes_.emplace(root, std::move(encryption_secret));
  changes_.nodes.insert(root);
}

void SecretTree::check_suite(const crypto::Suite& suite) const {
  if (suite.id() != suite_id_)
    throw Error(ErrorCode::kInvalidArgument, "secret tree of cipher suite " +
                                                 std::to_string(suite_id_) + " used with suite " +
                                                 std::to_string(suite.id()));
}

std::map<uint32_t, SecretBytes>::const_iterator SecretTree::lowest_stored_ancestor(
    LeafIndex leaf) const {
  // Every leaf without ratchets has exactly one stored node at or above it.
  const LeafCount full = tree::full_leaf_count(leaf_count_);
  NodeIndex x = leaf.node();
  auto found = nodes_.find(x.value);
  while (found == nodes_.end()) {
    if (x == tree::root(full))
      throw Error(ErrorCode::kInternal,
                  "no stored secret above leaf " + std::to_string(leaf.value));
    x = tree::parent(x, full);
    found = nodes_.find(x.value);
  }
  return found;
}

SecretTree::LeafRatchets& SecretTree::init_leaf(const crypto::Suite& suite, LeafIndex leaf) {
  const NodeIndex target = leaf.node();
  const size_t nh = suite.hash_len();

  NodeIndex x(lowest_stored_ancestor(leaf)->first);
  auto found = nodes_.find(x.value);

  // §9: tree_node_[left(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "left", Nh)
  // and likewise "right". Both children are derived together, so the parent goes at once
  // (§9.2). A child whose subtree holds no leaf of the group (leaf count not a power of two)
  // is never needed and not stored.
  while (x != target) {
    const NodeIndex l = tree::left(x);
    const NodeIndex r = tree::right(x);
    SecretBytes left_secret =
        suite.expand_with_label(found->second.view(), "tree", as_bytes("left"), nh);
    SecretBytes right_secret =
        suite.expand_with_label(found->second.view(), "tree", as_bytes("right"), nh);
    nodes_.erase(found);
    changes_.nodes.insert(x.value);
    const auto left_it = nodes_.emplace(l.value, std::move(left_secret)).first;
    changes_.nodes.insert(l.value);
    auto right_it = nodes_.end();
    if (first_leaf(r) < leaf_count_) {
      right_it = nodes_.emplace(r.value, std::move(right_secret)).first;
      changes_.nodes.insert(r.value);
    }
    x = tree::is_in_subtree(l, target) ? l : r;
    found = x == l ? left_it : right_it;
  }

  // §9: the leaf secret roots the two ratchets and is then consumed (§9.2).
  const SecretBytes leaf_secret = std::move(found->second);
  nodes_.erase(found);
  changes_.nodes.insert(target.value);
  LeafRatchets ratchets{
      HashRatchet(suite.expand_with_label(leaf_secret.view(), "handshake", {}, nh)),
      HashRatchet(suite.expand_with_label(leaf_secret.view(), "application", {}, nh)),
  };
  return leaves_.emplace(leaf.value, std::move(ratchets)).first->second;
}

HashRatchet& SecretTree::ratchet_for(const crypto::Suite& suite, LeafIndex leaf, RatchetType type) {
  check_suite(suite);
  if (leaf.value >= leaf_count_)
    throw Error(ErrorCode::kLeafIndexOutOfRange,
                "leaf " + std::to_string(leaf.value) + " of " + std::to_string(leaf_count_));
  const auto it = leaves_.find(leaf.value);
  LeafRatchets& ratchets = it != leaves_.end() ? it->second : init_leaf(suite, leaf);
  // The caller takes or advances a key of this ratchet.
  changes_.leaves.insert(leaf.value);
  return type == RatchetType::kHandshake ? ratchets.handshake : ratchets.application;
}

GenerationKey SecretTree::next_key(const crypto::Suite& suite, LeafIndex leaf, RatchetType type) {
  return ratchet_for(suite, leaf, type).next(suite, window_);
}

KeyAndNonce SecretTree::take_key(const crypto::Suite& suite, LeafIndex leaf, RatchetType type,
                                 uint32_t generation) {
  return ratchet_for(suite, leaf, type).take(suite, generation, window_);
}

KeyAndNonce SecretTree::peek_key(const crypto::Suite& suite, LeafIndex leaf, RatchetType type,
                                 uint32_t generation) const {
  check_suite(suite);
  if (leaf.value >= leaf_count_)
    throw Error(ErrorCode::kLeafIndexOutOfRange,
                "leaf " + std::to_string(leaf.value) + " of " + std::to_string(leaf_count_));
  if (const auto it = leaves_.find(leaf.value); it != leaves_.end()) {
    const HashRatchet& ratchet =
        type == RatchetType::kHandshake ? it->second.handshake : it->second.application;
    return ratchet.peek(suite, generation, window_);
  }
  // First contact with this sender: derive its ratchet on the side, so that a message that
  // later fails verification leaves the stored tree exactly as it was.
  const NodeIndex target = leaf.node();
  const auto found = lowest_stored_ancestor(leaf);
  NodeIndex x(found->first);
  const size_t nh = suite.hash_len();
  SecretBytes secret = found->second;
  while (x != target) {
    const NodeIndex l = tree::left(x);
    const bool go_left = tree::is_in_subtree(l, target);
    secret =
        suite.expand_with_label(secret.view(), "tree", as_bytes(go_left ? "left" : "right"), nh);
    x = go_left ? l : tree::right(x);
  }
  const HashRatchet ratchet(suite.expand_with_label(secret.view(), ratchet_label(type), {}, nh));
  return ratchet.peek(suite, generation, window_);
}

const HashRatchet* SecretTree::ratchet(LeafIndex leaf, RatchetType type) const {
  const auto it = leaves_.find(leaf.value);
  if (it == leaves_.end()) return nullptr;
  return type == RatchetType::kHandshake ? &it->second.handshake : &it->second.application;
}

void SecretTree::tls_encode(codec::Writer& w) const {
  w.u16(suite_id_);
  w.u32(leaf_count_);
  codec::write(w, window_);
  w.vector([&](codec::Writer& inner) {
    for (const auto& [node, secret] : nodes_) {
      inner.u32(node);
      codec::write(inner, secret);
    }
  });
  w.vector([&](codec::Writer& inner) {
    for (const auto& [leaf, ratchets] : leaves_) {
      inner.u32(leaf);
      codec::write(inner, ratchets.handshake);
      codec::write(inner, ratchets.application);
    }
  });
}

void SecretTree::tls_decode(codec::Reader& r) {
  SecretTree out;
  out.suite_id_ = r.u16();
  out.leaf_count_ = r.u32();
  codec::read(r, out.window_);
  codec::Reader nodes = r.vector();
  while (!nodes.empty()) {
    const uint32_t node = nodes.u32();
    SecretBytes secret;
    codec::read(nodes, secret);
    if (!out.nodes_.empty() && node <= out.nodes_.rbegin()->first)
      bad_state("node secrets out of order");
    out.nodes_.emplace_hint(out.nodes_.end(), node, std::move(secret));
  }
  codec::Reader leaves = r.vector();
  while (!leaves.empty()) {
    const uint32_t leaf = leaves.u32();
    LeafRatchets ratchets;
    codec::read(leaves, ratchets.handshake);
    codec::read(leaves, ratchets.application);
    if (!out.leaves_.empty() && leaf <= out.leaves_.rbegin()->first)
      bad_state("leaf ratchets out of order");
    out.leaves_.emplace_hint(out.leaves_.end(), leaf, std::move(ratchets));
  }
  out.validate();
  *this = std::move(out);
}

SecretTree::Changes SecretTree::take_changes() {
  return std::exchange(changes_, Changes{});
}

SecretTree::Changes SecretTree::everything() const {
  Changes all;
  for (const auto& [node, secret] : nodes_)
    all.nodes.insert(all.nodes.end(), node);
  for (const auto& [leaf, ratchets] : leaves_)
    all.leaves.insert(all.leaves.end(), leaf);
  return all;
}

const SecretBytes* SecretTree::node_secret(tree::NodeIndex node) const {
  const auto it = nodes_.find(node.value);
  return it == nodes_.end() ? nullptr : &it->second;
}

SecretBytes SecretTree::encode_leaf(tree::LeafIndex leaf) const {
  const auto it = leaves_.find(leaf.value);
  if (it == leaves_.end()) return {};
  codec::SecretWriter w;
  codec::write(w, it->second.handshake);
  codec::write(w, it->second.application);
  return w.take();
}

SecretTree SecretTree::restore(uint16_t cipher_suite, uint32_t leaf_count, RatchetWindow window,
                               std::map<uint32_t, SecretBytes> nodes,
                               const std::vector<std::pair<uint32_t, BytesView>>& leaves) {
  SecretTree out;
  out.suite_id_ = cipher_suite;
  out.leaf_count_ = leaf_count;
  out.window_ = window;
  out.nodes_ = std::move(nodes);
  for (const auto& [leaf, encoded] : leaves) {
    LeafRatchets ratchets;
    try {
      codec::Reader r(encoded);
      codec::read(r, ratchets.handshake);
      codec::read(r, ratchets.application);
      r.expect_end("leaf ratchets");
    } catch (const Error& e) {
      bad_state("leaf " + std::to_string(leaf) + " ratchets: " + e.what());
    }
    out.leaves_.emplace(leaf, std::move(ratchets));
  }
  out.validate();
  return out;
}

void SecretTree::validate() const {
  const crypto::CipherSuite* suite = crypto::find_cipher_suite(suite_id_);
  if (suite == nullptr) bad_state("unknown cipher suite " + std::to_string(suite_id_));
  if (leaf_count_ == 0 || leaf_count_ > tree::kMaxLeaves)
    bad_state(std::to_string(leaf_count_) + " leaves");
  const LeafCount full = tree::full_leaf_count(leaf_count_);
  const NodeIndex root = tree::root(full);

  // Every leaf must be covered exactly once: by one stored node above (or at) it, or by its
  // ratchets. Checked as: stored nodes are disjoint from each other and from the ratchets,
  // and together they cover leaf_count_ leaves.
  uint64_t covered = leaves_.size();
  for (const auto& [index, secret] : nodes_) {
    const NodeIndex x(index);
    if (!tree::in_tree(x, full)) bad_state("node " + std::to_string(index) + " outside the tree");
    if (secret.size() != suite->hash_len()) bad_state("node secret of the wrong length");
    const uint64_t first = first_leaf(x);
    if (first >= leaf_count_) bad_state("node " + std::to_string(index) + " covers no leaf");
    const uint64_t end = std::min<uint64_t>(first + leaf_span(x), leaf_count_);
    const auto ratchets = leaves_.lower_bound(static_cast<uint32_t>(first));
    if (ratchets != leaves_.end() && ratchets->first < end)
      bad_state("node " + std::to_string(index) + " stored above initialised leaf " +
                std::to_string(ratchets->first));
    for (NodeIndex up = x; up != root;) {
      up = tree::parent(up, full);
      if (nodes_.count(up.value) != 0)
        bad_state("nodes " + std::to_string(index) + " and " + std::to_string(up.value) +
                  " both stored");
    }
    covered += end - first;
  }
  for (const auto& [leaf, ratchets] : leaves_) {
    if (leaf >= leaf_count_) bad_state("ratchets of leaf " + std::to_string(leaf));
    ratchets.handshake.validate(*suite);
    ratchets.application.validate(*suite);
  }
  if (covered != leaf_count_) bad_state("stored secrets do not cover every leaf");
}

}  // namespace conclave::schedule
