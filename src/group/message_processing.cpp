// RFC 9420 §6: receiving messages. Framing is checked and the sender authenticated (§6.1-§6.3),
// then the content goes where it belongs: application data out, proposals to the cache (§12.1),
// commits to staging (commit_processing.cpp).
#include <algorithm>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/wire/safe_aad.h"
#include "proposal_checks.h"

namespace conclave {

using detail::leaf_text;

// --- receiving -----------------------------------------------------------------------------------

std::vector<ReceivedProposal> Group::pending_proposals() const {
  std::vector<ReceivedProposal> out;
  out.reserve(proposals_.size());
  for (const auto& p : proposals_)
    out.push_back(ReceivedProposal{p.sender, p.proposal, p.ref});
  return out;
}

ProcessResult Group::process(const wire::MlsMessage& message,
                             const std::function<Bytes(const ProcessResult&)>& application_state) {
  ProcessResult result = process_message(message);
  if (application_state) set_application_state(application_state(result));
  if (!std::holds_alternative<StagedCommit>(result)) persist();
  return result;
}

ProcessResult Group::process(const wire::MlsMessage& message) {
  ProcessResult result = process_message(message);
  // A staged commit changes nothing until merge(), which persists it with the key it used.
  if (!std::holds_alternative<StagedCommit>(result)) persist();
  return result;
}

ProcessResult Group::process_message(const wire::MlsMessage& message) {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  if (reinit_) check_readable_after_reinit(message);
  // The Delivery Service echoes what we sent: our pending commit, or a proposal of ours. Only a
  // handshake message can be one, and only while we have one out: application data and most
  // handshake messages are not encoded again here.
  if (may_be_own_echo(message)) {
    const Bytes encoded = codec::encode(message);
    if (pending_ && encoded == pending_->message) return pending_->staged;
    for (size_t i = 0; i < own_proposal_messages_.size(); ++i) {
      if (own_proposal_messages_[i] != encoded) continue;
      // The i-th message sent is the i-th of our proposals in the cache (both in sending order).
      size_t own = 0;
      for (const auto& c : proposals_)
        if (c.sender == wire::Sender::member(own_leaf_.value) && own++ == i)
          return ReceivedProposal{c.sender, c.proposal, c.ref};
    }
  }
  if (const auto* pub = message.get<wire::PublicMessage>()) return process_public(*pub);
  if (const auto* priv = message.get<wire::PrivateMessage>()) return process_private(*priv);
  throw Error(ErrorCode::kWireFormatMismatch,
              "process() takes PublicMessage and PrivateMessage; use join() for a Welcome");
}

bool Group::may_be_own_echo(const wire::MlsMessage& message) const {
  if (!pending_ && own_proposal_messages_.empty()) return false;
  if (const auto* priv = message.get<wire::PrivateMessage>())
    return priv->content_type != wire::ContentType::kApplication && priv->epoch == context_.epoch;
  if (const auto* pub = message.get<wire::PublicMessage>())
    return pub->content.sender == wire::Sender::member(own_leaf_.value) &&
           pub->content.epoch == context_.epoch;
  return false;
}

Bytes Group::sender_signature_key(const wire::AuthenticatedContent& content) const {
  const wire::Sender& sender = content.content.sender;
  const wire::Content& body = content.content.content;
  switch (sender.sender_type) {
    case wire::SenderType::kMember: {
      const tree::LeafIndex l(sender.index);
      const wire::LeafNode* leaf = tree_.contains(l) ? tree_.leaf(l) : nullptr;
      if (leaf == nullptr)
        throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " is not a member");
      return leaf->signature_key;
    }
    case wire::SenderType::kExternal: {
      // §12.1.8: proposals only, from a sender the external_senders extension lists.
      if (!std::holds_alternative<wire::Proposal>(body))
        throw Error(ErrorCode::kSenderNotAllowed, "an external sender sends proposals only");
      const auto* ext =
          wire::find_extension(context_.extensions, wire::ExtensionType::kExternalSenders);
      if (ext == nullptr)
        throw Error(ErrorCode::kExternalSenderUnknown, "the group has no external senders");
      auto senders = codec::decode<std::vector<wire::ExternalSender>>(ext->extension_data);
      if (sender.index >= senders.size())
        throw Error(ErrorCode::kExternalSenderUnknown, "external sender " +
                                                           std::to_string(sender.index) + " of " +
                                                           std::to_string(senders.size()));
      const wire::ExternalSender& es = senders[sender.index];
      // The Authentication Service vouches for external senders as for members (§5.3.1).
      if (!credential_validator()(es.credential, es.signature_key))
        throw Error(ErrorCode::kCredentialRejected, "the external sender's credential");
      return es.signature_key;
    }
    case wire::SenderType::kNewMemberProposal: {
      // §12.1.8: an Add of the sender itself, signed with its KeyPackage's key.
      const auto* proposal = std::get_if<wire::Proposal>(&body);
      const auto* add = proposal ? std::get_if<wire::Add>(&proposal->content) : nullptr;
      if (add == nullptr)
        throw Error(ErrorCode::kSenderNotAllowed, "a new_member_proposal sender sends an Add only");
      return add->key_package.leaf_node.signature_key;
    }
    case wire::SenderType::kNewMemberCommit: {
      // §12.4.3.2: signed with the key of the leaf in the commit's path.
      const auto* commit = std::get_if<wire::Commit>(&body);
      if (commit == nullptr)
        throw Error(ErrorCode::kSenderNotAllowed, "a new_member_commit sender sends a Commit only");
      if (!commit->path)
        throw Error(ErrorCode::kPathRequired, "an external commit without an UpdatePath");
      return commit->path->leaf_node.signature_key;
    }
    default: throw Error(ErrorCode::kSenderNotAllowed, "an unknown sender type");
  }
}

