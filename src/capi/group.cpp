// The C API's groups: creating, joining, persisting and reading their state (conclave.h,
// "Groups: create, join, persist", "Groups: state", "Members").
#include <memory>
#include <string_view>
#include <utility>

#include "capi/handles.h"
#include "conclave/codec/codec.h"

using namespace conclave;
using namespace conclave::capi;

namespace {

const conclave_members::Entry* entry(const conclave_members* members, size_t index) {
  if (members == nullptr || index >= members->entries.size()) return nullptr;
  return &members->entries[index];
}

}  // namespace

extern "C" {

conclave_status conclave_group_create(const conclave_provider* provider,
                                      const conclave_identity* identity, const uint8_t* group_id,
                                      size_t group_id_len, const conclave_group_options* options,
                                      conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    CreateOptions create;
    create.group_id = to_bytes(input(group_id, group_id_len, "group_id"));
    create.config = config_of(options);
    *out = new conclave_group{Group::create(need(provider, "provider").provider,
                                            need(identity, "identity").identity, create,
                                            policy_of(options))};
  });
}

conclave_status conclave_group_join(const conclave_provider* provider,
                                    const conclave_identity* identity,
                                    const conclave_key_package* key_package, const uint8_t* welcome,
                                    size_t welcome_len, const uint8_t* ratchet_tree,
                                    size_t ratchet_tree_len, const conclave_group_options* options,
                                    conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_group{Group::join(
        need(provider, "provider").provider, need(identity, "identity").identity,
        need(key_package, "key_package").bundle,
        wire::MlsMessage::from_bytes(input(welcome, welcome_len, "welcome")),
        tree_of(ratchet_tree, ratchet_tree_len), config_of(options), policy_of(options))};
  });
}

conclave_status conclave_group_join_from_store(const conclave_provider* provider,
                                               const conclave_identity* identity,
                                               conclave_key_package_store* kp_store,
                                               const uint8_t* welcome, size_t welcome_len,
                                               const uint8_t* ratchet_tree, size_t ratchet_tree_len,
                                               const conclave_group_options* options,
                                               conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_group{Group::join(
        need(provider, "provider").provider, need(identity, "identity").identity,
        need(kp_store, "kp_store").store,
        wire::MlsMessage::from_bytes(input(welcome, welcome_len, "welcome")),
        tree_of(ratchet_tree, ratchet_tree_len), config_of(options), policy_of(options))};
  });
}

conclave_status conclave_group_join_external(const conclave_provider* provider,
                                             const conclave_identity* identity,
                                             const uint8_t* group_info, size_t group_info_len,
                                             const uint8_t* ratchet_tree, size_t ratchet_tree_len,
                                             const conclave_group_options* options,
                                             conclave_group** out_group, uint8_t** out_commit,
                                             size_t* out_commit_len) {
  clear(out_commit, out_commit_len);
  return guard([&] {
    need(out_group, "out_group") = nullptr;
    need(out_commit, "out_commit");
    need(out_commit_len, "out_commit_len");
    ExternalJoinOptions join;
    join.ratchet_tree = tree_of(ratchet_tree, ratchet_tree_len);
    join.config = config_of(options);
    auto joined = Group::join_external(
        need(provider, "provider").provider, need(identity, "identity").identity,
        wire::MlsMessage::from_bytes(input(group_info, group_info_len, "group_info")), join,
        policy_of(options));
    auto group = std::make_unique<conclave_group>(conclave_group{std::move(joined.group)});
    give(joined.commit.to_bytes(), out_commit, out_commit_len);
    *out_group = group.release();
  });
}

void conclave_group_free(conclave_group* group) {
  delete group;
}

conclave_status conclave_group_attach_storage(conclave_group* group, conclave_store* store) {
  return guard([&] { need(group, "group").group.attach_storage(need(store, "store").store); });
}

