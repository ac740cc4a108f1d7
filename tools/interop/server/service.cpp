#include "service.h"

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "convert.h"

namespace conclave::interop {

using grpc::ServerContext;
using grpc::Status;
namespace pb = mls_client;

grpc::Status guarded(const char* rpc, const std::function<void()>& body) {
  Status status;
  try {
    body();
    return Status::OK;
  } catch (const UnknownHandle& e) {
    status = Status(grpc::StatusCode::NOT_FOUND, e.what());
  } catch (const Error& e) {
    status = Status(grpc::StatusCode::INVALID_ARGUMENT,
                    std::string(error_code_name(e.code())) + ": " + e.detail());
  } catch (const std::exception& e) {
    status = Status(grpc::StatusCode::INTERNAL, e.what());
  } catch (...) {
    status = Status(grpc::StatusCode::INTERNAL, "unknown exception");
  }
  std::fprintf(stderr, "conclave-interop: %s: %s\n", rpc, status.error_message().c_str());
  return status;
}

namespace {

// The one message a handler expects `result` to be.
template <class T>
T expect(ProcessResult result, const char* field, const char* what) {
  T* value = std::get_if<T>(&result);
  if (value == nullptr)
    throw Error(ErrorCode::kInvalidArgument, std::string(field) + ": not " + what);
  return std::move(*value);
}

// A proposal by value, as CommitOptions carries it (§12.4: the committer's own proposals).
void add_by_value(CommitOptions& options, wire::Proposal proposal) {
  std::visit(
      [&](auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, wire::Add>) {
          options.add.push_back(std::move(p.key_package));
        } else if constexpr (std::is_same_v<P, wire::Remove>) {
          options.remove.push_back(tree::LeafIndex(p.removed));
        } else if constexpr (std::is_same_v<P, wire::PreSharedKey>) {
          options.psks.push_back(std::move(p.psk));
        } else if constexpr (std::is_same_v<P, wire::GroupContextExtensions>) {
          // §12.2: at most one GroupContextExtensions per commit.
          if (options.group_context_extensions)
            throw Error(ErrorCode::kMultipleGroupContextExtensions,
                        "by_value holds two groupContextExtensions");
          options.group_context_extensions = std::move(p.extensions);
        } else if constexpr (std::is_same_v<P, wire::ReInit>) {
          // §12.2: a ReInit stands alone (the library checks it against the rest).
          if (options.reinit) throw Error(ErrorCode::kReInitNotAlone, "by_value holds two reinits");
          options.reinit = std::move(p);
        } else {
          throw Error(ErrorCode::kInvalidArgument, "this proposal type cannot be sent by value");
        }
      },
      proposal.content);
}

}  // namespace

Service::Service() : provider_(crypto::openssl_provider()) {}

// --- the client ------------------------------------------------------------------------------

Status Service::Name(ServerContext*, const pb::NameRequest*, pb::NameResponse* response) {
  response->set_name("Conclave");
  return Status::OK;
}

Status Service::SupportedCiphersuites(ServerContext*, const pb::SupportedCiphersuitesRequest*,
                                      pb::SupportedCiphersuitesResponse* response) {
  // §17.1: the seven suites the RFC registers, all of which the OpenSSL provider implements.
  for (uint32_t suite = 1; suite <= 7; ++suite)
    response->add_ciphersuites(suite);
  return Status::OK;
}

// --- becoming a member -----------------------------------------------------------------------

Status Service::CreateGroup(ServerContext*, const pb::CreateGroupRequest* request,
                            pb::CreateGroupResponse* response) {
  return guarded("CreateGroup", [&] {
    const crypto::Suite suite(provider_, cipher_suite_id(request->cipher_suite()));
    Identity identity = new_identity(suite, request->identity());
    auto psks = std::make_shared<PskStore>();
    CreateOptions options;
    options.group_id = to_bytes(view(request->group_id()));
    options.config = group_config(request->encrypt_handshake());
    Group group = Group::create(provider_, identity, options, group_policy(psks));
    response->set_state_id(
        store_.states.add(StateEntry{std::move(group), std::move(identity), std::move(psks)}));
  });
}

