// key-schedule, psk-secret and secret-tree vectors (test-vectors README; RFC 9420 §8, §8.4,
// §9).
#include <string>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/detail/sender_data.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/psk.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/psk.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

std::string at_epoch(size_t epoch, const char* what) {
  return "epoch " + std::to_string(epoch) + ": " + what;
}

void expect_epoch_bytes(size_t epoch, const char* what, BytesView actual, BytesView expected) {
  expect_bytes(at_epoch(epoch, what).c_str(), actual, expected);
}

}  // namespace

void check_key_schedule(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const Bytes group_id = hex_field(c, "group_id");
  SecretBytes init_secret(hex_field(c, "initial_init_secret"));
  const Json& epochs = c.at("epochs");
  expect_true("no epochs", !epochs.empty());

  for (size_t i = 0; i < epochs.size(); ++i) {
    const Json& e = epochs[i];
    wire::GroupContext context;
    context.cipher_suite = suite.id();
    context.group_id = group_id;
    context.epoch = i;
    context.tree_hash = hex_field(e, "tree_hash");
    context.confirmed_transcript_hash = hex_field(e, "confirmed_transcript_hash");
    const Bytes encoded = codec::encode(context);
    expect_epoch_bytes(i, "group_context", encoded, hex_field(e, "group_context"));

    const Bytes commit_secret = hex_field(e, "commit_secret");
    const Bytes psk_secret = hex_field(e, "psk_secret");

    // The step-by-step path of a joiner (§12.4.3.1) ...
    const SecretBytes joiner =
        schedule::derive_joiner_secret(suite, init_secret.view(), commit_secret, encoded);
    expect_epoch_bytes(i, "joiner_secret", joiner.view(), hex_field(e, "joiner_secret"));
    expect_epoch_bytes(i, "welcome_secret",
                       schedule::derive_welcome_secret(suite, joiner.view(), psk_secret).view(),
                       hex_field(e, "welcome_secret"));
    const schedule::EpochSecrets secrets =
        schedule::derive_epoch_secrets(suite, joiner.view(), psk_secret, encoded);

    // ... and the whole run of a member must agree with it.
    const schedule::KeyScheduleResult run =
        schedule::run_key_schedule(suite, init_secret.view(), commit_secret, psk_secret, context);
    expect_true(at_epoch(i, "run_key_schedule differs from the joiner's path").c_str(),
                run.joiner_secret == joiner && run.epoch == secrets);

    const struct {
      const char* name;
      const SecretBytes& value;
    } derived[] = {
        {"sender_data_secret", secrets.sender_data_secret},
        {"encryption_secret", secrets.encryption_secret},
        {"exporter_secret", secrets.exporter_secret},
        {"epoch_authenticator", secrets.epoch_authenticator},
        {"external_secret", secrets.external_secret},
        {"confirmation_key", secrets.confirmation_key},
        {"membership_key", secrets.membership_key},
        {"resumption_psk", secrets.resumption_psk},
        {"init_secret", secrets.init_secret},
    };
    for (const auto& d : derived)
      expect_epoch_bytes(i, d.name, d.value.view(), hex_field(e, d.name));

    const crypto::KeyPair external =
        schedule::derive_external_key_pair(suite, secrets.external_secret.view());
    expect_epoch_bytes(i, "external_pub", external.public_key, hex_field(e, "external_pub"));
    // §8.3: an external joiner and the members reach the same init_secret.
    const schedule::ExternalInit joiner_side =
        schedule::external_init_for_joiner(suite, external.public_key);
    expect_epoch_bytes(i, "external init secret (member side)",
                       schedule::external_init_for_member(suite, external.private_key.view(),
                                                          joiner_side.kem_output)
                           .view(),
                       joiner_side.init_secret.view());

    // The exporter label is a string used as is (it happens to look like hex; it is not
    // decoded).
    const Json& exporter = e.at("exporter");
    expect_epoch_bytes(i, "exporter.secret",
                       schedule::mls_exporter(suite, secrets.exporter_secret.view(),
                                              exporter.at("label").get<std::string>(),
                                              hex_field(exporter, "context"),
                                              uint_field<uint32_t>(exporter, "length"))
                           .view(),
                       hex_field(exporter, "secret"));

    init_secret = secrets.init_secret;
  }
}

void check_psk_secret(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  std::vector<schedule::PskInput> psks;
  for (const Json& p : c.at("psks")) {
    psks.push_back(schedule::PskInput{
        wire::PreSharedKeyId::external(hex_field(p, "psk_id"), hex_field(p, "psk_nonce")),
        SecretBytes(hex_field(p, "psk"))});
  }
  expect_bytes("psk_secret", schedule::derive_psk_secret(suite, psks).view(),
               hex_field(c, "psk_secret"));
}

void check_secret_tree(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));

  const Json& sd = c.at("sender_data");
  const schedule::KeyAndNonce sd_key = schedule::derive_sender_data_key(
      suite, hex_field(sd, "sender_data_secret"), hex_field(sd, "ciphertext"));
  expect_bytes("sender_data key", sd_key.key.view(), hex_field(sd, "key"));
  expect_bytes("sender_data nonce", sd_key.nonce.view(), hex_field(sd, "nonce"));

  const Json& leaves = c.at("leaves");
  expect_true("no leaves", !leaves.empty());
  schedule::SecretTree tree(suite, tree::LeafCount(static_cast<uint32_t>(leaves.size())),
                            SecretBytes(hex_field(c, "encryption_secret")));
  for (uint32_t i = 0; i < leaves.size(); ++i) {
    const tree::LeafIndex leaf(i);
    for (const Json& g : leaves[i]) {
      const uint32_t generation = uint_field<uint32_t>(g, "generation");
      const std::string at =
          "leaf " + std::to_string(i) + " generation " + std::to_string(generation) + ": ";
      for (const auto type :
           {schedule::RatchetType::kHandshake, schedule::RatchetType::kApplication}) {
        const std::string name(schedule::ratchet_label(type));  // "handshake", "application"
        // Peek first (no consumption), then take: the receiver's two-step path.
        const schedule::KeyAndNonce peeked = tree.peek_key(suite, leaf, type, generation);
        const schedule::KeyAndNonce taken = tree.take_key(suite, leaf, type, generation);
        expect_true((at + name + ": peek and take differ").c_str(), peeked == taken);
        expect_bytes((at + name + "_key").c_str(), taken.key.view(),
                     hex_field(g, (name + "_key").c_str()));
        expect_bytes((at + name + "_nonce").c_str(), taken.nonce.view(),
                     hex_field(g, (name + "_nonce").c_str()));
      }
    }
  }
}

}  // namespace conclave::vectors
