// ReInit (RFC 9420 §11.2), subgroup branching (§11.3), proposals from outside the group
// (§12.1.8), and Free.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "convert.h"
#include "service.h"

namespace conclave::interop {

using grpc::ServerContext;
using grpc::Status;
namespace pb = mls_client;

namespace {

// The configuration of a new group made from `old` (reinit, branch): the old one's, with the
// tree in its Welcome or not, and an UpdatePath in its first commit if asked. Both are group
// state in the library, so they stay for later commits; Commit sets the tree choice per
// commit, and an UpdatePath more than asked for is still a valid commit.
GroupConfig new_group_config(const Group& old, bool force_path, bool external_tree) {
  GroupConfig config = old.config();
  config.ratchet_tree_in_welcome = external_tree ? 0 : 1;
  if (force_path) config.always_send_path = 1;
  return config;
}

template <class Response>
void describe_new_group(const ResumedGroup& made, bool external_tree, Response& response) {
  response.set_welcome(encode_message(made.welcome));
  if (external_tree) response.set_ratchet_tree(encode_tree(made.group.tree().to_nodes()));
  response.set_epoch_authenticator(str(made.group.epoch_authenticator().view()));
}

}  // namespace

// --- ReInit (§11.2) --------------------------------------------------------------------------

Status Service::ReInitProposal(ServerContext*, const pb::ReInitProposalRequest* request,
                               pb::ProposalResponse* response) {
  return guarded("ReInitProposal", [&] {
    // An empty group_id becomes KDF.Nh random bytes of the new suite (Group::propose_reinit).
    wire::ReInit reinit{to_bytes(view(request->group_id())), wire::ProtocolVersion::kMls10,
                        cipher_suite_id(request->cipher_suite()),
                        extensions_of(request->extensions())};
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      response->set_proposal(encode_message(s.group.propose_reinit(reinit)));
    });
  });
}

Status Service::ReInitCommit(ServerContext*, const pb::CommitRequest* request,
                             pb::CommitResponse* response) {
  return guarded("ReInitCommit", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      commit(s, *request, *response);
      // A plain commit is not what the runner asked for; the state is left as it was.
      if (!s.group.pending_commit()->reinit())
        throw Error(ErrorCode::kInvalidArgument, "ReInitCommit: the commit covers no ReInit");
    });
  });
}

void Service::start_reinit(const StateEntry& s, pb::HandleReInitCommitResponse& response) {
  const std::optional<wire::ReInit> reinit = s.group.pending_reinit();
  if (!reinit) throw Error(ErrorCode::kInvalidArgument, "the commit holds no ReInit");
  // §11.2: this member in the new suite, with the credential it has now.
  const crypto::Suite next(provider_, reinit->cipher_suite);
  Identity identity = Identity::generate(next, s.identity.credential);
  KeyPackageBundle kp = create_key_package(next, identity, unix_time_now());
  response.set_key_package(encode_message(wire::MlsMessage{kp.key_package}));
  response.set_epoch_authenticator(str(s.group.epoch_authenticator().view()));
  response.set_reinit_id(
      store_.reinits.add(ReInitEntry{s.group, std::move(identity), std::move(kp), s.psks}));
}

Status Service::HandlePendingReInitCommit(ServerContext*,
                                          const pb::HandlePendingCommitRequest* request,
                                          pb::HandleReInitCommitResponse* response) {
  return guarded("HandlePendingReInitCommit", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      s.group.merge_pending_commit();
      start_reinit(s, *response);
    });
  });
}

Status Service::HandleReInitCommit(ServerContext*, const pb::HandleCommitRequest* request,
                                   pb::HandleReInitCommitResponse* response) {
  return guarded("HandleReInitCommit", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      handle_commit(s, *request);
      start_reinit(s, *response);
    });
  });
}