Status Service::CreateKeyPackage(ServerContext*, const pb::CreateKeyPackageRequest* request,
                                 pb::CreateKeyPackageResponse* response) {
  return guarded("CreateKeyPackage", [&] {
    const crypto::Suite suite(provider_, cipher_suite_id(request->cipher_suite()));
    Identity identity = new_identity(suite, request->identity());
    KeyPackageBundle kp = create_key_package(suite, identity, unix_time_now());
    response->set_key_package(encode_message(wire::MlsMessage{kp.key_package}));
    response->set_init_priv(str(kp.init_private_key.view()));
    response->set_encryption_priv(str(kp.encryption_private_key.view()));
    response->set_signature_priv(str(identity.signature_private_key.view()));
    response->set_transaction_id(store_.transactions.add(
        Transaction{std::move(identity), std::move(kp), std::make_shared<PskStore>()}));
  });
}

Status Service::JoinGroup(ServerContext*, const pb::JoinGroupRequest* request,
                          pb::JoinGroupResponse* response) {
  return guarded("JoinGroup", [&] {
    // The identity is the transaction's: its KeyPackage fixed the credential.
    const Transaction tx = snapshot(*store_.transactions.get(request->transaction_id()));
    const wire::MlsMessage welcome = decode_message(request->welcome(), "welcome");
    Group group = Group::join(provider_, tx.identity, tx.key_package, welcome,
                              decode_tree(request->ratchet_tree()),
                              group_config(request->encrypt_handshake()), group_policy(tx.psks));
    response->set_epoch_authenticator(str(group.epoch_authenticator().view()));
    response->set_state_id(store_.states.add(StateEntry{std::move(group), tx.identity, tx.psks}));
  });
}

Status Service::ExternalJoin(ServerContext*, const pb::ExternalJoinRequest* request,
                             pb::ExternalJoinResponse* response) {
  return guarded("ExternalJoin", [&] {
    const wire::MlsMessage message = decode_message(request->group_info(), "group_info");
    const auto* info = message.get<wire::GroupInfo>();
    if (info == nullptr) throw Error(ErrorCode::kWireFormatMismatch, "group_info: not a GroupInfo");
    const crypto::Suite suite(provider_, info->group_context.cipher_suite);
    Identity identity = new_identity(suite, request->identity());
    auto psks = std::make_shared<PskStore>();

    ExternalJoinOptions options;
    options.ratchet_tree = decode_tree(request->ratchet_tree());
    options.config = group_config(request->encrypt_handshake());
    // §12.4.3.2 resync: the commit removes our earlier leaf, found by identity.
    if (request->remove_prior())
      options.remove_leaf =
          leaf_in_tree(tree_of(*info, options.ratchet_tree), view(request->identity()));
    // §8.4: the PSKs are stored with the new state and named in the commit.
    for (const auto& psk : request->psks()) {
      psks->put(view(psk.psk_id()), view(psk.psk_secret()));
      options.psks.push_back(wire::PreSharedKeyId::external(to_bytes(view(psk.psk_id())),
                                                            suite.random(suite.hash_len())));
    }
    conclave::ExternalJoin joined =
        Group::join_external(provider_, identity, message, options, group_policy(psks));
    response->set_commit(encode_message(joined.commit));
    response->set_epoch_authenticator(str(joined.group.epoch_authenticator().view()));
    response->set_state_id(store_.states.add(
        StateEntry{std::move(joined.group), std::move(identity), std::move(psks)}));
  });
}

// --- using a group state ---------------------------------------------------------------------

Status Service::GroupInfo(ServerContext*, const pb::GroupInfoRequest* request,
                          pb::GroupInfoResponse* response) {
  return guarded("GroupInfo", [&] {
    with(*store_.states.get(request->state_id()), [&](const StateEntry& s) {
      // §12.4.3: signed, with external_pub; the tree inside or apart as asked.
      response->set_group_info(encode_message(s.group.group_info(!request->external_tree())));
      if (request->external_tree())
        response->set_ratchet_tree(encode_tree(s.group.tree().to_nodes()));
    });
  });
}

