// Helpers for the tests of resumption (RFC 9420 §11.2, §11.3): clients in another cipher suite,
// and Welcomes opened and sealed again with the keys the test holds, so a test can break one
// rule of a reinit or branch Welcome and leave it genuine in every other respect.
#pragma once

#include <functional>
#include <stdexcept>
#include <utility>

#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/psk.h"
#include "negative_test_util.h"

namespace conclave::group_testing {

inline uint16_t other_suite(uint16_t s, uint16_t step = 1) {
  return static_cast<uint16_t>((s - 1 + step) % 7 + 1);
}

// A member's identity and KeyPackage in another suite, with the credential it has now.
struct NewClient {
  Identity identity;
  KeyPackageBundle key_package;
};

inline NewClient in_suite(const crypto::Suite& suite, const Client& client) {
  Identity id = Identity::generate(suite, client.identity.credential);
  KeyPackageBundle kp = create_key_package(suite, id, unix_time_now());
  return NewClient{std::move(id), std::move(kp)};
}

// The value of each PSK a Welcome names, as its creator holds it.
using PskSource = std::function<SecretBytes(const wire::PreSharedKeyId&)>;

// The resumption PSKs of `old` by the epoch an id names, whatever group the id names: what a
// creator whose old group is `old` injects, even under a wrong label.
inline PskSource resumption_psks_of(const Group& old) {
  return [&old](const wire::PreSharedKeyId& id) {
    std::optional<SecretBytes> psk = old.resumption_psk(id.psk_epoch);
    if (!psk) throw std::logic_error("the old group does not hold the PSK of that epoch");
    return std::move(*psk);
  };
}

// What a joiner reads from a Welcome addressed to it.
struct OpenedWelcome {
  wire::GroupSecrets secrets;
  wire::GroupInfo info;
};

inline SecretBytes psk_secret_of(const crypto::Suite& suite,
                                 const std::vector<wire::PreSharedKeyId>& ids,
                                 const PskSource& psks) {
  std::vector<schedule::PskInput> inputs;
  for (const auto& id : ids)
    inputs.push_back(schedule::PskInput{id, psks(id)});
  return schedule::derive_psk_secret(suite, inputs);
}

// §12.4.3.1, as the joiner `to` opens `welcome`.
inline OpenedWelcome open_welcome(const crypto::Suite& suite, const wire::MlsMessage& welcome,
                                  const KeyPackageBundle& to, const PskSource& psks) {
  const auto& w = *welcome.get<wire::Welcome>();
  const auto* entry = schedule::find_group_secrets(w, to.ref(suite));
  if (entry == nullptr) throw std::logic_error("the Welcome is not addressed to the joiner");
  wire::GroupSecrets secrets = schedule::decrypt_group_secrets(
      suite, *entry, to.init_private_key.view(), w.encrypted_group_info);
  const SecretBytes welcome_secret = schedule::derive_welcome_secret(
      suite, secrets.joiner_secret.view(), psk_secret_of(suite, secrets.psks, psks).view());
  wire::GroupInfo info =
      schedule::decrypt_group_info(suite, welcome_secret.view(), w.encrypted_group_info);
  return OpenedWelcome{std::move(secrets), std::move(info)};
}

// `opened` as a Welcome to `to` alone: its confirmation tag recomputed for the GroupContext and
// the PSKs it now holds (the joiner derives the epoch from both, §8), the GroupInfo signed by
// `signer_key` (the new group's creator's), everything encrypted as §12.4.3.1 says. A joiner
// holding those PSKs finds it genuine except for what a test changed on purpose.
inline wire::MlsMessage seal_welcome(const crypto::Suite& suite, OpenedWelcome opened,
                                     const KeyPackageBundle& to, const PskSource& psks,
                                     BytesView signer_key) {
  const SecretBytes psk_secret = psk_secret_of(suite, opened.secrets.psks, psks);
  wire::GroupInfo& info = opened.info;
  const schedule::EpochSecrets epoch =
      schedule::derive_epoch_secrets(suite, opened.secrets.joiner_secret.view(), psk_secret.view(),
                                     codec::encode(info.group_context));
  info.confirmation_tag = schedule::confirmation_tag(suite, epoch.confirmation_key.view(),
                                                     info.group_context.confirmed_transcript_hash);
  schedule::sign_group_info(suite, info, signer_key);
  wire::Welcome w;
  w.cipher_suite = suite.id();
  w.encrypted_group_info = schedule::encrypt_group_info(
      suite,
      schedule::derive_welcome_secret(suite, opened.secrets.joiner_secret.view(), psk_secret.view())
          .view(),
      info);
  w.secrets = {schedule::encrypt_group_secrets(suite, to.key_package, opened.secrets,
                                               w.encrypted_group_info)};
  return over_the_wire(wire::MlsMessage{std::move(w)});
}

// The Welcome to `to` opened, changed by `edit` and sealed again (see seal_welcome).
inline wire::MlsMessage edit_welcome(const crypto::Suite& suite, const wire::MlsMessage& welcome,
                                     const KeyPackageBundle& to, const PskSource& psks,
                                     BytesView signer_key,
                                     const std::function<void(OpenedWelcome&)>& edit) {
  OpenedWelcome opened = open_welcome(suite, welcome, to, psks);
  edit(opened);
  return seal_welcome(suite, std::move(opened), to, psks, signer_key);
}

// The reinit or branch PSK among `ids` (the first).
inline wire::PreSharedKeyId& link_of(std::vector<wire::PreSharedKeyId>& ids) {
  for (auto& id : ids)
    if (id.psktype == wire::PskType::kResumption &&
        id.usage != wire::ResumptionPskUsage::kApplication)
      return id;
  throw std::logic_error("no reinit or branch PSK");
}

}  // namespace conclave::group_testing
