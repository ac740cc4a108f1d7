// The C API's group messages: proposals, commits, application messages, processing and the
// staged commits it returns (conclave.h, "Groups: proposals, commits, messages").
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include "capi/handles.h"
#include "conclave/codec/codec.h"

using namespace conclave;
using namespace conclave::capi;

namespace {

const conclave_processed* processed_of(const conclave_processed* p, conclave_processed_kind kind) {
  return p != nullptr && p->kind == kind ? p : nullptr;
}

const std::pair<uint32_t, Bytes>* listed(const std::vector<std::pair<uint32_t, Bytes>>* list,
                                         size_t index) {
  return list == nullptr || index >= list->size() ? nullptr : &(*list)[index];
}

uint32_t listed_entry(const std::vector<std::pair<uint32_t, Bytes>>* list, size_t index,
                      const uint8_t** identity, size_t* identity_len) {
  const auto* e = listed(list, index);
  const uint8_t* data = view_of(e == nullptr ? nullptr : &e->second, identity_len);
  if (identity != nullptr) *identity = data;
  return e == nullptr ? 0 : e->first;
}

}  // namespace

extern "C" {

conclave_status conclave_group_propose_add(conclave_group* group, const uint8_t* key_package,
                                           size_t key_package_len, uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    const auto kp = key_package_of(input(key_package, key_package_len, "key_package"));
    give(need(group, "group").group.propose_add(kp).to_bytes(), out, out_len);
  });
}

conclave_status conclave_group_propose_remove(conclave_group* group, uint32_t leaf, uint8_t** out,
                                              size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    give(need(group, "group").group.propose_remove(tree::LeafIndex(leaf)).to_bytes(), out, out_len);
  });
}

conclave_status conclave_group_propose_update(conclave_group* group, uint8_t** out,
                                              size_t* out_len) {
  clear(out, out_len);
  return guard([&] { give(need(group, "group").group.propose_update().to_bytes(), out, out_len); });
}

conclave_status conclave_group_commit(conclave_group* group, const conclave_commit_options* options,
                                      conclave_commit_output** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    Group& g = need(group, "group").group;
    auto result = options == nullptr ? g.commit() : g.commit(options->options);
    auto output = std::make_unique<conclave_commit_output>();
    output->commit = result.commit.to_bytes();
    if (result.welcome) output->welcome = result.welcome->to_bytes();
    if (result.ratchet_tree) output->ratchet_tree = codec::encode(*result.ratchet_tree);
    if (result.group_info) output->group_info = result.group_info->to_bytes();
    *out = output.release();
  });
}

int conclave_group_has_pending_commit(const conclave_group* group) {
  return group != nullptr && group->group.has_pending_commit() ? 1 : 0;
}

conclave_status conclave_group_pending_commit(const conclave_group* group,
                                              conclave_staged_commit** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const StagedCommit* pending = need(group, "group").group.pending_commit();
    if (pending != nullptr) *out = make_staged(*pending).release();
  });
}

conclave_status conclave_group_merge_pending_commit(conclave_group* group) {
  return guard([&] { need(group, "group").group.merge_pending_commit(); });
}

conclave_status conclave_group_discard_pending_commit(conclave_group* group) {
  return guard([&] { need(group, "group").group.discard_pending_commit(); });
}

void conclave_commit_output_free(conclave_commit_output* output) {
  delete output;
}

const uint8_t* conclave_commit_output_commit(const conclave_commit_output* output, size_t* len) {
  return view_of(output == nullptr ? nullptr : &output->commit, len);
}

const uint8_t* conclave_commit_output_welcome(const conclave_commit_output* output, size_t* len) {
  return view_of(output == nullptr || !output->welcome ? nullptr : &*output->welcome, len);
}

const uint8_t* conclave_commit_output_ratchet_tree(const conclave_commit_output* output,
                                                   size_t* len) {
  return view_of(output == nullptr || !output->ratchet_tree ? nullptr : &*output->ratchet_tree,
                 len);
}

const uint8_t* conclave_commit_output_group_info(const conclave_commit_output* output,
                                                 size_t* len) {
  return view_of(output == nullptr || !output->group_info ? nullptr : &*output->group_info, len);
}

conclave_status conclave_group_protect(conclave_group* group, const uint8_t* data, size_t data_len,
                                       const uint8_t* aad, size_t aad_len, uint8_t** out,
                                       size_t* out_len) {
  clear(out, out_len);
  return guard([&] {
    give(need(group, "group")
             .group.protect(input(data, data_len, "data"), input(aad, aad_len, "aad"))
             .to_bytes(),
         out, out_len);
  });
}

