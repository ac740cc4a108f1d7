// RFC 9420 §8: the key schedule, the Welcome key (§12.4.3.1), external init (§8.3) and
// MLS-Exporter (§8.5).
#include "conclave/schedule/key_schedule.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/schedule/psk.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

class KeyScheduleTest : public ::testing::Test {
 protected:
  KeyScheduleTest()
      : suite_(crypto::openssl_provider(), 1), init_(Bytes(32, 0x11)), commit_(Bytes(32, 0x22)) {
    context_.cipher_suite = 1;
    context_.group_id = to_bytes("group");
    context_.epoch = 1;
    context_.tree_hash = Bytes(32, 3);
    context_.confirmed_transcript_hash = Bytes(32, 4);
  }

  std::vector<const SecretBytes*> all(const EpochSecrets& s) const {
    return {&s.sender_data_secret, &s.encryption_secret,   &s.exporter_secret,
            &s.external_secret,    &s.confirmation_key,    &s.membership_key,
            &s.resumption_psk,     &s.epoch_authenticator, &s.init_secret};
  }

  crypto::Suite suite_;
  SecretBytes init_;
  SecretBytes commit_;
  wire::GroupContext context_;
};

// §8: every epoch-derived secret is KDF.Nh bytes and distinct from the others.
TEST_F(KeyScheduleTest, Section8_EpochSecretsAreDistinct) {
  const KeyScheduleResult r =
      run_key_schedule(suite_, init_.view(), commit_.view(), zero_secret(suite_).view(), context_);
  std::vector<const SecretBytes*> values = all(r.epoch);
  values.push_back(&r.joiner_secret);
  values.push_back(&r.welcome_secret);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i]->size(), suite_.hash_len());
    for (size_t j = i + 1; j < values.size(); ++j)
      EXPECT_NE(*values[i], *values[j]) << i << " " << j;
  }
}

// §8.4: a PSK enters after joiner_secret: joiner_secret is unchanged, everything after differs.
TEST_F(KeyScheduleTest, Section8_4_WithAndWithoutPskDiffer) {
  const PskInput psk{wire::PreSharedKeyId::external(to_bytes("id"), Bytes(32, 9)),
                     SecretBytes(Bytes(16, 0x77))};
  const SecretBytes psk_secret = derive_psk_secret(suite_, std::span(&psk, 1));
  const KeyScheduleResult without =
      run_key_schedule(suite_, init_.view(), commit_.view(), zero_secret(suite_).view(), context_);
  const KeyScheduleResult with =
      run_key_schedule(suite_, init_.view(), commit_.view(), psk_secret.view(), context_);
  EXPECT_EQ(with.joiner_secret, without.joiner_secret);
  EXPECT_NE(with.welcome_secret, without.welcome_secret);
  const auto a = all(with.epoch);
  const auto b = all(without.epoch);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NE(*a[i], *b[i]) << i;
}

// §8: joiner_secret and epoch_secret are bound to the GroupContext.
TEST_F(KeyScheduleTest, Section8_BoundToTheGroupContext) {
  const KeyScheduleResult a =
      run_key_schedule(suite_, init_.view(), commit_.view(), zero_secret(suite_).view(), context_);
  wire::GroupContext other = context_;
  other.epoch = 2;
  const KeyScheduleResult b =
      run_key_schedule(suite_, init_.view(), commit_.view(), zero_secret(suite_).view(), other);
  EXPECT_NE(a.joiner_secret, b.joiner_secret);
  EXPECT_NE(a.epoch.encryption_secret, b.epoch.encryption_secret);
}

// §8: init_secret_[n] feeds epoch n + 1; a chain of epochs never repeats itself.
TEST_F(KeyScheduleTest, Section8_InitSecretChainsEpochs) {
  const SecretBytes zero = zero_secret(suite_);
  const KeyScheduleResult e1 =
      run_key_schedule(suite_, init_.view(), zero.view(), zero.view(), context_);
  wire::GroupContext next = context_;
  next.epoch = 2;
  const KeyScheduleResult e2 =
      run_key_schedule(suite_, e1.epoch.init_secret.view(), zero.view(), zero.view(), next);
  EXPECT_EQ(e2.joiner_secret, derive_joiner_secret(suite_, e1.epoch.init_secret.view(), zero.view(),
                                                   codec::encode(next)));
  EXPECT_NE(e2.epoch.init_secret, e1.epoch.init_secret);
  EXPECT_NE(e2.epoch.epoch_authenticator, e1.epoch.epoch_authenticator);
}

// §12.4.3.1: a joiner starting from joiner_secret reaches the members' secrets.
TEST_F(KeyScheduleTest, Section12_4_3_1_JoinerPathMatchesMembers) {
  const SecretBytes psk(Bytes(32, 0x44));
  const KeyScheduleResult member =
      run_key_schedule(suite_, init_.view(), commit_.view(), psk.view(), context_);
  EXPECT_EQ(derive_welcome_secret(suite_, member.joiner_secret.view(), psk.view()),
            member.welcome_secret);
  EXPECT_EQ(derive_epoch_secrets(suite_, member.joiner_secret.view(), psk.view(),
                                 codec::encode(context_)),
            member.epoch);
}

// §12.4.3.1: welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn) and
// welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk).
TEST_F(KeyScheduleTest, Section12_4_3_1_WelcomeKeyAndNonce) {
  for (const uint16_t id : {1, 3, 5}) {
    const crypto::Suite suite(crypto::openssl_provider(), id);
    const SecretBytes welcome(Bytes(suite.hash_len(), 0x66));
    const KeyAndNonce key = derive_welcome_key(suite, welcome.view());
    const auto& aead = suite.info().aead_info();
    EXPECT_EQ(key.key, suite.expand_with_label(welcome.view(), "key", {}, aead.key_len));
    EXPECT_EQ(key.nonce, suite.expand_with_label(welcome.view(), "nonce", {}, aead.nonce_len));
  }
}

