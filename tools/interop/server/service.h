// The MLSClient service of the interop harness contract (mls_client.proto), on Conclave.
//
// service.cpp: the client, membership, using a state, proposals and commits.
// service_resumption.cpp: ReInit (§11.2), branching (§11.3), external proposals (§12.1.8), Free.
#pragma once

#include <functional>
#include <memory>

#include "conclave/crypto/provider.h"
#include "mls_client.grpc.pb.h"
#include "state.h"

namespace conclave::interop {

#define CONCLAVE_INTEROP_RPC(name, Request, Response)                                 \
  grpc::Status name(grpc::ServerContext* context, const mls_client::Request* request, \
                    mls_client::Response* response) override

class Service final : public mls_client::MLSClient::Service {
 public:
  Service();

  CONCLAVE_INTEROP_RPC(Name, NameRequest, NameResponse);
  CONCLAVE_INTEROP_RPC(SupportedCiphersuites, SupportedCiphersuitesRequest,
                       SupportedCiphersuitesResponse);

  CONCLAVE_INTEROP_RPC(CreateGroup, CreateGroupRequest, CreateGroupResponse);
  CONCLAVE_INTEROP_RPC(CreateKeyPackage, CreateKeyPackageRequest, CreateKeyPackageResponse);
  CONCLAVE_INTEROP_RPC(JoinGroup, JoinGroupRequest, JoinGroupResponse);
  CONCLAVE_INTEROP_RPC(ExternalJoin, ExternalJoinRequest, ExternalJoinResponse);

  CONCLAVE_INTEROP_RPC(GroupInfo, GroupInfoRequest, GroupInfoResponse);
  CONCLAVE_INTEROP_RPC(StateAuth, StateAuthRequest, StateAuthResponse);
  CONCLAVE_INTEROP_RPC(Export, ExportRequest, ExportResponse);
  CONCLAVE_INTEROP_RPC(Protect, ProtectRequest, ProtectResponse);
  CONCLAVE_INTEROP_RPC(Unprotect, UnprotectRequest, UnprotectResponse);
  CONCLAVE_INTEROP_RPC(StorePSK, StorePSKRequest, StorePSKResponse);

  CONCLAVE_INTEROP_RPC(AddProposal, AddProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(UpdateProposal, UpdateProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(RemoveProposal, RemoveProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(ExternalPSKProposal, ExternalPSKProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(ResumptionPSKProposal, ResumptionPSKProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(GroupContextExtensionsProposal, GroupContextExtensionsProposalRequest,
                       ProposalResponse);

  CONCLAVE_INTEROP_RPC(Commit, CommitRequest, CommitResponse);
  CONCLAVE_INTEROP_RPC(HandleCommit, HandleCommitRequest, HandleCommitResponse);
  CONCLAVE_INTEROP_RPC(HandlePendingCommit, HandlePendingCommitRequest, HandleCommitResponse);

  CONCLAVE_INTEROP_RPC(ReInitProposal, ReInitProposalRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(ReInitCommit, CommitRequest, CommitResponse);
  CONCLAVE_INTEROP_RPC(HandlePendingReInitCommit, HandlePendingCommitRequest,
                       HandleReInitCommitResponse);
  CONCLAVE_INTEROP_RPC(HandleReInitCommit, HandleCommitRequest, HandleReInitCommitResponse);
  CONCLAVE_INTEROP_RPC(ReInitWelcome, ReInitWelcomeRequest, CreateSubgroupResponse);
  CONCLAVE_INTEROP_RPC(HandleReInitWelcome, HandleReInitWelcomeRequest, JoinGroupResponse);

  CONCLAVE_INTEROP_RPC(CreateBranch, CreateBranchRequest, CreateSubgroupResponse);
  CONCLAVE_INTEROP_RPC(HandleBranch, HandleBranchRequest, HandleBranchResponse);

  CONCLAVE_INTEROP_RPC(NewMemberAddProposal, NewMemberAddProposalRequest,
                       NewMemberAddProposalResponse);
  CONCLAVE_INTEROP_RPC(CreateExternalSigner, CreateExternalSignerRequest,
                       CreateExternalSignerResponse);
  CONCLAVE_INTEROP_RPC(AddExternalSigner, AddExternalSignerRequest, ProposalResponse);
  CONCLAVE_INTEROP_RPC(ExternalSignerProposal, ExternalSignerProposalRequest, ProposalResponse);

  CONCLAVE_INTEROP_RPC(Free, FreeRequest, FreeResponse);

 private:
  // Commit and ReInitCommit: the by_reference proposals, then a commit covering them and the
  // by_value ones. The committer merges it on HandlePending(ReInit)Commit.
  void commit(StateEntry& state, const mls_client::CommitRequest& request,
              mls_client::CommitResponse& response) const;
  // HandleCommit and HandleReInitCommit: the proposals, then the commit, merged.
  void handle_commit(StateEntry& state, const mls_client::HandleCommitRequest& request) const;
  // §11.2: after a merged ReInit commit, a KeyPackage in the new suite under a reinit handle.
  void start_reinit(const StateEntry& state, mls_client::HandleReInitCommitResponse& response);

  std::shared_ptr<const crypto::CryptoProvider> provider_;
  Store store_;
};

#undef CONCLAVE_INTEROP_RPC

// Runs an RPC body and turns what it throws into a gRPC status: conclave::Error
// INVALID_ARGUMENT "<error name>: <detail>", an unknown handle NOT_FOUND, anything else
// INTERNAL. Failures are logged to stderr with the RPC's name.
grpc::Status guarded(const char* rpc, const std::function<void()>& body);

}  // namespace conclave::interop
