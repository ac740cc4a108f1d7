// Randomized end-to-end runs of whole groups (RFC 9420 §6, §8, §12).
//
// A simulated Delivery Service carries every message as bytes: proposals and commits go to
// every member (their senders get the echo), Welcomes to the joiners, application messages to
// everyone but their sender, in shuffled order. After each commit every member must agree on
// the epoch, the GroupContext, the member list and the epoch authenticator, and every
// application message must decrypt for every member that should be able to read it.
//
// Every decision comes from a std::mt19937 with a fixed seed, reduced with `%` rather than a
// std:: distribution so that a seed replays the same run with any standard library. A failure
// names the seed, the operation and the last operations before it.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "support/accept_any_policy.h"
#include "support/error_of.h"

namespace conclave {
namespace {

using conclave::testing::accept_any_policy;
using conclave::testing::error_of;

struct RunParams {
  uint16_t suite = 1;
  uint32_t seed = 0;
  size_t max_members = 8;
  size_t operations = 40;
};

// What a run must have exercised at least once, whatever the seed.
struct Coverage {
  size_t commits_public = 0;
  size_t commits_private = 0;
  size_t commits_without_path = 0;
  size_t adds_by_value = 0;
  size_t adds_by_reference = 0;
  size_t removes_by_value = 0;
  size_t removes_by_reference = 0;
  size_t updates_by_reference = 0;
  size_t welcomes_with_tree = 0;
  size_t welcomes_without_tree = 0;
  size_t application_messages = 0;  // (message, receiver) pairs decrypted
  size_t late_messages = 0;         // decrypted with a past epoch's keys
  size_t round_trips = 0;
  size_t largest_group = 0;
  size_t external_psks_by_value = 0;  // §8.4
  size_t external_psks_by_reference = 0;
  size_t resumption_psks = 0;          // §8.6: usage application
  size_t resumption_psks_earlier = 0;  // of an epoch before the commit's
  size_t psks_in_welcomes = 0;
  size_t extensions_by_value = 0;  // §12.1.7
  size_t extensions_by_reference = 0;
  size_t self_removes = 0;      // extensions draft §SelfRemove Proposal, committed
  size_t app_data_commits = 0;  // extensions draft §AppDataUpdate: commits that changed the data
};

// Extensions draft §AppDataUpdate: the components every client registers. kRefLog takes
// AppDataUpdates by reference (updates and removes), kValueLog by value (updates only, so a
// commit's own never conflict with the received ones it keeps).
constexpr wire::ComponentId kRefLog = 0x8001;
constexpr wire::ComponentId kValueLog = 0x8002;

// Deterministic logic, so that every member computes the same data: the current data and the
// updates, in order, keeping the last 24 bytes; an update starting with 0xff is refused (the
// committer leaves such received proposals out).
std::optional<Bytes> log_update(std::optional<BytesView> current,
                                const std::vector<Bytes>& updates) {
  Bytes out = current ? to_bytes(*current) : Bytes{};
  for (const Bytes& u : updates) {
    if (!u.empty() && u[0] == 0xff) return std::nullopt;
    out.insert(out.end(), u.begin(), u.end());
  }
  if (out.size() > 24) out.erase(out.begin(), out.end() - 24);
  return out;
}

// Every leaf supports the app_data_dictionary GroupContext extension the updates create.
KeyPackageOptions app_data_leaf() {
  KeyPackageOptions o;
  o.extension_types = {wire::ExtensionType::kAppDataDictionary};
  return o;
}

struct Client {
  std::string name;
  Identity identity;
  std::optional<KeyPackageBundle> key_package;  // named in an Add of the current round
  bool added_by_value = false;
  std::optional<Group> group;  // set while a member
};

struct SentMessage {
  size_t sender = 0;  // client index
  tree::LeafIndex leaf;
  uint64_t epoch = 0;
  Bytes data;
  Bytes aad;
  Bytes encoded;
};

// What a staged commit does, as every member must see it.
struct CommitSummary {
  uint64_t epoch = 0;
  uint32_t committer = 0;
  std::vector<uint32_t> added;
  std::vector<uint32_t> removed;
  std::vector<uint32_t> updated;
  std::vector<wire::PreSharedKeyId> psks;
  bool has_path = false;
  friend bool operator==(const CommitSummary&, const CommitSummary&) = default;
};

CommitSummary summarize(const StagedCommit& s) {
  CommitSummary out{s.new_epoch(), s.committer().value, {}, {}, {}, s.psks(), s.has_path()};
  for (const auto& a : s.added())
    out.added.push_back(a.leaf.value);
  for (const auto& r : s.removed())
    out.removed.push_back(r.leaf.value);
  for (tree::LeafIndex l : s.updated())
    out.updated.push_back(l.value);
  std::sort(out.added.begin(), out.added.end());
  std::sort(out.removed.begin(), out.removed.end());
  std::sort(out.updated.begin(), out.updated.end());
  return out;
}

std::ostream& operator<<(std::ostream& os, const CommitSummary& s) {
  const auto list = [&](const char* name, const std::vector<uint32_t>& v) {
    os << " " << name << "=[";
    for (uint32_t x : v)
      os << x << ",";
    os << "]";
  };
  os << "epoch " << s.epoch << " committer " << s.committer;
  list("added", s.added);
  list("removed", s.removed);
  list("updated", s.updated);
  os << " psks=" << s.psks.size();
  return os << " path=" << s.has_path;
}

// The members as a comparable list: leaf and signature key.
std::vector<std::pair<uint32_t, Bytes>> roster(const Group& g) {
  std::vector<std::pair<uint32_t, Bytes>> out;
  for (const auto& m : g.members())
    out.emplace_back(m.leaf.value, m.signature_key);
  return out;
}

wire::MlsMessage receive(const Bytes& encoded) {
  return codec::decode<wire::MlsMessage>(encoded);
}

class Simulation {
 public:
  explicit Simulation(const RunParams& params)
      : params_(params),
        provider_(crypto::openssl_provider()),
        suite_(provider_, params.suite),
        rng_(params.seed) {}

