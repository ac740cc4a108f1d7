// The malformed family: every RPC of the contract with bad input (unknown handles, bytes that
// are no MLS message, truncated or foreign messages, cipher suites 0 and 0xFFFF, requests that
// are no protobuf at all). Each must come back as a gRPC error, the server must still answer
// Name afterwards, and the group the bad requests aimed at must work as before.
#include <set>
#include <string>
#include <vector>

#include "families.h"

namespace interop_driver {

using namespace mls_client;

namespace {

// README.md: an unknown handle is NOT_FOUND and whatever the MLS layer refuses is
// INVALID_ARGUMENT. Where the contract leaves the code open, any error will do.
enum class Expect { kNotFound, kInvalidArgument, kAnyError };

constexpr uint32_t kUnknownHandle = 0x7ffffff3;

std::string truncated(const std::string& message) {
  return message.substr(0, message.size() / 2);
}

// Bytes that decode as no MLSMessage: a wrong protocol version, then junk.
const std::string kGarbage = std::string("\x00\x07\x00\x01garbage", 11);

class Checker {
 public:
  explicit Checker(Scenario& s) : s_(s) {}

  // Runs one bad request on `client` and checks the reply and that the server still answers.
  template <class Req, class Resp>
  void bad(Client& client, const char* rpc,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
           const Req& request, Expect expect, const std::string& what) {
    covered_.insert(rpc);
    s_.step(std::string("malformed ") + rpc + ": " + what);
    Resp response;
    grpc::Status status = client.try_call(rpc, method, request, &response);
    judge(client, rpc, status, expect, what);
  }

  // A request body that is no protobuf message at all.
  void raw(Client& client, const std::string& rpc) {
    covered_.insert(rpc);
    s_.step("malformed " + rpc + ": a request that is no protobuf message");
    // Field 1, length-delimited, with a length of 2^32-1: truncated for every request type.
    const std::string body("\x0a\xff\xff\xff\xff\x0f", 6);
    judge(client, rpc.c_str(), client.raw_call(rpc, body), Expect::kAnyError, "no protobuf");
  }

  const std::set<std::string>& covered() const { return covered_; }
  // Every wrong reply, so that one case reports all of them rather than the first.
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void judge(Client& client, const char* rpc, const grpc::Status& status, Expect expect,
             const std::string& what) {
    std::string where =
        std::string(rpc) + " with " + what + " on server " + std::to_string(client.index());
    auto code = status.error_code();
    if (status.ok()) {
      failures_.push_back(where + ": OK where an error was expected");
    } else if (expect == Expect::kNotFound && code != grpc::NOT_FOUND) {
      failures_.push_back(where + ": " + status_code_name(code) +
                          " instead of NOT_FOUND: " + status.error_message());
    } else if (expect == Expect::kInvalidArgument && code != grpc::INVALID_ARGUMENT) {
      failures_.push_back(where + ": " + status_code_name(code) +
                          " instead of INVALID_ARGUMENT: " + status.error_message());
    }
    // A server that stopped answering ends the case: later requests would only fail too.
    std::string down = client.ping();
    if (!down.empty())
      throw CheckFailed(where + ": " + status_code_name(code) + " " + status.error_message() +
                        "; then the server no longer answers Name: " + down);
  }

