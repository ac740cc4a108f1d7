// The StorageProvider contract (include/conclave/storage/storage_provider.h) for the memory and
// SQLite providers, and what the SQLite store promises beyond it (sqlite_storage.h): records
// refused when damaged or moved, encryption keys checked, schema versions migrated or refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/storage/memory_storage.h"
#include "conclave/storage/sqlite_storage.h"
#include "storage/sqlite_test_util.h"

namespace conclave::storage {
namespace {

using storage_testing::raw_sql;

Bytes b(std::string_view s) {
  return to_bytes(s);
}

SecretBytes secret(std::string_view s) {
  return SecretBytes(as_bytes(s));
}

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("conclave-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

enum class Kind { kMemory, kSqlite, kSqliteEncrypted };

class StorageContract : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override { store = open(); }
  std::shared_ptr<StorageProvider> open() {
    if (GetParam() == Kind::kMemory) {
      if (!memory) memory = MemoryStorage::create();
      return memory;
    }
    SqliteOptions options;
    if (GetParam() == Kind::kSqliteEncrypted) options.encryption_key = SecretBytes(Bytes(32, 7));
    return SqliteStorage::open(dir.file("store.db"), provider, options);
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  TempDir dir;
  std::shared_ptr<MemoryStorage> memory;
  std::shared_ptr<StorageProvider> store;
};

TEST_P(StorageContract, BatchIsAppliedWholeAndReadBackInOrder) {
  WriteBatch batch;
  batch.versions.push_back({b("g1"), 0});
  batch.put(b("g1"), 2, b("b"), secret("two-b"));
  batch.put(b("g1"), 1, {}, secret("one"));
  batch.put(b("g1"), 2, b("a"), secret("two-a"));
  store->apply(batch);

  const ScopeSnapshot snap = store->read_scope(b("g1"));
  EXPECT_EQ(snap.version, 1u);
  ASSERT_EQ(snap.records.size(), 3u);
  EXPECT_EQ(snap.records[0].kind, 1);
  EXPECT_EQ(snap.records[1].id, b("a"));
  EXPECT_EQ(snap.records[2].value, secret("two-b"));
  EXPECT_EQ(store->read_kind(b("g1"), 2).size(), 2u);
  EXPECT_EQ(*store->get({b("g1"), 1, {}}), secret("one"));
  EXPECT_FALSE(store->get({b("g1"), 1, b("x")}));
  EXPECT_EQ(store->scopes(b("g")), std::vector<Bytes>{b("g1")});
}

// The optimistic check of sqlite_storage.h: a writer whose version is stale changes nothing.
TEST_P(StorageContract, StaleVersionIsAConflictAndChangesNothing) {
  WriteBatch first;
  first.versions.push_back({b("g"), 0});
  first.put(b("g"), 1, {}, secret("v1"));
  store->apply(first);

  WriteBatch stale;
  stale.versions.push_back({b("g"), 0});  // read before `first`
  stale.put(b("g"), 1, {}, secret("lost"));
  stale.put(b("g"), 3, {}, secret("also lost"));
  EXPECT_EQ(code_of([&] { store->apply(stale); }), ErrorCode::kStorageConflict);
  EXPECT_EQ(*store->get({b("g"), 1, {}}), secret("v1"));
  EXPECT_FALSE(store->get({b("g"), 3, {}}));
  EXPECT_EQ(store->version(b("g")), 1u);

  WriteBatch current;
  current.versions.push_back({b("g"), 1});
  current.put(b("g"), 1, {}, secret("v2"));
  store->apply(current);
  EXPECT_EQ(store->version(b("g")), 2u);
}

TEST_P(StorageContract, ErasesByPrefixRecordAndScope) {
  WriteBatch batch;
  batch.versions.push_back({b("g"), 0});
  for (std::string id : {"e1n1", "e1n2", "e2n1"})
    batch.put(b("g"), 3, b(id), secret(id));
  batch.put(b("g"), 4, b("e1n1"), secret("other kind"));
  batch.versions.push_back({b("h"), 0});
  batch.put(b("h"), 1, {}, secret("h"));
  store->apply(batch);

  WriteBatch erase;
  erase.erase_prefixes.push_back({b("g"), 3, b("e1")});
  erase.erase.push_back({b("g"), 4, b("e1n1")});
  erase.delete_scopes.push_back(b("h"));
  store->apply(erase);
  const auto left = store->read_scope(b("g")).records;
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, b("e2n1"));
  EXPECT_EQ(store->version(b("h")), 0u);
  EXPECT_TRUE(store->read_scope(b("h")).records.empty());
}

// Reopening is what a restart does: everything committed is there.
TEST_P(StorageContract, CommittedBatchesSurviveReopening) {
  WriteBatch batch;
  batch.versions.push_back({b("g"), 0});
  batch.put(b("g"), 1, Bytes{0x00, 0xff}, secret("binary id"));
  batch.put(b("g"), 1, {}, SecretBytes());  // an empty value
  store->apply(batch);
  store.reset();
  store = open();
  EXPECT_EQ(store->version(b("g")), 1u);
  EXPECT_EQ(*store->get({b("g"), 1, Bytes{0x00, 0xff}}), secret("binary id"));
  EXPECT_TRUE(store->get({b("g"), 1, {}})->empty());
}

INSTANTIATE_TEST_SUITE_P(Providers, StorageContract,
                         ::testing::Values(Kind::kMemory, Kind::kSqlite, Kind::kSqliteEncrypted),
                         [](const auto& info) {
                           switch (info.param) {
                             case Kind::kMemory: return std::string("Memory");
                             case Kind::kSqlite: return std::string("Sqlite");
                             default: return std::string("SqliteEncrypted");
                           }
                         });

// --- the SQLite store's own promises (sqlite_storage.h) ------------------------------------------

class SqliteStore : public ::testing::Test {
 protected:
  std::shared_ptr<SqliteStorage> open(std::optional<SecretBytes> key = std::nullopt) {
    SqliteOptions options;
    options.encryption_key = std::move(key);
    return SqliteStorage::open(path, provider, options);
  }
  void write_sample(StorageProvider& store) {
    WriteBatch batch;
    batch.versions.push_back({b("g1"), 0});
    batch.put(b("g1"), 1, b("id"), secret("a private key"));
    batch.versions.push_back({b("g2"), 0});
    batch.put(b("g2"), 1, b("id"), secret("another key"));
    store.apply(batch);
  }
  ErrorCode read_error(StorageProvider& store, const std::string& scope) {
    return code_of([&] { store.read_scope(b(scope)); });
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  TempDir dir;
  std::string path = dir.file("store.db");
};

TEST_F(SqliteStore, BitFlipInARecordIsRefused) {
  auto store = open();
  write_sample(*store);
  raw_sql(path,
          "UPDATE records SET value = CAST(substr(value, 1, 2) AS BLOB) || X'FF' || "
          "substr(value, 4) WHERE scope = CAST('g1' AS BLOB)");
  EXPECT_EQ(read_error(*store, "g1"), ErrorCode::kStorageCorrupt);
  EXPECT_EQ(code_of([&] { store->get({b("g1"), 1, b("id")}); }), ErrorCode::kStorageCorrupt);
  EXPECT_EQ(read_error(*store, "g2"), ErrorCode::kInternal) << "an intact scope still reads";
}

TEST_F(SqliteStore, TruncatedRecordIsRefused) {
  auto store = open();
  write_sample(*store);
  raw_sql(path, "UPDATE records SET value = CAST(substr(value, 1, length(value) - 1) AS BLOB)");
  EXPECT_EQ(read_error(*store, "g1"), ErrorCode::kStorageCorrupt);
  raw_sql(path, "UPDATE records SET value = X''");
  EXPECT_EQ(read_error(*store, "g2"), ErrorCode::kStorageCorrupt);
}

// A record copied under another group's name is refused: its check binds its name.
TEST_F(SqliteStore, RecordOfAnotherScopeIsRefused) {
  for (bool encrypted : {false, true}) {
    std::filesystem::remove(path);
    auto store = encrypted ? open(SecretBytes(Bytes(32, 1))) : open();
    write_sample(*store);
    raw_sql(path,
            "UPDATE records SET value = (SELECT value FROM records WHERE scope = "
            "CAST('g1' AS BLOB)) WHERE scope = CAST('g2' AS BLOB)");
    EXPECT_EQ(read_error(*store, "g2"), ErrorCode::kStorageCorrupt) << encrypted;
  }
}

TEST_F(SqliteStore, EncryptedStoreNeedsItsKey) {
  write_sample(*open(SecretBytes(Bytes(32, 1))));
  EXPECT_EQ(code_of([&] { open(SecretBytes(Bytes(32, 2))); }), ErrorCode::kStorageKeyInvalid);
  EXPECT_EQ(code_of([&] { open(); }), ErrorCode::kStorageKeyInvalid);
  EXPECT_EQ(code_of([&] { open(SecretBytes(Bytes(16, 1))); }), ErrorCode::kInvalidArgument);
  auto store = open(SecretBytes(Bytes(32, 1)));
  EXPECT_TRUE(store->encrypted());
  EXPECT_EQ(*store->get({b("g1"), 1, b("id")}), secret("a private key"));
}

TEST_F(SqliteStore, PlainStoreRefusesAKey) {
  write_sample(*open());
  EXPECT_EQ(code_of([&] { open(SecretBytes(Bytes(32, 1))); }), ErrorCode::kStorageKeyInvalid);
}

// With a key the file holds no record value in clear; without one it does (as documented).
// RFC 9420 §9.2 (keys are deleted once used): an erased record's bytes do not stay in the
// database's free space (secure_delete) once the store is closed and its WAL checkpointed.
TEST_F(SqliteStore, ErasedValuesLeaveTheFile) {
  {
    auto store = open();
    write_sample(*store);
    WriteBatch erase;
    erase.erase.push_back({b("g1"), 1, b("id")});
    store->apply(erase);
  }
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("")))
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
  EXPECT_EQ(all.find("a private key"), std::string::npos);
  EXPECT_NE(all.find("another key"), std::string::npos);  // the check can see a value
}

TEST_F(SqliteStore, EncryptionKeepsValuesOutOfTheFile) {
  const auto file_holds = [&](std::string_view needle) {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(dir.file("")))
      if (entry.is_regular_file()) {
        std::ifstream in(entry.path(), std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), {});
      }
    return all.find(needle) != std::string::npos;
  };
  {
    auto store = open(SecretBytes(Bytes(32, 1)));
    write_sample(*store);
  }
  EXPECT_FALSE(file_holds("a private key"));
  std::filesystem::remove_all(dir.file(""));
  std::filesystem::create_directories(dir.file(""));
  {
    auto store = open();
    write_sample(*store);
  }
  EXPECT_TRUE(file_holds("a private key"));
}

