// A small simulated group for the tree tests: members with real keys, adds, removes and commits
// through TreeKEM, every receiver processing every commit on its own copy of the tree.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/detail/tree_validation.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"

namespace conclave::tree::testing {

// The code of the conclave::Error that f throws; kInternal when it throws none.
inline ErrorCode error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

struct NewMember {
  wire::LeafNode leaf;
  SecretBytes encryption_private;
  Bytes signature_private;
};

class TestGroup {
 public:
  explicit TestGroup(uint16_t suite_id = 1)
      : suite(crypto::openssl_provider(), suite_id),
        group_id(to_bytes("test group")),
        tree(suite) {}

  crypto::Suite suite;
  Bytes group_id;
  uint64_t epoch = 0;
  wire::ExtensionList extensions;  // GroupContext extensions
  // Applied to every new member's leaf before the per-member tweak.
  std::function<void(wire::LeafNode&)> member_defaults;
  RatchetTree tree;
  std::map<uint32_t, TreeKemPrivate> privates;  // by leaf index
  std::map<uint32_t, Bytes> signature_keys;     // by leaf index

  wire::GroupContext context() const {
    wire::GroupContext c;
    c.cipher_suite = suite.id();
    c.group_id = group_id;
    c.epoch = epoch;
    c.tree_hash = tree.tree_hash();
    c.extensions = extensions;
    return c;
  }

  LeafPolicy policy() const {
    LeafPolicy p;
    p.group_id = group_id;
    p.group_context_extensions = extensions;
    return p;
  }

  // A signed key_package leaf with fresh keys; `tweak` edits it before signing.
  NewMember new_member(const std::string& identity,
                       const std::function<void(wire::LeafNode&)>& tweak = {}) const {
    NewMember m;
    crypto::KeyPair sig = suite.generate_signature_key_pair();
    crypto::KeyPair enc = suite.generate_hpke_key_pair();
    m.leaf.encryption_key = enc.public_key;
    m.leaf.signature_key = sig.public_key;
    m.leaf.credential = wire::Credential::basic(to_bytes(identity));
    m.leaf.capabilities.versions = {wire::ProtocolVersion::kMls10};
    m.leaf.capabilities.cipher_suites = {suite.id()};
    m.leaf.capabilities.credentials = {wire::CredentialType::kBasic};
    m.leaf.leaf_node_source = wire::LeafNodeSource::kKeyPackage;
    m.leaf.lifetime = {0, ~uint64_t{0}};
    if (member_defaults) member_defaults(m.leaf);
    if (tweak) tweak(m.leaf);
    m.leaf.signature = suite.sign_with_label(sig.private_key.view(), "LeafNodeTBS",
                                             m.leaf.to_be_signed(std::nullopt));
    m.encryption_private = std::move(enc.private_key);
    m.signature_private = sig.private_key.copy_out();
    return m;
  }

  LeafIndex add(NewMember m) {
    const LeafIndex l = tree.add_leaf(m.leaf);
    privates[l.value] = TreeKemPrivate(suite, l, std::move(m.encryption_private));
    signature_keys[l.value] = std::move(m.signature_private);
    return l;
  }
  LeafIndex add(const std::string& identity) { return add(new_member(identity)); }

  void remove(LeafIndex l) {
    tree.remove_leaf(l);
    privates.erase(l.value);
    signature_keys.erase(l.value);
    for (auto& [index, me] : privates)
      me.prune(tree);
  }

