// libFuzzer target: loading a client from a StorageProvider whose records were damaged
// (issue 15): Group::load, KeyPackageStore::open, load_identity and ExternalPskStore.
//
// The store is made once per process by a real client: alice's group after three epochs (past
// epochs' secret trees, resumption PSKs), messages sent and received (sender ratchets), a
// received proposal, a pending commit and application state; two KeyPackages (one last-resort),
// an identity and an external PSK. An input is a script of edits to its records (change,
// truncate, extend, delete, copy under another name or kind, swap), applied to a fresh
// MemoryStorage (records as they are, no integrity check in between) or, for one input in
// eight, written through a SqliteStorage file (with its per-record checks) whose bytes may then
// be damaged too.
//
// A finding: a crash or sanitizer report; an exception other than conclave::Error from a loader
// or from using what it loaded (processing a message, merging the pending commit, protecting,
// committing); the untouched store not loading, or loading something else than was stored.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "conclave/group/client_records.h"
#include "conclave/group/key_package_store.h"
#include "conclave/storage/memory_storage.h"
#include "conclave/storage/sqlite_storage.h"
#include "resealer.h"

namespace {

using namespace conclave_fuzz;

struct Record {
  Bytes scope;
  uint16_t kind = 0;
  Bytes id;
  Bytes value;
  bool versioned = true;  // its scope has a version (groups, KeyPackages; not identities, PSKs)
  bool touched = false;   // an edit changed it
};

struct StoredClient {
  Cast cast;
  std::optional<Group> alice;              // as stored
  std::vector<wire::MlsMessage> incoming;  // what alice has yet to process
  std::vector<Record> records;

  StoredClient() {
    // Without GREASE (§13.5: random values of random length), so that every record has the
    // same layout in every process and a kept input hits the same field again.
    KeyPackageOptions plain;
    plain.grease = false;
    const KeyPackageBundle bob_kp =
        create_key_package(cast.suite, cast[kBob], unix_time_now(), plain);
    const KeyPackageBundle carol_kp =
        create_key_package(cast.suite, cast[kCarol], unix_time_now(), plain);
    auto store = storage::MemoryStorage::create();
    CreateOptions options;
    options.leaf = plain;
    Group a = Group::create(cast.provider, cast[kAlice], options, cast.policy());
    a.attach_storage(store);
    CommitOptions add;
    add.add = {bob_kp.key_package, carol_kp.key_package};
    const CommitOutput out = a.commit(add);
    a.merge_pending_commit();
    Group bob = Group::join(cast.provider, cast[kBob], bob_kp, *out.welcome, std::nullopt,
                            GroupConfig{}, cast.policy());
    Group carol = Group::join(cast.provider, cast[kCarol], carol_kp, *out.welcome, std::nullopt,
                              GroupConfig{}, cast.policy());
    for (int i = 0; i < 2; ++i) {
      const CommitOutput c = a.commit();
      a.merge_pending_commit();
      for (Group* g : {&bob, &carol})
        g->merge(std::get<StagedCommit>(g->process(c.commit)));
    }
    a.protect(as_bytes("one"));
    a.protect(as_bytes("two"));
    a.process(bob.protect(as_bytes("from bob")));
    a.process(carol.propose_update());
    a.set_application_state(to_bytes("delivery cursor 42"));
    a.commit();  // pending: stored, to be merged after a restart
    incoming.push_back(bob.protect(as_bytes("later from bob")));

    KeyPackageStore packages = KeyPackageStore::open(cast.provider, store);
    packages.add(cast.suite, create_key_package(cast.suite, cast[kErin], unix_time_now(), plain));
    KeyPackageOptions last_resort = plain;
    last_resort.last_resort = true;
    packages.add(cast.suite,
                 create_key_package(cast.suite, cast[kAlice], unix_time_now(), last_resort));
    store_identity(*store, "alice", cast[kAlice]);
    ExternalPskStore(store).put(cast.psk_id, cast.psk);

    // The versioned scopes the store lists, and the two it does not: identities ('i') and
    // external PSKs ('p') are written without a version check (client_records.h).
    std::vector<Bytes> scopes = store->scopes({});
    scopes.push_back(Bytes{'i'});
    scopes.push_back(Bytes{'p'});
    for (const Bytes& scope : scopes) {
      const storage::ScopeSnapshot snapshot = store->read_scope(scope);
      for (const auto& r : snapshot.records)
        records.push_back(Record{scope, r.kind, r.id, r.value.copy_out(), snapshot.version != 0});
    }
    alice.emplace(std::move(a));
  }
};

// A SQLite file of this process's own, removed at exit (by an atexit handler: the name must
// outlive static destruction, hence never freed).
const std::string& sqlite_path() {
  static const std::string* const path = [] {
    const std::filesystem::path dir =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return new std::string(
        (dir / ("conclave-fuzz-storage-" + std::to_string(getpid()) + ".db")).string());
  }();
  return *path;
}

// The files of earlier runs that ended without their atexit handler (a finding, an
// out-of-memory stop): those whose process is gone.
void remove_stale_sqlite_files() {
  const std::filesystem::path dir = std::filesystem::path(sqlite_path()).parent_path();
  const std::string prefix = "conclave-fuzz-storage-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      std::filesystem::remove(entry.path(), ec);
  }
}

void remove_sqlite_files() {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(sqlite_path() + suffix);
}