TEST_F(SqliteStore, NewerSchemaIsRefused) {
  write_sample(*open());
  raw_sql(path, "PRAGMA user_version = " + std::to_string(SqliteStorage::kSchemaVersion + 1));
  EXPECT_EQ(code_of([&] { open(); }), ErrorCode::kStorageSchemaUnsupported);
}

// Schema v1 had no per-scope versions: opening such a file adds them, records intact.
TEST_F(SqliteStore, VersionOneStoreIsMigrated) {
  write_sample(*open());
  raw_sql(path, "DROP TABLE scopes; PRAGMA user_version = 1;");
  auto store = open();
  EXPECT_EQ(store->version(b("g1")), 1u);
  EXPECT_EQ(store->scopes(b("g")), (std::vector<Bytes>{b("g1"), b("g2")}));
  EXPECT_EQ(*store->get({b("g2"), 1, b("id")}), secret("another key"));
  WriteBatch next;
  next.versions.push_back({b("g1"), 1});
  next.put(b("g1"), 1, b("id"), secret("changed"));
  store->apply(next);
  EXPECT_EQ(store->version(b("g1")), 2u);
}

// Two connections (as two processes would have) racing on one scope: one wins, the other gets
// the typed conflict, and the store holds the winner's batch alone.
TEST_F(SqliteStore, TwoConnectionsRaceOnOneScope) {
  auto first = open();
  auto second = open();
  WriteBatch create;
  create.versions.push_back({b("g"), 0});
  create.put(b("g"), 1, {}, secret("v1"));
  first->apply(create);
  const uint64_t seen = second->version(b("g"));
  WriteBatch a;
  a.versions.push_back({b("g"), seen});
  a.put(b("g"), 1, {}, secret("a"));
  WriteBatch b2;
  b2.versions.push_back({b("g"), seen});
  b2.put(b("g"), 1, {}, secret("b"));
  first->apply(a);
  EXPECT_EQ(code_of([&] { second->apply(b2); }), ErrorCode::kStorageConflict);
  EXPECT_EQ(*second->get({b("g"), 1, {}}), secret("a"));
}

}  // namespace
}  // namespace conclave::storage
