// The structure-aware side of the stateful fuzz targets (issue 15): a "shadow" that knows what
// the senders of a live group know (their signature keys and the epoch's secrets, recovered
// from a Welcome with a joiner's private keys through the public schedule API), so that a
// mutated message is signed, MACed, encrypted and confirmed again before a member sees it.
// Mutations thus reach the checks behind the signature, membership tag, AEAD and confirmation
// tag instead of dying at them.
//
// The fuzz input is read as a stream of choices (Choices); an exhausted input answers 0, which
// is always the unmutated choice, so an empty input replays the honest messages.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/message.h"
#include "conclave/wire/welcome.h"

namespace conclave_fuzz {

using namespace conclave;

// The fuzz input as choices. Every mutation records itself (mark()), so a target knows whether
// what it delivers is still the honest message.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : fdp_(data, size) {}
  // In [0, n); 0 once the input is exhausted.
  size_t pick(size_t n) { return n <= 1 ? 0 : fdp_.ConsumeIntegralInRange<size_t>(0, n - 1); }
  bool flag() { return fdp_.ConsumeBool(); }
  uint8_t byte() { return fdp_.ConsumeIntegral<uint8_t>(); }
  uint32_t u32() { return fdp_.ConsumeIntegral<uint32_t>(); }
  uint64_t u64() { return fdp_.ConsumeIntegral<uint64_t>(); }
  Bytes bytes(size_t max) { return fdp_.ConsumeBytes<uint8_t>(pick(max + 1)); }
  size_t remaining() { return fdp_.remaining_bytes(); }
  // XORs up to four bytes of `b` with non-zero values.
  void flip(Bytes& b);
  void mark() { mutated_ = true; }
  bool mutated() const { return mutated_; }

 private:
  FuzzedDataProvider fdp_;
  bool mutated_ = false;
};

// Everyone the harness speaks for or to, in suite 1. The signature keys of all of them are known,
// so a leaf or a message claiming to be anyone's can be signed validly.
enum Person : size_t { kAlice, kBob, kCarol, kDave, kErin, kFrank, kDs, kPeople };

struct Cast {
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, 1};
  std::vector<Identity> people;
  std::vector<KeyPackageBundle> bundles;  // one KeyPackage each, ds included
  Bytes psk_id = to_bytes("fuzz-psk");    // an external PSK every member's policy knows
  SecretBytes psk;

  Cast();
  const Identity& operator[](Person p) const { return people[p]; }
  // The identity whose signature key this is, or nullptr.
  const Identity* by_key(BytesView signature_key) const;
  // Members know the external PSK and accept every credential (no Authentication Service).
  GroupPolicy policy() const;
  // §12.1.8.1: the external_senders extension naming ds.
  wire::Extension external_senders() const;
};

// §7.2: SignWithLabel(., "LeafNodeTBS", LeafNodeTBS), bound to the group for the update and
// commit sources.
void sign_leaf(const crypto::Suite& suite, wire::LeafNode& leaf, BytesView signature_private_key,
               BytesView group_id, uint32_t leaf_index);
// §10: the leaf (source key_package) and then the KeyPackage.
void sign_key_package(const crypto::Suite& suite, wire::KeyPackage& kp,
                      BytesView signature_private_key);

// --- structure mutators: each applies one fuzz-chosen change and marks it ---
void mutate_extensions(Choices& in, const Cast& cast, wire::ExtensionList& list);
void mutate_capabilities(Choices& in, wire::Capabilities& caps);
void mutate_credential(Choices& in, const Cast& cast, wire::Credential& credential,
                       BytesView signature_key);
// A field of the leaf, then (unless the change is to the signature itself) a fresh signature by
// whoever holds the leaf's signature key, bound to (group_id, leaf_index) when the source asks.
void mutate_leaf(Choices& in, const Cast& cast, wire::LeafNode& leaf, BytesView group_id,
                 uint32_t leaf_index);
void mutate_key_package(Choices& in, const Cast& cast, wire::KeyPackage& kp);
void mutate_proposal(Choices& in, const Cast& cast, wire::Proposal& proposal, BytesView group_id,
                     uint32_t sender_leaf);
void mutate_path(Choices& in, const Cast& cast, wire::UpdatePath& path, BytesView group_id,
                 uint32_t committer);
void mutate_tree(Choices& in, const Cast& cast, wire::RatchetTreeNodes& nodes, BytesView group_id);
void mutate_group_context(Choices& in, const Cast& cast, wire::GroupContext& context);
// One change to a GroupInfo (§12.4.3): its GroupContext, its extensions, the tree in its
// ratchet_tree extension, or its signer.
void mutate_group_info(Choices& in, const Cast& cast, wire::GroupInfo& info);
// Flips bytes of the value's encoding and decodes it again; a result that no longer decodes
// is dropped (the decoder targets cover those).
template <class T>
void mutate_encoding(Choices& in, T& value) {
  Bytes encoded = codec::encode(value);
  in.flip(encoded);
  try {
    value = codec::decode<T>(encoded);
    in.mark();
  } catch (const Error&) {
  }
}

// --- the sender's view of an epoch ---

struct CachedProposal {
  Bytes ref;
  wire::Sender sender;
  wire::Proposal proposal;
};

