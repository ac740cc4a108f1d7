// What every scenario is built from: members on different servers, commits applied by every
// member, and the "Verify group state" subroutine of the interop test scenarios.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "client.h"

namespace interop_driver {

// A check of the driver that failed (RPC failures are RpcError).
class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// MLSMessage wire formats (RFC 9420 §6).
enum WireFormat : uint16_t {
  kPublicMessage = 1,
  kPrivateMessage = 2,
  kWelcome = 3,
  kGroupInfo = 4,
  kKeyPackage = 5,
};

// A member of a group under test: its identity and its state on its server.
struct Member {
  std::string name;
  Client* client = nullptr;
  uint32_t state = 0;
};

// A client that made a KeyPackage (CreateKeyPackage) and waits for a Welcome.
struct Joiner {
  std::string name;
  Client* client = nullptr;
  uint32_t transaction = 0;
  std::string key_package;
};

class Group {
 public:
  std::vector<Member> members;
  // The epoch authenticator every member must have (from the last commit or join).
  std::string epoch_authenticator;

  Member& at(const std::string& name);
  bool has(const std::string& name) const;
  void erase(const std::string& name);
};

struct CommitSpec {
  std::vector<std::string> by_reference;  // proposal MLSMessages
  std::vector<mls_client::ProposalDescription> by_value;
  bool force_path = false;
  bool external_tree = false;
  // Members this commit removes: they do not process it and leave the group.
  std::vector<std::string> removed;
};

struct CommitResult {
  std::string commit;
  std::string welcome;
  std::string ratchet_tree;
  std::string epoch_authenticator;
};

// One case: a scenario run for one cipher suite and handshake mode.
class Scenario {
 public:
  Scenario(std::vector<Client*> servers, uint16_t suite, bool encrypt, uint32_t seed);
  // Frees every state the case made (best effort: the servers stay small over a long run).
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  uint16_t suite() const { return suite_; }
  bool encrypt() const { return encrypt_; }
  // The wire format of this case's handshake messages from members.
  uint16_t handshake_format() const { return encrypt_ ? kPrivateMessage : kPublicMessage; }
  // Another suite, for ReInit.
  uint16_t other_suite() const { return static_cast<uint16_t>(suite_ % 7 + 1); }
  size_t server_count() const { return servers_.size(); }
  Client& server(size_t i) const { return *servers_[i % servers_.size()]; }
  // Members live on different servers: alice on 0, bob on 1, carol on 2, dave on 0, ...
  Client& home(const std::string& name) const;

  // What the case is doing, for the failure report.
  void step(std::string what) { step_ = std::move(what); }
  const std::string& current_step() const { return step_; }

  std::string random_bytes(size_t n);
  std::string group_id();

  // --- building blocks ---
  Group create_group(const std::string& creator);
  Joiner key_package(const std::string& name, uint16_t suite = 0);
  // `names`[0] creates the group and adds the others in one commit (tree in the Welcome).
  Group make_group(const std::vector<std::string>& names);
  // `committer` commits `spec`; it merges with HandlePendingCommit, every other member but the
  // removed ones handles the commit with the by-reference proposals, the joiners join with
  // the Welcome (and the tree when external_tree). Every epoch authenticator must agree.
  CommitResult commit(Group& group, const std::string& committer, const CommitSpec& spec,
                      const std::vector<Joiner>& joiners = {});
  // `joiner` joins with `welcome` (and `ratchet_tree` when not empty) and must reach the
  // group's epoch authenticator.
  void join(Group& group, const Joiner& joiner, const std::string& welcome,
            const std::string& ratchet_tree);
  // Every member but `except` handles `commit` (an external commit) and must reach `auth`.
  void handle_commit_everywhere(Group& group, const std::string& commit, const std::string& auth,
                                const std::string& except,
                                const std::vector<std::string>& proposals = {});
  // "Verify group state": one epoch authenticator (StateAuth) equal to the group's, one
  // exported secret, and a message of every member that every other member unprotects.
  void verify(Group& group);
  // The state is remembered for freeing when the case ends.
  void track(Client& client, uint32_t state) { owned_.insert({&client, state}); }

  // --- checks ---
  static void check(bool ok, const std::string& what) {
    if (!ok) throw CheckFailed(what);
  }
  static void check_wire_format(const std::string& message, uint16_t format,
                                const std::string& what);
  static mls_client::Extension extension(uint16_t type, std::string data);

  // Proposal descriptions for Commit.by_value and ExternalSignerProposal.
  static mls_client::ProposalDescription add_description(const std::string& key_package);
  static mls_client::ProposalDescription remove_description(const std::string& identity);
  static mls_client::ProposalDescription external_psk_description(const std::string& psk_id);
  static mls_client::ProposalDescription resumption_psk_description(uint64_t epoch);
  static mls_client::ProposalDescription gce_description(
      const std::vector<mls_client::Extension>& extensions);

  // The GroupContext of a member's GroupInfo: epoch, suite and extensions as its server sees
  // them (decoded with Conclave's own codec).
  struct ContextView {
    uint16_t cipher_suite = 0;
    uint64_t epoch = 0;
    std::string group_id;
    std::vector<std::pair<uint16_t, std::string>> extensions;
    bool ratchet_tree_in_group_info = false;
  };
  ContextView context_of(const Member& member);
  uint64_t epoch_of(const Member& member) { return context_of(member).epoch; }

 private:
  std::vector<Client*> servers_;
  uint16_t suite_;
  bool encrypt_;
  std::mt19937_64 rng_;
  uint32_t counter_ = 0;
  std::string step_ = "start";
  std::set<std::pair<Client*, uint32_t>> owned_;
};

// Fails the case unless the reply is an error.
void expect_error(const grpc::Status& status, const std::string& what);

}  // namespace interop_driver
