/// @file
/// How a group behaves: the choices RFC 9420 leaves to the application.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/schedule/hash_ratchet.h"
#include "conclave/wire/credential.h"

namespace conclave {

/// §6: handshake messages (proposals, commits) as PublicMessage, which the Delivery Service can
/// read, or PrivateMessage (the RFC's SHOULD). Application messages are always PrivateMessage.
enum class HandshakeFormat : uint8_t { kPrivate = 1, kPublic = 2 };
/// Decoding accepts the two defined values only.
inline bool tls_enum_known(HandshakeFormat f) {
  return f == HandshakeFormat::kPrivate || f == HandshakeFormat::kPublic;
}

/// §13.2: a custom proposal type the application uses in this group. Received proposals of a
/// custom type that is not registered are rejected (kProposalTypeUnsupported).
struct CustomProposalType {
  uint16_t type = 0;  ///< the proposal type's value
  /// §12.4: whether a Commit that covers a proposal of this type must carry an UpdatePath.
  uint8_t requires_path = 1;
  CONCLAVE_TLS_FIELDS(type, requires_path)
  /// Field by field.
  friend bool operator==(const CustomProposalType&, const CustomProposalType&) = default;
};

/// The part of the configuration that is group state (serialized with it).
struct GroupConfig {
  /// How proposals and commits are sent: PrivateMessage (the default) or PublicMessage.
  HandshakeFormat handshake_format = HandshakeFormat::kPrivate;
  /// §6.3.1: PrivateMessage plaintexts are padded with zeros to a multiple of this many bytes
  /// (0 or 1: no padding; at most kMaxPaddingBlock, so a padded message stays far inside the
  /// vector sizes of §2.1.2 and the AEAD's limits).
  uint32_t padding_block = 32;
  static constexpr uint32_t kMaxPaddingBlock = uint32_t{1} << 16;  ///< 64 KiB
  /// §9.2: out-of-order tolerance and maximum forward distance of every sender ratchet.
  schedule::RatchetWindow ratchet_window;
  /// Past epochs whose application keys are kept for late messages (0: none). Older epochs'
  /// keys are deleted when a commit is merged (forward secrecy, §9.2).
  uint32_t past_epochs_kept = 2;
  /// §12.4.3.3: put the ratchet_tree extension in Welcomes (otherwise the joiner needs the
  /// tree out of band).
  uint8_t ratchet_tree_in_welcome = 1;
  /// §12.4: include an UpdatePath even when the proposals do not require one.
  uint8_t always_send_path = 1;
  /// §7.2: the longest lifetime accepted on a leaf, in seconds (0: no limit).
  uint64_t max_lifetime = 0;
  /// §8.6: the resumption PSKs of this many past epochs are kept (the current epoch's is always
  /// available); older ones are deleted when a commit is merged. The RFC asks the application
  /// for this upper limit.
  uint32_t resumption_psks_kept = 2;
  /// §13.2: the custom proposal types this member sends and accepts. Its own leaf must list
  /// them in capabilities.proposals (key_package_options_for() builds such KeyPackages).
  std::vector<CustomProposalType> custom_proposals;
  CONCLAVE_TLS_FIELDS(handshake_format, padding_block, ratchet_window, past_epochs_kept,
                      ratchet_tree_in_welcome, always_send_path, max_lifetime, resumption_psks_kept,
                      custom_proposals)
  /// Field by field.
  friend bool operator==(const GroupConfig&, const GroupConfig&) = default;
};

/// Extensions draft §Updating Application Data in the GroupContext (AppDataUpdate), §Attaching
/// Application Data to a Commit (AppEphemeral): an application component the group knows. An
/// AppDataUpdate or AppEphemeral of a component that is not registered is invalid
/// (kAppComponentUnknown). Both hooks must be deterministic and free of side effects (every
/// member must reach the same verdict; a hook may be asked more than once about one commit);
/// they run on the calling thread only.
struct AppComponent {
  uint16_t id = 0;  ///< the ComponentID
  /// AppDataUpdate: the component's new data from its current data (nullopt: no entry in the
  /// GroupContext's app_data_dictionary) and the `update` fields of the commit's AppDataUpdates
  /// of this component, in commit order; nullopt vetoes them (kAppDataUpdateVetoed). Unset:
  /// the last update becomes the data.
  std::function<std::optional<Bytes>(std::optional<BytesView> current,
                                     const std::vector<Bytes>& updates)>
      update;
  /// AppEphemeral: whether `data` is valid for the component (false: kAppEphemeralVetoed).
  /// Accepted data is handed over with the commit (StagedCommit::app_ephemerals()). Unset:
  /// every data is valid.
  std::function<bool(BytesView data)> ephemeral;
};

/// The part that is behaviour supplied by the application (not serialized).
struct GroupPolicy {
  /// §5.3.1: the Authentication Service: true when the credential is acceptable for a member
  /// holding `signature_key`. Required: a group refuses to admit a member without one
  /// (kCredentialValidatorMissing), unless the application opts in to accepting every
  /// credential with insecure_accept_any_credential(). Group::create, join, join_external and
  /// set_policy refuse a policy without one at once; Group::deserialize and load accept it (to
  /// inspect a stored group, or to call set_policy next), and each credential check of such a
  /// group then throws kCredentialValidatorMissing with the state unchanged.
  std::function<bool(const wire::Credential&, BytesView signature_key)> credential_validator;
  /// Seconds since the Unix epoch, for lifetimes (§7.3). Unset: the system clock.
  std::function<uint64_t()> clock;
  /// §7.3: when true, KeyPackage leaves outside their lifetime (at `clock`) are refused in Adds
  /// (the KeyPackages a member sends or receives). When false, lifetimes are not checked (e.g.
  /// tests with fixed vectors).
  bool check_lifetimes = true;
  /// §7.3 (RECOMMENDED for received leaves): also refuse a joiner's ratchet tree holding a leaf
  /// outside its lifetime. Off by default: a member added from a KeyPackage keeps that lifetime
  /// until it updates, so a group with quiet members would become impossible to join. Applies
  /// only with check_lifetimes.
  bool check_tree_lifetimes = false;
  /// §12.4: "A group member that has observed one or more valid proposals within an epoch MUST
  /// send a Commit message before sending application data." protect() enforces this unless
  /// the application lifts it here (e.g. a member that is not allowed to commit).
  bool allow_application_with_pending_proposals = false;
  /// §12.2, §12.1.2: whether `after` presents identifiers acceptable for the client that had
  /// `before` (an external commit that resyncs a member). Unset: the credentials are equal.
  std::function<bool(const wire::Credential& before, const wire::Credential& after)> same_client;
  /// §8.4: external PSKs by id, for commits and Welcomes that name them. Resumption PSKs
  /// (§8.6) come from the group itself, or for a reinit or branch Welcome from the old group
  /// given to Group::join_resumed.
  std::function<std::optional<SecretBytes>(BytesView psk_id)> external_psk;
  /// Extensions draft §Pre-Shared Keys: application PSKs (psktype application) by component
  /// and id, for commits and Welcomes that name them. Kept apart from external_psk so that a
  /// component's PSK can never stand in for an external PSK or another component's.
  std::function<std::optional<SecretBytes>(uint16_t component_id, BytesView psk_id)>
      application_psk;
  /// Extensions draft §AppDataUpdate, §AppEphemeral: the components whose AppDataUpdate and
  /// AppEphemeral proposals this member accepts. The app_ack component (§AppAck) is known
  /// without registration: its data must be a valid AppAck; a registration adds its hook.
  std::vector<AppComponent> components;
  /// Threads a call may start besides the caller's, for work that splits into independent
  /// items: a joiner's leaf signatures (§7.3), a mass add's KeyPackage checks (§10.1), HPKE to
  /// many recipients (§7.6, §12.4.3.1). 0: none, everything runs on the calling thread.
  /// kWorkerThreadsPerCore: one per core beyond the caller's. The workers are done when the
  /// call returns and never run the callbacks above.
  unsigned worker_threads = kWorkerThreadsPerCore;
  /// worker_threads: one worker per core beyond the caller's.
  static constexpr unsigned kWorkerThreadsPerCore = ~0u;
};

/// A credential_validator that accepts every credential, for demos and tests only: a real
/// application checks each credential against its Authentication Service (RFC 9420 §5.3.1,
/// RFC 9750 §6).
std::function<bool(const wire::Credential&, BytesView signature_key)>
insecure_accept_any_credential();

}  // namespace conclave
