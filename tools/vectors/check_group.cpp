// passive-client vectors (test-vectors README): join by Welcome, then follow every epoch.
#include <string>
#include <utility>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "vectors/checks.h"

namespace conclave::vectors {

void check_passive_client(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const auto kp_message = codec::decode<wire::MlsMessage>(hex_field(c, "key_package"));
  const auto* kp = kp_message.get<wire::KeyPackage>();
  expect_true("key_package holds a KeyPackage", kp != nullptr);

  // The client's keys must be those of its KeyPackage.
  Identity identity;
  identity.cipher_suite = suite.id();
  identity.credential = kp->leaf_node.credential;
  identity.signature_private_key = SecretBytes(hex_field(c, "signature_priv"));
  identity.signature_public_key = kp->leaf_node.signature_key;
  expect_bytes("signature_priv matches the leaf's signature_key",
               suite.provider().signature_public_key(suite.info().signature,
                                                     identity.signature_private_key.view()),
               kp->leaf_node.signature_key);
  KeyPackageBundle bundle{*kp, SecretBytes(hex_field(c, "init_priv")),
                          SecretBytes(hex_field(c, "encryption_priv"))};
  expect_bytes("init_priv matches init_key",
               suite.provider().dh_public_key(suite.info().kem, bundle.init_private_key.view()),
               kp->init_key);
  expect_bytes(
      "encryption_priv matches encryption_key",
      suite.provider().dh_public_key(suite.info().kem, bundle.encryption_private_key.view()),
      kp->leaf_node.encryption_key);

  std::vector<std::pair<Bytes, Bytes>> psks;
  for (const auto& psk : c.at("external_psks"))
    psks.emplace_back(hex_field(psk, "psk_id"), hex_field(psk, "psk"));
  GroupPolicy policy;
  // The vectors' credentials vouch for nobody: only the protocol is checked here.
  policy.credential_validator = insecure_accept_any_credential();
  policy.check_lifetimes = false;  // the vectors were made long ago; their lifetimes are not ours
  policy.allow_application_with_pending_proposals = true;
  policy.external_psk = [psks](BytesView id) -> std::optional<SecretBytes> {
    for (const auto& [psk_id, psk] : psks)
      if (constant_time_equal(psk_id, id)) return SecretBytes(psk);
    return std::nullopt;
  };

  std::optional<wire::RatchetTreeNodes> tree;
  if (!c.at("ratchet_tree").is_null())
    tree = codec::decode<wire::RatchetTreeNodes>(hex_field(c, "ratchet_tree"));
  GroupConfig config;
  config.past_epochs_kept = 0;
  Group group =
      Group::join(ctx.provider, identity, bundle,
                  codec::decode<wire::MlsMessage>(hex_field(c, "welcome")), tree, config, policy);
  expect_bytes("initial epoch_authenticator", group.epoch_authenticator().view(),
               hex_field(c, "initial_epoch_authenticator"));

  size_t index = 0;
  for (const auto& epoch : c.at("epochs")) {
    const std::string at = "epoch " + std::to_string(index++) + ": ";
    try {
      for (const auto& proposal : epoch.at("proposals")) {
        const auto result =
            group.process(codec::decode<wire::MlsMessage>(from_hex(proposal.get<std::string>())));
        expect_true("a proposal message gives a proposal",
                    std::holds_alternative<ReceivedProposal>(result));
      }
      auto result = group.process(codec::decode<wire::MlsMessage>(hex_field(epoch, "commit")));
      auto* staged = std::get_if<StagedCommit>(&result);
      expect_true("the commit message gives a staged commit", staged != nullptr);
      group.merge(std::move(*staged));
      expect_bytes("epoch_authenticator", group.epoch_authenticator().view(),
                   hex_field(epoch, "epoch_authenticator"));
    } catch (const std::exception& e) {
      throw CheckFailure(at + e.what());
    }
  }
}

}  // namespace conclave::vectors