struct ShadowEpoch {
  wire::GroupContext context;
  tree::RatchetTree tree;
  schedule::EpochSecrets secrets;
  Bytes interim;                          // interim_transcript_hash of this epoch (§8.2)
  Bytes confirmation_tag;                 // of the commit that began it, for GroupInfo
  schedule::SecretTree secret_tree;       // the senders' ratchets; generations advance as they send
  std::vector<CachedProposal> proposals;  // accepted by the members this epoch
  std::map<uint64_t, SecretBytes> resumption_psks;  // §8.6, this epoch's and two before
  bool ended = false;                               // a ReInit was merged (§11.2)

  explicit ShadowEpoch(const crypto::Suite& suite) : tree(suite) {}
};

// §12.4.3.1 as a joiner: the epoch a Welcome starts, opened with `joiner`'s private keys.
ShadowEpoch epoch_from_welcome(const Cast& cast, const wire::Welcome& welcome,
                               const KeyPackageBundle& joiner);
// §8.4: the psk_secret of `ids` as a member knows them (the cast's external PSK, resumption
// PSKs of the epochs `epoch` remembers); Error(kPskNotFound) for any other.
SecretBytes shadow_psk_secret(const Cast& cast, const ShadowEpoch& epoch,
                              const std::vector<wire::PreSharedKeyId>& ids);

// What the proposals of a commit do to the tree (§12.3 order: GroupContextExtensions, Updates,
// Removes, Adds) and where the committer sits afterwards (an external committer takes the
// leftmost blank leaf, §12.4.3.2).
struct AppliedProposals {
  tree::RatchetTree tree;
  wire::ExtensionList extensions;
  std::vector<wire::PreSharedKeyId> psks;
  std::vector<tree::LeafIndex> joiners;
  tree::LeafIndex committer;
  bool reinit = false;
};
// Throws Error when the members would refuse the list (an unknown reference, a Remove of a
// blank leaf, ...): the shadow then cannot know the right confirmation tag.
AppliedProposals apply_proposals(const Cast& cast, const ShadowEpoch& epoch,
                                 const wire::Commit& commit, const wire::Sender& sender,
                                 const wire::LeafNode* external_leaf);

// A message before it is sealed: the content and how to authenticate it.
struct Draft {
  wire::WireFormat wire_format = wire::WireFormat::kPrivateMessage;
  wire::FramedContent content;
  Person author = kAlice;  // who signs when the sender's position names no known key
  // Commits: the secret the path gives (zero without one), and the init secret of an external
  // commit's ExternalInit (§8.3).
  std::optional<SecretBytes> commit_secret;
  std::optional<SecretBytes> external_init_secret;
  // Deliberate breakage; the members must refuse what carries any of it.
  bool wrong_signature = false;
  bool wrong_membership_tag = false;
  bool wrong_confirmation_tag = false;
  size_t padding = 0;
  uint32_t skipped_generations = 0;
};

// §12.4.2 for the shadow: puts a fresh UpdatePath into the draft's commit, made from
// `leaf_template` on the tree the commit's proposals leave, and records its commit secret.
// Throws Error when the proposals cannot be applied.
void add_path(const Cast& cast, const ShadowEpoch& epoch, Draft& draft,
              const wire::LeafNode& leaf_template, BytesView leaf_secret);

struct Sealed {
  wire::MlsMessage message;
  wire::AuthenticatedContent content;
  bool forged = false;              // carries deliberate breakage: acceptance is a finding
  bool tag_known = false;           // a commit whose confirmation tag the shadow computed
  std::optional<ShadowEpoch> next;  // the epoch that commit leads to
  Bytes proposal_ref;               // §5.2, for proposals
};

// §6.1-§6.3: signs (with the key the sender's position or type names, as the members will
// look it up), confirms a commit (§8.2, §6.1: the tag the epoch it leads to gives), and
// protects the content as its wire format says, with the shadow's keys. Throws Error when the
// content cannot be sealed at all (e.g. a non-member sender in a PrivateMessage).
Sealed seal(const Cast& cast, ShadowEpoch& epoch, const Draft& draft);

// The message as a member would receive it: encoded and decoded again. nullopt when it does not
// survive that (the decoder targets cover such bytes).
std::optional<wire::MlsMessage> on_the_wire(const wire::MlsMessage& message);

// --- re-sealing a GroupInfo (§12.4.3) ---

// The nodes of the GroupInfo's first ratchet_tree extension, when it decodes.
std::optional<wire::RatchetTreeNodes> group_info_tree(const wire::GroupInfo& info);
// §12.4.3.1: sets the GroupContext's tree_hash to that of `nodes`; false when they do not
// form a tree (RatchetTree::from_nodes refuses them).
bool fix_tree_hash(const Cast& cast, wire::GroupInfo& info,
                   const std::optional<wire::RatchetTreeNodes>& nodes);
// §12.4.3: signs as the member at info.signer, with the key its leaf in `nodes` shows when the
// cast holds it, and as `fallback` otherwise.
void sign_group_info_as_signer(const Cast& cast, wire::GroupInfo& info,
                               const std::optional<wire::RatchetTreeNodes>& nodes, Person fallback);

// The live group of the message targets: alice created it with ds as external sender
// (§12.1.8.1) and added bob, carol and dave in one commit; bob and dave are the receivers, the
// shadow knows epoch 1 from bob's Welcome.
struct FourMembers {
  Cast cast;
  std::optional<Group> alice, bob, dave;
  std::optional<ShadowEpoch> epoch;
  FourMembers();
};

// Error codes with which one honest receiver may refuse what another accepts: everything that
// depends on the receiver's own private keys (§7.5: decrypting its part of an UpdatePath).
bool receiver_specific(ErrorCode code);

[[noreturn]] void finding(const std::string& what);

}  // namespace conclave_fuzz
