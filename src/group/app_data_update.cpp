// Extensions draft §Updating Application Data in the GroupContext: AppDataUpdate proposals
// change the GroupContext's app_data_dictionary extension, one component at a time, through
// the application's registered logic (GroupPolicy::components). The call sites are in
// proposal_validation.cpp (one proposal), proposal_application.cpp (a commit's list) and
// commit_creation.cpp (which received proposals a commit includes).
#include <algorithm>
#include <map>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"

namespace conclave {

namespace {

using wire::AppDataUpdateOperation;

std::string component_text(wire::ComponentId id) {
  return "component " + std::to_string(id);
}

// The operations of one component in a list, in its order.
struct ComponentOps {
  size_t removes = 0;
  std::vector<Bytes> updates;
};

// "for a given component_id, a proposal list is valid only if it contains (a) a single remove
// operation or (b) one or more update operations".
void check_ops(wire::ComponentId id, const ComponentOps& ops) {
  if (ops.removes > 1 || (ops.removes == 1 && !ops.updates.empty()))
    throw Error(ErrorCode::kAppDataUpdateConflict,
                ops.removes > 1 ? "two removes of " + component_text(id)
                                : "an update and a remove of " + component_text(id));
}

// The list's AppDataUpdates by component (ascending id), each component's in list order.
std::map<wire::ComponentId, ComponentOps> ops_by_component(
    const std::vector<const wire::AppDataUpdate*>& updates) {
  std::map<wire::ComponentId, ComponentOps> out;
  for (const wire::AppDataUpdate* u : updates) {
    ComponentOps& ops = out[u->component_id];
    if (u->op == AppDataUpdateOperation::kRemove)
      ++ops.removes;
    else
      ops.updates.push_back(u->update);
  }
  return out;
}

const wire::Extension* dictionary_extension(const wire::ExtensionList& extensions) {
  return wire::find_extension(extensions, wire::ExtensionType::kAppDataDictionary);
}

bool app_data_update_required(const wire::ExtensionList& extensions) {
  const wire::Extension* ext =
      wire::find_extension(extensions, wire::ExtensionType::kRequiredCapabilities);
  if (ext == nullptr) return false;
  const auto required = codec::decode<wire::RequiredCapabilities>(ext->extension_data);
  return std::find(required.proposal_types.begin(), required.proposal_types.end(),
                   wire::ProposalType::kAppDataUpdate) != required.proposal_types.end();
}

}  // namespace

const AppComponent* Group::app_component(wire::ComponentId component) const {
  for (const AppComponent& c : policy_.components)
    if (c.id == component) return &c;
  return nullptr;
}

wire::AppDataDictionary Group::app_data_dictionary() const {
  const wire::Extension* ext = dictionary_extension(context_.extensions);
  return ext == nullptr ? wire::AppDataDictionary{}
                        : wire::decode_app_data_dictionary(ext->extension_data);
}

std::optional<Bytes> Group::app_data(wire::ComponentId component) const {
  const wire::AppDataDictionary dictionary = app_data_dictionary();
  const wire::ComponentData* entry = wire::find_component(dictionary, component);
  if (entry == nullptr) return std::nullopt;
  return entry->data;
}

void Group::check_app_proposal(const wire::Proposal& proposal) const {
  if (const auto* update = std::get_if<wire::AppDataUpdate>(&proposal.content)) {
    // "invalid if its component_id references a component that is not known to the
    // application".
    if (app_component(update->component_id) == nullptr)
      throw Error(ErrorCode::kAppComponentUnknown,
                  "an AppDataUpdate of unknown " + component_text(update->component_id));
  } else if (const auto* ephemeral = std::get_if<wire::AppEphemeral>(&proposal.content)) {
    check_app_ephemeral(*ephemeral);
  } else if (const auto* gce = std::get_if<wire::GroupContextExtensions>(&proposal.content)) {
    // "When ... AppDataUpdate [is] in the proposal_types list in the group's
    // required_capabilities extension, a GroupContextExtensions proposal MUST NOT add, remove,
    // or modify the app_data_dictionary GroupContext extension."
    if (!app_data_update_required(context_.extensions)) return;
    const wire::Extension* before = dictionary_extension(context_.extensions);
    const wire::Extension* after = dictionary_extension(gce->extensions);
    const bool kept =
        (before == nullptr && after == nullptr) ||
        (before != nullptr && after != nullptr && before->extension_data == after->extension_data);
    if (!kept)
      throw Error(ErrorCode::kAppDataDictionaryNotByGce,
                  "a GroupContextExtensions changes app_data_dictionary while AppDataUpdate "
                  "is required");
  }
}

void Group::apply_app_proposals(const std::vector<ResolvedProposal>& proposals,
                                wire::ExtensionList& extensions, StagedCommit& out) const {
  // "AppEphemeral proposals MUST be processed after any default proposals ... but before any
  // AppDataUpdate proposals", those of one component in the order of the Commit.
  std::vector<const wire::AppDataUpdate*> updates;
  for (const auto& rp : proposals) {
    if (const auto* e = std::get_if<wire::AppEphemeral>(&rp.proposal.content)) {
      check_app_ephemeral(*e);
      out.app_ephemerals_.push_back(CommittedAppEphemeral{rp.sender, *e});
    } else if (const auto* u = std::get_if<wire::AppDataUpdate>(&rp.proposal.content)) {
      updates.push_back(u);
    }
  }
  if (updates.empty()) return;
  const auto by_component = ops_by_component(updates);
  // The structural rules of every component first, then the application's logic.
  for (const auto& [id, ops] : by_component) {
    if (app_component(id) == nullptr)
      throw Error(ErrorCode::kAppComponentUnknown,
                  "an AppDataUpdate of unknown " + component_text(id));
    check_ops(id, ops);
  }
  auto ext = std::find_if(extensions.begin(), extensions.end(), [](const wire::Extension& e) {
    return e.extension_type == wire::ExtensionType::kAppDataDictionary;
  });
  const bool added = ext == extensions.end();
  wire::AppDataDictionary dictionary =
      added ? wire::AppDataDictionary{} : wire::decode_app_data_dictionary(ext->extension_data);
  for (const auto& [id, ops] : by_component) {
    const wire::ComponentData* entry = wire::find_component(dictionary, id);
    if (ops.removes == 1) {
      // "If there is an entry ... remove it. Otherwise, the proposal is invalid."
      if (entry == nullptr)
        throw Error(ErrorCode::kAppDataRemoveAbsent,
                    "an AppDataUpdate removes " + component_text(id) + ", which has no state");
      wire::erase_component(dictionary, id);
      continue;
    }
    // "Provide the application logic registered to the component_id value with the content of
    // the update field from each proposal, in the order specified."
    const AppComponent& component = *app_component(id);
    std::optional<Bytes> new_data;
    if (component.update) {
      std::optional<BytesView> current;
      if (entry != nullptr) current = entry->data;
      new_data = component.update(current, ops.updates);
    } else {
      new_data = ops.updates.back();
    }
    if (!new_data)
      throw Error(ErrorCode::kAppDataUpdateVetoed,
                  "the application refuses the AppDataUpdates of " + component_text(id));
    // set_component keeps the entries sorted by component_id.
    wire::set_component(dictionary, id, std::move(*new_data));
  }
  if (added) {
    // "If no app_data_dictionary extension is present in the GroupContext, add one to the end
    // of the extensions list": every member of the new epoch must support it (RFC 9420 §13.4).
    for (tree::LeafIndex l : tree_.members()) {
      const auto& supported = tree_.leaf(l)->capabilities.extensions;
      if (std::find(supported.begin(), supported.end(), wire::ExtensionType::kAppDataDictionary) ==
          supported.end())
        throw Error(ErrorCode::kRequiredCapabilityMissing,
                    "leaf " + std::to_string(l.value) + " does not support app_data_dictionary");
    }
    extensions.push_back(
        wire::Extension{wire::ExtensionType::kAppDataDictionary, codec::encode(dictionary)});
  } else {
    ext->extension_data = codec::encode(dictionary);
  }
}

void Group::keep_valid_app_data_updates(std::vector<ResolvedProposal>& list,
                                        wire::Commit& commit) const {
  // §12.4: a commit includes the received proposals that keep the list valid. Per component:
  // the first operation received decides (a remove keeps only itself, an update every update);
  // a remove of absent state and updates the application refuses are left out.
  // AppDataUpdates apply after the list's GroupContextExtensions (which may drop the extension).
  const wire::ExtensionList after = extensions_after(list, {});
  const wire::Extension* ext = dictionary_extension(after);
  const wire::AppDataDictionary dictionary =
      ext == nullptr ? wire::AppDataDictionary{}
                     : wire::decode_app_data_dictionary(ext->extension_data);
  std::map<wire::ComponentId, ComponentOps> kept;
  std::vector<bool> keep(list.size(), true);
  for (size_t i = 0; i < list.size(); ++i) {
    const auto* u = std::get_if<wire::AppDataUpdate>(&list[i].proposal.content);
    if (u == nullptr) continue;
    const auto [it, first] = kept.try_emplace(u->component_id);
    ComponentOps& ops = it->second;
    const bool remove = u->op == AppDataUpdateOperation::kRemove;
    if (remove ? (!first || wire::find_component(dictionary, u->component_id) == nullptr)
               : ops.removes != 0) {
      keep[i] = false;
      if (first) kept.erase(it);
      continue;
    }
    if (remove)
      ++ops.removes;
    else
      ops.updates.push_back(u->update);
  }
  for (const auto& [id, ops] : kept) {
    const AppComponent* component = app_component(id);
    const wire::ComponentData* entry = wire::find_component(dictionary, id);
    if (ops.updates.empty() || component == nullptr || !component->update) continue;
    std::optional<BytesView> current;
    if (entry != nullptr) current = entry->data;
    if (component->update(current, ops.updates)) continue;
    for (size_t i = 0; i < list.size(); ++i)
      if (const auto* u = std::get_if<wire::AppDataUpdate>(&list[i].proposal.content);
          u != nullptr && u->component_id == id)
        keep[i] = false;
  }
  size_t to = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!keep[i]) continue;
    if (to != i) {
      list[to] = std::move(list[i]);
      commit.proposals[to] = std::move(commit.proposals[i]);
    }
    ++to;
  }
  list.resize(to);
  commit.proposals.resize(to);
}

wire::MlsMessage Group::propose_app_data_update(wire::ComponentId component,
                                                wire::AppDataUpdateOperation op, BytesView update,
                                                BytesView aad) {
  check_can_propose();
  wire::AppDataUpdate proposal{component, op, {}};
  if (op == AppDataUpdateOperation::kUpdate) proposal.update = to_bytes(update);
  const wire::Proposal p{proposal};
  check_proposal(wire::Sender::member(own_leaf_.value), p);
  if (op == AppDataUpdateOperation::kRemove && !app_data(component))
    throw Error(ErrorCode::kAppDataRemoveAbsent,
                "an AppDataUpdate removes " + component_text(component) + ", which has no state");
  // §12.2: only a commit of a group whose members all support it may cover it.
  if (tree_.proposal_type_supporters(wire::ProposalType::kAppDataUpdate) != tree_.member_count())
    throw Error(ErrorCode::kProposalTypeUnsupported, "a member does not support AppDataUpdate");
  return send_proposal(p, aad);
}

}  // namespace conclave