  void run() {
    create();
    for (size_t op = 0; op < params_.operations; ++op) {
      SCOPED_TRACE("operation " + std::to_string(op));
      try {
        step();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "exception: " << e.what() << "\nin: " << current_ << recent();
      }
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "stopped at operation " << op << ": " << current_ << recent();
        return;
      }
      log_.push_back(current_);
      if (log_.size() > 8) log_.pop_front();
    }
    check_coverage();
  }

 private:
  // --- randomness --------------------------------------------------------------------------------
  size_t pick(size_t n) { return n <= 1 ? 0 : static_cast<size_t>(rng_() % n); }
  bool chance(unsigned percent) { return rng_() % 100 < percent; }
  Bytes random_bytes(size_t max_size) {
    Bytes out(pick(max_size + 1));
    for (auto& b : out)
      b = static_cast<uint8_t>(rng_());
    return out;
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[pick(i)]);
  }

  // Each member chooses its own configuration, so every mix of them meets in one group.
  GroupConfig random_config() {
    GroupConfig c;
    c.handshake_format = chance(50) ? HandshakeFormat::kPublic : HandshakeFormat::kPrivate;
    static constexpr uint32_t kPadding[] = {0, 1, 32, 100};
    c.padding_block = kPadding[pick(4)];
    c.past_epochs_kept = static_cast<uint32_t>(pick(4));
    c.ratchet_tree_in_welcome = chance(50) ? 1 : 0;
    c.always_send_path = chance(60) ? 1 : 0;
    c.resumption_psks_kept = chance(10) ? 0 : static_cast<uint32_t>(1 + pick(3));
    return c;
  }

  std::string recent() const {
    std::string out = "\nlast operations (oldest first):";
    for (const auto& s : log_)
      out += "\n  " + s;
    return out;
  }