  Scenario& s_;
  std::set<std::string> covered_;
  std::vector<std::string> failures_;
};

}  // namespace

void run_malformed(Scenario& s) {
  // Valid material to damage: a group of alice (server 0) and bob (server 1), and a foreign
  // group of carol (server 2) and dave (server 0) that ends in a ReInit.
  Group g = s.make_group({"alice", "bob"});
  Member& alice = g.at("alice");
  Member& bob = g.at("bob");
  s.step("malformed: setup");
  CommitSpec empty;
  std::string old_commit = s.commit(g, "alice", empty).commit;  // already handled by bob
  s.verify(g);
  GroupInfoRequest gi_request;
  gi_request.set_state_id(alice.state);
  std::string group_info = RPC(*alice.client, GroupInfo, gi_request).group_info();
  gi_request.set_external_tree(true);
  std::string group_info_no_tree = RPC(*alice.client, GroupInfo, gi_request).group_info();
  ProtectRequest protect;
  protect.set_state_id(alice.state);
  protect.set_plaintext("to be damaged");
  std::string ciphertext = RPC(*alice.client, Protect, protect).ciphertext();
  std::string tampered = ciphertext;
  tampered[tampered.size() - 3] ^= 0x01;
  Joiner other_suite_kp = s.key_package("erin", s.other_suite());

  Group f = s.create_group("carol");
  Joiner dave = s.key_package("dave");
  CommitSpec add_dave;
  add_dave.by_value = {Scenario::add_description(dave.key_package)};
  std::string foreign_welcome = s.commit(f, "carol", add_dave, {dave}).welcome;
  UpdateProposalRequest update;
  update.set_state_id(f.at("dave").state);
  std::string foreign_proposal = RPC(*f.at("dave").client, UpdateProposal, update).proposal();
  ReInitProposalRequest reinit_request;
  reinit_request.set_state_id(f.at("carol").state);
  reinit_request.set_cipher_suite(s.other_suite());
  reinit_request.set_group_id(s.group_id());
  std::string reinit_proposal =
      RPC(*f.at("carol").client, ReInitProposal, reinit_request).proposal();
  CommitRequest reinit_commit;
  reinit_commit.set_state_id(f.at("carol").state);
  reinit_commit.add_by_reference(reinit_proposal);
  std::string foreign_commit = RPC(*f.at("carol").client, ReInitCommit, reinit_commit).commit();
  HandlePendingCommitRequest pending_reinit;
  pending_reinit.set_state_id(f.at("carol").state);
  uint32_t carol_reinit =
      RPC(*f.at("carol").client, HandlePendingReInitCommit, pending_reinit).reinit_id();
  HandleCommitRequest handle_reinit;
  handle_reinit.set_state_id(f.at("dave").state);
  handle_reinit.add_proposal(reinit_proposal);
  handle_reinit.set_commit(foreign_commit);
  auto dave_reinit = RPC(*f.at("dave").client, HandleReInitCommit, handle_reinit);
  CreateExternalSignerRequest signer_request;
  signer_request.set_cipher_suite(s.suite());
  signer_request.set_identity("ds");
  Client& ds_client = s.home("ds");
  auto ds = RPC(ds_client, CreateExternalSigner, signer_request);
  uint32_t signer = ds.signer_id();
  Joiner erin = s.key_package("erin");  // a valid KeyPackage for requests that must fail

  Checker c(s);
  Client& a = *alice.client;
  Client& b = *bob.client;
  using E = Expect;

  // Requests that are no protobuf message, for every RPC of the service.
  for (auto& rpc : service_rpcs())
    c.raw(a, rpc);

  // Becoming a member.
  for (uint32_t suite : {0u, 0xFFFFu, 0x10000u}) {
    CreateGroupRequest r;
    r.set_group_id("g");
    r.set_cipher_suite(suite);
    r.set_identity("x");
    c.bad(a, "CreateGroup", &Stub::CreateGroup, r, E::kInvalidArgument,
          "suite " + std::to_string(suite));
    CreateKeyPackageRequest k;
    k.set_cipher_suite(suite);
    k.set_identity("x");
    c.bad(b, "CreateKeyPackage", &Stub::CreateKeyPackage, k, E::kInvalidArgument,
          "suite " + std::to_string(suite));
    CreateExternalSignerRequest e;
    e.set_cipher_suite(suite);
    e.set_identity("x");
    c.bad(a, "CreateExternalSigner", &Stub::CreateExternalSigner, e, E::kInvalidArgument,
          "suite " + std::to_string(suite));
  }
  {
    // A fresh transaction for each request: whether a failed join keeps its transaction is
    // not for this family to decide.
    JoinGroupRequest r;
    r.set_transaction_id(kUnknownHandle);
    r.set_welcome(foreign_welcome);
    r.set_identity("erin");
    c.bad(*erin.client, "JoinGroup", &Stub::JoinGroup, r, E::kNotFound, "an unknown transaction");
    for (auto& [welcome, tree, what, expect] :
         {std::tuple{kGarbage, std::string(), "garbage bytes", E::kInvalidArgument},
          std::tuple{truncated(foreign_welcome), std::string(), "a truncated Welcome",
                     E::kInvalidArgument},
          std::tuple{erin.key_package, std::string(), "a KeyPackage as Welcome",
                     E::kInvalidArgument},
          std::tuple{foreign_welcome, std::string(), "a Welcome for someone else", E::kAnyError},
          std::tuple{foreign_welcome, kGarbage, "a garbage ratchet_tree", E::kAnyError}}) {
      Joiner j = s.key_package("erin");
      r.set_transaction_id(j.transaction);
      r.set_welcome(welcome);
      r.set_ratchet_tree(tree);
      c.bad(*j.client, "JoinGroup", &Stub::JoinGroup, r, expect, what);
    }
  }
  {
    ExternalJoinRequest r;
    r.set_identity("frank");
    r.set_encrypt_handshake(s.encrypt());
    r.set_group_info(kGarbage);
    c.bad(b, "ExternalJoin", &Stub::ExternalJoin, r, E::kInvalidArgument, "garbage bytes");
    r.set_group_info(truncated(group_info));
    c.bad(b, "ExternalJoin", &Stub::ExternalJoin, r, E::kInvalidArgument, "a truncated GroupInfo");
    r.set_group_info(foreign_welcome);
    c.bad(b, "ExternalJoin", &Stub::ExternalJoin, r, E::kInvalidArgument, "a Welcome as GroupInfo");
    r.set_group_info(group_info_no_tree);
    c.bad(b, "ExternalJoin", &Stub::ExternalJoin, r, E::kAnyError, "a GroupInfo without its tree");
    r.set_ratchet_tree(kGarbage);
    c.bad(b, "ExternalJoin", &Stub::ExternalJoin, r, E::kInvalidArgument, "a garbage ratchet_tree");
  }

  // Unknown handles, one request per RPC that takes one.
  {
    GroupInfoRequest r;
    r.set_state_id(kUnknownHandle);
    c.bad(a, "GroupInfo", &Stub::GroupInfo, r, E::kNotFound, "an unknown state");
    StateAuthRequest sa;
    sa.set_state_id(kUnknownHandle);
    c.bad(a, "StateAuth", &Stub::StateAuth, sa, E::kNotFound, "an unknown state");
    ExportRequest ex;
    ex.set_state_id(kUnknownHandle);
    ex.set_key_length(32);
    c.bad(a, "Export", &Stub::Export, ex, E::kNotFound, "an unknown state");
    ProtectRequest p;
    p.set_state_id(kUnknownHandle);
    p.set_plaintext("x");
    c.bad(a, "Protect", &Stub::Protect, p, E::kNotFound, "an unknown state");
    UnprotectRequest u;
    u.set_state_id(kUnknownHandle);
    u.set_ciphertext(ciphertext);
    c.bad(b, "Unprotect", &Stub::Unprotect, u, E::kNotFound, "an unknown state");
    StorePSKRequest ps;
    ps.set_state_or_transaction_id(kUnknownHandle);
    ps.set_psk_id("id");
    ps.set_psk_secret("secret");
    c.bad(a, "StorePSK", &Stub::StorePSK, ps, E::kNotFound, "an unknown state");
    AddProposalRequest ad;
    ad.set_state_id(kUnknownHandle);
    ad.set_key_package(erin.key_package);
    c.bad(a, "AddProposal", &Stub::AddProposal, ad, E::kNotFound, "an unknown state");
    UpdateProposalRequest up;
    up.set_state_id(kUnknownHandle);
    c.bad(a, "UpdateProposal", &Stub::UpdateProposal, up, E::kNotFound, "an unknown state");
    RemoveProposalRequest rm;
    rm.set_state_id(kUnknownHandle);
    rm.set_removed_id("bob");
    c.bad(a, "RemoveProposal", &Stub::RemoveProposal, rm, E::kNotFound, "an unknown state");
    ExternalPSKProposalRequest ep;
    ep.set_state_id(kUnknownHandle);
    ep.set_psk_id("id");
    c.bad(a, "ExternalPSKProposal", &Stub::ExternalPSKProposal, ep, E::kNotFound,
          "an unknown state");
    ResumptionPSKProposalRequest rp;
    rp.set_state_id(kUnknownHandle);
    c.bad(a, "ResumptionPSKProposal", &Stub::ResumptionPSKProposal, rp, E::kNotFound,
          "an unknown state");
    GroupContextExtensionsProposalRequest ge;
    ge.set_state_id(kUnknownHandle);
    c.bad(a, "GroupContextExtensionsProposal", &Stub::GroupContextExtensionsProposal, ge,
          E::kNotFound, "an unknown state");
    CommitRequest cm;
    cm.set_state_id(kUnknownHandle);
    c.bad(a, "Commit", &Stub::Commit, cm, E::kNotFound, "an unknown state");
    c.bad(a, "ReInitCommit", &Stub::ReInitCommit, cm, E::kNotFound, "an unknown state");
    HandleCommitRequest hc;
    hc.set_state_id(kUnknownHandle);
    hc.set_commit(old_commit);
    c.bad(b, "HandleCommit", &Stub::HandleCommit, hc, E::kNotFound, "an unknown state");
    c.bad(b, "HandleReInitCommit", &Stub::HandleReInitCommit, hc, E::kNotFound, "an unknown state");
    HandlePendingCommitRequest hp;
    hp.set_state_id(kUnknownHandle);
    c.bad(a, "HandlePendingCommit", &Stub::HandlePendingCommit, hp, E::kNotFound,
          "an unknown state");
    c.bad(a, "HandlePendingReInitCommit", &Stub::HandlePendingReInitCommit, hp, E::kNotFound,
          "an unknown state");
    ReInitProposalRequest ri;
    ri.set_state_id(kUnknownHandle);
    ri.set_cipher_suite(s.other_suite());
    c.bad(a, "ReInitProposal", &Stub::ReInitProposal, ri, E::kNotFound, "an unknown state");
    ReInitWelcomeRequest rw;
    rw.set_reinit_id(kUnknownHandle);
    rw.add_key_package(erin.key_package);
    c.bad(a, "ReInitWelcome", &Stub::ReInitWelcome, rw, E::kNotFound, "an unknown reinit_id");
    HandleReInitWelcomeRequest hw;
    hw.set_reinit_id(kUnknownHandle);
    hw.set_welcome(foreign_welcome);
    c.bad(a, "HandleReInitWelcome", &Stub::HandleReInitWelcome, hw, E::kNotFound,
          "an unknown reinit_id");
    CreateBranchRequest cb;
    cb.set_state_id(kUnknownHandle);
    cb.add_key_packages(erin.key_package);
    c.bad(a, "CreateBranch", &Stub::CreateBranch, cb, E::kNotFound, "an unknown state");
    HandleBranchRequest hb;
    hb.set_state_id(kUnknownHandle);
    hb.set_transaction_id(erin.transaction);
    hb.set_welcome(foreign_welcome);
    c.bad(*erin.client, "HandleBranch", &Stub::HandleBranch, hb, E::kNotFound, "an unknown state");
    AddExternalSignerRequest ae;
    ae.set_state_id(kUnknownHandle);
    ae.set_external_sender(ds.external_sender());
    c.bad(a, "AddExternalSigner", &Stub::AddExternalSigner, ae, E::kNotFound, "an unknown state");
    ExternalSignerProposalRequest es;
    es.set_signer_id(kUnknownHandle);
    es.set_group_info(group_info);
    es.mutable_description()->set_proposal_type("remove");
    es.mutable_description()->set_removed_id("bob");
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es, E::kNotFound,
          "an unknown signer");
    FreeRequest fr;
    fr.set_state_id(kUnknownHandle);
    c.bad(a, "Free", &Stub::Free, fr, E::kNotFound, "an unknown state");
  }

