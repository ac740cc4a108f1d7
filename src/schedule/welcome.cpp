#include "conclave/schedule/detail/welcome.h"

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/schedule/key_schedule.h"

namespace conclave::schedule {

namespace {
constexpr std::string_view kWelcomeLabel = "Welcome";
constexpr std::string_view kGroupInfoLabel = "GroupInfoTBS";
}  // namespace

wire::EncryptedGroupSecrets encrypt_group_secrets(const crypto::Suite& suite,
                                                  const wire::KeyPackage& key_package,
                                                  const wire::GroupSecrets& group_secrets,
                                                  BytesView encrypted_group_info) {
  wire::EncryptedGroupSecrets out;
  out.new_member = suite.make_key_package_ref(codec::encode(key_package));
  SecretBytes plaintext = codec::encode_secret(group_secrets);
  out.encrypted_group_secrets = suite.encrypt_with_label(key_package.init_key, kWelcomeLabel,
                                                         encrypted_group_info, plaintext.view());
  plaintext.wipe();
  return out;
}

namespace {
// KeyPackages per unit of work: an encapsulation costs tens of microseconds.
constexpr size_t kPackagesPerChunk = 16;
}  // namespace

WelcomePrecomputation::WelcomePrecomputation(const crypto::Suite& suite,
                                             std::vector<const wire::KeyPackage*> key_packages,
                                             unsigned workers)
    : suite_(suite),
      key_packages_(std::move(key_packages)),
      result_{std::vector<crypto::Hpke::Encapsulated>(key_packages_.size()),
              std::vector<Bytes>(key_packages_.size())},
      work_(key_packages_.size(), kPackagesPerChunk, workers, [this](size_t i) {
        const wire::KeyPackage& kp = *key_packages_[i];
        result_.encapsulations[i] = suite_.hpke().encapsulate(kp.init_key);
        result_.refs[i] = suite_.make_key_package_ref(codec::encode(kp));
      }) {}

WelcomePrecomputation::Result WelcomePrecomputation::finish() {
  work_.finish();
  return std::move(result_);
}

std::vector<wire::EncryptedGroupSecrets> encrypt_group_secrets_many(
    const crypto::Suite& suite, std::span<const wire::KeyPackage* const> key_packages,
    std::span<const wire::GroupSecrets> group_secrets, BytesView encrypted_group_info,
    unsigned max_threads, WelcomePrecomputation::Result* precomputed) {
  if (key_packages.size() != group_secrets.size())
    throw Error(ErrorCode::kInvalidArgument, "one GroupSecrets per KeyPackage");
  if (precomputed != nullptr && (precomputed->encapsulations.size() != key_packages.size() ||
                                 precomputed->refs.size() != key_packages.size()))
    throw Error(ErrorCode::kInvalidArgument, "one precomputed encapsulation per KeyPackage");
  // SecretBytes: wiped on every way out, including a throw from the sealing.
  std::vector<SecretBytes> plaintexts;
  plaintexts.reserve(group_secrets.size());
  std::vector<crypto::Suite::LabeledRecipient> recipients;
  recipients.reserve(group_secrets.size());
  for (size_t i = 0; i < group_secrets.size(); ++i) {
    plaintexts.push_back(codec::encode_secret(group_secrets[i]));
    recipients.push_back({key_packages[i]->init_key, plaintexts.back().view()});
  }
  std::vector<crypto::HpkeCiphertext> sealed = suite.encrypt_with_label_many(
      recipients, kWelcomeLabel, encrypted_group_info, max_threads,
      precomputed != nullptr ? std::span<crypto::Hpke::Encapsulated>(precomputed->encapsulations)
                             : std::span<crypto::Hpke::Encapsulated>());
  plaintexts.clear();  // sealed: wipe them now
  std::vector<wire::EncryptedGroupSecrets> out(key_packages.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].new_member = precomputed != nullptr
                            ? std::move(precomputed->refs[i])
                            : suite.make_key_package_ref(codec::encode(*key_packages[i]));
    out[i].encrypted_group_secrets = std::move(sealed[i]);
  }
  return out;
}

const wire::EncryptedGroupSecrets* find_group_secrets(const wire::Welcome& welcome,
                                                      BytesView key_package_ref) {
  for (const auto& entry : welcome.secrets)
    if (constant_time_equal(entry.new_member, key_package_ref)) return &entry;
  return nullptr;
}

wire::GroupSecrets decrypt_group_secrets(const crypto::Suite& suite,
                                         const wire::EncryptedGroupSecrets& secrets,
                                         BytesView init_private_key,
                                         BytesView encrypted_group_info) {
  const SecretBytes plaintext(suite.decrypt_with_label(
      init_private_key, kWelcomeLabel, encrypted_group_info,
      secrets.encrypted_group_secrets.kem_output, secrets.encrypted_group_secrets.ciphertext));
  return codec::decode<wire::GroupSecrets>(plaintext.view());
}

Bytes encrypt_group_info(const crypto::Suite& suite, BytesView welcome_secret,
                         const wire::GroupInfo& group_info) {
  const KeyAndNonce key = derive_welcome_key(suite, welcome_secret);
  return suite.provider().aead_seal(suite.info().aead, key.key.view(), key.nonce.view(), {},
                                    codec::encode(group_info));
}

wire::GroupInfo decrypt_group_info(const crypto::Suite& suite, BytesView welcome_secret,
                                   BytesView encrypted_group_info) {
  const KeyAndNonce key = derive_welcome_key(suite, welcome_secret);
  const Bytes plaintext = suite.provider().aead_open(suite.info().aead, key.key.view(),
                                                     key.nonce.view(), {}, encrypted_group_info);
  return codec::decode<wire::GroupInfo>(plaintext);
}

void sign_group_info(const crypto::Suite& suite, wire::GroupInfo& group_info,
                     BytesView signature_private_key) {
  group_info.signature =
      suite.sign_with_label(signature_private_key, kGroupInfoLabel, group_info.to_be_signed());
}

void verify_group_info(const crypto::Suite& suite, const wire::GroupInfo& group_info,
                       BytesView signer_public_key) {
  if (!suite.verify_with_label(signer_public_key, kGroupInfoLabel, group_info.to_be_signed(),
                               group_info.signature))
    throw Error(ErrorCode::kInvalidSignature, "GroupInfo signature does not verify");
}

}  // namespace conclave::schedule