void edit(Choices& in, std::vector<Record>& records) {
  in.mark();
  if (records.empty()) return;
  Record& r = records[in.pick(records.size())];
  r.touched = true;
  switch (in.pick(10)) {
    case 0: in.flip(r.value); return;
    case 1: r.value.resize(in.pick(r.value.size() + 1)); return;
    case 2: {
      const Bytes more = in.bytes(64);
      r.value.insert(r.value.end(), more.begin(), more.end());
      return;
    }
    case 3: r.value = records[in.pick(records.size())].value; return;
    case 4: records.erase(records.begin() + (&r - records.data())); return;
    case 5: {
      Record copy = r;
      if (copy.id.empty() || in.flag())
        copy.id.push_back(in.byte());
      else
        in.flip(copy.id);
      records.push_back(std::move(copy));
      return;
    }
    case 6: {
      static const uint16_t kinds[] = {1, 2, 3, 4, 5, 6, 16, 17, 18};
      r.kind = in.flag() ? kinds[in.pick(std::size(kinds))] : static_cast<uint16_t>(in.u32());
      return;
    }
    case 7:
      if (r.id.empty() || in.flag())
        r.id = in.bytes(12);
      else
        in.flip(r.id);
      return;
    case 8: {
      Record& other = records[in.pick(records.size())];
      other.touched = true;
      std::swap(r.value, other.value);
      return;
    }
    default: in.flip(r.scope); return;
  }
}

storage::WriteBatch batch_of(const std::vector<Record>& records) {
  storage::WriteBatch batch;
  for (const Record& r : records) {
    const bool seen = std::any_of(batch.versions.begin(), batch.versions.end(),
                                  [&](const auto& v) { return v.scope == r.scope; });
    if (!seen && r.versioned) batch.versions.push_back({r.scope, 0});
    batch.put(r.scope, r.kind, r.id, SecretBytes(r.value));
  }
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static StoredClient fx;
  static const bool trace = std::getenv("CONCLAVE_FUZZ_TRACE") != nullptr;
  static const int cleanup = (remove_stale_sqlite_files(), std::atexit(remove_sqlite_files));
  (void)cleanup;
  const Cast& cast = fx.cast;
  if (trace && size == 0)  // the records' layout, for placing edits by hand
    for (size_t i = 0; i < fx.records.size(); ++i)
      std::fprintf(stderr, "record %zu: scope %zu bytes, kind %u, id %s, value %s\n", i,
                   fx.records[i].scope.size(), fx.records[i].kind, to_hex(fx.records[i].id).c_str(),
                   to_hex(fx.records[i].value).c_str());
  Choices in(data, size);
  std::vector<Record> records = fx.records;
  const bool sqlite = in.pick(8) == 1;
  for (size_t op = in.pick(4), n = 0; op != 0 && n < 8; op = in.pick(4), ++n)
    edit(in, records);

  std::shared_ptr<storage::StorageProvider> store;
  try {
    if (sqlite) {
      remove_sqlite_files();
      storage::SqliteOptions options;
      options.synchronous = storage::Synchronous::kNormal;
      storage::SqliteStorage::open(sqlite_path(), cast.provider, options)->apply(batch_of(records));
      // Damage to the file itself, found when the store is opened again.
      if (in.pick(2) == 1) {
        in.mark();
        std::ifstream file_in(sqlite_path(), std::ios::binary);
        Bytes file((std::istreambuf_iterator<char>(file_in)), std::istreambuf_iterator<char>());
        file_in.close();
        in.flip(file);
        std::ofstream(sqlite_path(), std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(file.data()), static_cast<long>(file.size()));
      }
      store = storage::SqliteStorage::open(sqlite_path(), cast.provider, options);
    } else {
      auto memory = storage::MemoryStorage::create();
      memory->apply(batch_of(records));
      store = memory;
    }
  } catch (const Error&) {
    if (!in.mutated()) finding("the untouched records cannot be stored");
    return 0;
  }
  const bool untouched = !in.mutated();

  try {
    Group g = Group::load(cast.provider, store, fx.alice->group_id(), cast.policy());
    if (untouched && !(g == *fx.alice)) finding("the untouched store loads another group");
    if (trace)
      std::fprintf(stderr, "loaded epoch %llu, padding_block %u, past_epochs_kept %u\n",
                   static_cast<unsigned long long>(g.epoch()), g.config().padding_block,
                   g.config().past_epochs_kept);
    // A restarted client carries on: its pending commit, a message, a commit of its own.
    const auto attempt = [](auto&& f) {
      try {
        f();
      } catch (const Error&) {
      }
    };
    for (const auto& message : fx.incoming)
      attempt([&] { g.process(message); });
    attempt([&] { g.merge_pending_commit(); });
    attempt([&] { g.protect(as_bytes("after the restart")); });
    attempt([&] {
      g.commit();
      g.merge_pending_commit();
    });
  } catch (const Error& e) {
    if (trace) std::fprintf(stderr, "Group::load refuses: %s\n", e.what());
    if (untouched) finding(std::string("the untouched store does not load: ") + e.what());
  }
  try {
    Group::stored_groups(*store);
    const KeyPackageStore packages = KeyPackageStore::open(cast.provider, store);
    if (untouched && packages.size() != 2) finding("the untouched KeyPackages do not load");
    const auto identity = load_identity(*store, "alice");
    if (untouched && !(identity && *identity == cast[kAlice]))
      finding("the untouched identity does not load");
    ExternalPskStore psks(store);
    psks.ids();
    const auto psk = psks.get(cast.psk_id);
    if (untouched && !(psk && *psk == cast.psk)) finding("the untouched PSK does not load");
  } catch (const Error& e) {
    if (untouched) finding(std::string("the untouched client records do not load: ") + e.what());
  }
  return 0;
}