conclave_status conclave_group_load(const conclave_provider* provider, conclave_store* store,
                                    const uint8_t* group_id, size_t group_id_len,
                                    const conclave_group_options* options, conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_group{
        Group::load(need(provider, "provider").provider, need(store, "store").store,
                    input(group_id, group_id_len, "group_id"), policy_of(options))};
  });
}

conclave_status conclave_group_serialize(const conclave_group* group, uint8_t** out,
                                         size_t* out_len) {
  clear(out, out_len);
  return guard([&] { give(need(group, "group").group.serialize().view(), out, out_len); });
}

conclave_status conclave_group_deserialize(const conclave_provider* provider, const uint8_t* state,
                                           size_t state_len, const conclave_group_options* options,
                                           conclave_group** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_group{Group::deserialize(
        need(provider, "provider").provider, input(state, state_len, "state"), policy_of(options))};
  });
}

uint64_t conclave_group_epoch(const conclave_group* group) {
  return group == nullptr ? 0 : group->group.epoch();
}

uint16_t conclave_group_cipher_suite(const conclave_group* group) {
  return group == nullptr ? 0 : group->group.suite().id();
}

uint32_t conclave_group_own_leaf(const conclave_group* group) {
  return group == nullptr ? 0 : group->group.own_leaf().value;
}

int conclave_group_active(const conclave_group* group) {
  return group != nullptr && group->group.active() ? 1 : 0;
}

conclave_status conclave_group_id(const conclave_group* group, uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard([&] { give(need(group, "group").group.group_id(), out, out_len); });
}

conclave_status conclave_group_epoch_authenticator(const conclave_group* group, uint8_t** out,
                                                   size_t* out_len) {
  clear(out, out_len);
  return guard(
      [&] { give(need(group, "group").group.epoch_authenticator().view(), out, out_len); });
}

conclave_status conclave_group_export_secret(const conclave_group* group, const char* label,
                                             const uint8_t* context, size_t context_len,
                                             size_t length, uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    const std::string l = text(label, "label");
    give(need(group, "group")
             .group.export_secret(l, input(context, context_len, "context"), length)
             .view(),
         out, out_len);
  });
}

conclave_status conclave_group_group_info(const conclave_group* group, int with_ratchet_tree,
                                          uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    give(need(group, "group").group.group_info(with_ratchet_tree != 0).to_bytes(), out, out_len);
  });
}

conclave_status conclave_group_members(const conclave_group* group, conclave_members** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const Group& g = need(group, "group").group;
    auto members = std::make_unique<conclave_members>();
    for (const auto& m : g.members())
      members->entries.push_back(
          {m.leaf.value, user_of(m.credential), "", m.signature_key, m.leaf == g.own_leaf()});
    *out = members.release();
  });
}

size_t conclave_group_pending_proposal_count(const conclave_group* group) {
  if (group == nullptr) return 0;
  try {
    return group->group.pending_proposals().size();
  } catch (...) {
    return 0;
  }
}

size_t conclave_members_count(const conclave_members* members) {
  return members == nullptr ? 0 : members->entries.size();
}

uint32_t conclave_members_leaf(const conclave_members* members, size_t index) {
  const auto* e = entry(members, index);
  return e == nullptr ? 0 : e->leaf;
}

const char* conclave_members_user(const conclave_members* members, size_t index) {
  const auto* e = entry(members, index);
  return e == nullptr ? "" : e->user.c_str();
}

const char* conclave_members_device(const conclave_members* members, size_t index) {
  const auto* e = entry(members, index);
  return e == nullptr ? "" : e->device.c_str();
}

const uint8_t* conclave_members_signature_key(const conclave_members* members, size_t index,
                                              size_t* len) {
  const auto* e = entry(members, index);
  return view_of(e == nullptr ? nullptr : &e->signature_key, len);
}

int conclave_members_is_self(const conclave_members* members, size_t index) {
  const auto* e = entry(members, index);
  return e != nullptr && e->is_self ? 1 : 0;
}

void conclave_members_free(conclave_members* members) {
  delete members;
}

}  // extern "C"
