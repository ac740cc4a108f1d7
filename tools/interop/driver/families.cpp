// The interop scenarios (test-scenarios.md) and the flows of the harness contract
// (tools/interop/README.md), written against the RPCs so that every message crosses from one
// server process to another.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/message.h"
#include "families.h"

namespace interop_driver {

using namespace mls_client;

namespace {

// --- one-line RPC helpers for the scenarios ---

std::string add_proposal(Member& m, const std::string& key_package, uint16_t format) {
  AddProposalRequest r;
  r.set_state_id(m.state);
  r.set_key_package(key_package);
  auto p = RPC(*m.client, AddProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s Add proposal");
  return p;
}

std::string update_proposal(Member& m, uint16_t format) {
  UpdateProposalRequest r;
  r.set_state_id(m.state);
  auto p = RPC(*m.client, UpdateProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s Update proposal");
  return p;
}

std::string remove_proposal(Member& m, const std::string& removed, uint16_t format) {
  RemoveProposalRequest r;
  r.set_state_id(m.state);
  r.set_removed_id(removed);
  auto p = RPC(*m.client, RemoveProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s Remove proposal");
  return p;
}

std::string external_psk_proposal(Member& m, const std::string& psk_id, uint16_t format) {
  ExternalPSKProposalRequest r;
  r.set_state_id(m.state);
  r.set_psk_id(psk_id);
  auto p = RPC(*m.client, ExternalPSKProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s PreSharedKey proposal");
  return p;
}

std::string resumption_psk_proposal(Member& m, uint64_t epoch, uint16_t format) {
  ResumptionPSKProposalRequest r;
  r.set_state_id(m.state);
  r.set_epoch_id(epoch);
  auto p = RPC(*m.client, ResumptionPSKProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s resumption PreSharedKey proposal");
  return p;
}

std::string gce_proposal(Member& m, const std::vector<Extension>& extensions, uint16_t format) {
  GroupContextExtensionsProposalRequest r;
  r.set_state_id(m.state);
  for (auto& e : extensions)
    *r.add_extensions() = e;
  auto p = RPC(*m.client, GroupContextExtensionsProposal, r).proposal();
  Scenario::check_wire_format(p, format, m.name + "'s GroupContextExtensions proposal");
  return p;
}

void store_psk(Client& client, uint32_t state_or_transaction, const std::string& id,
               const std::string& secret) {
  StorePSKRequest r;
  r.set_state_or_transaction_id(state_or_transaction);
  r.set_psk_id(id);
  r.set_psk_secret(secret);
  RPC(client, StorePSK, r);
}

struct Psk {
  std::string id;
  std::string secret;
};

// A fresh external PSK, stored at every member.
Psk install_psk(Scenario& s, Group& g) {
  Psk psk{"psk " + s.random_bytes(8), s.random_bytes(32)};
  for (auto& m : g.members)
    store_psk(*m.client, m.state, psk.id, psk.secret);
  return psk;
}

GroupInfoResponse group_info(Member& m, bool external_tree) {
  GroupInfoRequest r;
  r.set_state_id(m.state);
  r.set_external_tree(external_tree);
  auto response = RPC(*m.client, GroupInfo, r);
  Scenario::check_wire_format(response.group_info(), kGroupInfo, m.name + "'s GroupInfo");
  if (external_tree)
    Scenario::check(!response.ratchet_tree().empty(),
                    "GroupInfo with external_tree returned no ratchet_tree");
  return response;
}

std::string state_auth(Client& client, uint32_t state) {
  StateAuthRequest r;
  r.set_state_id(state);
  return RPC(client, StateAuth, r).state_auth_secret();
}

// An empty commit (a self-update when it carries a path).
void empty_commit(Scenario& s, Group& g, const std::string& committer, bool force_path) {
  s.step(committer + " commits no proposals" + (force_path ? " with a path" : ""));
  CommitSpec spec;
  spec.force_path = force_path;
  s.commit(g, committer, spec);
  s.verify(g);
}

// The RequiredCapabilities extension with empty lists (3, 0x000000) and an empty
// external_senders list (5, 0x00): default types that every member supports.
std::vector<Extension> sample_extensions() {
  return {Scenario::extension(3, std::string(3, '\0')),
          Scenario::extension(5, std::string(1, '\0'))};
}

void expect_extensions(Scenario& s, Group& g, const std::vector<Extension>& want) {
  for (auto& m : g.members) {
    auto view = s.context_of(m);
    std::vector<std::pair<uint16_t, std::string>> expected;
    for (auto& e : want)
      expected.push_back({static_cast<uint16_t>(e.extension_type()), e.extension_data()});
    Scenario::check(view.extensions == expected,
                    m.name + "'s GroupContext extensions are not the committed ones (" +
                        std::to_string(view.extensions.size()) + " extensions)");
  }
}

// --- the families ---

// 1:1 join, the tree in the Welcome.
void welcome_join(Scenario& s) {
  Group g = s.create_group("alice");
  s.verify(g);
  auto bob = s.key_package("bob");
  s.step("alice adds bob (tree in the Welcome)");
  CommitSpec spec;
  spec.by_value = {Scenario::add_description(bob.key_package)};
  s.commit(g, "alice", spec, {bob});
  s.verify(g);
  auto view = s.context_of(g.at("bob"));
  Scenario::check(view.epoch == 1, "bob's group is at epoch " + std::to_string(view.epoch));
  Scenario::check(view.cipher_suite == s.suite(), "bob's group has another cipher suite");
}

// 1:1 join with the tree out of band (a join without it must fail: the Welcome really lacks
// the tree), then a second one committed by the joiner.
void welcome_external_tree(Scenario& s) {
  Group g = s.create_group("alice");
  auto bob = s.key_package("bob");
  s.step("alice adds bob (tree out of band)");
  CommitSpec spec;
  spec.by_value = {Scenario::add_description(bob.key_package)};
  spec.external_tree = true;
  auto added = s.commit(g, "alice", spec);
  Scenario::check(!added.ratchet_tree.empty(),
                  "Commit with external_tree returned no ratchet_tree");
  {
    JoinGroupRequest r;
    r.set_transaction_id(bob.transaction);
    r.set_welcome(added.welcome);
    r.set_encrypt_handshake(s.encrypt());
    r.set_identity("bob");
    JoinGroupResponse response;
    expect_error(TRY_RPC(*bob.client, JoinGroup, r, &response),
                 "JoinGroup without the tree that external_tree left out of the Welcome");
  }
  s.join(g, bob, added.welcome, added.ratchet_tree);
  s.verify(g);
  auto carol = s.key_package("carol");
  s.step("bob adds carol (tree out of band)");
  spec.by_value = {Scenario::add_description(carol.key_package)};
  s.commit(g, "bob", spec, {carol});
  s.verify(g);
}

// test-scenarios.md "3-party join".
void three_party_join(Scenario& s) {
  Group g = s.create_group("alice");
  auto bob = s.key_package("bob");
  s.step("alice adds bob");
  CommitSpec spec;
  spec.by_value = {Scenario::add_description(bob.key_package)};
  s.commit(g, "alice", spec, {bob});
  s.verify(g);
  auto carol = s.key_package("carol");
  s.step("alice adds carol; bob handles the commit");
  spec.by_value = {Scenario::add_description(carol.key_package)};
  s.commit(g, "alice", spec, {carol});
  s.verify(g);
}

// test-scenarios.md "Multiple joins at once".
void multiple_joins(Scenario& s) {
  Group g = s.create_group("alice");
  std::vector<Joiner> joiners = {s.key_package("bob"), s.key_package("carol"),
                                 s.key_package("dave")};
  s.step("alice adds bob, carol and dave in one commit");
  CommitSpec spec;
  for (auto& j : joiners)
    spec.by_value.push_back(Scenario::add_description(j.key_package));
  s.commit(g, "alice", spec, joiners);
  s.verify(g);
}

// Application messages both ways: plaintext and authenticated data come back exactly, out of
// order, empty or large; replays and tampered ciphertexts are refused.
void application(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  struct Sent {
    std::string aad, plaintext, ciphertext;
  };
  auto protect = [&](Member& m, std::string aad, std::string plaintext) {
    ProtectRequest r;
    r.set_state_id(m.state);
    r.set_authenticated_data(aad);
    r.set_plaintext(plaintext);
    auto c = RPC(*m.client, Protect, r).ciphertext();
    Scenario::check_wire_format(c, kPrivateMessage, m.name + "'s application message");
    return Sent{aad, plaintext, c};
  };
  auto unprotect = [&](Member& m, const Sent& sent, const std::string& what) {
    UnprotectRequest r;
    r.set_state_id(m.state);
    r.set_ciphertext(sent.ciphertext);
    auto opened = RPC(*m.client, Unprotect, r);
    Scenario::check(opened.plaintext() == sent.plaintext,
                    m.name + " misread the plaintext of " + what);
    Scenario::check(opened.authenticated_data() == sent.aad,
                    m.name + " misread the authenticated data of " + what);
  };
  s.step("messages with and without authenticated data, empty and large");
  std::vector<std::pair<std::string, std::string>> kinds = {
      {"", "no authenticated data"},
      {"authenticated data \x01\x02", ""},
      {std::string(300, 'a'), std::string(70000, 'p')},
      {std::string("binary \x00\xff aad", 13), std::string("binary \x00\xff text", 14)}};
  for (auto& sender : g.members) {
    for (auto& [aad, plaintext] : kinds) {
      auto sent = protect(sender, aad, plaintext);
      for (auto& receiver : g.members)
        if (receiver.name != sender.name) unprotect(receiver, sent, sender.name + "'s message");
    }
  }
  s.step("three messages of alice read out of order");
  Member& alice = g.at("alice");
  std::vector<Sent> burst;
  for (std::string n : {"1", "2", "3"})
    burst.push_back(protect(alice, "aad " + n, "message " + n));
  unprotect(g.at("bob"), burst[2], "alice's third message");
  unprotect(g.at("bob"), burst[0], "alice's first message");
  unprotect(g.at("bob"), burst[1], "alice's second message");
  unprotect(g.at("carol"), burst[1], "alice's second message");
  unprotect(g.at("carol"), burst[2], "alice's third message");
  unprotect(g.at("carol"), burst[0], "alice's first message");

  s.step("a replayed message is refused");
  {
    UnprotectRequest r;
    r.set_state_id(g.at("bob").state);
    r.set_ciphertext(burst[1].ciphertext);
    UnprotectResponse response;
    expect_error(TRY_RPC(*g.at("bob").client, Unprotect, r, &response),
                 "Unprotect of a message bob already read");
  }
  s.step("a tampered message is refused");
  {
    auto sent = protect(g.at("carol"), "aad", "to be tampered with");
    std::string bad = sent.ciphertext;
    bad[bad.size() - 5] ^= 0x40;  // inside the AEAD ciphertext and tag
    UnprotectRequest r;
    r.set_state_id(g.at("alice").state);
    r.set_ciphertext(bad);
    UnprotectResponse response;
    expect_error(TRY_RPC(*g.at("alice").client, Unprotect, r, &response),
                 "Unprotect of a tampered ciphertext");
    unprotect(g.at("alice"), sent, "carol's untampered message");
  }
  s.verify(g);
}

// Add by reference from several members (the committer's own included) and by value.
void add(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto fmt = s.handshake_format();
  auto dave = s.key_package("dave"), eve = s.key_package("eve"), frank = s.key_package("frank");
  s.step("bob and carol propose Add(dave), Add(eve); carol commits them and Add(frank) by value");
  CommitSpec spec;
  spec.by_reference = {add_proposal(g.at("bob"), dave.key_package, fmt),
                       add_proposal(g.at("carol"), eve.key_package, fmt)};
  spec.by_value = {Scenario::add_description(frank.key_package)};
  spec.force_path = true;
  s.commit(g, "carol", spec, {dave, eve, frank});
  s.verify(g);
  auto grace = s.key_package("grace"), heidi = s.key_package("heidi");
  s.step("dave proposes Add(grace); eve commits it and Add(heidi) by value, no forced path");
  spec = {};
  spec.by_reference = {add_proposal(g.at("dave"), grace.key_package, fmt)};
  spec.by_value = {Scenario::add_description(heidi.key_package)};
  s.commit(g, "eve", spec, {grace, heidi});
  s.verify(g);
}

// Update proposals committed by another member; empty commits with and without a path.
void update(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto fmt = s.handshake_format();
  s.step("bob proposes an Update; carol commits it");
  CommitSpec spec;
  spec.by_reference = {update_proposal(g.at("bob"), fmt)};
  s.commit(g, "carol", spec);
  s.verify(g);
  s.step("alice and carol propose Updates; bob commits both");
  spec.by_reference = {update_proposal(g.at("alice"), fmt), update_proposal(g.at("carol"), fmt)};
  s.commit(g, "bob", spec);
  s.verify(g);
  empty_commit(s, g, "alice", true);
  empty_commit(s, g, "carol", false);
}

// Remove by reference and by value; the group's creator removed by another member.
void remove(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol", "dave", "eve"});
  auto fmt = s.handshake_format();
  s.step("bob proposes Remove(dave); carol commits it and Remove(eve) by value");
  CommitSpec spec;
  spec.by_reference = {remove_proposal(g.at("bob"), "dave", fmt)};
  spec.by_value = {Scenario::remove_description("eve")};
  spec.removed = {"dave", "eve"};
  s.commit(g, "carol", spec);
  s.verify(g);
  s.step("bob removes alice, the creator, by value");
  spec = {};
  spec.by_value = {Scenario::remove_description("alice")};
  spec.removed = {"alice"};
  s.commit(g, "bob", spec);
  s.verify(g);
  s.step("carol proposes Remove(bob) and commits it herself");
  spec = {};
  spec.by_reference = {remove_proposal(g.at("carol"), "bob", fmt)};
  spec.removed = {"bob"};
  s.commit(g, "carol", spec);
  s.verify(g);
}

// External PSKs by reference and by value, and a joiner whose Welcome needs one (StorePSK on
// its transaction).
void external_psk(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto fmt = s.handshake_format();
  Psk p1 = install_psk(s, g), p2 = install_psk(s, g), p3 = install_psk(s, g);
  s.step("alice and bob propose PSKs; carol commits them and one by value, with a path");
  CommitSpec spec;
  spec.by_reference = {external_psk_proposal(g.at("alice"), p1.id, fmt),
                       external_psk_proposal(g.at("bob"), p2.id, fmt)};
  spec.by_value = {Scenario::external_psk_description(p3.id)};
  spec.force_path = true;
  s.commit(g, "carol", spec);
  s.verify(g);
  s.step("carol proposes a PSK; bob commits it and one by value, no forced path");
  spec = {};
  spec.by_reference = {external_psk_proposal(g.at("carol"), p1.id, fmt)};
  spec.by_value = {Scenario::external_psk_description(p2.id)};
  s.commit(g, "bob", spec);
  s.verify(g);
  s.step("alice adds dave with a PSK that dave stored on his transaction");
  auto dave = s.key_package("dave");
  Psk p4 = install_psk(s, g);
  store_psk(*dave.client, dave.transaction, p4.id, p4.secret);
  spec = {};
  spec.by_value = {Scenario::add_description(dave.key_package),
                   Scenario::external_psk_description(p4.id)};
  s.commit(g, "alice", spec, {dave});
  s.verify(g);
}

// Resumption PSKs of the current and two past epochs, by reference and by value.
void resumption_psk(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto fmt = s.handshake_format();
  empty_commit(s, g, "alice", true);
  empty_commit(s, g, "bob", false);
  uint64_t epoch = s.epoch_of(g.at("carol"));
  Scenario::check(epoch == 3, "the group is at epoch " + std::to_string(epoch) + ", not 3");
  s.step(
      "alice and bob propose resumption PSKs of epochs 1 and 2; carol commits them and "
      "epoch 3's by value");
  CommitSpec spec;
  spec.by_reference = {resumption_psk_proposal(g.at("alice"), epoch - 2, fmt),
                       resumption_psk_proposal(g.at("bob"), epoch - 1, fmt)};
  spec.by_value = {Scenario::resumption_psk_description(epoch)};
  spec.force_path = true;
  s.commit(g, "carol", spec);
  s.verify(g);
  s.step("carol proposes epoch 3's resumption PSK; alice commits it and epoch 4's by value");
  spec = {};
  spec.by_reference = {resumption_psk_proposal(g.at("carol"), epoch, fmt)};
  spec.by_value = {Scenario::resumption_psk_description(epoch + 1)};
  s.commit(g, "alice", spec);
  s.verify(g);
}

// GroupContextExtensions by reference and by value; the GroupContext must show them.
void group_context_extensions(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto fmt = s.handshake_format();
  s.step("bob proposes required_capabilities and external_senders; carol commits");
  CommitSpec spec;
  spec.by_reference = {gce_proposal(g.at("bob"), sample_extensions(), fmt)};
  s.commit(g, "carol", spec);
  s.verify(g);
  expect_extensions(s, g, sample_extensions());
  s.step("alice proposes no extensions; bob commits");
  spec.by_reference = {gce_proposal(g.at("alice"), {}, fmt)};
  s.commit(g, "bob", spec);
  s.verify(g);
  expect_extensions(s, g, {});
  s.step("carol commits required_capabilities by value");
  spec = {};
  std::vector<Extension> one = {Scenario::extension(3, std::string(3, '\0'))};
  spec.by_value = {Scenario::gce_description(one)};
  s.commit(g, "carol", spec);
  s.verify(g);
  expect_extensions(s, g, one);
}

// One commit covering every proposal type at once: bob proposes each by reference, alice adds
// one of each by value (after the mls-implementations runner's "all_together" scripts).
void all_together(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol", "dave"});
  auto fmt = s.handshake_format();
  empty_commit(s, g, "carol", false);
  uint64_t epoch = s.epoch_of(g.at("alice"));
  Psk p1 = install_psk(s, g), p2 = install_psk(s, g);
  auto erin = s.key_package("erin"), frank = s.key_package("frank");
  s.step("bob proposes Add, Remove, GroupContextExtensions, PSK, resumption PSK and Update");
  Member& bob = g.at("bob");
  CommitSpec spec;
  spec.by_reference = {
      add_proposal(bob, erin.key_package, fmt),     remove_proposal(bob, "carol", fmt),
      gce_proposal(bob, sample_extensions(), fmt),  external_psk_proposal(bob, p1.id, fmt),
      resumption_psk_proposal(bob, epoch - 1, fmt), update_proposal(bob, fmt)};
  s.step("alice commits them with Add, Remove, PSK and resumption PSK by value");
  spec.by_value = {Scenario::add_description(frank.key_package),
                   Scenario::remove_description("dave"), Scenario::external_psk_description(p2.id),
                   Scenario::resumption_psk_description(epoch)};
  spec.removed = {"carol", "dave"};
  // erin and frank cannot join: their Welcome needs a resumption PSK of a group they were not
  // in (the runner's scripts leave them out too).
  auto committed = s.commit(g, "alice", spec);
  Scenario::check_wire_format(committed.welcome, kWelcome, "the Welcome for erin and frank");
  s.verify(g);
  expect_extensions(s, g, sample_extensions());
}

// Joins by external commit; returns the joiner's epoch authenticator after checks.
std::string external_join_into(Scenario& s, Group& g, const std::string& joiner,
                               const std::string& from, bool external_tree, bool remove_prior,
                               const std::vector<Psk>& psks = {}) {
  auto info = group_info(g.at(from), external_tree);
  ExternalJoinRequest r;
  r.set_group_info(info.group_info());
  if (external_tree) r.set_ratchet_tree(info.ratchet_tree());
  r.set_encrypt_handshake(s.encrypt());
  r.set_identity(joiner);
  r.set_remove_prior(remove_prior);
  for (auto& p : psks) {
    auto* psk = r.add_psks();
    psk->set_psk_id(p.id);
    psk->set_psk_secret(p.secret);
  }
  Client& client = s.home(joiner);
  auto response = RPC(client, ExternalJoin, r);
  s.track(client, response.state_id());
  // §12.4.3.2: external commits are always PublicMessages.
  Scenario::check_wire_format(response.commit(), kPublicMessage, joiner + "'s external commit");
  Scenario::check(!response.epoch_authenticator().empty(),
                  "ExternalJoin returned no epoch_authenticator");
  uint32_t old_state = 0;
  Client* old_client = nullptr;
  if (remove_prior) {
    old_state = g.at(joiner).state;
    old_client = g.at(joiner).client;
    g.erase(joiner);
  }
  s.handle_commit_everywhere(g, response.commit(), response.epoch_authenticator(), "");
  g.members.push_back({joiner, &client, response.state_id()});
  if (old_client) {
    // The superseded state is of no further use: drop it.
    FreeRequest f;
    f.set_state_id(old_state);
    RPC(*old_client, Free, f);
  }
  return response.epoch_authenticator();
}

// External joins from a GroupInfo with the tree inside and with the tree out of band; the
// GroupInfo carries the ratchet_tree extension exactly when asked to.
void external_join(Scenario& s) {
  Group g = s.create_group("alice");
  s.step("bob joins by external commit (tree in the GroupInfo)");
  external_join_into(s, g, "bob", "alice", false, false);
  s.verify(g);
  s.step("carol joins by external commit from bob's GroupInfo (tree out of band)");
  external_join_into(s, g, "carol", "bob", true, false);
  s.verify(g);
  s.step("GroupInfo holds the ratchet_tree extension unless external_tree");
  {
    Member& m = g.at("carol");
    GroupInfoRequest r;
    r.set_state_id(m.state);
    r.set_external_tree(true);
    auto response = RPC(*m.client, GroupInfo, r);
    auto bytes = conclave::Bytes(response.group_info().begin(), response.group_info().end());
    auto message = conclave::codec::decode<conclave::wire::MlsMessage>(bytes);
    for (auto& e : message.get<conclave::wire::GroupInfo>()->extensions)
      Scenario::check(e.extension_type != conclave::wire::ExtensionType::kRatchetTree,
                      "GroupInfo with external_tree still carries the ratchet_tree extension");
    Scenario::check(s.context_of(m).ratchet_tree_in_group_info,
                    "GroupInfo without external_tree lacks the ratchet_tree extension");
  }
  s.step("dave joins by external commit into the three-member group");
  external_join_into(s, g, "dave", "carol", false, false);
  s.verify(g);
}

// Resync: a member rejoins by external commit, removing its old leaf (remove_prior).
void external_resync(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  s.step("bob resyncs from carol's GroupInfo (remove_prior)");
  external_join_into(s, g, "bob", "carol", false, true);
  s.verify(g);
  s.step("alice, the creator, resyncs from bob's GroupInfo with the tree out of band");
  external_join_into(s, g, "alice", "bob", true, true);
  s.verify(g);
}

// An external join that injects an external PSK the members hold.
void external_join_psk(Scenario& s) {
  Group g = s.make_group({"alice", "bob"});
  Psk psk = install_psk(s, g);
  s.step("carol joins by external commit with a PSK");
  external_join_into(s, g, "carol", "alice", false, false, {psk});
  s.verify(g);
  Psk a = install_psk(s, g), b = install_psk(s, g);
  s.step("dave joins by external commit with two PSKs, tree out of band");
  external_join_into(s, g, "dave", "bob", true, false, {a, b});
  s.verify(g);
}

CreateExternalSignerResponse create_signer(Scenario& s, const std::string& name) {
  CreateExternalSignerRequest r;
  r.set_cipher_suite(s.suite());
  r.set_identity(name);
  auto response = RPC(s.home(name), CreateExternalSigner, r);
  Scenario::check(!response.external_sender().empty(),
                  "CreateExternalSigner returned no external_sender");
  return response;
}

// The index of `external_sender` in the group's external_senders extension.
uint32_t signer_index(Scenario& s, Member& m, const std::string& external_sender) {
  auto view = s.context_of(m);
  for (auto& [type, data] : view.extensions) {
    if (type != 5) continue;
    try {
      auto list = conclave::codec::decode<std::vector<conclave::wire::ExternalSender>>(
          conclave::Bytes(data.begin(), data.end()));
      auto wanted = conclave::codec::decode<conclave::wire::ExternalSender>(
          conclave::Bytes(external_sender.begin(), external_sender.end()));
      for (size_t i = 0; i < list.size(); ++i)
        if (list[i] == wanted) return static_cast<uint32_t>(i);
    } catch (const conclave::Error& e) {
      throw CheckFailed(std::string("external_senders or ExternalSender does not decode: ") +
                        e.what());
    }
  }
  throw CheckFailed("the external sender is not in " + m.name + "'s external_senders");
}

std::string signer_proposal(Scenario& s, const std::string& signer_name, uint32_t signer_id,
                            uint32_t index, Member& from, const ProposalDescription& d) {
  auto info = group_info(from, true);
  ExternalSignerProposalRequest r;
  r.set_signer_id(signer_id);
  r.set_signer_index(index);
  r.set_group_info(info.group_info());
  r.set_ratchet_tree(info.ratchet_tree());
  *r.mutable_description() = d;
  auto p = RPC(s.home(signer_name), ExternalSignerProposal, r).proposal();
  // §12.1.8: proposals of external senders are PublicMessages.
  Scenario::check_wire_format(p, kPublicMessage,
                              signer_name + "'s " + d.proposal_type() + " proposal");
  return p;
}

// External senders: added by a committed GroupContextExtensions, then their add, remove, PSK
// and GroupContextExtensions proposals committed by members.
void external_signer(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  s.step("alice proposes external sender ds; bob commits");
  auto ds = create_signer(s, "ds");
  {
    AddExternalSignerRequest r;
    r.set_state_id(g.at("alice").state);
    r.set_external_sender(ds.external_sender());
    CommitSpec spec;
    spec.by_reference = {RPC(*g.at("alice").client, AddExternalSigner, r).proposal()};
    Scenario::check_wire_format(spec.by_reference[0], s.handshake_format(),
                                "AddExternalSigner's proposal");
    s.commit(g, "bob", spec);
    s.verify(g);
  }
  uint32_t ds_index = signer_index(s, g.at("carol"), ds.external_sender());
  s.step("ds proposes Add(dave); alice commits it");
  {
    auto dave = s.key_package("dave");
    CommitSpec spec;
    spec.by_reference = {signer_proposal(s, "ds", ds.signer_id(), ds_index, g.at("bob"),
                                         Scenario::add_description(dave.key_package))};
    s.commit(g, "alice", spec, {dave});
    s.verify(g);
  }
  s.step("carol proposes a second external sender ds2; dave commits");
  auto ds2 = create_signer(s, "ds2");
  {
    AddExternalSignerRequest r;
    r.set_state_id(g.at("carol").state);
    r.set_external_sender(ds2.external_sender());
    CommitSpec spec;
    spec.by_reference = {RPC(*g.at("carol").client, AddExternalSigner, r).proposal()};
    s.commit(g, "dave", spec);
    s.verify(g);
  }
  uint32_t ds2_index = signer_index(s, g.at("alice"), ds2.external_sender());
  Scenario::check(ds_index == signer_index(s, g.at("alice"), ds.external_sender()),
                  "adding ds2 moved ds in external_senders");
  s.step("ds2 proposes Remove(carol); bob commits it");
  {
    CommitSpec spec;
    spec.by_reference = {signer_proposal(s, "ds2", ds2.signer_id(), ds2_index, g.at("dave"),
                                         Scenario::remove_description("carol"))};
    spec.removed = {"carol"};
    s.commit(g, "bob", spec);
    s.verify(g);
  }
  s.step("ds proposes an external PSK; dave commits it");
  {
    Psk psk = install_psk(s, g);
    CommitSpec spec;
    spec.by_reference = {signer_proposal(s, "ds", ds.signer_id(), ds_index, g.at("alice"),
                                         Scenario::external_psk_description(psk.id))};
    s.commit(g, "dave", spec);
    s.verify(g);
  }
  s.step("ds proposes a resumption PSK; alice commits it");
  {
    uint64_t epoch = s.epoch_of(g.at("alice"));
    CommitSpec spec;
    spec.by_reference = {signer_proposal(s, "ds", ds.signer_id(), ds_index, g.at("alice"),
                                         Scenario::resumption_psk_description(epoch - 1))};
    s.commit(g, "alice", spec);
    s.verify(g);
  }
  s.step("ds2 proposes GroupContextExtensions dropping the external senders; bob commits it");
  {
    std::vector<Extension> one = {Scenario::extension(3, std::string(3, '\0'))};
    CommitSpec spec;
    spec.by_reference = {signer_proposal(s, "ds2", ds2.signer_id(), ds2_index, g.at("bob"),
                                         Scenario::gce_description(one))};
    s.commit(g, "bob", spec);
    s.verify(g);
    expect_extensions(s, g, one);
  }
}

// A new member proposes its own Add from a GroupInfo; a member commits it; it joins.
void new_member_add(Scenario& s) {
  Group g = s.make_group({"alice", "bob"});
  for (auto [joiner, from, committer] :
       {std::tuple{"carol", "alice", "bob"}, std::tuple{"dave", "carol", "carol"}}) {
    s.step(std::string(joiner) + " proposes its own Add from " + from + "'s GroupInfo; " +
           committer + " commits it");
    NewMemberAddProposalRequest r;
    r.set_group_info(group_info(g.at(from), false).group_info());
    r.set_identity(joiner);
    Client& client = s.home(joiner);
    auto response = RPC(client, NewMemberAddProposal, r);
    Scenario::check_wire_format(response.proposal(), kPublicMessage,
                                std::string(joiner) + "'s Add");
    CommitSpec spec;
    spec.by_reference = {response.proposal()};
    s.commit(g, committer, spec, {Joiner{joiner, &client, response.transaction_id(), ""}});
    s.verify(g);
  }
}

// ReInit from `proposal` (made by a member or an external sender): `committer` commits it,
// `welcomer` creates the new group, the others join it. Returns the new group.
Group reinit_group(Scenario& s, Group& g, const std::string& proposal, const std::string& committer,
                   const std::string& welcomer, uint16_t new_suite, const std::string& new_group_id,
                   bool force_path, bool external_tree) {
  std::map<std::string, std::pair<uint32_t, std::string>> reinits;  // name -> (reinit id, KP)
  s.step(committer + " commits the ReInit");
  Member& c = g.at(committer);
  CommitRequest commit;
  commit.set_state_id(c.state);
  commit.add_by_reference(proposal);
  auto committed = RPC(*c.client, ReInitCommit, commit);
  Scenario::check_wire_format(committed.commit(), s.handshake_format(), "the ReInit commit");
  HandlePendingCommitRequest pending;
  pending.set_state_id(c.state);
  auto merged = RPC(*c.client, HandlePendingReInitCommit, pending);
  reinits[committer] = {merged.reinit_id(), merged.key_package()};
  std::string auth = merged.epoch_authenticator();
  for (auto& m : g.members) {
    if (m.name == committer) continue;
    HandleCommitRequest handle;
    handle.set_state_id(m.state);
    handle.add_proposal(proposal);
    handle.set_commit(committed.commit());
    auto handled = RPC(*m.client, HandleReInitCommit, handle);
    Scenario::check(handled.epoch_authenticator() == auth,
                    m.name + "'s epoch authenticator after the ReInit commit differs");
    reinits[m.name] = {handled.reinit_id(), handled.key_package()};
  }
  for (auto& [name, r] : reinits) {
    Scenario::check_wire_format(r.second, kKeyPackage, name + "'s ReInit KeyPackage");
    auto kp = conclave::codec::decode<conclave::wire::MlsMessage>(
        conclave::Bytes(r.second.begin(), r.second.end()));
    auto* key_package = kp.get<conclave::wire::KeyPackage>();
    Scenario::check(key_package && key_package->cipher_suite == new_suite,
                    name + "'s ReInit KeyPackage is not of the new cipher suite");
  }
  s.step("the old group is ended: Protect is refused");
  for (auto& m : g.members) {
    ProtectRequest r;
    r.set_state_id(m.state);
    r.set_plaintext("after reinit");
    ProtectResponse response;
    expect_error(TRY_RPC(*m.client, Protect, r, &response),
                 m.name + "'s Protect in the ended group");
  }
  s.step(welcomer + " creates the new group" + (external_tree ? " (tree out of band)" : ""));
  ReInitWelcomeRequest w;
  w.set_reinit_id(reinits[welcomer].first);
  for (auto& [name, r] : reinits)
    if (name != welcomer) w.add_key_package(r.second);
  w.set_force_path(force_path);
  w.set_external_tree(external_tree);
  Member& wm = g.at(welcomer);
  auto welcomed = RPC(*wm.client, ReInitWelcome, w);
  Scenario::check_wire_format(welcomed.welcome(), kWelcome, "the ReInit Welcome");
  if (external_tree)
    Scenario::check(!welcomed.ratchet_tree().empty(), "ReInitWelcome returned no ratchet_tree");
  s.track(*wm.client, welcomed.state_id());
  Group fresh;
  fresh.epoch_authenticator = welcomed.epoch_authenticator();
  fresh.members.push_back({welcomer, wm.client, welcomed.state_id()});
  for (auto& m : g.members) {
    if (m.name == welcomer) continue;
    HandleReInitWelcomeRequest h;
    h.set_reinit_id(reinits[m.name].first);
    h.set_welcome(welcomed.welcome());
    if (external_tree) h.set_ratchet_tree(welcomed.ratchet_tree());
    auto joined = RPC(*m.client, HandleReInitWelcome, h);
    s.track(*m.client, joined.state_id());
    Scenario::check(
        joined.epoch_authenticator() == fresh.epoch_authenticator,
        m.name + "'s epoch authenticator in the new group differs from " + welcomer + "'s");
    fresh.members.push_back({m.name, m.client, joined.state_id()});
  }
  s.verify(fresh);
  auto view = s.context_of(fresh.at(welcomer));
  Scenario::check(view.cipher_suite == new_suite,
                  "the new group has cipher suite " + std::to_string(view.cipher_suite));
  Scenario::check(view.group_id == new_group_id, "the new group has another group_id");
  Scenario::check(view.epoch == 1, "the new group is at epoch " + std::to_string(view.epoch));
  return fresh;
}

std::string reinit_proposal(Scenario& s, Member& m, uint16_t suite, const std::string& group_id,
                            const std::vector<Extension>& extensions) {
  ReInitProposalRequest r;
  r.set_state_id(m.state);
  r.set_cipher_suite(suite);
  r.set_group_id(group_id);
  for (auto& e : extensions)
    *r.add_extensions() = e;
  auto p = RPC(*m.client, ReInitProposal, r).proposal();
  Scenario::check_wire_format(p, s.handshake_format(), m.name + "'s ReInit proposal");
  return p;
}

// ReInit to another cipher suite and back: proposer, committer and welcomer all differ the
// first time; the second time the new group's creator does all three, tree out of band.
void reinit(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  s.step("alice proposes ReInit to suite " + std::to_string(s.other_suite()));
  std::string gid = s.group_id();
  auto p = reinit_proposal(s, g.at("alice"), s.other_suite(), gid, {});
  Group g2 = reinit_group(s, g, p, "bob", "carol", s.other_suite(), gid, false, false);
  s.step("carol proposes ReInit back to suite " + std::to_string(s.suite()) + " with extensions");
  std::string gid3 = s.group_id();
  p = reinit_proposal(s, g2.at("carol"), s.suite(), gid3, sample_extensions());
  Group g3 = reinit_group(s, g2, p, "carol", "carol", s.suite(), gid3, true, true);
  expect_extensions(s, g3, sample_extensions());
}

// ReInit proposed by an external sender.
void external_reinit(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto ds = create_signer(s, "ds");
  s.step("alice adds external sender ds");
  {
    AddExternalSignerRequest r;
    r.set_state_id(g.at("alice").state);
    r.set_external_sender(ds.external_sender());
    CommitSpec spec;
    spec.by_reference = {RPC(*g.at("alice").client, AddExternalSigner, r).proposal()};
    s.commit(g, "alice", spec);
    s.verify(g);
  }
  s.step("ds proposes ReInit to suite " + std::to_string(s.other_suite()));
  std::string gid = s.group_id();
  ProposalDescription d;
  d.set_proposal_type("reinit");
  d.set_group_id(gid);
  d.set_cipher_suite(s.other_suite());
  auto p = signer_proposal(s, "ds", ds.signer_id(),
                           signer_index(s, g.at("bob"), ds.external_sender()), g.at("alice"), d);
  reinit_group(s, g, p, "alice", "bob", s.other_suite(), gid, true, false);
}

// Subgroup branching: all members, then two of them, tree in and out of band; the old group
// goes on working.
void branch(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  struct Plan {
    std::string creator;
    std::vector<std::string> others;
    bool force_path, external_tree;
  };
  for (const auto& plan :
       {Plan{"alice", {"bob", "carol"}, false, false}, Plan{"bob", {"carol"}, true, true}}) {
    s.step(plan.creator + " branches a subgroup");
    std::vector<Joiner> kps;
    CreateBranchRequest r;
    Member& creator = g.at(plan.creator);
    r.set_state_id(creator.state);
    std::string gid = s.group_id();
    r.set_group_id(gid);
    for (auto& name : plan.others) {
      kps.push_back(s.key_package(name));
      r.add_key_packages(kps.back().key_package);
    }
    r.set_force_path(plan.force_path);
    r.set_external_tree(plan.external_tree);
    auto created = RPC(*creator.client, CreateBranch, r);
    Scenario::check_wire_format(created.welcome(), kWelcome, "the branch Welcome");
    s.track(*creator.client, created.state_id());
    Group sub;
    sub.epoch_authenticator = created.epoch_authenticator();
    sub.members.push_back({plan.creator, creator.client, created.state_id()});
    for (auto& j : kps) {
      HandleBranchRequest h;
      h.set_state_id(g.at(j.name).state);
      h.set_transaction_id(j.transaction);
      h.set_welcome(created.welcome());
      if (plan.external_tree) h.set_ratchet_tree(created.ratchet_tree());
      auto joined = RPC(*j.client, HandleBranch, h);
      s.track(*j.client, joined.state_id());
      Scenario::check(joined.epoch_authenticator() == sub.epoch_authenticator,
                      j.name + "'s epoch authenticator in the branch differs");
      sub.members.push_back({j.name, j.client, joined.state_id()});
    }
    s.verify(sub);
    auto view = s.context_of(sub.at(plan.creator));
    Scenario::check(view.group_id == gid && view.cipher_suite == s.suite() && view.epoch == 1,
                    "the branch's GroupContext is not (group_id, suite, epoch 1)");
    s.step("the old group still works after the branch");
    s.verify(g);
  }
}

// Export and StateAuth: agreement across members for several lengths, labels and contexts;
// different inputs give different secrets; StateAuth changes with the epoch.
void export_state_auth(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  auto exported = [&](Member& m, const std::string& label, const std::string& context,
                      uint32_t length) {
    ExportRequest r;
    r.set_state_id(m.state);
    r.set_label(label);
    r.set_context(context);
    r.set_key_length(length);
    auto secret = RPC(*m.client, Export, r).exported_secret();
    Scenario::check(secret.size() == length, m.name + "'s Export returned " +
                                                 std::to_string(secret.size()) + " bytes, not " +
                                                 std::to_string(length));
    return secret;
  };
  s.step("Export agrees for several labels, contexts and lengths");
  std::set<std::string> distinct;
  struct Input {
    std::string label, context;
    uint32_t length;
  };
  for (const auto& in : {Input{"", "", 16}, Input{"label", "", 32}, Input{"label", "ctx", 32},
                         Input{"other", "ctx", 32}, Input{"long", std::string(500, 'c'), 1},
                         Input{"long", "ctx", 255}}) {
    std::string first;
    for (auto& m : g.members) {
      auto secret = exported(m, in.label, in.context, in.length);
      if (first.empty()) first = secret;
      Scenario::check(secret == first,
                      m.name + "'s Export(\"" + in.label + "\") differs from alice's");
    }
    distinct.insert(first);
  }
  Scenario::check(distinct.size() == 6, "different Export inputs gave equal secrets");
  s.step("StateAuth changes with the epoch");
  std::string before = state_auth(*g.at("bob").client, g.at("bob").state);
  empty_commit(s, g, "bob", true);
  Scenario::check(state_auth(*g.at("alice").client, g.at("alice").state) != before,
                  "StateAuth did not change with the epoch");
}

// Free drops a state: afterwards its handle is unknown; other states are untouched.
void free_state(Scenario& s) {
  Group g = s.make_group({"alice", "bob", "carol"});
  s.step("carol's state is freed");
  Member carol = g.at("carol");
  FreeRequest f;
  f.set_state_id(carol.state);
  RPC(*carol.client, Free, f);
  StateAuthRequest a;
  a.set_state_id(carol.state);
  StateAuthResponse auth;
  auto status = TRY_RPC(*carol.client, StateAuth, a, &auth);
  Scenario::check(status.error_code() == grpc::NOT_FOUND,
                  "StateAuth of a freed state: " + status_code_name(status.error_code()) +
                      " instead of NOT_FOUND");
  FreeResponse freed;
  status = TRY_RPC(*carol.client, Free, f, &freed);
  Scenario::check(
      status.error_code() == grpc::NOT_FOUND,
      "Free of a freed state: " + status_code_name(status.error_code()) + " instead of NOT_FOUND");
  g.erase("carol");
  s.step("the others remove carol and go on");
  CommitSpec spec;
  spec.by_value = {Scenario::remove_description("carol")};
  s.commit(g, "bob", spec);
  s.verify(g);
}

// test-scenarios.md "Large Group, Full Lifecycle" at a size that keeps the run short: the
// creator adds two, random members add until six, everyone updates, random removals to one.
void lifecycle(Scenario& s) {
  static const std::vector<std::string> names = {"alice", "bob", "carol", "dave", "eve", "frank"};
  Group g = s.make_group({"alice", "bob", "carol"});
  std::mt19937 rng(s.suite() * 2 + s.encrypt());
  for (size_t n = 3; n < names.size(); ++n) {
    auto& adder = g.members[rng() % g.members.size()];
    std::string adder_name = adder.name;
    auto j = s.key_package(names[n]);
    s.step(adder_name + " adds " + names[n]);
    CommitSpec spec;
    spec.by_value = {Scenario::add_description(j.key_package)};
    s.commit(g, adder_name, spec, {j});
    s.verify(g);
  }
  for (size_t i = 0; i < g.members.size(); ++i) {
    std::string name = g.members[i].name;
    empty_commit(s, g, name, true);
  }
  while (g.members.size() > 1) {
    std::string remover = g.members[rng() % g.members.size()].name;
    std::string removed;
    do
      removed = g.members[rng() % g.members.size()].name;
    while (removed == remover);
    s.step(remover + " removes " + removed);
    CommitSpec spec;
    spec.by_value = {Scenario::remove_description(removed)};
    spec.removed = {removed};
    s.commit(g, remover, spec);
    s.verify(g);
  }
}

}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      {"welcome_join", welcome_join},
      {"welcome_external_tree", welcome_external_tree},
      {"three_party_join", three_party_join},
      {"multiple_joins", multiple_joins},
      {"application", application},
      {"add", add},
      {"update", update},
      {"remove", remove},
      {"external_psk", external_psk},
      {"resumption_psk", resumption_psk},
      {"group_context_extensions", group_context_extensions},
      {"all_together", all_together},
      {"external_join", external_join},
      {"external_resync", external_resync},
      {"external_join_psk", external_join_psk},
      {"external_signer", external_signer},
      {"new_member_add", new_member_add},
      {"reinit", reinit},
      {"external_reinit", external_reinit},
      {"branch", branch},
      {"export_state_auth", export_state_auth},
      {"free", free_state},
      {"lifecycle", lifecycle},
      {"malformed", run_malformed},
  };
  return all;
}

}  // namespace interop_driver
