// Extensions draft §Attaching Application Data to a Commit (AppEphemeral) and §AppAck: data a
// Commit carries for an application component, checked by the component and handed over with
// the commit (StagedCommit::app_ephemerals()); it changes no MLS state but the transcript.
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"

namespace conclave {

void Group::check_app_ephemeral(const wire::AppEphemeral& ephemeral) const {
  const AppComponent* component = app_component(ephemeral.component_id);
  // §AppAck: the library knows app_ack itself; its data must be an AppAck.
  const bool app_ack = ephemeral.component_id == wire::component::kAppAck;
  if (app_ack) wire::decode_app_ack(ephemeral.data);
  // "invalid if it contains a component_id that is unknown to the application, or if the data
  // field is considered invalid by the application logic registered to the indicated
  // component_id".
  if (component == nullptr && !app_ack)
    throw Error(ErrorCode::kAppComponentUnknown,
                "an AppEphemeral of unknown component " + std::to_string(ephemeral.component_id));
  if (component != nullptr && component->ephemeral && !component->ephemeral(ephemeral.data))
    throw Error(ErrorCode::kAppEphemeralVetoed,
                "the application refuses an AppEphemeral of component " +
                    std::to_string(ephemeral.component_id));
}

wire::MlsMessage Group::propose_app_ephemeral(wire::ComponentId component, BytesView data,
                                              BytesView aad) {
  check_can_propose();
  const wire::Proposal p{wire::AppEphemeral{component, to_bytes(data)}};
  check_proposal(wire::Sender::member(own_leaf_.value), p);
  // §12.2: only a commit of a group whose members all support it may cover it.
  if (tree_.proposal_type_supporters(wire::ProposalType::kAppEphemeral) != tree_.member_count())
    throw Error(ErrorCode::kProposalTypeUnsupported, "a member does not support AppEphemeral");
  return send_proposal(p, aad);
}

wire::MlsMessage Group::propose_app_ack(const wire::AppAck& ack, BytesView aad) {
  const wire::AppEphemeral e = app_ack_ephemeral(ack);
  return propose_app_ephemeral(e.component_id, e.data, aad);
}

wire::AppEphemeral app_ack_ephemeral(const wire::AppAck& ack) {
  wire::check_app_ack(ack);
  return wire::AppEphemeral{wire::component::kAppAck, codec::encode(ack)};
}

std::vector<CommittedAppAck> StagedCommit::app_acks() const {
  std::vector<CommittedAppAck> out;
  for (const auto& e : app_ephemerals_)
    if (e.content.component_id == wire::component::kAppAck)
      out.push_back(CommittedAppAck{e.sender, wire::decode_app_ack(e.content.data)});
  return out;
}

}  // namespace conclave