conclave_status conclave_group_process(conclave_group* group, const uint8_t* message,
                                       size_t message_len, conclave_processed** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    Group& g = need(group, "group").group;
    auto result = g.process(wire::MlsMessage::from_bytes(input(message, message_len, "message")));
    auto processed = std::make_unique<conclave_processed>();
    processed->epoch = g.epoch();
    std::visit(
        [&](auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, ApplicationMessage>) {
            processed->kind = CONCLAVE_PROCESSED_APPLICATION;
            processed->sender = r.sender.value;
            processed->epoch = r.epoch;
            processed->data = std::move(r.data);
            processed->authenticated_data = std::move(r.authenticated_data);
          } else if constexpr (std::is_same_v<T, ReceivedProposal>) {
            processed->kind = CONCLAVE_PROCESSED_PROPOSAL;
            processed->sender =
                r.sender.sender_type == wire::SenderType::kMember ? r.sender.index : UINT32_MAX;
            processed->proposal_ref = std::move(r.ref);
          } else {
            processed->kind = CONCLAVE_PROCESSED_COMMIT;
            processed->sender = r.committer().value;
            processed->staged = make_staged(std::move(r));
          }
        },
        result);
    *out = processed.release();
  });
}

conclave_status conclave_group_merge(conclave_group* group, const conclave_staged_commit* staged) {
  return guard([&] { need(group, "group").group.merge(need(staged, "staged").staged); });
}

void conclave_processed_free(conclave_processed* processed) {
  delete processed;
}

conclave_processed_kind conclave_processed_kind_of(const conclave_processed* processed) {
  return processed == nullptr ? CONCLAVE_PROCESSED_APPLICATION : processed->kind;
}

uint32_t conclave_processed_sender(const conclave_processed* processed) {
  return processed == nullptr ? 0 : processed->sender;
}

uint64_t conclave_processed_epoch(const conclave_processed* processed) {
  return processed == nullptr ? 0 : processed->epoch;
}

const uint8_t* conclave_processed_data(const conclave_processed* processed, size_t* len) {
  const auto* p = processed_of(processed, CONCLAVE_PROCESSED_APPLICATION);
  return view_of(p == nullptr ? nullptr : &p->data, len);
}

const uint8_t* conclave_processed_authenticated_data(const conclave_processed* processed,
                                                     size_t* len) {
  const auto* p = processed_of(processed, CONCLAVE_PROCESSED_APPLICATION);
  return view_of(p == nullptr ? nullptr : &p->authenticated_data, len);
}

const uint8_t* conclave_processed_proposal_ref(const conclave_processed* processed, size_t* len) {
  const auto* p = processed_of(processed, CONCLAVE_PROCESSED_PROPOSAL);
  return view_of(p == nullptr ? nullptr : &p->proposal_ref, len);
}

const conclave_staged_commit* conclave_processed_staged_commit(
    const conclave_processed* processed) {
  const auto* p = processed_of(processed, CONCLAVE_PROCESSED_COMMIT);
  return p == nullptr ? nullptr : p->staged.get();
}

void conclave_staged_commit_free(conclave_staged_commit* staged) {
  delete staged;
}

uint32_t conclave_staged_commit_committer(const conclave_staged_commit* staged) {
  return staged == nullptr ? 0 : staged->staged.committer().value;
}

uint64_t conclave_staged_commit_new_epoch(const conclave_staged_commit* staged) {
  return staged == nullptr ? 0 : staged->staged.new_epoch();
}

size_t conclave_staged_commit_added_count(const conclave_staged_commit* staged) {
  return staged == nullptr ? 0 : staged->added.size();
}

uint32_t conclave_staged_commit_added(const conclave_staged_commit* staged, size_t index,
                                      const uint8_t** identity, size_t* identity_len) {
  return listed_entry(staged == nullptr ? nullptr : &staged->added, index, identity, identity_len);
}

size_t conclave_staged_commit_removed_count(const conclave_staged_commit* staged) {
  return staged == nullptr ? 0 : staged->removed.size();
}

uint32_t conclave_staged_commit_removed(const conclave_staged_commit* staged, size_t index,
                                        const uint8_t** identity, size_t* identity_len) {
  return listed_entry(staged == nullptr ? nullptr : &staged->removed, index, identity,
                      identity_len);
}

size_t conclave_staged_commit_updated_count(const conclave_staged_commit* staged) {
  return staged == nullptr ? 0 : staged->staged.updated().size();
}

int conclave_staged_commit_has_path(const conclave_staged_commit* staged) {
  return staged != nullptr && staged->staged.has_path() ? 1 : 0;
}

int conclave_staged_commit_external(const conclave_staged_commit* staged) {
  return staged != nullptr && staged->staged.external() ? 1 : 0;
}

int conclave_staged_commit_removes_me(const conclave_staged_commit* staged) {
  return staged != nullptr && staged->staged.removes_me() ? 1 : 0;
}

int conclave_staged_commit_reinit(const conclave_staged_commit* staged) {
  return staged != nullptr && staged->staged.reinit().has_value() ? 1 : 0;
}

conclave_status conclave_staged_commit_epoch_authenticator(const conclave_staged_commit* staged,
                                                           uint8_t** out, size_t* out_len) {
  clear(out, out_len);
  return guard(
      [&] { give(need(staged, "staged").staged.epoch_authenticator().view(), out, out_len); });
}

}  // extern "C"
