// The C API's look into a Welcome before joining (conclave.h, conclave_welcome_inspect): the
// steps of §12.4.3.1 up to the GroupInfo, with the schedule's internal functions.
#include <string>

#include "capi/handles.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"

using namespace conclave;
using namespace conclave::capi;

extern "C" {

conclave_status conclave_welcome_inspect(const conclave_provider* provider,
                                         const uint8_t* key_package, size_t key_package_len,
                                         const uint8_t* init_private_key,
                                         size_t init_private_key_len, const uint8_t* welcome,
                                         size_t welcome_len, const uint8_t* signer_key,
                                         size_t signer_key_len, uint8_t** out_group_id,
                                         size_t* out_group_id_len, uint64_t* out_epoch) {
  clear(out_group_id, out_group_id_len);
  if (out_epoch != nullptr) *out_epoch = 0;
  return guard([&] {
    need(out_group_id, "out_group_id");
    need(out_group_id_len, "out_group_id_len");
    need(out_epoch, "out_epoch");
    const auto kp = key_package_of(input(key_package, key_package_len, "key_package"));
    const crypto::Suite suite(need(provider, "provider").provider, kp.cipher_suite);
    const auto message = wire::MlsMessage::from_bytes(input(welcome, welcome_len, "welcome"));
    const auto* w = message.get<wire::Welcome>();
    if (w == nullptr) throw Error(ErrorCode::kInvalidArgument, "the MLSMessage holds no Welcome");
    if (w->cipher_suite != kp.cipher_suite)
      throw Error(ErrorCode::kWelcomeCipherSuiteMismatch,
                  "the Welcome's suite is not the KeyPackage's");
    const auto* entry =
        schedule::find_group_secrets(*w, suite.make_key_package_ref(codec::encode(kp)));
    if (entry == nullptr)
      throw Error(ErrorCode::kWelcomeNotForUs, "no EncryptedGroupSecrets for this KeyPackage");
    const auto secrets = schedule::decrypt_group_secrets(
        suite, *entry, input(init_private_key, init_private_key_len, "init_private_key"),
        w->encrypted_group_info);
    if (!secrets.psks.empty())
      throw Error(ErrorCode::kUnsupportedFeature, "inspecting a Welcome that names PSKs");
    const SecretBytes psk_secret = schedule::zero_secret(suite);
    const SecretBytes welcome_secret =
        schedule::derive_welcome_secret(suite, secrets.joiner_secret.view(), psk_secret.view());
    const auto info =
        schedule::decrypt_group_info(suite, welcome_secret.view(), w->encrypted_group_info);
    if (signer_key != nullptr || signer_key_len != 0)
      schedule::verify_group_info(suite, info, input(signer_key, signer_key_len, "signer_key"));
    const auto epoch = schedule::derive_epoch_secrets(
        suite, secrets.joiner_secret.view(), psk_secret.view(), codec::encode(info.group_context));
    if (!schedule::verify_confirmation_tag(suite, epoch.confirmation_key.view(),
                                           info.group_context.confirmed_transcript_hash,
                                           info.confirmation_tag))
      throw Error(ErrorCode::kConfirmationTagInvalid, "the GroupInfo's confirmation_tag");
    give(info.group_context.group_id, out_group_id, out_group_id_len);
    *out_epoch = info.group_context.epoch;
  });
}

}  // extern "C"
