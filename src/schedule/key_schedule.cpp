#include "conclave/schedule/key_schedule.h"

#include <string>

#include "conclave/base/error.h"

namespace conclave::schedule {

namespace {

void require_nh(const crypto::Suite& suite, BytesView secret, const char* what) {
  if (secret.size() != suite.hash_len())
    throw Error(ErrorCode::kInvalidSecretLength,
                std::string(what) + " is " + std::to_string(secret.size()) +
                    " bytes, not Nh = " + std::to_string(suite.hash_len()));
}

// RFC 9420 §8: the value between joiner_secret and the welcome and epoch secrets,
// KDF.Extract(joiner_secret, psk_secret). The RFC leaves it unnamed; it is consumed at once.
SecretBytes member_secret(const crypto::Suite& suite, BytesView joiner_secret,
                          BytesView psk_secret) {
  require_nh(suite, joiner_secret, "joiner_secret");
  require_nh(suite, psk_secret, "psk_secret");
  return suite.extract(joiner_secret, psk_secret);
}

constexpr std::string_view kExternalInitLabel = "MLS 1.0 external init secret";

}  // namespace

SecretBytes zero_secret(const crypto::Suite& suite) {
  return SecretBytes(suite.hash_len());
}

SecretBytes random_init_secret(const crypto::Suite& suite) {
  return suite.random_secret(suite.hash_len());
}

SecretBytes derive_joiner_secret(const crypto::Suite& suite, BytesView init_secret,
                                 BytesView commit_secret, BytesView group_context) {
  require_nh(suite, init_secret, "init_secret");
  require_nh(suite, commit_secret, "commit_secret");
  // §8 diagram: init_secret is the salt (from the top), commit_secret the IKM (from the left).
  const SecretBytes extracted = suite.extract(init_secret, commit_secret);
  return suite.expand_with_label(extracted.view(), "joiner", group_context, suite.hash_len());
}

SecretBytes derive_welcome_secret(const crypto::Suite& suite, BytesView joiner_secret,
                                  BytesView psk_secret) {
  return suite.derive_secret(member_secret(suite, joiner_secret, psk_secret).view(), "welcome");
}

EpochSecrets derive_epoch_secrets(const crypto::Suite& suite, BytesView joiner_secret,
                                  BytesView psk_secret, BytesView group_context) {
  const SecretBytes epoch_secret =
      suite.expand_with_label(member_secret(suite, joiner_secret, psk_secret).view(), "epoch",
                              group_context, suite.hash_len());
  return secrets_from_epoch_secret(suite, epoch_secret.view());
}

EpochSecrets secrets_from_epoch_secret(const crypto::Suite& suite, BytesView epoch_secret) {
  require_nh(suite, epoch_secret, "epoch_secret");
  // RFC 9420 §8, table "Epoch-Derived Secrets", and "init" for the next epoch.
  EpochSecrets out;
  out.sender_data_secret = suite.derive_secret(epoch_secret, "sender data");
  out.encryption_secret = suite.derive_secret(epoch_secret, "encryption");
  out.exporter_secret = suite.derive_secret(epoch_secret, "exporter");
  out.external_secret = suite.derive_secret(epoch_secret, "external");
  out.confirmation_key = suite.derive_secret(epoch_secret, "confirm");
  out.membership_key = suite.derive_secret(epoch_secret, "membership");
  out.resumption_psk = suite.derive_secret(epoch_secret, "resumption");
  out.epoch_authenticator = suite.derive_secret(epoch_secret, "authentication");
  out.init_secret = suite.derive_secret(epoch_secret, "init");
  // extensions draft §Exported Secrets: derived like the table's secrets.
  out.application_export_secret = suite.derive_secret(epoch_secret, "application_export");
  return out;
}

KeyScheduleResult run_key_schedule(const crypto::Suite& suite, BytesView init_secret,
                                   BytesView commit_secret, BytesView psk_secret,
                                   BytesView group_context) {
  KeyScheduleResult out;
  out.joiner_secret = derive_joiner_secret(suite, init_secret, commit_secret, group_context);
  out.welcome_secret = derive_welcome_secret(suite, out.joiner_secret.view(), psk_secret);
  out.epoch = derive_epoch_secrets(suite, out.joiner_secret.view(), psk_secret, group_context);
  return out;
}

KeyScheduleResult run_key_schedule(const crypto::Suite& suite, BytesView init_secret,
                                   BytesView commit_secret, BytesView psk_secret,
                                   const wire::GroupContext& group_context) {
  if (group_context.cipher_suite != suite.id())
    throw Error(ErrorCode::kInvalidArgument, "GroupContext of cipher suite " +
                                                 std::to_string(group_context.cipher_suite) +
                                                 " used with suite " + std::to_string(suite.id()));
  return run_key_schedule(suite, init_secret, commit_secret, psk_secret,
                          codec::encode(group_context));
}

KeyAndNonce derive_welcome_key(const crypto::Suite& suite, BytesView welcome_secret) {
  require_nh(suite, welcome_secret, "welcome_secret");
  const auto& aead = suite.info().aead_info();
  return KeyAndNonce{suite.expand_with_label(welcome_secret, "key", {}, aead.key_len),
                     suite.expand_with_label(welcome_secret, "nonce", {}, aead.nonce_len)};
}

SecretBytes mls_exporter(const crypto::Suite& suite, BytesView exporter_secret,
                         std::string_view label, BytesView context, size_t length) {
  require_nh(suite, exporter_secret, "exporter_secret");
  const SecretBytes derived = suite.derive_secret(exporter_secret, label);
  return suite.expand_with_label(derived.view(), "exported", suite.hash(context), length);
}

crypto::KeyPair derive_external_key_pair(const crypto::Suite& suite, BytesView external_secret) {
  require_nh(suite, external_secret, "external_secret");
  return suite.derive_hpke_key_pair(external_secret);
}

ExternalInit external_init_for_joiner(const crypto::Suite& suite, BytesView external_pub) {
  auto sender = suite.hpke().setup_base_s(external_pub, {});
  return ExternalInit{std::move(sender.enc),
                      sender.context.export_secret(as_bytes(kExternalInitLabel), suite.hash_len())};
}

SecretBytes external_init_for_member(const crypto::Suite& suite, BytesView external_priv,
                                     BytesView kem_output) {
  const auto context = suite.hpke().setup_base_r(kem_output, external_priv, {});
  return context.export_secret(as_bytes(kExternalInitLabel), suite.hash_len());
}

}  // namespace conclave::schedule