Status Service::StateAuth(ServerContext*, const pb::StateAuthRequest* request,
                          pb::StateAuthResponse* response) {
  return guarded("StateAuth", [&] {
    with(*store_.states.get(request->state_id()), [&](const StateEntry& s) {
      response->set_state_auth_secret(str(s.group.epoch_authenticator().view()));  // §8.7
    });
  });
}

Status Service::Export(ServerContext*, const pb::ExportRequest* request,
                       pb::ExportResponse* response) {
  return guarded("Export", [&] {
    with(*store_.states.get(request->state_id()), [&](const StateEntry& s) {
      response->set_exported_secret(str(
          s.group.export_secret(request->label(), view(request->context()), request->key_length())
              .view()));  // §8.5
    });
  });
}

Status Service::Protect(ServerContext*, const pb::ProtectRequest* request,
                        pb::ProtectResponse* response) {
  return guarded("Protect", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      response->set_ciphertext(encode_message(
          s.group.protect(view(request->plaintext()), view(request->authenticated_data()))));
    });
  });
}

Status Service::Unprotect(ServerContext*, const pb::UnprotectRequest* request,
                          pb::UnprotectResponse* response) {
  return guarded("Unprotect", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      // Anything but an application message is refused, and the copy that processed it
      // dropped: a handshake message here must not change the state.
      const auto message = expect<ApplicationMessage>(
          s.group.process(decode_message(request->ciphertext(), "ciphertext")), "ciphertext",
          "an application message");
      response->set_plaintext(str(message.data));
      response->set_authenticated_data(str(message.authenticated_data));
    });
  });
}

Status Service::StorePSK(ServerContext*, const pb::StorePSKRequest* request,
                         pb::StorePSKResponse*) {
  return guarded("StorePSK", [&] {
    const uint32_t id = request->state_or_transaction_id();
    std::shared_ptr<PskStore> psks;
    if (auto state = store_.states.find(id))
      psks = with(*state, [](const StateEntry& s) { return s.psks; });
    else if (auto tx = store_.transactions.find(id))
      psks = with(*tx, [](const Transaction& t) { return t.psks; });
    else if (auto reinit = store_.reinits.find(id))
      psks = with(*reinit, [](const ReInitEntry& r) { return r.psks; });
    else
      throw UnknownHandle("no state or transaction " + std::to_string(id));
    psks->put(view(request->psk_id()), view(request->psk_secret()));
  });
}

// --- proposals (§12.1) -----------------------------------------------------------------------

namespace {

// A proposal made by the member of `state_id`, sent now (§12.1) and committed later by
// reference.
template <class F>
void propose(Store& store, uint32_t state_id, pb::ProposalResponse* response, F&& make) {
  update(*store.states.get(state_id),
         [&](StateEntry& s) { response->set_proposal(encode_message(make(s.group))); });
}

}  // namespace

Status Service::AddProposal(ServerContext*, const pb::AddProposalRequest* request,
                            pb::ProposalResponse* response) {
  return guarded("AddProposal", [&] {
    const wire::KeyPackage kp = decode_key_package(request->key_package(), "key_package");
    propose(store_, request->state_id(), response, [&](Group& g) { return g.propose_add(kp); });
  });
}

Status Service::UpdateProposal(ServerContext*, const pb::UpdateProposalRequest* request,
                               pb::ProposalResponse* response) {
  return guarded("UpdateProposal", [&] {
    propose(store_, request->state_id(), response, [&](Group& g) { return g.propose_update(); });
  });
}

Status Service::RemoveProposal(ServerContext*, const pb::RemoveProposalRequest* request,
                               pb::ProposalResponse* response) {
  return guarded("RemoveProposal", [&] {
    propose(store_, request->state_id(), response, [&](Group& g) {
      return g.propose_remove(member_leaf(g, view(request->removed_id())));
    });
  });
}

