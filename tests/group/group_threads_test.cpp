// Groups and threads: the calls that spread their work over the cores (a mass add's KeyPackage
// checks, a Welcome's HPKE batch, a joiner's tree validation), groups and copies of groups used
// on distinct threads at once, and the application's callbacks kept on the calling thread. Run
// under ThreadSanitizer too (ctest label `threads`). The library starts workers only on a
// machine with two cores or more, and only for batches large enough: 16 Adds per worker for the
// KeyPackage checks, 8 recipients for HPKE, 32 leaves for the tree's signatures; the groups
// below are sized for two workers at least.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/storage/memory_storage.h"
#include "negative_test_util.h"
#include "support/error_of.h"
#include "support/forwarding_provider.h"

namespace conclave {
namespace {

using conclave::testing::error_of;

using group_testing::accept_any_policy;
using group_testing::Client;
using group_testing::make_client;

std::vector<Client> make_clients(const crypto::Suite& suite, const std::string& prefix, int n) {
  std::vector<Client> clients;
  for (int i = 0; i < n; ++i)
    clients.push_back(make_client(suite, prefix + std::to_string(i)));
  return clients;
}

CommitOptions adding(const std::vector<Client>& clients) {
  CommitOptions options;
  for (const Client& c : clients)
    options.add.push_back(c.key_package.key_package);
  return options;
}

std::string text(const ProcessResult& result) {
  const Bytes& data = std::get<ApplicationMessage>(result).data;
  return std::string(data.begin(), data.end());
}

class GroupThreads : public ::testing::Test {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, 1};
};

TEST_F(GroupThreads, MassAddIsCheckedOnSeveralThreadsByCommitterAndMembers) {
  // §10.1, §12.2: every added KeyPackage is validated, by the committer when it commits and by
  // each member that processes the commit, the 40 of them shared among the cores; §12.4.3.1:
  // their GroupSecrets are sealed to them in one HPKE batch. All end in the same epoch.
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOutput first = a.commit(adding({bob}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *first.welcome, std::nullopt, {},
                        accept_any_policy());

  const std::vector<Client> added = make_clients(suite, "member ", 40);
  CommitOutput mass = a.commit(adding(added));
  a.merge_pending_commit();
  const StagedCommit staged = std::get<StagedCommit>(b.process(mass.commit));
  EXPECT_EQ(staged.added().size(), added.size());
  b.merge(staged);
  Group last = Group::join(provider, added.back().identity, added.back().key_package, *mass.welcome,
                           std::nullopt, {}, accept_any_policy());
  EXPECT_EQ(a.members().size(), 42u);
  EXPECT_EQ(b.epoch_authenticator(), a.epoch_authenticator());
  EXPECT_EQ(last.epoch_authenticator(), a.epoch_authenticator());
}

TEST_F(GroupThreads, MassAddRestoresTheTreeBesideProtectingTheCommit) {
  // §12.4.1: a commit is protected under the old epoch's keys, and the group stays in that
  // epoch until it is merged; after 256 proposals or more, the tree goes back to the old epoch
  // on a thread of its own while the commit is protected. Until the merge the group's tree is
  // the old epoch's, byte for byte (its GroupInfo with the ratchet_tree extension, §12.4.3.3);
  // the merge and a member's processing of the commit agree.
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOutput first = a.commit(adding({bob}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *first.welcome, std::nullopt, {},
                        accept_any_policy());
  const Bytes info_before = codec::encode(a.group_info(true));

  const std::vector<Client> added = make_clients(suite, "member ", 300);
  const CommitOutput mass = a.commit(adding(added));
  EXPECT_EQ(codec::encode(a.group_info(true)), info_before);
  EXPECT_EQ(a.members().size(), 2u);

  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(mass.commit)));
  EXPECT_EQ(a.members().size(), 302u);
  EXPECT_EQ(b.members().size(), 302u);
  EXPECT_EQ(b.context().tree_hash, a.context().tree_hash);
  EXPECT_EQ(b.epoch_authenticator(), a.epoch_authenticator());
}

// The threads on which the library calls the provider.
class ThreadRecordingProvider : public conclave::testing::ForwardingProvider {
 public:
  void seen() const override {
    std::lock_guard lock(mutex_);
    threads_.insert(std::this_thread::get_id());
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  void clear() const {
    std::lock_guard lock(mutex_);
    threads_.clear();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::set<std::thread::id> threads_;
};

// GroupPolicy::worker_threads: "0: none, everything runs on the calling thread", and at most
// that many workers beside the caller otherwise. A mass add (KeyPackage checks, the Welcome's
// HPKE batch), its processing by a member and a join of the large group (leaf signatures),
// each large enough to be spread over the cores by default.
TEST_F(GroupThreads, WorkerThreadsCapsTheThreadsACallUses) {
  const auto recording = std::make_shared<ThreadRecordingProvider>();
  const crypto::Suite recorded_suite(recording, 1);
  const Client alice = make_client(recorded_suite, "alice");
  const Client bob = make_client(recorded_suite, "bob");
  const std::vector<Client> added = make_clients(recorded_suite, "member ", 64);
  const unsigned cores = std::max(std::thread::hardware_concurrency(), 1u);
  for (const unsigned workers : {0u, 1u, GroupPolicy::kWorkerThreadsPerCore}) {
    SCOPED_TRACE("worker_threads " + std::to_string(workers));
    GroupPolicy policy = accept_any_policy();
    policy.worker_threads = workers;
    // At most the workers and the caller; by default one per core.
    const size_t allowed = workers == GroupPolicy::kWorkerThreadsPerCore ? cores : workers + 1;
    Group a = Group::create(recording, alice.identity, {}, policy);
    CommitOutput first = a.commit(adding({bob}));
    a.merge_pending_commit();
    Group b = Group::join(recording, bob.identity, bob.key_package, *first.welcome, std::nullopt,
                          {}, policy);

    recording->clear();
    CommitOutput mass = a.commit(adding(added));
    EXPECT_LE(recording->threads().size(), allowed) << "commit";
    EXPECT_TRUE(recording->threads().count(std::this_thread::get_id()));
    a.merge_pending_commit();

    recording->clear();
    b.merge(std::get<StagedCommit>(b.process(mass.commit)));
    EXPECT_LE(recording->threads().size(), allowed) << "process";

    recording->clear();
    Group joined = Group::join(recording, added.back().identity, added.back().key_package,
                               *mass.welcome, std::nullopt, {}, policy);
    EXPECT_LE(recording->threads().size(), allowed) << "join";
    if (workers == 0) {
      EXPECT_EQ(recording->threads().size(), 1u);
    } else if (cores >= 2) {
      EXPECT_GE(recording->threads().size(), 2u);
    }
    EXPECT_EQ(joined.epoch_authenticator(), a.epoch_authenticator());
    EXPECT_EQ(b.epoch_authenticator(), a.epoch_authenticator());
  }
}

TEST_F(GroupThreads, JoinOfALargeGroupChecksItsTreeOnSeveralThreads) {
  // §12.4.3.1: a joiner validates the whole tree, the 70 leaf signatures on worker threads
  // while it builds and hashes the tree; the joiners agree with the committer.
  Client alice = make_client(suite, "alice");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  const std::vector<Client> added = make_clients(suite, "member ", 69);
  CommitOutput out = a.commit(adding(added));
  a.merge_pending_commit();
  for (const Client* c : {&added.front(), &added.back()}) {
    Group joined = Group::join(provider, c->identity, c->key_package, *out.welcome, std::nullopt,
                               {}, accept_any_policy());
    EXPECT_EQ(joined.members().size(), 70u);
    EXPECT_EQ(joined.epoch_authenticator(), a.epoch_authenticator());
  }
}

TEST_F(GroupThreads, FirstBadKeyPackageOfAMassAddInListOrderIsReported) {
  // §10.1: a commit adding an invalid KeyPackage is refused. The Adds are checked on several
  // threads, yet the failure reported is that of the first bad one in list order, as one
  // thread checking them in turn would report it, and the group is left as it was.
  Client alice = make_client(suite, "alice");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  const std::vector<Client> added = make_clients(suite, "member ", 40);
  const auto break_version = [](wire::KeyPackage& kp) {
    kp.version = wire::ProtocolVersion::kReserved;
  };
  const auto break_signature = [](wire::KeyPackage& kp) { kp.signature.at(3) ^= 1; };
  CommitOptions version_first = adding(added);
  break_version(version_first.add[10]);
  break_signature(version_first.add[35]);
  EXPECT_EQ(error_of([&] { a.commit(version_first); }), ErrorCode::kKeyPackageVersionMismatch);
  CommitOptions signature_first = adding(added);
  break_signature(signature_first.add[10]);
  break_version(signature_first.add[35]);
  EXPECT_EQ(error_of([&] { a.commit(signature_first); }), ErrorCode::kKeyPackageSignatureInvalid);
  EXPECT_FALSE(a.has_pending_commit());
  EXPECT_EQ(a.epoch(), 0u);
  EXPECT_EQ(a.members().size(), 1u);
}

// §12.4.3.1 with RFC 9180 §5.1: a commit's worker threads encapsulate to the joiners' init keys
// while it builds the new epoch, before the GroupInfo the seals bind exists. Each entry of the
// Welcome is still addressed to its KeyPackage's ref, in list order, under its own ephemeral
// key, and opens for its joiner; with no workers the Welcome works the same.
TEST_F(GroupThreads, WelcomeEncapsulatedAheadOpensForEveryJoiner) {
  Client alice = make_client(suite, "alice");
  const std::vector<Client> added = make_clients(suite, "member ", 64);
  for (const unsigned workers : {GroupPolicy::kWorkerThreadsPerCore, 0u}) {
    SCOPED_TRACE("worker_threads " + std::to_string(workers));
    GroupPolicy policy = accept_any_policy();
    policy.worker_threads = workers;
    Group a = Group::create(provider, alice.identity, {}, policy);
    CommitOutput out = a.commit(adding(added));
    a.merge_pending_commit();
    const auto& welcome = *out.welcome->get<wire::Welcome>();
    ASSERT_EQ(welcome.secrets.size(), added.size());
    std::set<std::string> ephemeral_keys;
    for (size_t i = 0; i < added.size(); ++i) {
      EXPECT_EQ(welcome.secrets[i].new_member, added[i].key_package.ref(suite)) << i;
      const Bytes& kem_output = welcome.secrets[i].encrypted_group_secrets.kem_output;
      ephemeral_keys.emplace(kem_output.begin(), kem_output.end());
    }
    EXPECT_EQ(ephemeral_keys.size(), added.size());  // a fresh ephemeral key per joiner
    for (size_t i = 0; i < added.size(); i += 9) {
      Group joined = Group::join(provider, added[i].identity, added[i].key_package, *out.welcome,
                                 std::nullopt, {}, policy);
      EXPECT_EQ(joined.epoch_authenticator(), a.epoch_authenticator()) << i;
    }
  }
}

// One group's life on one thread: three members, messages, an update and a removal, Alice's
// group written through `store`. Returns how many checks failed.
int group_life(const std::shared_ptr<const crypto::CryptoProvider>& provider,
               const std::shared_ptr<storage::MemoryStorage>& store, int n) {
  int failures = 0;
  const auto check = [&](bool ok) { failures += ok ? 0 : 1; };
  const crypto::Suite suite(provider, 1);
  const std::string tag = " of group " + std::to_string(n);
  Client alice = make_client(suite, "alice" + tag);
  Client bob = make_client(suite, "bob" + tag);
  Client carol = make_client(suite, "carol" + tag);
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  a.attach_storage(store);
  CommitOutput add = a.commit(adding({bob, carol}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *add.welcome, std::nullopt, {},
                        accept_any_policy());
  Group c = Group::join(provider, carol.identity, carol.key_package, *add.welcome, std::nullopt, {},
                        accept_any_policy());
  check(text(b.process(a.protect(as_bytes("hello" + tag)))) == "hello" + tag);
  check(text(a.process(c.protect(as_bytes("hi" + tag)))) == "hi" + tag);
  CommitOptions update;
  update.force_path = true;
  CommitOutput upd = b.commit(update);
  b.merge_pending_commit();
  a.merge(std::get<StagedCommit>(a.process(upd.commit)));
  c.merge(std::get<StagedCommit>(c.process(upd.commit)));
  CommitOptions remove;
  remove.remove = {c.own_leaf()};
  CommitOutput rem = a.commit(remove);
  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(rem.commit)));
  check(a.epoch() == 3 && b.epoch() == 3);
  check(a.epoch_authenticator() == b.epoch_authenticator());
  check(Group::load(provider, store, a.group_id()) == a);
  return failures;
}

TEST_F(GroupThreads, DistinctGroupsOnDistinctThreadsShareTheProviderAndTheStore) {
  // provider.h: one CryptoProvider serves every group of a process, from any thread;
  // memory_storage.h: a MemoryStorage is safe to use from several threads. Distinct groups
  // built and used at once on distinct threads share nothing else: each thread's groups agree,
  // and each comes back from the shared store as it was.
  const auto store = storage::MemoryStorage::create();
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        failures[t] = group_life(provider, store, t);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
      }
    });
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(Group::stored_groups(*store).size(), static_cast<size_t>(kThreads));
}

