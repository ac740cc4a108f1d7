// What the DS reads of an MLS message: only its public framing (RFC 9750 §5.2, RFC 9420 §6).
// Confidentiality and integrity rest on MLS; the DS never needs a group secret.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/types.h"

namespace conclave::ds {

struct PublicFraming {
  Bytes group_id;
  uint64_t epoch = 0;
  wire::ContentType content_type = wire::ContentType::kApplication;
  // Known for a PublicMessage; a PrivateMessage's sender is encrypted, and always a member.
  wire::SenderType sender_type = wire::SenderType::kMember;
};

// What the DS reads of an external commit (RFC 9420 §12.4.3.2): who joins, how many members
// it removes by value (a resync removes the joiner's earlier leaf), and the proposals it
// includes by reference, which the extensions draft (§SelfRemove Proposal) allows for pending
// SelfRemove proposals only.
struct ExternalCommit {
  Bytes signature_key;  // of the joiner's new leaf (the commit's UpdatePath)
  Bytes credential;     // the same leaf's Credential, TLS-encoded
  size_t removes = 0;
  std::vector<Bytes> references;  // ProposalRefs (RFC 9420 §5.2), in the commit's order
};

// What the DS reads of a member's PublicMessage commit: the roster change its proposals by
// value make (RFC 9420 §12.1.1, §12.1.3). Proposals by reference were sent earlier in the
// epoch; the DS does not follow them.
struct MemberCommit {
  std::vector<Bytes> added_signature_keys;  // of each Add's KeyPackage leaf, in order
  size_t removes = 0;
  bool by_reference = false;  // whether any proposal is by reference
};

// The framing of an MLSMessage holding a PublicMessage or PrivateMessage; throws DsError
// (MALFORMED_MESSAGE) for anything else, including bytes that do not decode in full.
PublicFraming read_framing(BytesView message);

// Throws DsError (MALFORMED_MESSAGE) unless `message` is an MLSMessage holding a Welcome.
void check_welcome(BytesView message);

// The external commit in `message`, a PublicMessage commit from a new_member_commit sender.
// Throws DsError (ROSTER_INVALID) unless it holds only what §12.4.3.2 allows an external
// commit by value: exactly one ExternalInit, PreSharedKey and Remove proposals, and a path;
// besides, proposals by reference, which the caller must resolve to SelfRemoves.
ExternalCommit read_external_commit(BytesView message);

// Extensions draft §SelfRemove Proposal: the ProposalRef (RFC 9420 §5.2, in `suite`) of
// `message` when it is a SelfRemove proposal from a member sent as a PublicMessage, the only
// form the draft allows; nothing for any other message, one that does not decode included.
std::optional<Bytes> self_remove_ref(const crypto::Suite& suite, BytesView message);

// The roster change of `message` when it is a PublicMessage commit from a member; nothing for
// any other message (a PrivateMessage commit's proposals are encrypted).
std::optional<MemberCommit> read_member_commit(BytesView message);

// Throws DsError (INVALID_GROUP_INFO) unless `message` is an MLSMessage holding a GroupInfo of
// `group_id` at `epoch` (RFC 9420 §12.4.3).
void check_group_info(BytesView message, BytesView group_id, uint64_t epoch);

}  // namespace conclave::ds