  // --- the population ----------------------------------------------------------------------------
  std::vector<size_t> members() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < clients_.size(); ++i)
      if (clients_[i].group) out.push_back(i);
    return out;
  }

  Group& group(size_t client) { return *clients_[client].group; }

  std::string who(size_t client) {
    const Client& c = clients_[client];
    return c.name + (c.group ? "@" + std::to_string(c.group->own_leaf().value) : "");
  }

  // A client outside the group with a fresh KeyPackage: a returning one (same identity) or a
  // new one.
  size_t new_joiner() {
    std::vector<size_t> outside;
    for (size_t i = 0; i < clients_.size(); ++i)
      if (!clients_[i].group && !clients_[i].key_package) outside.push_back(i);
    size_t id;
    if (!outside.empty() && chance(40)) {
      id = outside[pick(outside.size())];
    } else {
      id = clients_.size();
      const std::string name = "c" + std::to_string(id);
      add_client(name);
    }
    clients_[id].key_package =
        create_key_package(suite_, clients_[id].identity, unix_time_now(), app_data_leaf());
    clients_[id].added_by_value = false;
    return id;
  }

  // §8.4: every client knows the same external PSKs, by id.
  GroupPolicy policy() const {
    GroupPolicy p = accept_any_policy();
    p.external_psk = [this](BytesView id) -> std::optional<SecretBytes> {
      for (const auto& [key, value] : external_psks_)
        if (key == to_bytes(id)) return SecretBytes(BytesView(value));
      return std::nullopt;
    };
    p.components = {AppComponent{kRefLog, log_update, nullptr},
                    AppComponent{kValueLog, log_update, nullptr}};
    return p;
  }

  wire::PreSharedKeyId random_external_psk() {
    const auto& entry = external_psks_[pick(external_psks_.size())];
    return wire::PreSharedKeyId::external(entry.first, suite_.random(suite_.hash_len()));
  }

  // §12.1.7: extensions every client supports (default_capabilities()).
  wire::ExtensionList random_extensions() {
    wire::RequiredCapabilities required;
    switch (pick(3)) {
      case 0: return {};
      case 1: required.credential_types = {wire::CredentialType::kBasic}; break;
      default:
        required.credential_types = {wire::CredentialType::kBasic, wire::CredentialType::kX509};
    }
    return {{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  }

  void add_client(const std::string& name) {
    Client c;
    c.name = name;
    c.identity = Identity::generate(suite_, basic_credential(name));
    clients_.push_back(std::move(c));
  }

  void create() {
    for (int i = 0; i < 3; ++i)
      external_psks_.emplace_back(to_bytes("psk" + std::to_string(i)), random_bytes(48));
    add_client("c0");
    CreateOptions options;
    options.config = random_config();
    options.leaf = app_data_leaf();
    clients_[0].group = Group::create(provider_, clients_[0].identity, options, policy());
  }

  // --- operations --------------------------------------------------------------------------------
  void step() {
    const size_t size = members().size();
    const unsigned roll = static_cast<unsigned>(pick(100));
    if (size < 3 || roll < 45) {
      commit_round();
    } else if (roll < 85) {
      message_round();
    } else {
      round_trip(members()[pick(size)], "between rounds");
    }
    coverage_.largest_group = std::max(coverage_.largest_group, members().size());
  }

  // serialize() and deserialize() give an equal state, which the run then goes on with.
  void round_trip(size_t client, const std::string& when) {
    current_ = "round trip of " + who(client) + " " + when;
    Group& g = group(client);
    const SecretBytes state = g.serialize();
    Group restored = Group::deserialize(provider_, state.view(), policy());
    EXPECT_TRUE(restored == g) << current_;
    EXPECT_EQ(restored.serialize(), state) << current_;
    g = std::move(restored);
    ++coverage_.round_trips;
  }

  SentMessage send(size_t sender) {
    Group& g = group(sender);
    SentMessage m{sender, g.own_leaf(), g.epoch(), random_bytes(200), random_bytes(16), {}};
    m.encoded = codec::encode(g.protect(m.data, m.aad));
    return m;
  }

  void expect_decrypts(size_t receiver, const SentMessage& m) {
    const auto got = std::get<ApplicationMessage>(group(receiver).process(receive(m.encoded)));
    EXPECT_EQ(got.data, m.data) << who(receiver) << " from " << who(m.sender);
    EXPECT_EQ(got.authenticated_data, m.aad);
    EXPECT_EQ(got.sender, m.leaf);
    EXPECT_EQ(got.epoch, m.epoch);
    ++coverage_.application_messages;
  }

  // §6.3, §9: a few messages from random members; each other member gets them in its own
  // shuffled order (out-of-order delivery within the ratchet window).
  void message_round() {
    const auto all = members();
    std::vector<SentMessage> batch;
    const size_t n = 1 + pick(4);
    current_ = "messages:";
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(send(all[pick(all.size())]));
      current_ += " " + who(batch.back().sender);
    }
    for (size_t receiver : all) {
      std::vector<size_t> order;
      for (size_t i = 0; i < batch.size(); ++i)
        if (batch[i].sender != receiver) order.push_back(i);
      shuffle(order);
      for (size_t i : order)
        expect_decrypts(receiver, batch[i]);
      // §9.2: a key is used once; the same message again is refused.
      if (!order.empty() && chance(10)) {
        EXPECT_EQ(error_of([&] { group(receiver).process(receive(batch[order[0]].encoded)); }),
                  ErrorCode::kGenerationReused);
      }
    }
  }

  // Sends a proposal and delivers it to every member, the proposer's echo included. Every
  // member must compute the same ProposalRef (§5.2).
  void broadcast_proposal(size_t proposer, const wire::MlsMessage& message) {
    const Bytes encoded = codec::encode(message);
    auto order = members();
    shuffle(order);
    std::optional<Bytes> ref;
    for (size_t m : order) {
      const auto got = std::get<ReceivedProposal>(group(m).process(receive(encoded)));
      EXPECT_EQ(got.sender.index, group(proposer).own_leaf().value) << who(m);
      if (!ref) ref = got.ref;
      EXPECT_EQ(got.ref, *ref) << who(m) << " disagrees on the ref of a proposal by "
                               << who(proposer);
    }
  }

  // The committer to use: preferably one whose configuration covers something not covered yet.
  // `want_adds`: the commit should add members (for a Welcome of that committer's kind);
  // `want_no_path`: it should carry only Adds, for a commit without an UpdatePath.
  size_t choose_committer(const std::vector<size_t>& all, bool& want_adds, bool& want_no_path) {
    const auto with = [&](auto pred) -> std::optional<size_t> {
      std::vector<size_t> fit;
      for (size_t m : all)
        if (pred(group(m).config())) fit.push_back(m);
      if (fit.empty()) return std::nullopt;
      return fit[pick(fit.size())];
    };
    if (chance(50)) {
      std::optional<size_t> c;
      if (!coverage_.welcomes_without_tree)
        c = with([](const GroupConfig& cfg) { return cfg.ratchet_tree_in_welcome == 0; });
      else if (!coverage_.welcomes_with_tree)
        c = with([](const GroupConfig& cfg) { return cfg.ratchet_tree_in_welcome != 0; });
      if (c) {
        want_adds = true;
        return *c;
      }
      if (!coverage_.commits_public)
        c = with([](const GroupConfig& cfg) {
          return cfg.handshake_format == HandshakeFormat::kPublic;
        });
      else if (!coverage_.commits_private)
        c = with([](const GroupConfig& cfg) {
          return cfg.handshake_format == HandshakeFormat::kPrivate;
        });
      if (c) return *c;
      if (!coverage_.commits_without_path)
        c = with([](const GroupConfig& cfg) { return cfg.always_send_path == 0; });
      if (c) {
        want_adds = want_no_path = true;
        return *c;
      }
    }
    return all[pick(all.size())];
  }

  // One epoch change: maybe late messages, maybe proposals (by reference), then a commit by a
  // random member with by-value proposals of its own (§12.1-§12.4).
  void commit_round() {
    const auto before = members();
    const size_t size = before.size();
    const uint64_t epoch = group(before[0]).epoch();
    std::map<uint32_t, size_t> owner;  // leaf -> client, in the old epoch
    for (size_t m : before)
      owner[group(m).own_leaf().value] = m;
    current_ = "commit round at epoch " + std::to_string(epoch) + ", " + std::to_string(size) +
               " members:";

    // Sent now, delivered after the commit: readable with the past epoch's keys (§9.2).
    std::vector<SentMessage> late;
    if (size > 1 && chance(30)) late.push_back(send(before[pick(size)]));

    // Proposals, sent to everyone before the commit.
    size_t adds = 0;
    size_t removes = 0;
    std::set<uint32_t> touched;  // leaves with an Update or Remove proposal
    std::vector<size_t> joiners;
    // Kinds no commit has carried by reference yet, to steer towards.
    std::vector<size_t> missing;
    if (!coverage_.updates_by_reference) missing.push_back(0);
    if (!coverage_.removes_by_reference) missing.push_back(1);
    if (!coverage_.adds_by_reference) missing.push_back(2);
    if (!coverage_.extensions_by_reference) missing.push_back(3);
    if (!coverage_.external_psks_by_reference) missing.push_back(4);
    if (!coverage_.self_removes) missing.push_back(5);
    if (!coverage_.app_data_commits) missing.push_back(6);
    bool extensions_proposed = false;
    if (size >= 2 && chance(missing.empty() ? 50 : 80)) {
      const size_t n = 1 + pick(3);
      for (size_t i = 0; i < n; ++i) {
        const size_t p = before[pick(size)];
        const size_t kind =
            !missing.empty() && chance(60) ? missing[pick(missing.size())] : pick(7);
        if (kind == 0) {
          current_ += " update(" + who(p) + ")";
          touched.insert(group(p).own_leaf().value);
          broadcast_proposal(p, group(p).propose_update(random_bytes(8)));
        } else if (kind == 1 && size - removes > 3) {
          const size_t target = before[pick(size)];
          current_ += " remove(" + who(p) + "->" + who(target) + ")";
          touched.insert(group(target).own_leaf().value);
          ++removes;
          broadcast_proposal(p, group(p).propose_remove(group(target).own_leaf()));
        } else if (kind == 2 && size + adds < params_.max_members) {
          const size_t x = new_joiner();
          joiners.push_back(x);
          ++adds;
          current_ += " add(" + who(p) + "->" + clients_[x].name + ")";
          broadcast_proposal(p, group(p).propose_add(clients_[x].key_package->key_package));
        } else if (kind == 3) {
          current_ += " extensions(" + who(p) + ")";
          extensions_proposed = true;
          broadcast_proposal(p, group(p).propose_group_context_extensions(random_extensions()));
        } else if (kind == 4) {
          current_ += " psk(" + who(p) + ")";
          broadcast_proposal(p, group(p).propose_psk(random_external_psk()));
        } else if (kind == 5 && size - removes > 3 && group(p).self_remove_capable() &&
                   touched.insert(group(p).own_leaf().value).second) {
          // Extensions draft §SelfRemove Proposal: at most one per member and epoch.
          current_ += " self_remove(" + who(p) + ")";
          ++removes;
          broadcast_proposal(p, group(p).propose_self_remove());
        } else if (kind == 6) {
          // Extensions draft §AppDataUpdate: a remove when there is state (two in a round
          // conflict, and the committer keeps the first), else an update (some refused).
          if (group(p).app_data(kRefLog) && chance(30)) {
            current_ += " app_data_remove(" + who(p) + ")";
            broadcast_proposal(p, group(p).propose_app_data_update(
                                      kRefLog, wire::AppDataUpdateOperation::kRemove));
          } else {
            Bytes update{static_cast<uint8_t>(chance(10) ? 0xff : pick(0xff))};
            const Bytes more = random_bytes(3);
            update.insert(update.end(), more.begin(), more.end());
            current_ += " app_data_update(" + who(p) + ", " + to_hex(update) + ")";
            broadcast_proposal(p, group(p).propose_app_data_update(
                                      kRefLog, wire::AppDataUpdateOperation::kUpdate, update));
          }
        }
      }
      // Pending proposals are state too (§12.4): a restart in the middle of a round.
      if (chance(25)) {
        const std::string round = current_;
        round_trip(before[pick(size)], "with proposals pending");
        current_ = round;
      }
    }

    bool want_adds = false;
    bool want_no_path = false;
    const size_t committer = choose_committer(before, want_adds, want_no_path);
    Group& cg = group(committer);
    CommitOptions options;
    options.include_pending_proposals =
        touched.empty() && joiners.empty() ? true : !want_no_path && chance(85);
    size_t add_count = 0;
    const size_t room = params_.max_members - std::min(params_.max_members, size + adds);
    if (size < params_.max_members * 9 / 10 && chance(80))
      add_count = 1 + pick(8);
    else if (want_adds || chance(35))
      add_count = 1 + pick(3);
    add_count = std::min(add_count, room);
    // A commit without joiners, for a resumption PSK (below), until one was made.
    const bool want_resumption =
        joiners.empty() && coverage_.resumption_psks_earlier == 0 && chance(50);
    if (want_resumption) add_count = 0;
    for (size_t i = 0; i < add_count; ++i) {
      const size_t x = new_joiner();
      clients_[x].added_by_value = true;
      joiners.push_back(x);
      options.add.push_back(clients_[x].key_package->key_package);
    }
    if (size > 3 && !want_no_path && chance(35)) {
      std::vector<size_t> candidates;
      for (size_t m : before)
        if (m != committer && !touched.count(group(m).own_leaf().value)) candidates.push_back(m);
      shuffle(candidates);
      const size_t n = 1 + pick(2);
      for (size_t i = 0; i < n && i < candidates.size() && size - removes > 3; ++i) {
        options.remove.push_back(group(candidates[i]).own_leaf());
        ++removes;
      }
    }
    // §8.4, §8.6: PSKs by value: external ones, and the resumption PSK of an earlier epoch
    // that every member still holds (never with joiners: they have no epoch of this group).
    const bool want_external =
        coverage_.external_psks_by_value == 0 || (coverage_.psks_in_welcomes == 0 && add_count > 0);
    if (chance(want_external ? 60 : 15)) {
      options.psks.push_back(random_external_psk());
      ++coverage_.external_psks_by_value;
    }
    if (joiners.empty() && (want_resumption || chance(20))) {
      // Earlier epochs every member holds; the current one only when there is none.
      const auto all_hold = [&](uint64_t e) {
        return std::all_of(before.begin(), before.end(),
                           [&](size_t m) { return group(m).resumption_psk(e).has_value(); });
      };
      std::vector<uint64_t> held;
      for (uint64_t e = epoch; e > 0 && e + 4 > epoch; --e)
        if (all_hold(e - 1)) held.push_back(e - 1);
      if (held.empty()) held.push_back(epoch);
      if (held.front() < epoch) ++coverage_.resumption_psks_earlier;
      if (!held.empty()) {
        const uint64_t e = held[pick(held.size())];
        options.psks.push_back(
            wire::PreSharedKeyId::resumption(wire::ResumptionPskUsage::kApplication, cg.group_id(),
                                             e, suite_.random(suite_.hash_len())));
        ++coverage_.resumption_psks;
        current_ += " resumption psk of epoch " + std::to_string(e);
      }
    }
    // §12.1.7: new extensions by value, unless one is proposed (§12.2: at most one).
    if (!want_no_path && !extensions_proposed && chance(coverage_.extensions_by_value ? 10 : 40)) {
      options.group_context_extensions = random_extensions();
      ++coverage_.extensions_by_value;
    }
    // Extensions draft §AppDataUpdate by value (no UpdatePath needed).
    if (chance(25)) {
      for (size_t i = 1 + pick(2); i > 0; --i) {
        Bytes update{static_cast<uint8_t>(pick(0x80))};  // never refused
        const Bytes more = random_bytes(2);
        update.insert(update.end(), more.begin(), more.end());
        options.app_data_updates.push_back(wire::AppDataUpdate{
            kValueLog, wire::AppDataUpdateOperation::kUpdate, std::move(update)});
      }
    }
    options.force_path = !want_no_path && chance(20);
    if (chance(30)) options.authenticated_data = random_bytes(16);
    current_ += " commit by " + who(committer) + " (+" + std::to_string(options.add.size()) + " -" +
                std::to_string(options.remove.size()) +
                (options.include_pending_proposals ? "" : ", proposals left out") + ")";

    const CommitOutput out = cg.commit(options);
    const Bytes commit_bytes = codec::encode(out.commit);
    // The committer's own view: the echo of its commit (§12.4.2 applies to it as to everyone).
    const StagedCommit mine = std::get<StagedCommit>(cg.process(receive(commit_bytes)));
    const CommitSummary expected = summarize(mine);
    EXPECT_EQ(expected.epoch, epoch + 1);
    EXPECT_EQ(expected.committer, cg.own_leaf().value);
    current_ += " => " + [&] {
      std::ostringstream s;
      s << expected;
      return s.str();
    }();
    (cg.config().handshake_format == HandshakeFormat::kPublic ? coverage_.commits_public
                                                              : coverage_.commits_private)++;
    if (!mine.has_path()) ++coverage_.commits_without_path;
    coverage_.self_removes += mine.self_removed().size();
    if (mine.new_context().extensions != cg.context().extensions &&
        wire::find_extension(mine.new_context().extensions,
                             wire::ExtensionType::kAppDataDictionary) != nullptr &&
        !options.group_context_extensions)
      ++coverage_.app_data_commits;
    for (uint32_t l : expected.removed) {
      const bool by_value = std::any_of(options.remove.begin(), options.remove.end(),
                                        [&](tree::LeafIndex r) { return r.value == l; });
      ++(by_value ? coverage_.removes_by_value : coverage_.removes_by_reference);
    }
    coverage_.updates_by_reference += expected.updated.size();
    coverage_.external_psks_by_reference += expected.psks.size() - options.psks.size();
    if (extensions_proposed && !options.group_context_extensions &&
        mine.new_context().extensions != cg.context().extensions)
      ++coverage_.extensions_by_reference;

    // §12.4.2: processing stages the commit and changes nothing until the merge (but for the
    // handshake key a PrivateMessage consumes, so the check takes a PublicMessage commit).
    const size_t probe = cg.config().handshake_format == HandshakeFormat::kPublic
                             ? before[pick(size)]
                             : clients_.size();
    auto order = before;
    shuffle(order);
    for (size_t m : order) {
      Group& g = group(m);
      const SecretBytes state_before = m == probe ? g.serialize() : SecretBytes{};
      StagedCommit staged = std::get<StagedCommit>(g.process(receive(commit_bytes)));
      if (m == probe) {
        EXPECT_EQ(g.serialize(), state_before) << who(m) << ": process() changed it";
      }
      EXPECT_EQ(summarize(staged), expected) << who(m) << " staged the commit differently";
      const bool removed =
          std::count(expected.removed.begin(), expected.removed.end(), g.own_leaf().value) != 0;
      EXPECT_EQ(staged.removes_me(), removed) << who(m);
      if (!removed) {
        EXPECT_EQ(staged.epoch_authenticator(), mine.epoch_authenticator()) << who(m);
      }
      if (m == committer && chance(50))
        g.merge_pending_commit();
      else
        g.merge(std::move(staged));
    }

    // §12.4.2: a removed member is out; its state reads and sends nothing.
    for (uint32_t l : expected.removed) {
      const size_t x = owner.at(l);
      EXPECT_FALSE(group(x).active()) << who(x);
      EXPECT_EQ(error_of([&] { group(x).protect(as_bytes("x")); }), ErrorCode::kNotAMember);
      for (const auto& m : late)
        EXPECT_EQ(error_of([&] { group(x).process(receive(m.encoded)); }), ErrorCode::kNotAMember);
      clients_[x].group.reset();
    }

    // §12.4.3.1: the joiners, by Welcome; the tree out of band when the Welcome lacks it.
    ASSERT_EQ(out.welcome.has_value(), !expected.added.empty());
    std::set<size_t> joined;
    if (out.welcome) {
      const Bytes welcome = codec::encode(*out.welcome);
      const bool tree_in_welcome = cg.config().ratchet_tree_in_welcome != 0;
      ++(tree_in_welcome ? coverage_.welcomes_with_tree : coverage_.welcomes_without_tree);
      if (!expected.psks.empty()) ++coverage_.psks_in_welcomes;
      for (const auto& added : mine.added()) {
        const auto it = std::find_if(joiners.begin(), joiners.end(), [&](size_t x) {
          return clients_[x].key_package->key_package == added.key_package;
        });
        ASSERT_NE(it, joiners.end()) << "an Add of a KeyPackage nobody proposed";
        Client& c = clients_[*it];
        std::optional<wire::RatchetTreeNodes> tree;
        if (!tree_in_welcome) {
          if (coverage_.welcomes_without_tree == 1 && joined.empty()) {
            EXPECT_EQ(error_of([&] {
                        Group::join(provider_, c.identity, *c.key_package, receive(welcome),
                                    std::nullopt, {}, policy());
                      }),
                      ErrorCode::kMissingRatchetTree);
          }
          tree = cg.tree().to_nodes();
        }
        c.group = Group::join(provider_, c.identity, *c.key_package, receive(welcome), tree,
                              random_config(), policy());
        EXPECT_EQ(c.group->own_leaf(), added.leaf);
        ++(c.added_by_value ? coverage_.adds_by_value : coverage_.adds_by_reference);
        joined.insert(*it);
      }
    }
    // Adds left out of the commit: their KeyPackages are not used.
    for (size_t x : joiners)
      clients_[x].key_package.reset();

    // Everyone agrees on the new epoch (§8.7: the epoch authenticator).
    const auto reference = roster(cg);
    const Bytes context = codec::encode(cg.context());
    std::vector<std::pair<uint32_t, Bytes>> actual;
    for (size_t m : members()) {
      const Group& g = group(m);
      EXPECT_TRUE(g.active()) << who(m);
      EXPECT_EQ(g.epoch(), epoch + 1) << who(m);
      EXPECT_EQ(g.epoch_authenticator(), mine.epoch_authenticator()) << who(m);
      EXPECT_EQ(codec::encode(g.context()), context) << who(m);
      EXPECT_EQ(g.app_data_dictionary(), cg.app_data_dictionary()) << who(m);
      if (m == committer || chance(20)) {
        EXPECT_EQ(roster(g), reference) << who(m);
      }
      actual.emplace_back(g.own_leaf().value, clients_[m].identity.signature_public_key);
    }
    std::sort(actual.begin(), actual.end());
    EXPECT_EQ(actual, reference) << "the tree's members are not the clients holding a state";

    // The late messages: members of the old epoch read them while they keep its keys; joiners
    // never had them.
    for (const auto& m : late) {
      for (size_t x : members()) {
        if (x == m.sender) continue;
        const bool was_member = std::count(before.begin(), before.end(), x) != 0;
        if (was_member && group(x).config().past_epochs_kept > 0) {
          expect_decrypts(x, m);
          ++coverage_.late_messages;
        } else {
          EXPECT_EQ(error_of([&] { group(x).process(receive(m.encoded)); }),
                    ErrorCode::kEpochNotRetained)
              << who(x);
        }
      }
    }
  }

  void check_coverage() {
    const Coverage& c = coverage_;
    const std::string hint =
        " (seed " + std::to_string(params_.seed) + ": a run this short may need more operations)";
    EXPECT_GT(c.commits_public, 0u) << hint;
    EXPECT_GT(c.commits_private, 0u) << hint;
    EXPECT_GT(c.commits_without_path, 0u) << hint;
    EXPECT_GT(c.adds_by_value, 0u) << hint;
    EXPECT_GT(c.adds_by_reference, 0u) << hint;
    EXPECT_GT(c.removes_by_value, 0u) << hint;
    EXPECT_GT(c.removes_by_reference, 0u) << hint;
    EXPECT_GT(c.updates_by_reference, 0u) << hint;
    EXPECT_GT(c.welcomes_with_tree, 0u) << hint;
    EXPECT_GT(c.welcomes_without_tree, 0u) << hint;
    EXPECT_GT(c.application_messages, 0u) << hint;
    EXPECT_GT(c.late_messages, 0u) << hint;
    EXPECT_GT(c.round_trips, 0u) << hint;
    EXPECT_GE(c.largest_group, std::min<size_t>(params_.max_members, 3)) << hint;
    EXPECT_GT(c.external_psks_by_value, 0u) << hint;
    EXPECT_GT(c.external_psks_by_reference, 0u) << hint;
    EXPECT_GT(c.resumption_psks, 0u) << hint;
    EXPECT_GT(c.psks_in_welcomes, 0u) << hint;
    EXPECT_GT(c.extensions_by_value, 0u) << hint;
    EXPECT_GT(c.extensions_by_reference, 0u) << hint;
    EXPECT_GT(c.self_removes, 0u) << hint;
    EXPECT_GT(c.app_data_commits, 0u) << hint;
    std::cout << "[ coverage ] suite " << params_.suite << " seed " << params_.seed
              << ": largest group " << c.largest_group << ", commits " << c.commits_public
              << " public / " << c.commits_private << " private (" << c.commits_without_path
              << " without path), adds " << c.adds_by_value << " by value / " << c.adds_by_reference
              << " by ref, removes " << c.removes_by_value << " / " << c.removes_by_reference
              << ", updates " << c.updates_by_reference << ", welcomes " << c.welcomes_with_tree
              << " with tree / " << c.welcomes_without_tree << " without, messages decrypted "
              << c.application_messages << " (" << c.late_messages << " late), round trips "
              << c.round_trips << ", psks " << c.external_psks_by_value << " external by value / "
              << c.external_psks_by_reference << " by ref / " << c.resumption_psks
              << " resumption (" << c.resumption_psks_earlier << " earlier; " << c.psks_in_welcomes
              << " Welcomes), extensions " << c.extensions_by_value << " by value / "
              << c.extensions_by_reference << " by ref, self-removes " << c.self_removes
              << ", app data commits " << c.app_data_commits << "\n";
  }

  RunParams params_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  crypto::Suite suite_;
  std::mt19937 rng_;
  std::deque<Client> clients_;  // a deque: references stay valid as clients are added
  std::vector<std::pair<Bytes, Bytes>> external_psks_;  // §8.4: id, value
  Coverage coverage_;
  std::string current_;
  std::deque<std::string> log_;
};

