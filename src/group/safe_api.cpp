// The Safe Application Interface of the extensions draft (draft-ietf-mls-extensions §The Safe
// Application Interface): a group's keys used by application components, each operation
// domain-separated by the component's ComponentOperationLabel.
#include <string>

#include "conclave/base/error.h"
#include "conclave/group/group.h"
#include "conclave/schedule/safe_crypto.h"
#include "conclave/wire/safe_aad.h"
#include "proposal_checks.h"

namespace conclave {

namespace {

const wire::LeafNode& member_leaf(const tree::RatchetTree& tree, tree::LeafIndex l) {
  const wire::LeafNode* leaf = tree.contains(l) ? tree.leaf(l) : nullptr;
  if (leaf == nullptr)
    throw Error(ErrorCode::kSafeKeyUnavailable, detail::leaf_text(l) + " is not a member");
  return *leaf;
}

}  // namespace

crypto::HpkeCiphertext Group::safe_encrypt(tree::LeafIndex to, wire::ComponentId component_id,
                                           std::string_view label, BytesView context,
                                           BytesView plaintext) const {
  const wire::LeafNode& leaf = member_leaf(tree_, to);
  return schedule::safe_encrypt_with_label(suite_, leaf.encryption_key, component_id, label,
                                           context, plaintext);
}

Bytes Group::safe_decrypt(wire::ComponentId component_id, std::string_view label, BytesView context,
                          const crypto::HpkeCiphertext& ciphertext) const {
  // §HPKE Keys: "PrivateKey of a leaf node is known only to the member in that leaf".
  const SecretBytes* key = active_ ? tree_private_.private_key(tree_, own_leaf_.node()) : nullptr;
  if (key == nullptr) throw Error(ErrorCode::kSafeKeyUnavailable, "no leaf private key is held");
  return schedule::safe_decrypt_with_label(suite_, key->view(), component_id, label, context,
                                           ciphertext);
}

Bytes Group::safe_sign(wire::ComponentId component_id, std::string_view label,
                       BytesView content) const {
  return schedule::safe_sign_with_label(suite_, signature_private_key_.view(), component_id, label,
                                        content);
}

bool Group::safe_verify(tree::LeafIndex signer, wire::ComponentId component_id,
                        std::string_view label, BytesView content, BytesView signature) const {
  const wire::LeafNode& leaf = member_leaf(tree_, signer);
  return schedule::safe_verify_with_label(suite_, leaf.signature_key, component_id, label, content,
                                          signature);
}

SecretBytes Group::safe_export(wire::ComponentId component_id) {
  if (!active_ || !exporter_tree_)
    throw Error(ErrorCode::kSafeExportUnavailable,
                active_ ? "this epoch's application_export_secret is not held (a state written "
                          "before the safe exporter): available from the next epoch"
                        : "removed from the group");
  // Taken from a copy: a component already consumed leaves the tree as it was.
  schedule::ExporterTree next = *exporter_tree_;
  SecretBytes secret = next.take(suite_, component_id);
  exporter_tree_ = std::move(next);
  if (store_) changes_.exporter = true;
  // Stored before the secret leaves, so a restart cannot hand it out again.
  persist();
  return secret;
}

bool Group::safe_export_available(wire::ComponentId component_id) const {
  return active_ && exporter_tree_ && exporter_tree_->available(component_id);
}

bool Group::safe_aad_required() const {
  return wire::safe_aad_required(context_.extensions);
}

}  // namespace conclave