// §8.5: MLS-Exporter separates labels, contexts and lengths.
TEST_F(KeyScheduleTest, Section8_5_Exporter) {
  const SecretBytes exporter(Bytes(32, 0x55));
  const SecretBytes base = mls_exporter(suite_, exporter.view(), "label", to_bytes("ctx"), 32);
  EXPECT_EQ(base.size(), 32u);
  const SecretBytes expected =
      suite_.expand_with_label(suite_.derive_secret(exporter.view(), "label").view(), "exported",
                               suite_.hash(to_bytes("ctx")), 32);
  EXPECT_EQ(base, expected);
  EXPECT_NE(base, mls_exporter(suite_, exporter.view(), "label2", to_bytes("ctx"), 32));
  EXPECT_NE(base, mls_exporter(suite_, exporter.view(), "label", to_bytes("ctx2"), 32));
  EXPECT_EQ(mls_exporter(suite_, exporter.view(), "label", to_bytes("ctx"), 100).size(), 100u);
  EXPECT_EQ(error_of([&] { mls_exporter(suite_, exporter.view(), "label", {}, 70000); }),
            ErrorCode::kInvalidArgument);
}

// §8.3: the external joiner and the members derive the same init_secret, for every suite.
TEST_F(KeyScheduleTest, Section8_3_ExternalInitAgreesForEverySuite) {
  for (const auto& info : crypto::all_cipher_suites()) {
    const crypto::Suite suite(crypto::openssl_provider(), info.id);
    const SecretBytes external_secret(Bytes(suite.hash_len(), 0x21));
    const crypto::KeyPair external = derive_external_key_pair(suite, external_secret.view());
    EXPECT_EQ(derive_external_key_pair(suite, external_secret.view()).public_key,
              external.public_key);
    const ExternalInit joiner = external_init_for_joiner(suite, external.public_key);
    EXPECT_EQ(joiner.init_secret.size(), suite.hash_len());
    EXPECT_EQ(external_init_for_member(suite, external.private_key.view(), joiner.kem_output),
              joiner.init_secret)
        << info.name;
    // Another group's external key opens to a different secret.
    const crypto::KeyPair other =
        derive_external_key_pair(suite, SecretBytes(Bytes(suite.hash_len(), 0x22)).view());
    EXPECT_NE(external_init_for_member(suite, other.private_key.view(), joiner.kem_output),
              joiner.init_secret)
        << info.name;
  }
}

TEST_F(KeyScheduleTest, Section8_3_MalformedKemOutputIsRejected) {
  const crypto::KeyPair external =
      derive_external_key_pair(suite_, SecretBytes(Bytes(32, 0x21)).view());
  EXPECT_NE(
      error_of([&] { external_init_for_member(suite_, external.private_key.view(), Bytes(5, 1)); }),
      ErrorCode::kInternal);
}

// §8: the inputs are KDF.Nh-byte secrets; a wrong length is refused, not silently used.
TEST_F(KeyScheduleTest, Section8_SecretLengthsAreChecked) {
  const SecretBytes zero = zero_secret(suite_);
  const SecretBytes short_secret(Bytes(16, 1));
  const Bytes gc = codec::encode(context_);
  EXPECT_EQ(error_of([&] { derive_joiner_secret(suite_, short_secret.view(), zero.view(), gc); }),
            ErrorCode::kInvalidSecretLength);
  EXPECT_EQ(error_of([&] { derive_joiner_secret(suite_, zero.view(), short_secret.view(), gc); }),
            ErrorCode::kInvalidSecretLength);
  EXPECT_EQ(error_of([&] { derive_welcome_secret(suite_, short_secret.view(), zero.view()); }),
            ErrorCode::kInvalidSecretLength);
  EXPECT_EQ(error_of([&] { derive_epoch_secrets(suite_, zero.view(), short_secret.view(), gc); }),
            ErrorCode::kInvalidSecretLength);
  wire::GroupContext other_suite = context_;
  other_suite.cipher_suite = 2;
  EXPECT_EQ(error_of([&] {
              run_key_schedule(suite_, zero.view(), zero.view(), zero.view(), other_suite);
            }),
            ErrorCode::kInvalidArgument);
}

// §11: the first epoch's init_secret is fresh randomness.
TEST_F(KeyScheduleTest, Section11_RandomInitSecret) {
  const SecretBytes a = random_init_secret(suite_);
  EXPECT_EQ(a.size(), suite_.hash_len());
  EXPECT_NE(a, random_init_secret(suite_));
}

// Group state must be storable: the epoch secrets round-trip through their TLS encoding.
TEST_F(KeyScheduleTest, EpochSecretsRoundTrip) {
  const EpochSecrets secrets =
      run_key_schedule(suite_, init_.view(), commit_.view(), zero_secret(suite_).view(), context_)
          .epoch;
  const EpochSecrets copy = secrets;
  EXPECT_EQ(copy, secrets);
  // The extensions draft's application_export_secret is not encoded: the group moves it into
  // its ExporterTree, which is stored on its own (older states must still decode).
  EXPECT_FALSE(secrets.application_export_secret.empty());
  EpochSecrets encoded_part = secrets;
  encoded_part.application_export_secret = SecretBytes();
  EXPECT_EQ(codec::decode<EpochSecrets>(codec::encode(secrets)), encoded_part);
}

}  // namespace
}  // namespace conclave::schedule