  // `committer` sends an UpdatePath; every other member applies it on its own copy of the
  // tree and must reach the same tree and commit secret; `joiners` take their path secret
  // from the (simulated) Welcome.
  CreatedUpdatePath commit(LeafIndex committer, const std::vector<LeafIndex>& joiners = {}) {
    RatchetTree after = tree;
    wire::GroupContext provisional = context();
    ++provisional.epoch;
    auto created = create_update_path(after, privates.at(committer.value), *tree.leaf(committer),
                                      signature_keys.at(committer.value), provisional, joiners);
    for (auto& [index, me] : privates) {
      const LeafIndex l(index);
      if (l == committer) continue;
      if (std::find(joiners.begin(), joiners.end(), l) != joiners.end()) {
        // §12.4.3.1: the joiner implants the path secret of its common ancestor.
        const SecretBytes* secret = created.path_secret_for(committer, l);
        if (secret == nullptr) {
          ADD_FAILURE() << "no path secret for joiner " << index;
          continue;
        }
        const SecretBytes commit_secret =
            me.implant(after, common_ancestor(committer.node(), l.node()), *secret);
        EXPECT_EQ(commit_secret, created.commit_secret) << "joiner " << index;
        continue;
      }
      RatchetTree mine = tree;
      const auto applied =
          apply_update_path(mine, me, committer, created.path, provisional, joiners);
      EXPECT_EQ(applied.commit_secret, created.commit_secret) << "member " << index;
      EXPECT_TRUE(mine == after) << "member " << index;
      EXPECT_EQ(mine.tree_hash(), after.tree_hash()) << "member " << index;
      me.check_consistent(mine);
    }
    tree = std::move(after);
    ++epoch;
    return created;
  }

  // The tree of the vectors' get_tree(n): leaf i commits adding member i + 1.
  static TestGroup grown(uint32_t n, uint16_t suite_id = 1,
                         std::function<void(wire::LeafNode&)> defaults = {}) {
    TestGroup g(suite_id);
    g.member_defaults = std::move(defaults);
    g.add("member 0");
    for (uint32_t i = 0; i + 1 < n; ++i) {
      const LeafIndex added = g.add("member " + std::to_string(i + 1));
      g.commit(LeafIndex(i), {added});
    }
    return g;
  }
};

// Re-signs a leaf over its current content (binding group_id and index for update/commit).
inline void resign(const crypto::Suite& suite, wire::LeafNode& leaf, LeafIndex l,
                   BytesView signature_private, BytesView group_id) {
  std::optional<wire::LeafNodeGroupBinding> binding;
  if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage)
    binding = wire::LeafNodeGroupBinding{to_bytes(group_id), l.value};
  leaf.signature =
      suite.sign_with_label(signature_private, "LeafNodeTBS", leaf.to_be_signed(binding));
}

// Edits the tree's nodes (as a tree-extension sender could) and imports the result.
inline RatchetTree edited(const RatchetTree& tree,
                          const std::function<void(wire::RatchetTreeNodes&)>& edit) {
  wire::RatchetTreeNodes nodes = tree.to_nodes();
  edit(nodes);
  return RatchetTree::from_nodes(tree.suite(), nodes);
}

inline wire::ParentNode& parent_at(wire::RatchetTreeNodes& nodes, uint32_t x) {
  return std::get<wire::ParentNode>(nodes.at(x).value().value);
}
inline wire::LeafNode& leaf_at(wire::RatchetTreeNodes& nodes, uint32_t l) {
  return std::get<wire::LeafNode>(nodes.at(2 * l).value().value);
}

// Makes the parent-hash chain from `leaf` up to `top` match the tree as it now is, as a
// malicious committer could: from the top down, each node's parent_hash becomes the parent hash
// of the next non-blank node above it, then the leaf is re-signed.
inline RatchetTree reseal_chain(const RatchetTree& tree, LeafIndex leaf, NodeIndex top,
                                BytesView signature_private, BytesView group_id) {
  std::vector<NodeIndex> chain{leaf.node()};
  for (NodeIndex x = leaf.node(); x != top;) {
    x = parent(x, tree.leaf_count());
    if (!tree.is_blank(x)) chain.push_back(x);
  }
  RatchetTree current = tree;
  for (size_t k = chain.size() - 1; k > 0; --k) {
    const NodeIndex p = chain[k];
    const NodeIndex below = chain[k - 1];
    const NodeIndex s = is_in_subtree(left(p), below) ? right(p) : left(p);
    const Bytes ph = current.parent_hash(p, s);
    current = edited(current, [&](wire::RatchetTreeNodes& nodes) {
      if (below.is_leaf()) {
        wire::LeafNode& l = leaf_at(nodes, below.leaf().value);
        l.parent_hash = ph;
        resign(tree.suite(), l, below.leaf(), signature_private, group_id);
      } else {
        parent_at(nodes, below.value).parent_hash = ph;
      }
    });
  }
  return current;
}

}  // namespace conclave::tree::testing