Status Service::ReInitWelcome(ServerContext*, const pb::ReInitWelcomeRequest* request,
                              pb::CreateSubgroupResponse* response) {
  return guarded("ReInitWelcome", [&] {
    const ReInitEntry r = snapshot(*store_.reinits.get(request->reinit_id()));
    std::vector<wire::KeyPackage> others;
    for (const auto& bytes : request->key_package()) {
      wire::KeyPackage kp = decode_key_package(bytes, "key_package");
      // Our own KeyPackage, if the runner passes everyone's, is not an Add.
      if (kp != r.key_package.key_package) others.push_back(std::move(kp));
    }
    const ResumedGroup made = Group::reinit(
        r.old_group, r.identity, others,
        new_group_config(r.old_group, request->force_path(), request->external_tree()));
    describe_new_group(made, request->external_tree(), *response);
    response->set_state_id(store_.states.add(StateEntry{made.group, r.identity, r.psks}));
  });
}

Status Service::HandleReInitWelcome(ServerContext*, const pb::HandleReInitWelcomeRequest* request,
                                    pb::JoinGroupResponse* response) {
  return guarded("HandleReInitWelcome", [&] {
    const ReInitEntry r = snapshot(*store_.reinits.get(request->reinit_id()));
    Group group = Group::join_resumed(r.old_group, r.identity, r.key_package,
                                      decode_message(request->welcome(), "welcome"),
                                      decode_tree(request->ratchet_tree()));
    response->set_epoch_authenticator(str(group.epoch_authenticator().view()));
    response->set_state_id(store_.states.add(StateEntry{std::move(group), r.identity, r.psks}));
  });
}

// --- branching (§11.3) -----------------------------------------------------------------------

Status Service::CreateBranch(ServerContext*, const pb::CreateBranchRequest* request,
                             pb::CreateSubgroupResponse* response) {
  return guarded("CreateBranch", [&] {
    const StateEntry s = snapshot(*store_.states.get(request->state_id()));
    std::vector<wire::KeyPackage> key_packages;
    for (const auto& bytes : request->key_packages())
      key_packages.push_back(decode_key_package(bytes, "key_packages"));
    BranchOptions options;
    options.group_id = to_bytes(view(request->group_id()));  // empty: random (§11)
    // The subgroup's GroupContext extensions are the request's, none if it lists none.
    options.extensions = extensions_of(request->extensions());
    options.config = new_group_config(s.group, request->force_path(), request->external_tree());
    const ResumedGroup made = Group::branch(s.group, s.identity, key_packages, options);
    describe_new_group(made, request->external_tree(), *response);
    response->set_state_id(store_.states.add(StateEntry{made.group, s.identity, s.psks}));
  });
}

Status Service::HandleBranch(ServerContext*, const pb::HandleBranchRequest* request,
                             pb::HandleBranchResponse* response) {
  return guarded("HandleBranch", [&] {
    const StateEntry s = snapshot(*store_.states.get(request->state_id()));
    const Transaction tx = snapshot(*store_.transactions.get(request->transaction_id()));
    // The old group's configuration and policy (its PSKs) carry over to the subgroup.
    Group group = Group::join_resumed(s.group, tx.identity, tx.key_package,
                                      decode_message(request->welcome(), "welcome"),
                                      decode_tree(request->ratchet_tree()));
    response->set_epoch_authenticator(str(group.epoch_authenticator().view()));
    response->set_state_id(store_.states.add(StateEntry{std::move(group), tx.identity, s.psks}));
  });
}

// --- proposals from outside the group (§12.1.8) ----------------------------------------------

Status Service::NewMemberAddProposal(ServerContext*, const pb::NewMemberAddProposalRequest* request,
                                     pb::NewMemberAddProposalResponse* response) {
  return guarded("NewMemberAddProposal", [&] {
    const wire::GroupInfo info = decode_group_info(request->group_info(), "group_info");
    const wire::GroupContext& context = info.group_context;
    const crypto::Suite suite(provider_, context.cipher_suite);
    Identity identity = new_identity(suite, request->identity());
    KeyPackageBundle kp = create_key_package(suite, identity, unix_time_now());
    response->set_proposal(
        encode_message(new_member_proposal(suite, context.group_id, context.epoch, kp.key_package,
                                           identity.signature_private_key.view())));
    response->set_init_priv(str(kp.init_private_key.view()));
    response->set_encryption_priv(str(kp.encryption_private_key.view()));
    response->set_signature_priv(str(identity.signature_private_key.view()));
    response->set_transaction_id(store_.transactions.add(
        Transaction{std::move(identity), std::move(kp), std::make_shared<PskStore>()}));
  });
}

