// message-protection and welcome vectors (test-vectors README).
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/wire/message.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

using wire::AuthenticatedContent;
using wire::Content;
using wire::WireFormat;

constexpr uint32_t kSenderLeaf = 1;  // the README: "use the member with LeafIndex 1"

struct ProtectionCase {
  crypto::Suite suite;
  wire::GroupContext context;
  Bytes signature_priv;
  Bytes signature_pub;
  Bytes encryption_secret;
  Bytes sender_data_secret;
  Bytes membership_key;

  schedule::SecretTree fresh_tree() const {
    return schedule::SecretTree(suite, tree::LeafCount(2), SecretBytes(encryption_secret));
  }

  AuthenticatedContent sign(WireFormat wire_format, const Content& content) const {
    AuthenticatedContent ac;
    ac.wire_format = wire_format;
    ac.content.group_id = context.group_id;
    ac.content.epoch = context.epoch;
    ac.content.sender = wire::Sender::member(kSenderLeaf);
    ac.content.content = content;
    ac.auth.signature =
        schedule::sign_framed_content(suite, wire_format, ac.content, signature_priv, context);
    // The tag's value is not checked here; a commit only needs one to be present.
    if (ac.content.content_type() == wire::ContentType::kCommit)
      ac.auth.confirmation_tag = Bytes(suite.hash_len(), 0);
    return ac;
  }

  Content open_public(const wire::MlsMessage& message) const {
    const auto* pub = message.get<wire::PublicMessage>();
    if (pub == nullptr) throw CheckFailure("not a PublicMessage");
    const auto ac = schedule::unprotect_public_message(suite, *pub, membership_key, context);
    schedule::verify_framed_content(suite, ac, signature_pub, context);
    return ac.content.content;
  }

  Content open_private(const wire::MlsMessage& message) const {
    const auto* priv = message.get<wire::PrivateMessage>();
    if (priv == nullptr) throw CheckFailure("not a PrivateMessage");
    auto tree = fresh_tree();
    const auto ac = schedule::unprotect_private_message(
        suite, *priv, tree, sender_data_secret, [&](const AuthenticatedContent& c) {
          schedule::verify_framed_content(suite, c, signature_pub, context);
        });
    return ac.content.content;
  }

  wire::MlsMessage protect_private(const Content& content) const {
    auto tree = fresh_tree();
    return wire::MlsMessage{schedule::protect_private_message(
        suite, sign(WireFormat::kPrivateMessage, content), tree, sender_data_secret)};
  }
};

void check_content(const ProtectionCase& pc, const Json& c, const std::string& name,
                   const Content& raw) {
  const auto what = [&](const char* step) { return name + ": " + step; };
  const bool application = wire::content_type_of(raw) == wire::ContentType::kApplication;
  if (!application) {
    const auto pub = codec::decode<wire::MlsMessage>(hex_field(c, (name + "_pub").c_str()));
    expect_true(what("the given PublicMessage opens to the raw content").c_str(),
                pc.open_public(pub) == raw);
    const auto fresh = wire::MlsMessage{schedule::protect_public_message(
        pc.suite, pc.sign(WireFormat::kPublicMessage, raw), pc.membership_key, pc.context)};
    expect_true(what("a fresh PublicMessage opens to the raw content").c_str(),
                pc.open_public(codec::decode<wire::MlsMessage>(codec::encode(fresh))) == raw);
  } else {
    bool refused = false;
    try {
      schedule::protect_public_message(pc.suite, pc.sign(WireFormat::kPublicMessage, raw),
                                       pc.membership_key, pc.context);
    } catch (const Error& e) {
      refused = e.code() == ErrorCode::kApplicationAsPublicMessage;
    }
    expect_true(what("application data is refused as a PublicMessage").c_str(), refused);
  }
  const auto priv = codec::decode<wire::MlsMessage>(hex_field(c, (name + "_priv").c_str()));
  expect_true(what("the given PrivateMessage opens to the raw content").c_str(),
              pc.open_private(priv) == raw);
  const auto fresh = pc.protect_private(raw);
  expect_true(what("a fresh PrivateMessage opens to the raw content").c_str(),
              pc.open_private(codec::decode<wire::MlsMessage>(codec::encode(fresh))) == raw);
}

}  // namespace

void check_message_protection(const Json& c, const CheckContext& ctx) {
  ProtectionCase pc{crypto::Suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite")),
                    {},
                    hex_field(c, "signature_priv"),
                    hex_field(c, "signature_pub"),
                    hex_field(c, "encryption_secret"),
                    hex_field(c, "sender_data_secret"),
                    hex_field(c, "membership_key")};
  pc.context.cipher_suite = pc.suite.id();
  pc.context.group_id = hex_field(c, "group_id");
  pc.context.epoch = uint_field<uint64_t>(c, "epoch");
  pc.context.tree_hash = hex_field(c, "tree_hash");
  pc.context.confirmed_transcript_hash = hex_field(c, "confirmed_transcript_hash");

  check_content(pc, c, "proposal", codec::decode<wire::Proposal>(hex_field(c, "proposal")));
  check_content(pc, c, "commit", codec::decode<wire::Commit>(hex_field(c, "commit")));
  check_content(pc, c, "application", wire::ApplicationData{hex_field(c, "application")});
}

void check_welcome(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const auto kp_message = codec::decode<wire::MlsMessage>(hex_field(c, "key_package"));
  const auto welcome_message = codec::decode<wire::MlsMessage>(hex_field(c, "welcome"));
  const auto* key_package = kp_message.get<wire::KeyPackage>();
  const auto* welcome = welcome_message.get<wire::Welcome>();
  expect_true("key_package holds a KeyPackage", key_package != nullptr);
  expect_true("welcome holds a Welcome", welcome != nullptr);
  expect_true("Welcome cipher suite", welcome->cipher_suite == suite.id());

  const Bytes ref = suite.make_key_package_ref(codec::encode(*key_package));
  const auto* entry = schedule::find_group_secrets(*welcome, ref);
  expect_true("the Welcome has secrets for the key package", entry != nullptr);
  const auto secrets = schedule::decrypt_group_secrets(suite, *entry, hex_field(c, "init_priv"),
                                                       welcome->encrypted_group_info);
  expect_true("no PSKs", secrets.psks.empty());

  const SecretBytes psk_secret = schedule::zero_secret(suite);
  const SecretBytes welcome_secret =
      schedule::derive_welcome_secret(suite, secrets.joiner_secret.view(), psk_secret.view());
  const auto group_info =
      schedule::decrypt_group_info(suite, welcome_secret.view(), welcome->encrypted_group_info);
  schedule::verify_group_info(suite, group_info, hex_field(c, "signer_pub"));

  const auto epoch =
      schedule::derive_epoch_secrets(suite, secrets.joiner_secret.view(), psk_secret.view(),
                                     codec::encode(group_info.group_context));
  expect_true("GroupInfo confirmation_tag",
              schedule::verify_confirmation_tag(suite, epoch.confirmation_key.view(),
                                                group_info.group_context.confirmed_transcript_hash,
                                                group_info.confirmation_tag));
}

}  // namespace conclave::vectors