ProcessResult Group::process_public(const wire::PublicMessage& message) {
  const wire::FramedContent& fc = message.content;
  if (fc.group_id != context_.group_id)
    throw Error(ErrorCode::kWrongGroup, "a message for another group");
  if (fc.epoch != context_.epoch)
    throw Error(ErrorCode::kWrongEpoch, "a handshake message of epoch " + std::to_string(fc.epoch) +
                                            " in epoch " + std::to_string(context_.epoch));
  // extensions draft §Safe AAD: checked before any key is used.
  wire::check_authenticated_data(context_.extensions, fc.authenticated_data);
  // Encoded once for the membership tag, the signature, and a commit's transcript hash.
  const wire::EncodedFramedContent encoded(fc);
  const auto content = schedule::unprotect_public_message(suite_, message, encoded,
                                                          secrets_.membership_key.view(), context_);
  schedule::verify_framed_content(suite_, content.wire_format, encoded, content.auth.signature,
                                  sender_signature_key(content), context_);
  return process_content(content, encoded);
}

ProcessResult Group::process_private(const wire::PrivateMessage& message) {
  if (message.group_id != context_.group_id)
    throw Error(ErrorCode::kWrongGroup, "a message for another group");
  if (message.epoch != context_.epoch) {
    if (message.content_type == wire::ContentType::kApplication && message.epoch < context_.epoch)
      return process_past_application(message);
    throw Error(ErrorCode::kWrongEpoch, "a message of epoch " + std::to_string(message.epoch) +
                                            " in epoch " + std::to_string(context_.epoch));
  }
  // extensions draft §Safe AAD: the PrivateMessage carries authenticated_data in the clear.
  wire::check_authenticated_data(context_.extensions, message.authenticated_data);
  // The ratchet key is consumed only once the content verified, and the secret tree is the
  // only state touched before process_content decides. A commit is staged (every §12.4.2
  // check) before its key is consumed, so a rejected one leaves the key to the genuine commit.
  std::optional<StagedCommit> staged;
  std::optional<wire::EncodedFramedContent> encoded;  // once, for signature and transcript
  const auto content = schedule::unprotect_private_message(
      suite_, message, secret_tree_, secrets_.sender_data_secret.view(),
      [&](const wire::AuthenticatedContent& c) {
        encoded.emplace(c.content);
        schedule::verify_framed_content(suite_, c.wire_format, *encoded, c.auth.signature,
                                        sender_signature_key(c), context_);
        if (c.content.content_type() == wire::ContentType::kProposal) {
          const auto& proposal = std::get<wire::Proposal>(c.content.content);
          // Extensions draft §SelfRemove Proposal: "MUST be sent in an MLS PublicMessage".
          if (std::holds_alternative<wire::SelfRemove>(proposal.content))
            throw Error(ErrorCode::kSelfRemoveNotPublicMessage, "a SelfRemove in a PrivateMessage");
          check_proposal(c.content.sender, proposal);
        }
        if (c.content.content_type() == wire::ContentType::kCommit)
          staged = stage_commit(c, *encoded);
      });
  if (staged) return std::move(*staged);
  // A proposal was checked above (an Add's KeyPackage signatures included): not twice.
  return process_content(content, *encoded, true);
}