Status Service::CreateExternalSigner(ServerContext*, const pb::CreateExternalSignerRequest* request,
                                     pb::CreateExternalSignerResponse* response) {
  return guarded("CreateExternalSigner", [&] {
    const crypto::Suite suite(provider_, cipher_suite_id(request->cipher_suite()));
    Identity identity = new_identity(suite, request->identity());
    response->set_external_sender(str(
        codec::encode(wire::ExternalSender{identity.signature_public_key, identity.credential})));
    response->set_signer_id(store_.signers.add(Signer{std::move(identity)}));
  });
}

Status Service::AddExternalSigner(ServerContext*, const pb::AddExternalSignerRequest* request,
                                  pb::ProposalResponse* response) {
  return guarded("AddExternalSigner", [&] {
    const auto sender =
        decode_field<wire::ExternalSender>(request->external_sender(), "external_sender");
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      // §12.1.7: the whole new extension list, with the sender appended to external_senders
      // (§12.1.8.1) and every other extension as it is.
      wire::ExtensionList extensions = s.group.context().extensions;
      const auto it = std::find_if(extensions.begin(), extensions.end(), [](const auto& e) {
        return e.extension_type == wire::ExtensionType::kExternalSenders;
      });
      std::vector<wire::ExternalSender> senders;
      if (it != extensions.end())
        senders = codec::decode<std::vector<wire::ExternalSender>>(it->extension_data);
      senders.push_back(sender);
      if (it != extensions.end())
        *it = external_senders_extension(senders);
      else
        extensions.push_back(external_senders_extension(senders));
      response->set_proposal(
          encode_message(s.group.propose_group_context_extensions(std::move(extensions))));
    });
  });
}

Status Service::ExternalSignerProposal(ServerContext*,
                                       const pb::ExternalSignerProposalRequest* request,
                                       pb::ProposalResponse* response) {
  return guarded("ExternalSignerProposal", [&] {
    const Signer signer = snapshot(*store_.signers.get(request->signer_id()));
    const wire::GroupInfo info = decode_group_info(request->group_info(), "group_info");
    const wire::GroupContext& context = info.group_context;
    if (context.cipher_suite != signer.identity.cipher_suite)
      throw Error(ErrorCode::kInvalidArgument, "the signer is not of the group's cipher suite");
    const crypto::Suite suite(provider_, context.cipher_suite);
    const auto supplied = decode_tree(request->ratchet_tree());
    // "remove" names a member by identity: looked up in the tree only when needed.
    const auto leaf_of = [&](BytesView identity) {
      return leaf_in_tree(tree_of(info, supplied), identity);
    };
    wire::Proposal proposal = describe(request->description(), suite, context.group_id, leaf_of);
    response->set_proposal(encode_message(
        external_proposal(suite, context.group_id, context.epoch, request->signer_index(),
                          signer.identity.signature_private_key.view(), std::move(proposal))));
  });
}

// --- dropping a state ------------------------------------------------------------------------

Status Service::Free(ServerContext*, const pb::FreeRequest* request, pb::FreeResponse*) {
  return guarded("Free", [&] {
    // A handle of any kind: they share one numbering.
    const uint32_t id = request->state_id();
    if (!store_.states.erase(id) && !store_.transactions.erase(id) && !store_.reinits.erase(id) &&
        !store_.signers.erase(id))
      throw UnknownHandle("no state " + std::to_string(id));
  });
}

}  // namespace conclave::interop
