/// @file
/// The MLS key schedule (RFC 9420 §8): from one epoch's inputs to its secrets, plus the values
/// built on them: Welcome keys (§12.4.3.1), external init (§8.3), MLS-Exporter (§8.5).
///
/// Every function is stateless; the results are plain values (SecretBytes wipe themselves), so
/// group state can hold, copy and serialize them. Inputs named *_secret must be KDF.Nh bytes
/// (Error(kInvalidSecretLength) otherwise); group contexts are passed encoded, as the schedule
/// uses them.
#pragma once

#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/key_and_nonce.h"
#include "conclave/wire/group_context.h"

namespace conclave::schedule {

/// RFC 9420 §8, table "Epoch-Derived Secrets": what an epoch keeps once epoch_secret is gone.
struct EpochSecrets {
  SecretBytes sender_data_secret;   ///< "sender data"
  SecretBytes encryption_secret;    ///< "encryption": the root of the secret tree (§9)
  SecretBytes exporter_secret;      ///< "exporter"
  SecretBytes external_secret;      ///< "external"
  SecretBytes confirmation_key;     ///< "confirm"
  SecretBytes membership_key;       ///< "membership"
  SecretBytes resumption_psk;       ///< "resumption"
  SecretBytes epoch_authenticator;  ///< "authentication"
  SecretBytes init_secret;          ///< "init": init_secret_[n], the next epoch's input
  /// extensions draft §Exported Secrets: "application_export", the root of the epoch's
  /// ExporterTree. Not part of the encoding (which predates it and is stored): the group moves
  /// it into its ExporterTree as the epoch starts, and persists that tree on its own.
  SecretBytes application_export_secret;
  CONCLAVE_TLS_FIELDS(sender_data_secret, encryption_secret, exporter_secret, external_secret,
                      confirmation_key, membership_key, resumption_psk, epoch_authenticator,
                      init_secret)
  /// Field by field.
  friend bool operator==(const EpochSecrets&, const EpochSecrets&) = default;
};

/// One full run of the schedule, as a committer sees it: the joiner and welcome secrets are
/// what it needs for the Welcome of the new members (§12.4.3.1); delete them once it is sent.
struct KeyScheduleResult {
  SecretBytes joiner_secret;   ///< for the new members' GroupSecrets
  SecretBytes welcome_secret;  ///< encrypts the Welcome's GroupInfo
  EpochSecrets epoch;          ///< the new epoch's secrets
  /// Field by field.
  friend bool operator==(const KeyScheduleResult&, const KeyScheduleResult&) = default;
};

/// The "0" of RFC 9420 §8: KDF.Nh zero bytes (commit_secret or psk_secret when absent).
SecretBytes zero_secret(const crypto::Suite& suite);

/// RFC 9420 §11: the first epoch's init_secret is fresh randomness of KDF.Nh bytes.
SecretBytes random_init_secret(const crypto::Suite& suite);

/// The new epoch's joiner_secret. RFC 9420 §8:
/// @code{.unparsed}
///   joiner_secret = ExpandWithLabel(KDF.Extract(init_secret_[n-1], commit_secret), "joiner",
///                                   GroupContext_[n], KDF.Nh)
/// @endcode
SecretBytes derive_joiner_secret(const crypto::Suite& suite, BytesView init_secret,
                                 BytesView commit_secret, BytesView group_context);

/// RFC 9420 §8: welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome").
/// A joiner needs it before it knows the GroupContext (§12.4.3.1).
SecretBytes derive_welcome_secret(const crypto::Suite& suite, BytesView joiner_secret,
                                  BytesView psk_secret);

/// RFC 9420 §8: epoch_secret = ExpandWithLabel(KDF.Extract(joiner_secret, psk_secret), "epoch",
/// GroupContext_[n], KDF.Nh), then DeriveSecret(epoch_secret, label) for each secret of the
/// table. Used as is by a joiner (§12.4.3.1); epoch_secret itself is deleted on return (§9.2).
EpochSecrets derive_epoch_secrets(const crypto::Suite& suite, BytesView joiner_secret,
                                  BytesView psk_secret, BytesView group_context);

/// RFC 9420 §8: DeriveSecret(epoch_secret, label) for each secret of the table. Used directly by
/// a group's creator, whose first epoch_secret is fresh randomness (§11).
EpochSecrets secrets_from_epoch_secret(const crypto::Suite& suite, BytesView epoch_secret);

/// The whole schedule for a new epoch (§8), for a member processing or creating a Commit.
/// psk_secret is zero_secret() when the Commit injects no PSK (§8.4).
KeyScheduleResult run_key_schedule(const crypto::Suite& suite, BytesView init_secret,
                                   BytesView commit_secret, BytesView psk_secret,
                                   BytesView group_context);
/// As above with the GroupContext encoded here. Throws Error(kInvalidArgument) when its
/// cipher_suite is not the suite's.
KeyScheduleResult run_key_schedule(const crypto::Suite& suite, BytesView init_secret,
                                   BytesView commit_secret, BytesView psk_secret,
                                   const wire::GroupContext& group_context);

/// RFC 9420 §12.4.3.1: the key and nonce that encrypt GroupInfo in a Welcome:
/// @code{.unparsed}
///   welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
///   welcome_key   = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
/// @endcode
KeyAndNonce derive_welcome_key(const crypto::Suite& suite, BytesView welcome_secret);

/// An exported secret (RFC 9420 §8.5). MLS-Exporter(Label, Context, Length) =
/// @code{.unparsed}
///   ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
/// @endcode
/// The label is taken byte for byte. Throws Error(kInvalidArgument) for a length over 65535.
SecretBytes mls_exporter(const crypto::Suite& suite, BytesView exporter_secret,
                         std::string_view label, BytesView context, size_t length);

/// RFC 9420 §8: external_priv, external_pub = KEM.DeriveKeyPair(external_secret). The public
/// key goes into the GroupInfo's external_pub extension (§12.4.3.2).
crypto::KeyPair derive_external_key_pair(const crypto::Suite& suite, BytesView external_secret);

/// RFC 9420 §8.3, joiner side: kem_output, context = SetupBaseS(external_pub, "");
/// init_secret = context.export("MLS 1.0 external init secret", KDF.Nh). The kem_output goes
/// into the ExternalInit proposal.
struct ExternalInit {
  Bytes kem_output;         ///< for the ExternalInit proposal
  SecretBytes init_secret;  ///< the init_secret the external commit's epoch starts from
};
/// The joiner's side of §8.3 (see ExternalInit). Throws Error(kInvalidPublicKey) for an
/// external_pub no one can encrypt to.
ExternalInit external_init_for_joiner(const crypto::Suite& suite, BytesView external_pub);

/// RFC 9420 §8.3, member side: context = SetupBaseR(kem_output, external_priv, "");
/// init_secret = context.export("MLS 1.0 external init secret", KDF.Nh). Throws
/// Error(kInvalidPublicKey) for a kem_output that is not a valid KEM encapsulation.
SecretBytes external_init_for_member(const crypto::Suite& suite, BytesView external_priv,
                                     BytesView kem_output);

}  // namespace conclave::schedule