ApplicationMessage Group::process_past_application(const wire::PrivateMessage& message) {
  auto it = std::find_if(past_epochs_.begin(), past_epochs_.end(),
                         [&](const auto& p) { return p.first == message.epoch; });
  if (it == past_epochs_.end())
    throw Error(ErrorCode::kEpochNotRetained,
                "the keys of epoch " + std::to_string(message.epoch) + " were deleted");
  PastEpoch& past = it->second;
  // extensions draft §Safe AAD: the rule of the epoch it was sent in.
  wire::check_authenticated_data(past.context.extensions, message.authenticated_data);
  // The sender's signature key then: the first record of it from that epoch on, else today's.
  const auto key_then = [&](tree::LeafIndex l) -> Bytes {
    for (auto p = it; p != past_epochs_.end(); ++p) {
      const auto found = p->second.signature_keys.find(l.value);
      if (found == p->second.signature_keys.end()) continue;
      if (!found->second) throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " was blank");
      return *found->second;
    }
    const wire::LeafNode* leaf = tree_.contains(l) ? tree_.leaf(l) : nullptr;
    if (leaf == nullptr) throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " is not a member");
    return leaf->signature_key;
  };
  const auto content = schedule::unprotect_private_message(
      suite_, message, past.secret_tree, past.sender_data_secret.view(),
      [&](const wire::AuthenticatedContent& c) {
        schedule::verify_framed_content(
            suite_, c, key_then(tree::LeafIndex(c.content.sender.index)), past.context);
      });
  const auto& app = std::get<wire::ApplicationData>(content.content.content);
  return ApplicationMessage{tree::LeafIndex(content.content.sender.index), message.epoch, app.data,
                            content.content.authenticated_data};
}

ProcessResult Group::process_content(const wire::AuthenticatedContent& content,
                                     const wire::EncodedFramedContent& encoded,
                                     bool proposal_checked) {
  const wire::FramedContent& fc = content.content;
  if (const auto* app = std::get_if<wire::ApplicationData>(&fc.content))
    return ApplicationMessage{tree::LeafIndex(fc.sender.index), fc.epoch, app->data,
                              fc.authenticated_data};
  if (const auto* proposal = std::get_if<wire::Proposal>(&fc.content)) {
    if (!proposal_checked) check_proposal(fc.sender, *proposal);
    Bytes ref = suite_.make_proposal_ref(
        wire::authenticated_content_bytes(content.wire_format, encoded, content.auth));
    if (find_proposal(ref) == nullptr) {
      // Extensions draft §SelfRemove Proposal: "MUST NOT issue more than one SelfRemove
      // proposal per epoch" (the same message again is no second one).
      if (std::holds_alternative<wire::SelfRemove>(proposal->content) &&
          pending_self_remove(fc.sender.index) != nullptr)
        throw Error(ErrorCode::kSelfRemoveTwice,
                    "a second SelfRemove of " + leaf_text(tree::LeafIndex(fc.sender.index)));
      cache_proposal(CachedProposal{ref, fc.sender, *proposal});
      if (store_) changes_.epoch = true;
    }
    return ReceivedProposal{fc.sender, *proposal, std::move(ref)};
  }
  return stage_commit(content, encoded);
}

}  // namespace conclave
