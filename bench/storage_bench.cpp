// What a StorageProvider costs a Group, at N = 1000 and 10000 members, suite 1, on the populated
// tree of group_bench (group_fixtures.h: every member has committed once, so every parent node
// is set; leaf N-1 commits and sends, leaf 1 receives). With a store attached every call that
// changes the group commits one storage transaction before it returns; this measures that cost
// for each kind of store, the second argument:
//   store:0 none (the same call on a group without a store: the baseline)
//   store:1 memory (MemoryStorage)
//   store:2 sqlite_normal (SqliteStorage, WAL, synchronous=NORMAL)
//   store:3 sqlite_full (SqliteStorage, WAL, synchronous=FULL, the default: fsync per commit)
// Benchmarks:
//  - ReceiveCommit: leaf 1 processes and merges an update commit (force_path) of leaf N-1.
//  - OwnCommit: leaf N-1 commits (force_path) and merges its pending commit (two transactions:
//    commit() persists the pending commit, merge_pending_commit() the new epoch).
//  - SendMessage / ReceiveMessage: protect() of 100 B by leaf N-1; process() of such a
//    PrivateMessage by leaf 1.
//  - Load: Group::load of leaf 1's group from the store (the store's reads are warm: the same
//    group is loaded again and again). store:0 is Group::deserialize of serialize()'s bytes.
// Counter "records": records put or erased per iteration (StorageProvider::records_written());
// for Load, the records the group is stored as, and "stored_KiB" the bytes of their ids and
// values (before the SQLite store's integrity tags).
//
// Run: build/bin/storage_bench (Release; --benchmark_filter=N:10000 for the big group only).
// The SQLite files go to a fresh folder under TMPDIR (default /tmp), removed at the end: the
// synchronous=FULL numbers are those of that file system's fsync.
// Time is wall-clock time (an fsync waits without using the CPU); CPU is the whole process's.
//
// Each benchmark run works on its own copies of the fixture's members, attached to a store of
// its own made before timing (attach_storage writes the whole group). Processing consumes the
// receiver's keys, so commits and messages are made in batches, untimed, by a member without a
// store, and each is processed once, in order: the committer commits and merges a batch of
// commits, one epoch each, which the receiver then follows. The fixture is built once per N and
// takes some seconds at N = 10000.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "conclave/group/group.h"
#include "conclave/storage/memory_storage.h"
#include "conclave/storage/sqlite_storage.h"
#include "conclave/storage/storage_provider.h"
#include "group_fixtures.h"

namespace {

using namespace conclave;
using namespace conclave::bench_fixtures;

enum class StoreKind : int64_t { kNone = 0, kMemory = 1, kSqliteNormal = 2, kSqliteFull = 3 };

const char* store_name(StoreKind kind) {
  switch (kind) {
    case StoreKind::kNone: return "none";
    case StoreKind::kMemory: return "memory";
    case StoreKind::kSqliteNormal: return "sqlite_normal";
    case StoreKind::kSqliteFull: return "sqlite_full";
  }
  return "?";
}

// A fresh folder for the SQLite files, removed when the program ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "storage_bench-").string();
    pattern += "XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

const std::filesystem::path& temp_dir() {
  static const TempDir dir;
  return dir.path();
}

// One benchmark run's store (none for StoreKind::kNone); its SQLite file is deleted with it.
// Declare it before the groups attached to it, so that they go first.
class RunStore {
 public:
  explicit RunStore(StoreKind kind) {
    static uint64_t runs = 0;
    switch (kind) {
      case StoreKind::kNone: break;
      case StoreKind::kMemory: store_ = storage::MemoryStorage::create(); break;
      case StoreKind::kSqliteNormal:
      case StoreKind::kSqliteFull: {
        std::string name = "run-";
        name += std::to_string(runs++);
        name += ".db";
        file_ = temp_dir() / name;
        storage::SqliteOptions options;
        options.synchronous = kind == StoreKind::kSqliteFull ? storage::Synchronous::kFull
                                                             : storage::Synchronous::kNormal;
        store_ = storage::SqliteStorage::open(file_.string(), provider(), options);
        break;
      }
    }
  }
  ~RunStore() {
    store_.reset();
    if (file_.empty()) return;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::string f = file_.string();
      f += suffix;
      std::filesystem::remove(f, ec);
    }
  }
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::shared_ptr<storage::StorageProvider>& store() const { return store_; }
  void attach(Group& g) const {
    if (store_) g.attach_storage(store_);
  }
  uint64_t written() const { return store_ ? store_->records_written() : 0; }

 private:
  std::shared_ptr<storage::StorageProvider> store_;
  std::filesystem::path file_;
};

StoreKind kind_of(const benchmark::State& state) {
  return static_cast<StoreKind>(state.range(1));
}