Status Service::ExternalPSKProposal(ServerContext*, const pb::ExternalPSKProposalRequest* request,
                                    pb::ProposalResponse* response) {
  return guarded("ExternalPSKProposal", [&] {
    propose(store_, request->state_id(), response, [&](Group& g) {
      // An empty nonce: the library draws a fresh KDF.Nh one (§8.4).
      return g.propose_psk(wire::PreSharedKeyId::external(to_bytes(view(request->psk_id())), {}));
    });
  });
}

Status Service::ResumptionPSKProposal(ServerContext*,
                                      const pb::ResumptionPSKProposalRequest* request,
                                      pb::ProposalResponse* response) {
  return guarded("ResumptionPSKProposal", [&] {
    propose(store_, request->state_id(), response, [&](Group& g) {
      // §8.6: usage application, an epoch of this group.
      return g.propose_psk(wire::PreSharedKeyId::resumption(wire::ResumptionPskUsage::kApplication,
                                                            g.group_id(), request->epoch_id(), {}));
    });
  });
}

Status Service::GroupContextExtensionsProposal(
    ServerContext*, const pb::GroupContextExtensionsProposalRequest* request,
    pb::ProposalResponse* response) {
  return guarded("GroupContextExtensionsProposal", [&] {
    const wire::ExtensionList extensions = extensions_of(request->extensions());
    propose(store_, request->state_id(), response,
            [&](Group& g) { return g.propose_group_context_extensions(extensions); });
  });
}

// --- commits (§12.4) -------------------------------------------------------------------------

void Service::commit(StateEntry& s, const pb::CommitRequest& request,
                     pb::CommitResponse& response) const {
  Group& g = s.group;
  // The proposals by reference are processed first, so the commit can name them (§12.4); the
  // committer's own come back from the library as the proposals it sent.
  for (const auto& p : request.by_reference())
    expect<ReceivedProposal>(g.process(decode_message(p, "by_reference")), "by_reference",
                             "a proposal");
  CommitOptions options;
  options.force_path = request.force_path();
  options.ratchet_tree_in_welcome = !request.external_tree();  // §12.4.3.3
  const auto leaf_of = [&](BytesView identity) { return member_leaf(g, identity); };
  for (const auto& d : request.by_value())
    add_by_value(options, describe(d, g.suite(), g.group_id(), leaf_of));
  const CommitOutput out = g.commit(options);
  response.set_commit(encode_message(out.commit));
  if (out.welcome) response.set_welcome(encode_message(*out.welcome));
  if (out.ratchet_tree) response.set_ratchet_tree(encode_tree(*out.ratchet_tree));
}

void Service::handle_commit(StateEntry& s, const pb::HandleCommitRequest& request) const {
  for (const auto& p : request.proposal())
    expect<ReceivedProposal>(s.group.process(decode_message(p, "proposal")), "proposal",
                             "a proposal");
  s.group.merge(expect<StagedCommit>(s.group.process(decode_message(request.commit(), "commit")),
                                     "commit", "a commit"));
}

Status Service::Commit(ServerContext*, const pb::CommitRequest* request,
                       pb::CommitResponse* response) {
  return guarded("Commit", [&] {
    update(*store_.states.get(request->state_id()),
           [&](StateEntry& s) { commit(s, *request, *response); });
  });
}

Status Service::HandleCommit(ServerContext*, const pb::HandleCommitRequest* request,
                             pb::HandleCommitResponse* response) {
  return guarded("HandleCommit", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      handle_commit(s, *request);
      response->set_state_id(request->state_id());
      response->set_epoch_authenticator(str(s.group.epoch_authenticator().view()));
    });
  });
}

Status Service::HandlePendingCommit(ServerContext*, const pb::HandlePendingCommitRequest* request,
                                    pb::HandleCommitResponse* response) {
  return guarded("HandlePendingCommit", [&] {
    update(*store_.states.get(request->state_id()), [&](StateEntry& s) {
      s.group.merge_pending_commit();
      response->set_state_id(request->state_id());
      response->set_epoch_authenticator(str(s.group.epoch_authenticator().view()));
    });
  });
}

}  // namespace conclave::interop
