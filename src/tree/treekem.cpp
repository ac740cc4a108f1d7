// RFC 9420 §7.4-§7.6 TreeKEM and the tree parts of §12.4.2.
#include "conclave/tree/treekem.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/tree/leaf_validation.h"

namespace conclave::tree {

namespace {

std::string node_name(NodeIndex x) {
  return "node " + std::to_string(x.value);
}

// §7.4: node_secret = DeriveSecret(path_secret, "node"); key pair = DeriveKeyPair(node_secret).
NodeKeyPair node_key_pair(const crypto::Suite& suite, BytesView path_secret) {
  const SecretBytes node_secret = suite.derive_secret(path_secret, "node");
  crypto::KeyPair kp = suite.derive_hpke_key_pair(node_secret.view());
  return NodeKeyPair{std::move(kp.private_key), std::move(kp.public_key)};
}

// §7.4: path_secret[n + 1] = DeriveSecret(path_secret[n], "path").
SecretBytes next_path_secret(const crypto::Suite& suite, BytesView path_secret) {
  return suite.derive_secret(path_secret, "path");
}

constexpr std::string_view kUpdatePathNodeLabel = "UpdatePathNode";  // §7.6
constexpr std::string_view kLeafNodeTbsLabel = "LeafNodeTBS";        // §7.2

}  // namespace

TreeKemPrivate::TreeKemPrivate(const crypto::Suite& suite, LeafIndex leaf,
                               SecretBytes leaf_private_key)
    : leaf_(leaf) {
  Bytes public_key = suite.provider().dh_public_key(suite.info().kem, leaf_private_key.view());
  keys_[leaf.node()] = NodeKeyPair{std::move(leaf_private_key), std::move(public_key)};
}

const SecretBytes* TreeKemPrivate::private_key(const RatchetTree& tree, NodeIndex x) const {
  const auto it = keys_.find(x);
  if (it == keys_.end() || !tree.contains(x)) return nullptr;
  const auto current = tree.encryption_key(x);
  if (!current || !std::ranges::equal(*current, it->second.public_key)) return nullptr;
  return &it->second.private_key;
}

void TreeKemPrivate::set_key(NodeIndex x, NodeKeyPair key) {
  keys_[x] = std::move(key);
}

void TreeKemPrivate::set_path_secret(const crypto::Suite& suite, NodeIndex x,
                                     BytesView path_secret) {
  keys_[x] = node_key_pair(suite, path_secret);
}

SecretBytes TreeKemPrivate::implant(const RatchetTree& tree, NodeIndex start,
                                    SecretBytes path_secret) {
  const crypto::Suite& suite = tree.suite();
  std::vector<std::pair<NodeIndex, NodeKeyPair>> derived;
  const auto take = [&](NodeIndex x) {
    NodeKeyPair kp = node_key_pair(suite, path_secret.view());
    const auto expected = tree.encryption_key(x);
    if (!expected || !std::ranges::equal(*expected, kp.public_key))
      throw Error(ErrorCode::kPrivateKeyMismatch,
                  node_name(x) + ": the path secret's public key is not the tree's");
    derived.emplace_back(x, std::move(kp));
  };
  take(start);
  // The committer's path secrets sit on its filtered direct path, which after the merge is
  // exactly the non-blank nodes of its direct path.
  const NodeIndex r = tree.root();
  for (NodeIndex x = start; x != r;) {
    x = parent(x, tree.leaf_count());
    if (tree.is_blank(x)) continue;
    path_secret = next_path_secret(suite, path_secret.view());
    take(x);
  }
  for (auto& [x, kp] : derived)
    keys_[x] = std::move(kp);
  return next_path_secret(suite, path_secret.view());
}

void TreeKemPrivate::prune(const RatchetTree& tree) {
  std::erase_if(keys_, [&](const auto& entry) {
    const auto& [x, kp] = entry;
    if (!tree.contains(x)) return true;
    const auto current = tree.encryption_key(x);
    return !current || !std::ranges::equal(*current, kp.public_key);
  });
}

void TreeKemPrivate::check_consistent(const RatchetTree& tree) const {
  for (const auto& [x, kp] : keys_) {
    if (!tree.contains(x) || tree.is_blank(x))
      throw Error(ErrorCode::kPrivateKeyMismatch, node_name(x) + " is blank or not in the tree");
    if (!std::ranges::equal(*tree.encryption_key(x), kp.public_key))
      throw Error(ErrorCode::kPrivateKeyMismatch,
                  node_name(x) + ": the private key does not match the node's public key");
  }
}

const SecretBytes* CreatedUpdatePath::path_secret_for(LeafIndex committer, LeafIndex joiner) const {
  const NodeIndex lca = common_ancestor(committer.node(), joiner.node());
  for (const auto& [x, secret] : path_secrets)
    if (x == lca) return &secret;
  return nullptr;
}

CreatedUpdatePath create_update_path(RatchetTree& tree, TreeKemPrivate& me,
                                     const wire::LeafNode& leaf_template,
                                     BytesView signature_private_key,
                                     wire::GroupContext provisional,
                                     std::span<const LeafIndex> joiners,
                                     std::optional<SecretBytes> leaf_secret, unsigned max_threads) {
  const crypto::Suite& suite = tree.suite();
  const LeafIndex sender = me.leaf();
  if (!tree.contains(sender))
    throw Error(ErrorCode::kLeafNotInTree, "leaf " + std::to_string(sender.value));

  // §7.4: a fresh leaf secret gives the leaf's key pair and, one step on, path_secret[0].
  SecretBytes secret =
      leaf_secret ? std::move(*leaf_secret) : suite.random_secret(suite.hash_len());
  NodeKeyPair leaf_keys = node_key_pair(suite, secret.view());
  const std::vector<PathStep> steps = tree.filtered_direct_path(sender);
  CreatedUpdatePath out;
  std::vector<NodeKeyPair> node_keys;
  std::vector<wire::HpkePublicKey> public_keys;
  for (const PathStep& step : steps) {
    secret = next_path_secret(suite, secret.view());
    node_keys.push_back(node_key_pair(suite, secret.view()));
    public_keys.push_back(node_keys.back().public_key);
    out.path_secrets.emplace_back(step.node, secret);
  }
  out.commit_secret = next_path_secret(suite, secret.view());  // §12.4.2

  // §7.5 steps 3-4 and §7.9: parent hashes from the root down, then the signed leaf.
  PathMerge plan = tree.plan_path(sender, public_keys);
  wire::LeafNode leaf = leaf_template;
  leaf.encryption_key = leaf_keys.public_key;
  leaf.leaf_node_source = wire::LeafNodeSource::kCommit;
  leaf.lifetime = {};
  leaf.parent_hash = plan.leaf_parent_hash;
  leaf.signature = suite.sign_with_label(
      signature_private_key, kLeafNodeTbsLabel,
      leaf.to_be_signed(wire::LeafNodeGroupBinding{provisional.group_id, sender.value}));
  plan.leaf = leaf;

  // §12.4.2: the path secrets are encrypted under the provisional GroupContext, whose tree
  // hash is that of the tree with the path merged.
  provisional.tree_hash = tree.tree_hash_after(plan);
  const Bytes context = codec::encode(provisional);
  out.path.leaf_node = std::move(leaf);
  out.path.nodes.resize(steps.size());
  // §7.6: one ciphertext per node of the copath child's resolution, new members left out. All
  // encryptions share the label and context, so they run as one batch over the cores (a
  // sparse tree's resolutions can hold most of the group).
  std::vector<crypto::Suite::LabeledRecipient> recipients;
  std::vector<size_t> per_node(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    out.path.nodes[i].encryption_key = public_keys[i];
    for (NodeIndex r : tree.resolution(steps[i].copath_child, joiners)) {
      const auto key = tree.encryption_key(r);
      if (!key)
        throw Error(ErrorCode::kUnmergedLeafBlank, node_name(r) + " is an unmerged blank leaf");
      recipients.push_back({*key, out.path_secrets[i].second.view()});
      ++per_node[i];
    }
  }
  auto sealed =
      suite.encrypt_with_label_many(recipients, kUpdatePathNodeLabel, context, max_threads);
  size_t next = 0;
  for (size_t i = 0; i < steps.size(); ++i)
    for (size_t k = 0; k < per_node[i]; ++k)
      out.path.nodes[i].encrypted_path_secret.push_back(std::move(sealed[next++]));

  tree.merge(plan);
  me.set_key(sender.node(), std::move(leaf_keys));
  for (size_t i = 0; i < steps.size(); ++i)
    me.set_key(steps[i].node, std::move(node_keys[i]));
  me.prune(tree);
  out.provisional_context = std::move(provisional);
  return out;
}

PathMerge plan_update_path(const RatchetTree& tree, LeafIndex sender,
                           const wire::UpdatePath& path) {
  if (!tree.contains(sender))
    throw Error(ErrorCode::kLeafNotInTree, "leaf " + std::to_string(sender.value));
  if (path.leaf_node.leaf_node_source != wire::LeafNodeSource::kCommit)
    throw Error(ErrorCode::kLeafNodeSourceMismatch,
                "the UpdatePath leaf's source is not commit (§12.4.2)");
  // §12.4.2: none of the UpdatePath's public keys may already be in the tree (nor twice in it).
  std::vector<wire::HpkePublicKey> keys;
  keys.reserve(path.nodes.size());
  for (const auto& node : path.nodes)
    keys.push_back(node.encryption_key);
  std::vector<BytesView> all(keys.begin(), keys.end());
  all.push_back(path.leaf_node.encryption_key);
  for (BytesView key : all) {
    if (tree.encryption_key_count(key) > 0)
      throw Error(ErrorCode::kUpdatePathKeyReused, "an UpdatePath key is already in the tree");
    check_encryption_key(tree.suite(), key,
                         [&] { return "UpdatePath of leaf " + std::to_string(sender.value); });
  }
  std::sort(all.begin(), all.end(), [](BytesView a, BytesView b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  });
  for (size_t i = 1; i < all.size(); ++i)
    if (std::equal(all[i - 1].begin(), all[i - 1].end(), all[i].begin(), all[i].end()))
      throw Error(ErrorCode::kUpdatePathKeyReused, "the UpdatePath holds a key twice");

  PathMerge plan = tree.plan_path(sender, keys);
  // §7.9.2: the new leaf's parent hash must be the one its path produces.
  if (path.leaf_node.parent_hash != plan.leaf_parent_hash)
    throw Error(ErrorCode::kLeafParentHashMismatch,
                "leaf " + std::to_string(sender.value) + ": parent_hash " +
                    to_hex(path.leaf_node.parent_hash) + ", computed " +
                    to_hex(plan.leaf_parent_hash));
  plan.leaf = path.leaf_node;
  return plan;
}

DecryptedUpdatePath decrypt_update_path(const RatchetTree& tree, const TreeKemPrivate& me,
                                        const PathMerge& plan, const wire::UpdatePath& path,
                                        BytesView context, std::span<const LeafIndex> joiners) {
  const crypto::Suite& suite = tree.suite();
  const LeafIndex receiver = me.leaf();
  if (receiver == plan.sender)
    throw Error(ErrorCode::kInvalidArgument, "the committer does not decrypt its own path");
  if (path.nodes.size() != plan.path.size())
    throw Error(ErrorCode::kUpdatePathLengthMismatch, "the path does not match its plan");

  // §7.6: every node's ciphertexts match its copath child's resolution less the new members.
  const NodeIndex lca = common_ancestor(receiver.node(), plan.sender.node());
  std::optional<size_t> at;
  std::vector<NodeIndex> receiver_resolution;
  for (size_t i = 0; i < plan.path.size(); ++i) {
    std::vector<NodeIndex> res = tree.resolution(plan.path[i].copath_child, joiners);
    if (res.size() != path.nodes[i].encrypted_path_secret.size())
      throw Error(ErrorCode::kUpdatePathCiphertextCount,
                  node_name(plan.path[i].node) + ": " +
                      std::to_string(path.nodes[i].encrypted_path_secret.size()) +
                      " ciphertexts for a resolution of " + std::to_string(res.size()));
    if (plan.path[i].node == lca) {
      at = i;
      receiver_resolution = std::move(res);
    }
  }
  if (!at)
    throw Error(ErrorCode::kNoDecryptionKey,
                "leaf " + std::to_string(receiver.value) +
                    " is below no node of the committer's filtered direct path");

  // §7.5: decrypt with the key we hold in the copath child's resolution.
  const SecretBytes* private_key = nullptr;
  size_t which = 0;
  for (; which < receiver_resolution.size(); ++which)
    if ((private_key = me.private_key(tree, receiver_resolution[which])) != nullptr) break;
  if (private_key == nullptr)
    throw Error(ErrorCode::kNoDecryptionKey, "leaf " + std::to_string(receiver.value) +
                                                 " holds no key in the resolution of " +
                                                 node_name(plan.path[*at].copath_child));
  const wire::HpkeCiphertext& ct = path.nodes[*at].encrypted_path_secret[which];
  DecryptedUpdatePath out;
  out.decrypted_node = lca;
  out.path_secret = SecretBytes(suite.decrypt_with_label(private_key->view(), kUpdatePathNodeLabel,
                                                         context, ct.kem_output, ct.ciphertext));

  // §7.5: derive up the path, checking each public key against the one sent.
  SecretBytes secret = out.path_secret;
  for (size_t i = *at; i < plan.path.size(); ++i) {
    NodeKeyPair kp = node_key_pair(suite, secret.view());
    if (kp.public_key != path.nodes[i].encryption_key)
      throw Error(ErrorCode::kUpdatePathKeyMismatch,
                  node_name(plan.path[i].node) + ": the derived public key is not the one sent");
    out.keys.emplace_back(plan.path[i].node, std::move(kp));
    secret = next_path_secret(suite, secret.view());
  }
  out.commit_secret = std::move(secret);
  return out;
}

AppliedUpdatePath apply_update_path(RatchetTree& tree, TreeKemPrivate& me, LeafIndex sender,
                                    const wire::UpdatePath& path, wire::GroupContext provisional,
                                    std::span<const LeafIndex> joiners) {
  const PathMerge plan = plan_update_path(tree, sender, path);
  provisional.tree_hash = tree.tree_hash_after(plan);
  DecryptedUpdatePath decrypted =
      decrypt_update_path(tree, me, plan, path, codec::encode(provisional), joiners);
  tree.merge(plan);
  for (auto& [x, kp] : decrypted.keys)
    me.set_key(x, std::move(kp));
  me.prune(tree);  // §7.5: keys of the nodes the merge replaced or blanked go
  return AppliedUpdatePath{std::move(decrypted.commit_secret), decrypted.decrypted_node,
                           std::move(decrypted.path_secret), std::move(provisional)};
}

}  // namespace conclave::tree