void PrintTo(const RunParams& p, std::ostream* os) {
  *os << "suite " << p.suite << ", seed " << p.seed << ", up to " << p.max_members << " members, "
      << p.operations << " operations";
}

class RandomGroup : public ::testing::TestWithParam<RunParams> {};

// RFC 9420 §8.7, §12.4.2: after every commit all members agree on the epoch authenticator;
// §6.3, §9: every application message decrypts for every member that holds its epoch's keys.
TEST_P(RandomGroup, MembersAgreeAndDecryptEverything) {
  const RunParams& p = GetParam();
  SCOPED_TRACE("cipher suite " + std::to_string(p.suite) + ", seed " + std::to_string(p.seed) +
               ", up to " + std::to_string(p.max_members) + " members, " +
               std::to_string(p.operations) + " operations");
  Simulation(p).run();
}

// One large run on suite 1, smaller ones on every other suite.
INSTANTIATE_TEST_SUITE_P(
    RandomRuns, RandomGroup,
    ::testing::Values(RunParams{1, 0x5eed0001, 50, 100}, RunParams{1, 0x5eed0011, 6, 40},
                      RunParams{2, 0x5eed0002, 8, 40}, RunParams{3, 0x5eed0003, 8, 40},
                      RunParams{4, 0x5eed0004, 8, 40}, RunParams{5, 0x5eed0005, 8, 40},
                      RunParams{6, 0x5eed0006, 8, 40}, RunParams{7, 0x5eed0007, 8, 40}),
    [](const ::testing::TestParamInfo<RunParams>& info) {
      return "suite" + std::to_string(info.param.suite) + "_upto" +
             std::to_string(info.param.max_members) + "_seed" + std::to_string(info.param.seed);
    });

}  // namespace
}  // namespace conclave
