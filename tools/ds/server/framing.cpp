#include "framing.h"

#include <string>
#include <variant>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/message.h"
#include "ds_error.h"

namespace conclave::ds {
namespace {

DsError malformed(const std::string& message) {
  return DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_MESSAGE, message);
}

wire::MlsMessage decode(BytesView bytes) {
  try {
    return codec::decode<wire::MlsMessage>(bytes);
  } catch (const Error& e) {
    throw malformed(std::string("not an MLSMessage: ") + e.what());
  }
}

}  // namespace

PublicFraming read_framing(BytesView bytes) {
  const wire::MlsMessage message = decode(bytes);
  if (const auto* pub = message.get<wire::PublicMessage>())
    return {pub->content.group_id, pub->content.epoch, pub->content.content_type(),
            pub->content.sender.sender_type};
  if (const auto* priv = message.get<wire::PrivateMessage>())
    return {priv->group_id, priv->epoch, priv->content_type, wire::SenderType::kMember};
  throw malformed("a group message is a PublicMessage or a PrivateMessage");
}

void check_welcome(BytesView bytes) {
  if (!decode(bytes).get<wire::Welcome>()) throw malformed("the welcome is not a Welcome");
}

ExternalCommit read_external_commit(BytesView bytes) {
  const wire::MlsMessage message = decode(bytes);
  const auto* pub = message.get<wire::PublicMessage>();
  const auto* commit = pub ? std::get_if<wire::Commit>(&pub->content.content) : nullptr;
  if (!commit || pub->content.sender.sender_type != wire::SenderType::kNewMemberCommit)
    throw malformed("an external commit is a PublicMessage commit from a new member");
  auto invalid = [](const char* why) {
    return DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_ROSTER_INVALID, why);
  };
  // RFC 9420 §12.4.3.2: the path carries the joiner's new leaf; the proposals are by value,
  // except the pending SelfRemoves the extensions draft has the joiner include by reference
  // (§SelfRemove Proposal), which the caller matches against the epoch's proposals.
  if (!commit->path) throw invalid("an external commit has a path");
  ExternalCommit out;
  size_t inits = 0;
  for (const auto& entry : commit->proposals) {
    const wire::Proposal* proposal = entry.proposal();
    if (!proposal) {
      out.references.push_back(*entry.reference());
      continue;
    }
    if (std::holds_alternative<wire::ExternalInit>(proposal->content)) {
      ++inits;
    } else if (std::holds_alternative<wire::Remove>(proposal->content)) {
      ++out.removes;
    } else if (!std::holds_alternative<wire::PreSharedKey>(proposal->content)) {
      throw invalid("an external commit adds nobody but its sender");
    }
  }
  if (inits != 1) throw invalid("an external commit has exactly one ExternalInit");
  out.signature_key = commit->path->leaf_node.signature_key;
  out.credential = codec::encode(commit->path->leaf_node.credential);
  return out;
}

std::optional<Bytes> self_remove_ref(const crypto::Suite& suite, BytesView bytes) {
  wire::MlsMessage message;
  try {
    message = codec::decode<wire::MlsMessage>(bytes);
  } catch (const Error&) {
    return std::nullopt;
  }
  const auto* pub = message.get<wire::PublicMessage>();
  if (!pub || pub->content.sender.sender_type != wire::SenderType::kMember) return std::nullopt;
  const auto* proposal = std::get_if<wire::Proposal>(&pub->content.content);
  if (!proposal || !std::holds_alternative<wire::SelfRemove>(proposal->content))
    return std::nullopt;
  const wire::EncodedFramedContent content(pub->content);
  return suite.make_proposal_ref(
      wire::authenticated_content_bytes(wire::WireFormat::kPublicMessage, content, pub->auth));
}

std::optional<MemberCommit> read_member_commit(BytesView bytes) {
  const wire::MlsMessage message = decode(bytes);
  const auto* pub = message.get<wire::PublicMessage>();
  const auto* commit = pub ? std::get_if<wire::Commit>(&pub->content.content) : nullptr;
  if (!commit || pub->content.sender.sender_type != wire::SenderType::kMember) return std::nullopt;
  MemberCommit out;
  for (const auto& entry : commit->proposals) {
    const wire::Proposal* proposal = entry.proposal();
    if (!proposal) {
      out.by_reference = true;
    } else if (const auto* add = std::get_if<wire::Add>(&proposal->content)) {
      out.added_signature_keys.push_back(add->key_package.leaf_node.signature_key);
    } else if (std::holds_alternative<wire::Remove>(proposal->content)) {
      ++out.removes;
    }
  }
  return out;
}

void check_group_info(BytesView bytes, BytesView group_id, uint64_t epoch) {
  auto invalid = [](const char* why) {
    return DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_INVALID_GROUP_INFO, why);
  };
  wire::MlsMessage message;
  try {
    message = codec::decode<wire::MlsMessage>(bytes);
  } catch (const Error&) {
    throw invalid("the GroupInfo is not an MLSMessage");
  }
  const auto* info = message.get<wire::GroupInfo>();
  if (!info) throw invalid("the GroupInfo is not a GroupInfo");
  if (info->group_context.group_id != to_bytes(group_id))
    throw invalid("the GroupInfo is of another group");
  if (info->group_context.epoch != epoch) throw invalid("the GroupInfo is not of the new epoch");
}

}  // namespace conclave::ds
