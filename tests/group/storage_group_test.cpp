// A Group written through a StorageProvider (group.h "storage"): every change committed before
// the call returns, reloadable at any point as the same state, incremental, one-time
// KeyPackages consumed once, stale writers refused, damaged stores refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "conclave/group/client_records.h"
#include "conclave/storage/memory_storage.h"
#include "conclave/storage/sqlite_storage.h"
#include "negative_test_util.h"
#include "storage/sqlite_test_util.h"

namespace conclave::group_testing {
namespace {

using storage_testing::raw_sql;

std::string temp_db(const std::string& name) {
  static int counter = 0;
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("conclave-group-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// The stored group equals the live one: what a restart would continue from.
::testing::AssertionResult reloads_equal(const Group& live) {
  try {
    const Group loaded = Group::load(crypto::openssl_provider(), live.storage(), live.group_id());
    if (loaded == live) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the stored group differs from the live one";
  } catch (const Error& e) {
    return ::testing::AssertionFailure() << "load failed: " << e.what();
  }
}

class GroupStorage : public ::testing::TestWithParam<uint16_t> {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  std::string alice_db = temp_db("alice.db");
  std::string bob_db = temp_db("bob.db");
  std::shared_ptr<storage::StorageProvider> alice_store =
      storage::SqliteStorage::open(alice_db, provider);
  std::shared_ptr<storage::StorageProvider> bob_store =
      storage::SqliteStorage::open(bob_db, provider);

  ~GroupStorage() override {
    std::filesystem::remove_all(std::filesystem::path(alice_db).parent_path());
    std::filesystem::remove_all(std::filesystem::path(bob_db).parent_path());
  }

  struct Pair {
    Group alice;
    Group bob;
    Client carol;
  };
  // Alice (stored) adds Bob (joined from his stored KeyPackageStore) and Carol (in memory).
  Pair build() {
    Client alice = make_client(suite, "alice");
    Client bob = make_client(suite, "bob");
    Client carol = make_client(suite, "carol");
    Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
    a.attach_storage(alice_store);
    KeyPackageStore bob_keys = KeyPackageStore::open(provider, bob_store);
    bob_keys.add(suite, bob.key_package);
    CommitOptions add;
    add.add = {bob.key_package.key_package};
    const CommitOutput out = a.commit(add);
    a.merge_pending_commit();
    Group b = Group::join(provider, bob.identity, bob_keys, over_the_wire(*out.welcome),
                          std::nullopt, {}, accept_any_policy());
    EXPECT_TRUE(bob_keys.empty());
    EXPECT_TRUE(KeyPackageStore::open(provider, bob_store).empty())
        << "§10: the one-time KeyPackage is consumed in the join's transaction";
    return Pair{std::move(a), std::move(b), std::move(carol)};
  }
};

// Every state change is stored before the call returns (DESIGN.md, Storage): after each step
// the group loads from the store exactly as it is live.
TEST_P(GroupStorage, EveryChangeIsStoredBeforeTheCallReturns) {
  Pair p = build();
  EXPECT_TRUE(reloads_equal(p.alice));
  EXPECT_TRUE(reloads_equal(p.bob));

  const auto m1 = p.alice.protect(as_bytes("hello"));
  EXPECT_TRUE(reloads_equal(p.alice)) << "protect";
  p.bob.process(over_the_wire(m1));
  EXPECT_TRUE(reloads_equal(p.bob)) << "process of an application message";

  const auto update = p.bob.propose_update();
  EXPECT_TRUE(reloads_equal(p.bob)) << "own proposal";
  p.alice.process(over_the_wire(update));
  EXPECT_TRUE(reloads_equal(p.alice)) << "received proposal";

  CommitOptions add;
  add.add = {p.carol.key_package.key_package};
  const CommitOutput out = p.alice.commit(add);
  EXPECT_TRUE(reloads_equal(p.alice)) << "pending commit";
  auto staged = p.bob.process(over_the_wire(out.commit));
  ASSERT_TRUE(std::holds_alternative<StagedCommit>(staged));
  p.bob.merge(std::get<StagedCommit>(std::move(staged)));
  EXPECT_TRUE(reloads_equal(p.bob)) << "merge of a received commit";
  p.alice.merge_pending_commit();
  EXPECT_TRUE(reloads_equal(p.alice)) << "merge of the own commit";
  EXPECT_EQ(p.alice.epoch_authenticator(), p.bob.epoch_authenticator());

  Group carol = Group::join(provider, p.carol.identity, p.carol.key_package,
                            over_the_wire(*out.welcome), std::nullopt, {}, accept_any_policy());
  const CommitOutput remove = p.alice.commit(removing(carol.own_leaf()));
  p.alice.merge_pending_commit();
  auto removed = carol.process(over_the_wire(remove.commit));
  carol.merge(std::get<StagedCommit>(std::move(removed)));
  auto bob_sees = p.bob.process(over_the_wire(remove.commit));
  p.bob.merge(std::get<StagedCommit>(std::move(bob_sees)));
  EXPECT_TRUE(reloads_equal(p.alice)) << "a commit that shrinks the tree";
  EXPECT_TRUE(reloads_equal(p.bob));
  EXPECT_EQ(Group::stored_groups(*alice_store), std::vector<Bytes>{p.alice.group_id()});
}

// §9.2, §6.3.1: a generation is used once. A restarted sender continues after the last
// generation it returned, even when it crashed right after returning it.
TEST_P(GroupStorage, RestartedSenderNeverReusesAGeneration) {
  Pair p = build();
  p.bob.process(over_the_wire(p.alice.protect(as_bytes("one"))));
  Group restarted = Group::load(provider, alice_store, p.alice.group_id());
  const auto two = restarted.protect(as_bytes("two"));
  const auto& pm = *two.get<wire::PrivateMessage>();
  EXPECT_EQ(schedule::decrypt_sender_data(suite, pm,
                                          member_keys(p.alice).secrets.sender_data_secret.view())
                .generation,
            1u);
  const auto result = p.bob.process(over_the_wire(two));
  EXPECT_EQ(std::get<ApplicationMessage>(result).data, to_bytes("two"));
}

// Several processes, one store (sqlite_storage.h): the object whose view is stale cannot write,
// the store keeps the winner's state, and the loser carries on after loading again.
TEST_P(GroupStorage, StaleObjectCannotWriteAndReloads) {
  Pair p = build();
  Group other = Group::load(provider, alice_store, p.alice.group_id(), accept_any_policy());
  p.bob.process(over_the_wire(p.alice.protect(as_bytes("won"))));
  EXPECT_TRUE(rejects(ErrorCode::kStorageConflict, [&] { other.protect(as_bytes("lost")); }));
  EXPECT_TRUE(reloads_equal(p.alice)) << "the failed write changed the store";
  EXPECT_TRUE(rejects(ErrorCode::kStorageConflict, [&] { other.propose_update(); }))
      << "the stale object stays refused";
  Group reloaded = Group::load(provider, alice_store, p.alice.group_id());
  const auto result = p.bob.process(over_the_wire(reloaded.protect(as_bytes("again"))));
  EXPECT_EQ(std::get<ApplicationMessage>(result).data, to_bytes("again"));
}

// §12.4: a commit sent to the Delivery Service before a crash can still be merged after it.
TEST_P(GroupStorage, PendingCommitIsMergedAfterARestart) {
  Pair p = build();
  const CommitOutput out = p.alice.commit(with_path());
  Group restarted = Group::load(provider, alice_store, p.alice.group_id());
  ASSERT_TRUE(restarted.has_pending_commit());
  // The Delivery Service echoes the commit: the restarted member recognises it as its own.
  auto echo = restarted.process(over_the_wire(out.commit));
  restarted.merge(std::get<StagedCommit>(std::move(echo)));
  auto staged = p.bob.process(over_the_wire(out.commit));
  p.bob.merge(std::get<StagedCommit>(std::move(staged)));
  EXPECT_EQ(restarted.epoch_authenticator(), p.bob.epoch_authenticator());
  EXPECT_TRUE(reloads_equal(restarted));

  restarted.commit();
  Group again = Group::load(provider, alice_store, p.alice.group_id());
  again.discard_pending_commit();
  EXPECT_FALSE(Group::load(provider, alice_store, p.alice.group_id()).has_pending_commit());
}

// §10: a one-time KeyPackage's private keys serve one join, also when two processes hold the
// store and receive the same Welcome.
TEST_P(GroupStorage, KeyPackageIsConsumedOnceAcrossProcesses) {
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  KeyPackageStore first = KeyPackageStore::open(provider, bob_store);
  first.add(suite, bob.key_package);
  KeyPackageStore second = KeyPackageStore::open(provider, bob_store);
  ASSERT_EQ(second.size(), 1u);
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  const CommitOutput out = a.commit(adding({bob.key_package.key_package}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, first, over_the_wire(*out.welcome), std::nullopt,
                        {}, accept_any_policy());
  EXPECT_TRUE(rejects(ErrorCode::kStorageConflict, [&] {
    Group::join(provider, bob.identity, second, over_the_wire(*out.welcome), std::nullopt, {},
                accept_any_policy());
  }));
  EXPECT_EQ(Group::stored_groups(*bob_store), std::vector<Bytes>{a.group_id()});
  EXPECT_TRUE(reloads_equal(b));
}

// A last-resort KeyPackage (draft-ietf-mls-extensions) stays usable after a join.
TEST_P(GroupStorage, LastResortKeyPackageIsKept) {
  Client alice = make_client(suite, "alice");
  KeyPackageOptions last_resort;
  last_resort.last_resort = true;
  Client bob = make_client(suite, "bob", last_resort);
  KeyPackageStore keys = KeyPackageStore::open(provider, bob_store);
  keys.add(suite, bob.key_package);
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  const CommitOutput out = a.commit(adding({bob.key_package.key_package}));
  a.merge_pending_commit();
  Group::join(provider, bob.identity, keys, over_the_wire(*out.welcome), std::nullopt, {},
              accept_any_policy());
  EXPECT_EQ(KeyPackageStore::open(provider, bob_store).size(), 1u);
}

// Application state rides the group's next transaction (group.h): both or neither.
TEST_P(GroupStorage, ApplicationStateIsWrittenWithTheNextChange) {
  Pair p = build();
  p.bob.set_application_state(to_bytes("cursor 1"));
  p.bob.process(over_the_wire(p.alice.protect(as_bytes("m"))));
  EXPECT_EQ(Group::load(provider, bob_store, p.bob.group_id()).application_state(),
            to_bytes("cursor 1"));
  p.bob.set_application_state(to_bytes("cursor 2"));
  EXPECT_EQ(Group::load(provider, bob_store, p.bob.group_id()).application_state(),
            to_bytes("cursor 1"));
  p.bob.save_application_state();
  EXPECT_EQ(Group::load(provider, bob_store, p.bob.group_id()).application_state(),
            to_bytes("cursor 2"));
}

// Damaged stores are refused with a typed error and nothing loaded.
TEST_P(GroupStorage, DamagedStoreIsRefused) {
  Pair p = build();
  const Bytes id = p.alice.group_id();
  const auto load = [&] { Group::load(provider, alice_store, id); };
  EXPECT_TRUE(rejects(ErrorCode::kStorageNotFound,
                      [&] { Group::load(provider, alice_store, to_bytes("no such group")); }));
  alice_store.reset();
  p = Pair{Group::create(provider, make_client(suite, "x").identity, {}, accept_any_policy()),
           Group::create(provider, make_client(suite, "y").identity, {}, accept_any_policy()),
           make_client(suite, "z")};

  const std::string copy = alice_db + ".copy";
  std::filesystem::copy_file(alice_db, copy);
  const auto damage = [&](const std::string& sql) {
    alice_store.reset();  // the file is replaced: no connection may hold the old one
    std::filesystem::copy_file(copy, alice_db, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(alice_db + "-wal");
    std::filesystem::remove(alice_db + "-shm");
    raw_sql(alice_db, sql);
    alice_store = storage::SqliteStorage::open(alice_db, provider);
  };
  // Byte 10 lies in a random key: replaced by a value it does not already hold.
  damage(
      "UPDATE records SET value = CAST(substr(value, 1, 9) AS BLOB) || CASE WHEN "
      "substr(value, 10, 1) = X'5A' THEN X'A5' ELSE X'5A' END || substr(value, 11) "
      "WHERE kind = 2 AND id = X'00000000'");
  EXPECT_TRUE(rejects(ErrorCode::kStorageCorrupt, load)) << "a bit-flipped tree node";
  damage(
      "UPDATE records SET value = CAST(substr(value, 1, length(value) - 3) AS BLOB) "
      "WHERE kind = 1");
  EXPECT_TRUE(rejects(ErrorCode::kStorageCorrupt, load)) << "a truncated epoch record";
  damage("DELETE FROM records WHERE kind = 2 AND id = X'00000001'");
  EXPECT_TRUE(rejects(ErrorCode::kStorageCorrupt, load)) << "a missing tree node";
  damage("DELETE FROM records WHERE kind = 1");
  EXPECT_TRUE(rejects(ErrorCode::kStorageCorrupt, load)) << "no epoch record";
  damage(
      "INSERT INTO scopes VALUES (CAST('gother' AS BLOB), 1);"
      "INSERT INTO records SELECT CAST('gother' AS BLOB), kind, id, value FROM records "
      "WHERE kind = 1");
  EXPECT_TRUE(rejects(ErrorCode::kStorageCorrupt, [&] {
    Group::load(provider, alice_store, to_bytes("other"));
  })) << "a record of another group";
  damage("SELECT 1");
  EXPECT_NO_THROW(load()) << "the intact copy loads";
}

// The group's scope in a store ('g' + group_id, src/group/state_records.h).
Bytes scope_of(BytesView group_id) {
  Bytes scope(group_id.size() + 1, 'g');
  std::copy(group_id.begin(), group_id.end(), scope.begin() + 1);
  return scope;
}

// A record that passes its integrity check but belongs elsewhere (written through the memory
// provider, which keeps no checks): another group's epoch record is refused.
TEST_P(GroupStorage, RecordsOfAnotherGroupAreRefused) {
  auto memory = storage::MemoryStorage::create();
  Group a = Group::create(provider, make_client(suite, "alice").identity, {}, accept_any_policy());
  Group b = Group::create(provider, make_client(suite, "bob").identity, {}, accept_any_policy());
  a.attach_storage(memory);
  b.attach_storage(memory);
  const auto epoch_record = memory->get({scope_of(a.group_id()), 1, {}});
  ASSERT_TRUE(epoch_record);
  storage::WriteBatch swap;
  swap.put(scope_of(b.group_id()), 1, {}, *epoch_record);
  memory->apply(swap);
  EXPECT_TRUE(
      rejects(ErrorCode::kStorageCorrupt, [&] { Group::load(provider, memory, b.group_id()); }));
  EXPECT_TRUE(reloads_equal(a));
}

// The stored pending commit's tree journal is applied when its echo merges; one that does not
// describe a change of the stored tree (here: it starts from a two-leaf tree, the group has
// one leaf) is refused at load (kStorageCorrupt), before it could resize the tree.
TEST_P(GroupStorage, PendingCommitOfAnotherTreeIsRefused) {
  auto memory = storage::MemoryStorage::create();
  Group a = Group::create(provider, make_client(suite, "alice").identity, {}, accept_any_policy());
  const Client bob = make_client(suite, "bob");
  a.commit(adding({bob.key_package.key_package}));
  a.merge_pending_commit();
  a.attach_storage(memory);
  a.commit();  // pending, journal from a tree of 2 leaves
  Group c = Group::create(provider, make_client(suite, "carol").identity, {}, accept_any_policy());
  c.attach_storage(memory);
  const auto pending = memory->get({scope_of(a.group_id()), 5, {}});
  ASSERT_TRUE(pending);
  storage::WriteBatch graft;
  graft.put(scope_of(c.group_id()), 5, {}, *pending);
  memory->apply(graft);
  try {
    Group::load(provider, memory, c.group_id());
    FAIL() << "a pending commit of another tree loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kStorageCorrupt);
    EXPECT_NE(std::string(e.what()).find("tree journal"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(reloads_equal(a));
}

// DESIGN.md, Storage: "a commit writes the O(log n) nodes its journal touched, not the tree".
TEST_P(GroupStorage, CommitWritesLogarithmicallyManyRecords) {
  auto memory = storage::MemoryStorage::create();
  Client alice = make_client(suite, "alice");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOptions add;
  constexpr uint32_t kMembers = 64;
  for (uint32_t i = 1; i < kMembers; ++i) {
    std::string name = "member ";
    name += std::to_string(i);
    add.add.push_back(make_client(suite, name).key_package.key_package);
  }
  a.commit(add);
  a.merge_pending_commit();
  a.attach_storage(memory);
  const uint64_t whole = memory->records_written();
  EXPECT_GE(whole, 2u * kMembers - 1) << "attaching writes every node";

  const uint64_t before = memory->records_written();
  a.commit(with_path());
  a.merge_pending_commit();
  const uint64_t commit_records = memory->records_written() - before;
  const auto log_n = static_cast<uint64_t>(std::log2(kMembers));
  // The path's nodes (log n + 1 with the leaf), the epoch record, the new epoch's root secret,
  // the own commit's pending record (written, then erased), and the old epoch's records.
  EXPECT_LE(commit_records, 3 * log_n + 12);
  EXPECT_LT(commit_records, whole / 4);

  const uint64_t before_send = memory->records_written();
  a.protect(as_bytes("m"));
  // §9: the path from the root to the leaf is derived, each node replaced by its two children.
  EXPECT_LE(memory->records_written() - before_send, 2 * log_n + 2)
      << "a first message writes the secret tree path to its leaf, no more";
  const uint64_t before_second = memory->records_written();
  a.protect(as_bytes("m"));
  EXPECT_EQ(memory->records_written() - before_second, 1u) << "then one ratchet record";
  EXPECT_TRUE(reloads_equal(a));
}

// client_records.h: a client's identity comes back from its store after a restart, and makes
// KeyPackages that verify (§10.1).
TEST_P(GroupStorage, IdentityIsKeptInTheStore) {
  const Identity alice = Identity::generate(suite, basic_credential("alice"));
  store_identity(*alice_store, "main", alice);
  auto reopened = storage::SqliteStorage::open(alice_db, provider);
  const auto loaded = load_identity(*reopened, "main");
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(*loaded == alice);
  EXPECT_FALSE(load_identity(*reopened, "other"));
  EXPECT_NO_THROW(validate_key_package(
      suite, create_key_package(suite, *loaded, unix_time_now()).key_package, {}));
}

// §8.4: external PSKs kept in each member's store are found by GroupPolicy::external_psk when a
// commit and its Welcome name them.
TEST_P(GroupStorage, ExternalPsksComeFromTheStore) {
  const SecretBytes psk(suite.random(suite.hash_len()));
  ExternalPskStore alice_psks(alice_store);
  ExternalPskStore bob_psks(bob_store);
  alice_psks.put(to_bytes("shared"), psk);
  bob_psks.put(to_bytes("shared"), psk);
  EXPECT_EQ(bob_psks.ids(), std::vector<Bytes>{to_bytes("shared")});

  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  GroupPolicy alice_policy = accept_any_policy();
  alice_policy.external_psk = alice_psks.lookup();
  GroupPolicy bob_policy = accept_any_policy();
  bob_policy.external_psk = bob_psks.lookup();
  Group a = Group::create(provider, alice.identity, {}, alice_policy);
  CommitOptions options = adding({bob.key_package.key_package});
  options.psks = {
      wire::PreSharedKeyId::external(to_bytes("shared"), suite.random(suite.hash_len()))};
  const CommitOutput out = a.commit(options);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, over_the_wire(*out.welcome),
                        std::nullopt, {}, bob_policy);
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());

  EXPECT_TRUE(bob_psks.erase(to_bytes("shared")));
  EXPECT_FALSE(bob_psks.erase(to_bytes("shared")));
  CommitOptions again;
  again.psks = {wire::PreSharedKeyId::external(to_bytes("shared"), suite.random(suite.hash_len()))};
  const CommitOutput second = a.commit(again);
  EXPECT_TRUE(rejects(ErrorCode::kPskNotFound, [&] { b.process(over_the_wire(second.commit)); }))
      << "an erased PSK is gone from the store";
}

INSTANTIATE_TEST_SUITE_P(AllSuites, GroupStorage, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
