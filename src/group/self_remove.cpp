// Extensions draft §SelfRemove Proposal: a member removes itself with a proposal any member,
// or an external joiner, commits by reference (the rules a proposal list must keep are in
// proposal_validation.cpp, the removal itself in proposal_application.cpp).
#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/public_message.h"
#include "proposal_checks.h"

namespace conclave {

using detail::leaf_text;

bool Group::self_remove_capable() const {
  return tree_.proposal_type_supporters(wire::ProposalType::kSelfRemove) == tree_.member_count();
}

void Group::check_self_remove(const wire::Sender& sender) const {
  // An external committer may hold a SelfRemove only by reference (checked on receipt, with
  // the original sender): one from the committer itself is by value.
  if (sender.sender_type == wire::SenderType::kNewMemberCommit)
    throw Error(ErrorCode::kSelfRemoveByValue, "a SelfRemove by value in an external commit");
  if (sender.sender_type != wire::SenderType::kMember)
    throw Error(ErrorCode::kSelfRemoveSenderNotMember, "a SelfRemove from outside the group");
  if (!self_remove_capable())
    throw Error(ErrorCode::kSelfRemoveGroupNotCapable,
                "a SelfRemove in a group where a member does not support it");
}

const Group::CachedProposal* Group::pending_self_remove(uint32_t leaf) const {
  for (const auto& c : proposals_)
    if (std::holds_alternative<wire::SelfRemove>(c.proposal.content) &&
        c.sender == wire::Sender::member(leaf))
      return &c;
  return nullptr;
}

wire::MlsMessage Group::propose_self_remove(BytesView aad) {
  check_can_propose();
  check_self_remove(wire::Sender::member(own_leaf_.value));
  // "A client MUST NOT issue more than one SelfRemove proposal per epoch."
  if (pending_self_remove(own_leaf_.value) != nullptr)
    throw Error(ErrorCode::kSelfRemoveTwice, "this member already proposed its SelfRemove");
  return send_proposal(wire::Proposal{wire::SelfRemove{}}, aad);  // always a PublicMessage
}

std::vector<Group::ResolvedProposal> Group::joiner_self_removes(
    const std::vector<wire::MlsMessage>& self_removes) const {
  std::vector<ResolvedProposal> out;
  for (const wire::MlsMessage& message : self_removes) {
    const auto* pub = message.get<wire::PublicMessage>();
    if (pub == nullptr)
      throw Error(ErrorCode::kSelfRemoveNotPublicMessage, "a SelfRemove that is not public");
    const wire::FramedContent& fc = pub->content;
    if (fc.group_id != context_.group_id)
      throw Error(ErrorCode::kWrongGroup, "a SelfRemove for another group");
    if (fc.epoch != context_.epoch)
      throw Error(ErrorCode::kWrongEpoch, "a SelfRemove of epoch " + std::to_string(fc.epoch));
    const auto* proposal = std::get_if<wire::Proposal>(&fc.content);
    if (proposal == nullptr || !std::holds_alternative<wire::SelfRemove>(proposal->content))
      throw Error(ErrorCode::kInvalidProposal, "a pending message that is not a SelfRemove");
    check_self_remove(fc.sender);
    const tree::LeafIndex l(fc.sender.index);
    const wire::LeafNode* leaf = tree_.contains(l) ? tree_.leaf(l) : nullptr;
    if (leaf == nullptr) throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " is not a member");
    // The draft: validated as a member would, "except that it skips the validation of the
    // membership_tag because a non-member cannot verify membership".
    const wire::AuthenticatedContent content{wire::WireFormat::kPublicMessage, fc, pub->auth};
    const wire::EncodedFramedContent encoded(fc);
    schedule::verify_framed_content(suite_, content.wire_format, encoded, content.auth.signature,
                                    leaf->signature_key, context_);
    for (const auto& earlier : out)
      if (earlier.sender == fc.sender)
        throw Error(ErrorCode::kSelfRemoveTwice, "two SelfRemoves of " + leaf_text(l));
    Bytes ref = suite_.make_proposal_ref(
        wire::authenticated_content_bytes(content.wire_format, encoded, content.auth));
    out.push_back(ResolvedProposal{fc.sender, *proposal, std::move(ref)});
  }
  return out;
}

}  // namespace conclave