TEST_F(GroupThreads, CopiesOfAGroupAreUsedOnDistinctThreadsAtOnce) {
  // group.h: "A Group is a value: copyable". Copies share no mutable state, so each thread
  // may send, receive and commit with its own copies while the others do the same with
  // theirs; each thread's pair of copies stays in agreement.
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOutput add = a.commit(adding({bob}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *add.welcome, std::nullopt, {},
                        accept_any_policy());

  constexpr int kThreads = 4;
  std::vector<std::pair<Group, Group>> copies(kThreads, std::pair(a, b));
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto& [mine, theirs] = copies[t];
      const std::string message = "copy " + std::to_string(t);
      try {
        if (text(theirs.process(mine.protect(as_bytes(message)))) != message) ++failures[t];
        CommitOptions update;
        update.force_path = true;
        CommitOutput upd = theirs.commit(update);
        theirs.merge_pending_commit();
        mine.merge(std::get<StagedCommit>(mine.process(upd.commit)));
        if (!(mine.epoch_authenticator() == theirs.epoch_authenticator())) ++failures[t];
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
      }
    });
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(copies[t].first.epoch(), 2u) << "thread " << t;
  }
  // Every copy drew its own fresh path secrets.
  EXPECT_NE(copies[0].first.epoch_authenticator(), copies[1].first.epoch_authenticator());
  EXPECT_EQ(a.epoch(), 1u);  // the originals are untouched
}