// Records written per iteration since `start`.
void count_records(benchmark::State& state, const RunStore& store, uint64_t start) {
  state.counters["records"] = static_cast<double>(store.written() - start) /
                              static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  state.SetLabel(store_name(kind_of(state)));
}

CommitOptions update_options() {
  CommitOptions options;
  options.force_path = true;
  return options;
}

// --- the benchmarks ---------------------------------------------------------------------------

// Leaf 1 (attached) processes and merges an update commit of leaf N-1 (not attached).
void BM_ReceiveCommit(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const RunStore store(kind_of(state));
  Group committer = f.committer;
  Group receiver = f.receiver;
  store.attach(receiver);
  const CommitOptions options = update_options();
  const uint64_t start = store.written();
  process_in_batches(
      state, 16,
      [&] {
        wire::MlsMessage commit = committer.commit(options).commit;
        committer.merge_pending_commit();
        return commit;
      },
      [&](const wire::MlsMessage& commit) {
        receiver.merge(std::get<StagedCommit>(receiver.process(commit)));
      });
  count_records(state, store, start);
}

// Leaf N-1 (attached) commits and merges.
void BM_OwnCommit(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const RunStore store(kind_of(state));
  Group committer = f.committer;
  store.attach(committer);
  const CommitOptions options = update_options();
  const uint64_t start = store.written();
  for (auto _ : state) {
    benchmark::DoNotOptimize(committer.commit(options));
    committer.merge_pending_commit();
  }
  count_records(state, store, start);
}

const Bytes& message_data() {
  static const Bytes data(100, 0x61);
  return data;
}

// Leaf N-1 (attached) protects 100 B.
void BM_SendMessage(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const RunStore store(kind_of(state));
  Group sender = f.committer;
  store.attach(sender);
  const uint64_t start = store.written();
  for (auto _ : state)
    benchmark::DoNotOptimize(sender.protect(message_data()));
  count_records(state, store, start);
}

// Leaf 1 (attached) processes a PrivateMessage of 100 B from leaf N-1 (not attached).
void BM_ReceiveMessage(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const RunStore store(kind_of(state));
  Group sender = f.committer;
  Group receiver = f.receiver;
  store.attach(receiver);
  const uint64_t start = store.written();
  // 256 at a time: within the default forward distance of the ratchet.
  process_in_batches(
      state, 256, [&] { return sender.protect(message_data()); },
      [&](const wire::MlsMessage& m) { benchmark::DoNotOptimize(receiver.process(m)); });
  count_records(state, store, start);
}

// Group::load of leaf 1's group (store:0: Group::deserialize of its serialize() bytes).
void BM_Load(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const RunStore store(kind_of(state));
  Group stored = f.receiver;
  const Bytes group_id = stored.group_id();
  size_t records = 0;
  size_t bytes = 0;
  if (store.store()) {
    store.attach(stored);
    // The group's scope: the one whose name ends with the group id.
    for (const Bytes& scope : store.store()->scopes({})) {
      if (scope.size() < group_id.size() ||
          !std::equal(group_id.begin(), group_id.end(), scope.end() - group_id.size()))
        continue;
      const storage::ScopeSnapshot snapshot = store.store()->read_scope(scope);
      records += snapshot.records.size();
      for (const auto& r : snapshot.records)
        bytes += r.id.size() + r.value.size();
    }
    for (auto _ : state)
      benchmark::DoNotOptimize(Group::load(provider(), store.store(), group_id));
  } else {
    const SecretBytes serialized = stored.serialize();
    bytes = serialized.size();
    for (auto _ : state)
      benchmark::DoNotOptimize(Group::deserialize(provider(), serialized.view()));
  }
  state.counters["records"] = static_cast<double>(records);
  state.counters["stored_KiB"] = static_cast<double>(bytes) / 1024.0;
  state.SetLabel(store_name(kind_of(state)));
}

constexpr int64_t kSizes[] = {1000, 10000};
constexpr int64_t kStores[] = {0, 1, 2, 3};

void by_size_and_store(benchmark::internal::Benchmark* b, benchmark::TimeUnit unit) {
  for (int64_t n : kSizes)
    for (int64_t s : kStores)
      b->Args({n, s});
  b->ArgNames({"N", "store"})->Unit(unit)->MeasureProcessCPUTime()->UseRealTime();
}

void in_ms(benchmark::internal::Benchmark* b) {
  by_size_and_store(b, benchmark::kMillisecond);
}
void in_us(benchmark::internal::Benchmark* b) {
  by_size_and_store(b, benchmark::kMicrosecond);
}

BENCHMARK(BM_ReceiveCommit)->Apply(in_ms);
BENCHMARK(BM_OwnCommit)->Apply(in_ms);
BENCHMARK(BM_SendMessage)->Apply(in_us);
BENCHMARK(BM_ReceiveMessage)->Apply(in_us);
BENCHMARK(BM_Load)->Apply(in_ms);

}  // namespace
