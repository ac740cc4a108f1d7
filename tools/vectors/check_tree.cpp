// tree-operations, tree-validation and treekem vectors (test-vectors README).
#include <map>
#include <string>

#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/detail/tree_validation.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/proposal.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

using tree::LeafIndex;
using tree::NodeIndex;
using tree::RatchetTree;

RatchetTree tree_field(const crypto::Suite& suite, const Json& c, const char* key) {
  return RatchetTree::from_nodes(suite, codec::decode<wire::RatchetTreeNodes>(hex_field(c, key)));
}

std::string at_node(const char* what, uint32_t node) {
  return std::string(what) + "[" + std::to_string(node) + "]";
}

}  // namespace

void check_tree_operations(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  RatchetTree tree = tree_field(suite, c, "tree_before");
  expect_bytes("tree_hash_before", tree.tree_hash(), hex_field(c, "tree_hash_before"));

  // RFC 9420 §12.1.1-§12.1.3 applied to the tree.
  const auto proposal = codec::decode<wire::Proposal>(hex_field(c, "proposal"));
  const LeafIndex sender(uint_field<uint32_t>(c, "proposal_sender"));
  if (const auto* add = std::get_if<wire::Add>(&proposal.content)) {
    tree.add_leaf(add->key_package.leaf_node);
  } else if (const auto* update = std::get_if<wire::Update>(&proposal.content)) {
    tree.update_leaf(sender, update->leaf_node);
  } else if (const auto* remove = std::get_if<wire::Remove>(&proposal.content)) {
    tree.remove_leaf(LeafIndex(remove->removed));
  } else {
    throw CheckFailure("proposal is not an add, update or remove");
  }
  expect_bytes("tree_after", codec::encode(tree.to_nodes()), hex_field(c, "tree_after"));
  expect_bytes("tree_hash_after", tree.tree_hash(), hex_field(c, "tree_hash_after"));
}

void check_tree_validation(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const RatchetTree tree = tree_field(suite, c, "tree");
  const Json& resolutions = c.at("resolutions");
  const Json& hashes = c.at("tree_hashes");
  expect_true("one resolution per node", resolutions.size() == tree.width());
  expect_true("one tree hash per node", hashes.size() == tree.width());
  for (uint32_t i = 0; i < tree.width(); ++i) {
    std::vector<uint32_t> got;
    for (NodeIndex x : tree.resolution(NodeIndex(i)))
      got.push_back(x.value);
    expect_true(at_node("resolution", i).c_str(),
                got == read_uint_array<uint32_t>(resolutions[i], at_node("resolutions", i)));
    expect_bytes(at_node("tree_hash", i).c_str(), tree.tree_hash(NodeIndex(i)),
                 from_hex(hashes[i].get<std::string>()));
  }
  // RFC 9420 §12.4.3.1: everything a joiner checks, leaf signatures bound to group_id.
  tree::TreeValidationOptions options;
  options.policy.group_id = hex_field(c, "group_id");
  tree::validate_tree(tree, options);
}

void check_treekem(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const RatchetTree tree = tree_field(suite, c, "ratchet_tree");

  // Each member's private state, checked against the public tree.
  std::map<uint32_t, tree::TreeKemPrivate> members;
  std::map<uint32_t, Bytes> signature_keys;
  for (const Json& leaf : c.at("leaves_private")) {
    const LeafIndex index(uint_field<uint32_t>(leaf, "index"));
    tree::TreeKemPrivate me(suite, index, SecretBytes(hex_field(leaf, "encryption_priv")));
    for (const Json& ps : leaf.at("path_secrets"))
      me.set_path_secret(suite, NodeIndex(uint_field<uint32_t>(ps, "node")),
                         hex_field(ps, "path_secret"));
    me.check_consistent(tree);
    members.emplace(index.value, std::move(me));
    signature_keys.emplace(index.value, hex_field(leaf, "signature_priv"));
  }

  wire::GroupContext group_context;
  group_context.cipher_suite = suite.id();
  group_context.group_id = hex_field(c, "group_id");
  group_context.epoch = uint_field<uint64_t>(c, "epoch");
  group_context.confirmed_transcript_hash = hex_field(c, "confirmed_transcript_hash");

  // Every member other than the sender processes a path and agrees on the commit secret.
  const auto each_receiver = [&](LeafIndex sender, auto&& f) {
    for (LeafIndex j : tree.members()) {
      if (j == sender) continue;
      const auto it = members.find(j.value);
      if (it == members.end())
        throw CheckFailure("no private state for leaf " + std::to_string(j.value));
      f(j, it->second);
    }
  };

  for (const Json& entry : c.at("update_paths")) {
    const LeafIndex sender(uint_field<uint32_t>(entry, "sender"));
    const auto path = codec::decode<wire::UpdatePath>(hex_field(entry, "update_path"));
    const Bytes commit_secret = hex_field(entry, "commit_secret");

    // RFC 9420 §7.5, §7.9.2: the path is parent-hash valid relative to the tree.
    const tree::PathMerge plan = tree::plan_update_path(tree, sender, path);
    wire::GroupContext provisional = group_context;
    provisional.tree_hash = tree.tree_hash_after(plan);
    expect_bytes("tree hash of the merged tree", provisional.tree_hash,
                 hex_field(entry, "tree_hash_after"));
    const Bytes context = codec::encode(provisional);
    each_receiver(sender, [&](LeafIndex j, const tree::TreeKemPrivate& me) {
      const auto got = tree::decrypt_update_path(tree, me, plan, path, context);
      const std::string who = "leaf " + std::to_string(j.value);
      expect_bytes((who + ": path secret").c_str(), got.path_secret.view(),
                   from_hex(entry.at("path_secrets").at(j.value).get<std::string>()));
      expect_bytes((who + ": commit secret").c_str(), got.commit_secret.view(), commit_secret);
    });
    RatchetTree merged = tree;
    merged.merge(plan);
    expect_bytes("tree_hash_after", merged.tree_hash(), hex_field(entry, "tree_hash_after"));

    // A fresh UpdatePath from the same sender, processed by everyone else.
    RatchetTree committed = tree;
    tree::TreeKemPrivate me = members.at(sender.value);
    const auto created = tree::create_update_path(committed, me, *tree.leaf(sender),
                                                  signature_keys.at(sender.value), group_context);
    expect_bytes("created path: tree hash", committed.tree_hash(),
                 created.provisional_context.tree_hash);
    const tree::PathMerge new_plan = tree::plan_update_path(tree, sender, created.path);
    const Bytes new_context = codec::encode(created.provisional_context);
    each_receiver(sender, [&](LeafIndex j, const tree::TreeKemPrivate& receiver) {
      const auto got =
          tree::decrypt_update_path(tree, receiver, new_plan, created.path, new_context);
      expect_bytes(("created path: leaf " + std::to_string(j.value) + ": commit secret").c_str(),
                   got.commit_secret.view(), created.commit_secret.view());
    });
  }
}

}  // namespace conclave::vectors