TEST_F(GroupThreads, ApplicationCallbacksRunOnTheCallingThreadOnly) {
  // The library's worker threads never call the application: the credential validator (§5.3.1)
  // and the clock of GroupPolicy run on the thread that called into the group, also while a
  // mass add is checked and a large tree validated on other threads.
  std::mutex mutex;
  std::set<std::thread::id> seen;
  int validations = 0;
  GroupPolicy policy;
  policy.credential_validator = [&](const wire::Credential&, BytesView) {
    std::lock_guard lock(mutex);
    seen.insert(std::this_thread::get_id());
    ++validations;
    return true;
  };
  policy.clock = [&] {
    std::lock_guard lock(mutex);
    seen.insert(std::this_thread::get_id());
    return unix_time_now();
  };
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, policy);
  CommitOutput first = a.commit(adding({bob}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *first.welcome, std::nullopt, {},
                        policy);
  const std::vector<Client> added = make_clients(suite, "member ", 68);
  CommitOutput mass = a.commit(adding(added));
  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(mass.commit)));
  Group joined = Group::join(provider, added.front().identity, added.front().key_package,
                             *mass.welcome, std::nullopt, {}, policy);
  EXPECT_EQ(joined.members().size(), 70u);
  EXPECT_EQ(joined.epoch_authenticator(), a.epoch_authenticator());
  std::lock_guard lock(mutex);
  // At least the committer's, the member's and the joiner's checks of the 68 new members.
  EXPECT_GE(validations, 3 * 68);
  EXPECT_EQ(seen, std::set<std::thread::id>{std::this_thread::get_id()});
}

}  // namespace
}  // namespace conclave