  // Bad input for a live state.
  {
    ExportRequest ex;
    ex.set_state_id(alice.state);
    ex.set_label("x");
    ex.set_key_length(0xFFFFFFFF);
    c.bad(a, "Export", &Stub::Export, ex, E::kAnyError, "key_length 2^32-1");
    UnprotectRequest u;
    u.set_state_id(bob.state);
    for (auto& [bytes, what, expect] :
         {std::tuple{kGarbage, "garbage bytes", E::kInvalidArgument},
          std::tuple{truncated(ciphertext), "a truncated ciphertext", E::kInvalidArgument},
          std::tuple{tampered, "a tampered ciphertext", E::kInvalidArgument},
          std::tuple{foreign_welcome, "a Welcome", E::kAnyError}}) {
      u.set_ciphertext(bytes);
      c.bad(b, "Unprotect", &Stub::Unprotect, u, expect, what);
    }
    AddProposalRequest ad;
    ad.set_state_id(alice.state);
    for (auto& [bytes, what, expect] :
         {std::tuple{kGarbage, "garbage bytes", E::kInvalidArgument},
          std::tuple{truncated(erin.key_package), "a truncated KeyPackage", E::kInvalidArgument},
          std::tuple{other_suite_kp.key_package, "a KeyPackage of another suite", E::kAnyError}}) {
      ad.set_key_package(bytes);
      c.bad(a, "AddProposal", &Stub::AddProposal, ad, expect, what);
    }
    RemoveProposalRequest rm;
    rm.set_state_id(alice.state);
    rm.set_removed_id("nobody");
    c.bad(a, "RemoveProposal", &Stub::RemoveProposal, rm, E::kAnyError,
          "an identity not in the group");
    ExternalPSKProposalRequest ep;
    ep.set_state_id(alice.state);
    ep.set_psk_id("never stored");
    c.bad(a, "ExternalPSKProposal", &Stub::ExternalPSKProposal, ep, E::kAnyError,
          "a PSK never stored");
    ResumptionPSKProposalRequest rp;
    rp.set_state_id(alice.state);
    rp.set_epoch_id(1000);
    c.bad(a, "ResumptionPSKProposal", &Stub::ResumptionPSKProposal, rp, E::kAnyError,
          "a future epoch");
    GroupContextExtensionsProposalRequest ge;
    ge.set_state_id(alice.state);
    *ge.add_extensions() = Scenario::extension(3, std::string(3, '\0'));
    *ge.add_extensions() = Scenario::extension(3, std::string(3, '\0'));
    c.bad(a, "GroupContextExtensionsProposal", &Stub::GroupContextExtensionsProposal, ge,
          E::kAnyError, "an extension type twice");
    ge.clear_extensions();
    *ge.add_extensions() = Scenario::extension(3, "\xff");
    c.bad(a, "GroupContextExtensionsProposal", &Stub::GroupContextExtensionsProposal, ge,
          E::kAnyError, "undecodable required_capabilities");

    CommitRequest cm;
    cm.set_state_id(alice.state);
    cm.add_by_reference(kGarbage);
    c.bad(a, "Commit", &Stub::Commit, cm, E::kInvalidArgument, "a garbage proposal");
    c.bad(a, "ReInitCommit", &Stub::ReInitCommit, cm, E::kInvalidArgument, "a garbage proposal");
    cm.set_by_reference(0, truncated(foreign_proposal));
    c.bad(a, "Commit", &Stub::Commit, cm, E::kInvalidArgument, "a truncated proposal");
    cm.set_by_reference(0, foreign_proposal);
    c.bad(a, "Commit", &Stub::Commit, cm, E::kAnyError, "another group's proposal");
    cm.clear_by_reference();
    c.bad(a, "ReInitCommit", &Stub::ReInitCommit, cm, E::kAnyError, "no ReInit proposal");
    for (auto& [d, what, expect] : {std::tuple{[] {
                                                 ProposalDescription d;
                                                 d.set_proposal_type("bogus");
                                                 return d;
                                               }(),
                                               "proposal type \"bogus\"", E::kAnyError},
                                    std::tuple{Scenario::add_description(kGarbage),
                                               "an Add of garbage bytes", E::kInvalidArgument},
                                    std::tuple{Scenario::remove_description("nobody"),
                                               "a Remove of an unknown identity", E::kAnyError}}) {
      cm.clear_by_value();
      *cm.add_by_value() = d;
      c.bad(a, "Commit", &Stub::Commit, cm, expect, what);
    }

    HandleCommitRequest hc;
    hc.set_state_id(bob.state);
    for (auto& [bytes, what, expect] :
         {std::tuple{kGarbage, "garbage bytes", E::kInvalidArgument},
          std::tuple{truncated(old_commit), "a truncated commit", E::kInvalidArgument},
          std::tuple{old_commit, "a commit already handled", E::kAnyError},
          std::tuple{foreign_commit, "another group's commit", E::kAnyError}}) {
      hc.set_commit(bytes);
      c.bad(b, "HandleCommit", &Stub::HandleCommit, hc, expect, what);
      c.bad(b, "HandleReInitCommit", &Stub::HandleReInitCommit, hc, expect, what);
    }
    hc.set_commit(old_commit);
    hc.add_proposal(kGarbage);
    c.bad(b, "HandleCommit", &Stub::HandleCommit, hc, E::kInvalidArgument, "a garbage proposal");

    HandlePendingCommitRequest hp;
    hp.set_state_id(alice.state);
    c.bad(a, "HandlePendingCommit", &Stub::HandlePendingCommit, hp, E::kAnyError,
          "no pending commit");
    c.bad(a, "HandlePendingReInitCommit", &Stub::HandlePendingReInitCommit, hp, E::kAnyError,
          "no pending commit");

    for (uint32_t suite : {0u, 0xFFFFu}) {
      ReInitProposalRequest ri;
      ri.set_state_id(alice.state);
      ri.set_cipher_suite(suite);
      ri.set_group_id("new");
      c.bad(a, "ReInitProposal", &Stub::ReInitProposal, ri, E::kAnyError,
            "suite " + std::to_string(suite));
    }

    ReInitWelcomeRequest rw;
    rw.set_reinit_id(carol_reinit);
    rw.add_key_package(kGarbage);
    Client& carol = *f.at("carol").client;
    c.bad(carol, "ReInitWelcome", &Stub::ReInitWelcome, rw, E::kInvalidArgument,
          "a garbage KeyPackage");
    rw.set_key_package(0, truncated(dave_reinit.key_package()));
    c.bad(carol, "ReInitWelcome", &Stub::ReInitWelcome, rw, E::kInvalidArgument,
          "a truncated KeyPackage");
    rw.set_key_package(0, dave.key_package);
    c.bad(carol, "ReInitWelcome", &Stub::ReInitWelcome, rw, E::kAnyError,
          "a KeyPackage of the old suite");
    HandleReInitWelcomeRequest hw;
    hw.set_reinit_id(dave_reinit.reinit_id());
    Client& dave_client = *f.at("dave").client;
    hw.set_welcome(kGarbage);
    c.bad(dave_client, "HandleReInitWelcome", &Stub::HandleReInitWelcome, hw, E::kInvalidArgument,
          "garbage bytes");
    hw.set_welcome(truncated(foreign_welcome));
    c.bad(dave_client, "HandleReInitWelcome", &Stub::HandleReInitWelcome, hw, E::kInvalidArgument,
          "a truncated Welcome");
    hw.set_welcome(foreign_welcome);
    c.bad(dave_client, "HandleReInitWelcome", &Stub::HandleReInitWelcome, hw, E::kAnyError,
          "a Welcome of the old group");

    CreateBranchRequest cb;
    cb.set_state_id(alice.state);
    cb.set_group_id("branch");
    cb.add_key_packages(kGarbage);
    c.bad(a, "CreateBranch", &Stub::CreateBranch, cb, E::kInvalidArgument, "a garbage KeyPackage");
    cb.set_key_packages(0, other_suite_kp.key_package);
    c.bad(a, "CreateBranch", &Stub::CreateBranch, cb, E::kAnyError,
          "a KeyPackage of another suite");
    HandleBranchRequest hb;
    hb.set_state_id(bob.state);
    hb.set_transaction_id(kUnknownHandle);
    hb.set_welcome(foreign_welcome);
    c.bad(b, "HandleBranch", &Stub::HandleBranch, hb, E::kNotFound, "an unknown transaction");
    hb.set_transaction_id(s.key_package("bob").transaction);
    hb.set_welcome(kGarbage);
    c.bad(b, "HandleBranch", &Stub::HandleBranch, hb, E::kInvalidArgument, "garbage bytes");
    hb.set_transaction_id(s.key_package("bob").transaction);
    hb.set_welcome(foreign_welcome);
    c.bad(b, "HandleBranch", &Stub::HandleBranch, hb, E::kAnyError, "a Welcome of another group");

    NewMemberAddProposalRequest nm;
    nm.set_identity("frank");
    for (auto& [bytes, what] : {std::pair{kGarbage, "garbage bytes"},
                                std::pair{truncated(group_info), "a truncated GroupInfo"},
                                std::pair{erin.key_package, "a KeyPackage as GroupInfo"}}) {
      nm.set_group_info(bytes);
      c.bad(b, "NewMemberAddProposal", &Stub::NewMemberAddProposal, nm, E::kInvalidArgument, what);
    }

    AddExternalSignerRequest ae;
    ae.set_state_id(alice.state);
    ae.set_external_sender(kGarbage);
    c.bad(a, "AddExternalSigner", &Stub::AddExternalSigner, ae, E::kInvalidArgument,
          "garbage bytes");
    ae.set_external_sender("");
    c.bad(a, "AddExternalSigner", &Stub::AddExternalSigner, ae, E::kInvalidArgument, "no bytes");

    ExternalSignerProposalRequest es;
    es.set_signer_id(signer);
    es.set_group_info(kGarbage);
    es.mutable_description()->set_proposal_type("remove");
    es.mutable_description()->set_removed_id("bob");
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es,
          E::kInvalidArgument, "a garbage GroupInfo");
    es.set_group_info(truncated(group_info));
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es,
          E::kInvalidArgument, "a truncated GroupInfo");
    es.set_group_info(group_info);
    es.mutable_description()->set_proposal_type("bogus");
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es, E::kAnyError,
          "proposal type \"bogus\"");
    *es.mutable_description() = Scenario::add_description(kGarbage);
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es,
          E::kInvalidArgument, "an Add of garbage bytes");
    *es.mutable_description() = Scenario::remove_description("nobody");
    c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es, E::kAnyError,
          "a Remove of an unknown identity");
    for (uint32_t suite : {0u, 0xFFFFu}) {
      ProposalDescription d;
      d.set_proposal_type("reinit");
      d.set_group_id("new");
      d.set_cipher_suite(suite);
      *es.mutable_description() = d;
      c.bad(ds_client, "ExternalSignerProposal", &Stub::ExternalSignerProposal, es, E::kAnyError,
            "a ReInit to suite " + std::to_string(suite));
    }
  }

  // Name and SupportedCiphersuites take no input: the request that is no protobuf is theirs.
  std::string missing;
  for (auto& rpc : service_rpcs())
    if (!c.covered().count(rpc)) missing += " " + rpc;
  Scenario::check(missing.empty(), "driver: no bad input for" + missing);
  std::vector<std::string> failures = c.failures();
  try {
    s.step("malformed: the group still works after the bad requests");
    s.verify(g);
    s.commit(g, "bob", empty);
    s.verify(g);
    s.commit(g, "alice", empty);
    s.verify(g);
  } catch (const std::exception& e) {
    failures.push_back(s.current_step() + ": " + e.what());
  }
  if (!failures.empty()) {
    s.step("malformed");
    std::string all = std::to_string(failures.size()) + " wrong replies:";
    for (auto& f : failures)
      all += "\n      " + f;
    throw CheckFailed(all);
  }
}

}  // namespace interop_driver
