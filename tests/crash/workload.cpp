// The storage crash and concurrency workload (driven by tests/group/storage_crash_test.cpp).
//
//   workload run DIR SEED       recover the members stored in DIR, check they agree, then act
//                               at random until killed (SIGKILL at any instant is the point)
//   workload verify DIR         recover, check agreement, that no PrivateMessage generation
//                               was used twice, and that no KeyPackage joins twice; print counts
//   workload stream DIR N       make a stream of N messages for bob, and bob's stored group
//   workload consume DIR STORE  process the stream into STORE, retrying on kStorageConflict
//
// Three members, each with its own SQLite store: alice (creates the group, adds and removes
// carol), bob, and carol (joins by Welcome from her stored KeyPackages, is removed, rejoins).
// DIR/log is the Delivery Service: an append-only file of messages in their delivery order; a
// message is appended only once the call that made it returned. Each member's position in the
// log is its group's application state, so it is stored in the same transaction as the
// processing of the message. DIR/epochs records each epoch's sender_data_secret, so that
// `verify` can read the generation of every PrivateMessage ever sent.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/storage/sqlite_storage.h"
#include "group/negative_test_util.h"

namespace conclave::crash {
namespace {

using group_testing::accept_any_policy;
using group_testing::adding;
using group_testing::removing;
using group_testing::with_path;

constexpr uint16_t kSuite = 1;
constexpr uint16_t kAppKind = 100;  // this program's own records in each store
const Bytes kAppScope = to_bytes(std::string_view("app"));
const std::vector<std::string> kNames = {"alice", "bob", "carol"};

enum class RecordType : uint8_t { kMessage = 1, kCommit = 2 };

// One delivery, appended with one write: a commit and its Welcome arrive together or not at all.
struct LogRecord {
  RecordType type = RecordType::kMessage;
  uint64_t epoch = 0;   // the epoch the message is sent in
  uint32_t sender = 0;  // leaf
  Bytes message;        // an encoded MLSMessage
  Bytes welcome;        // a commit's Welcome (encoded MLSMessage), or empty
  CONCLAVE_TLS_FIELDS(type, epoch, sender, message, welcome)
};

[[noreturn]] void finding(const std::string& what) {
  std::cerr << "FINDING: " << what << std::endl;
  std::_Exit(3);
}

// --- the log (the Delivery Service's order) ------------------------------------------------------

class Log {
 public:
  explicit Log(const std::string& path) : path_(path) { read(); }

  const std::vector<LogRecord>& records() const { return records_; }

  void append(const LogRecord& record) {
    const Bytes body = codec::encode(record);
    Bytes frame{static_cast<uint8_t>(body.size() >> 24), static_cast<uint8_t>(body.size() >> 16),
                static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
    frame.insert(frame.end(), body.begin(), body.end());
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0 || ::write(fd, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size()))
      finding("cannot append to the log");
    ::close(fd);
    records_.push_back(record);
  }

 private:
  // A record cut by a kill is dropped: it was never delivered.
  void read() {
    std::ifstream in(path_, std::ios::binary);
    const Bytes all((std::istreambuf_iterator<char>(in)), {});
    size_t pos = 0;
    while (pos + 4 <= all.size()) {
      const size_t len = (size_t{all[pos]} << 24) | (size_t{all[pos + 1]} << 16) |
                         (size_t{all[pos + 2]} << 8) | all[pos + 3];
      if (pos + 4 + len > all.size()) break;
      records_.push_back(codec::decode<LogRecord>(BytesView(all).subspan(pos + 4, len)));
      pos += 4 + len;
    }
    if (pos != all.size() && ::truncate(path_.c_str(), static_cast<off_t>(pos)) != 0)
      finding("cannot truncate the log");
  }

  std::string path_;
  std::vector<LogRecord> records_;
};

// --- a member: identity, store, KeyPackages, group -----------------------------------------------

Bytes encode_identity(const Identity& id) {
  codec::Writer w;
  w.u16(id.cipher_suite);
  codec::write(w, id.credential);
  codec::write(w, id.signature_private_key);
  codec::write(w, id.signature_public_key);
  return w.take();
}

Identity decode_identity(BytesView data) {
  codec::Reader r(data);
  Identity id;
  id.cipher_suite = r.u16();
  codec::read(r, id.credential);
  codec::read(r, id.signature_private_key);
  codec::read(r, id.signature_public_key);
  return id;
}

storage::SqliteOptions normal_sync() {
  storage::SqliteOptions options;
  options.synchronous = storage::Synchronous::kNormal;
  return options;
}

uint64_t cursor_of(const Group& g) {
  uint64_t v = 0;
  for (uint8_t b : g.application_state())
    v = (v << 8) | b;
  return v;
}

Bytes cursor_bytes(uint64_t v) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return out;
}

struct Member {
  std::string name;
  std::shared_ptr<const crypto::CryptoProvider> provider;
  crypto::Suite suite;
  std::shared_ptr<storage::StorageProvider> store;
  Identity identity;
  KeyPackageStore key_packages;
  std::optional<Group> group;

  Member(const std::string& dir, const std::string& member_name,
         std::shared_ptr<const crypto::CryptoProvider> p)
      : name(member_name),
        provider(p),
        suite(p, kSuite),
        // NORMAL (WAL) survives the death of the process, which is what this tests; FULL is
        // for power loss, which a test cannot cause.
        store(storage::SqliteStorage::open(dir + "/" + member_name + ".db", p, normal_sync())) {
    const storage::RecordKey key{kAppScope, kAppKind, to_bytes(std::string_view("identity"))};
    if (auto stored = store->get(key)) {
      identity = decode_identity(stored->view());
    } else {
      identity = Identity::generate(suite, basic_credential(name));
      storage::WriteBatch batch;
      batch.put(key.scope, key.kind, key.id, SecretBytes(encode_identity(identity)));
      store->apply(batch);
    }
    key_packages = KeyPackageStore::open(provider, store);
    const auto ids = Group::stored_groups(*store);
    if (ids.size() > 1) finding(name + " stores " + std::to_string(ids.size()) + " groups");
    if (!ids.empty()) group = Group::load(provider, store, ids.front(), accept_any_policy());
    // Removed, then killed before the record was deleted: finish the deletion.
    if (group && !group->active()) drop_group();
  }

  bool member() const { return group && group->active(); }

  void drop_group() {
    Group::erase_stored(*store, group->group_id());
    group.reset();
  }
};

struct World {
  std::string dir;
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  std::vector<Member> members;
  Log log;
  std::mt19937_64 rng;

  World(const std::string& d, uint64_t seed) : dir(d), log(d + "/log"), rng(seed) {
    for (const auto& name : kNames)
      members.emplace_back(dir, name, provider);
  }
  Member& alice() { return members[0]; }
  Member& carol() { return members[2]; }

  void record_epoch(const Group& g) {
    // Every member in an epoch knows its sender_data_secret; `verify` needs one per epoch.
    // It is exported through the state's leading fields, as the tests read them.
    std::ofstream out(dir + "/epochs", std::ios::app);
    out << g.epoch() << ' ' << to_hex(sender_data_secret(g)) << '\n';
  }

  static Bytes sender_data_secret(const Group& g);

  // The member processes the log from its position to the end.
  void catch_up(Member& m) {
    if (!m.group) return join_if_welcomed(m);
    if (!m.group->active()) return;
    // Its own commit, created but killed before it reached the log: never sent, so dropped.
    if (m.group->has_pending_commit()) {
      bool sent = false;
      for (size_t i = cursor_of(*m.group); i < log.records().size(); ++i) {
        const LogRecord& r = log.records()[i];
        sent |= r.type == RecordType::kCommit && r.epoch == m.group->epoch() &&
                r.sender == m.group->own_leaf().value;
      }
      if (!sent) m.group->discard_pending_commit();
    }
    for (uint64_t i = cursor_of(*m.group); i < log.records().size() && m.member(); ++i) {
      const LogRecord& r = log.records()[i];
      m.group->set_application_state(cursor_bytes(i + 1));
      // Not for this member's epoch, or its own application message (nobody can decrypt an
      // own message: its key was used to send it): only the position moves.
      if (r.epoch != m.group->epoch() ||
          (r.type == RecordType::kMessage && r.sender == m.group->own_leaf().value)) {
        m.group->save_application_state();
        continue;
      }
      ProcessResult result = m.group->process(codec::decode<wire::MlsMessage>(r.message));
      if (auto* staged = std::get_if<StagedCommit>(&result)) {
        m.group->merge(std::move(*staged));
        if (m.group->active()) record_epoch(*m.group);
      }
    }
    if (m.group && !m.group->active()) m.drop_group();
  }

  void join_if_welcomed(Member& m) {
    // The last Welcome; older ones lead to epochs long gone.
    for (size_t i = log.records().size(); i-- > 0;) {
      const LogRecord& r = log.records()[i];
      if (r.welcome.empty()) continue;
      try {
        Group g = Group::join(provider, m.identity, m.key_packages,
                              codec::decode<wire::MlsMessage>(r.welcome), std::nullopt, {},
                              accept_any_policy());
        g.set_application_state(cursor_bytes(i + 1));
        g.save_application_state();
        m.group = std::move(g);
        record_epoch(*m.group);
        return catch_up(m);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kWelcomeNotForUs) throw;
      }
      return;
    }
  }

  // A stored group whose cursor was never saved (killed right after the join): its position
  // is after the Welcome that made it.
  void place_cursor(Member& m) {
    if (!m.group || !m.group->application_state().empty()) return;
    for (size_t i = log.records().size(); i-- > 0;) {
      const LogRecord& r = log.records()[i];
      if (!r.welcome.empty() && r.epoch + 1 == m.group->epoch()) {
        m.group->set_application_state(cursor_bytes(i + 1));
        return m.group->save_application_state();
      }
    }
    finding(m.name + " holds a group no Welcome in the log made");
  }

  void recover() {
    for (auto& m : members) {
      place_cursor(m);
      // Killed between a merge and its line in DIR/epochs: the epoch is recorded now.
      if (m.member()) record_epoch(*m.group);
    }
    for (auto& m : members)
      catch_up(m);
    check_agreement();
  }

  void check_agreement() {
    const Group* first = nullptr;
    for (auto& m : members) {
      if (!m.member()) continue;
      if (first == nullptr) {
        first = &*m.group;
        continue;
      }
      if (m.group->epoch() != first->epoch() ||
          !(m.group->epoch_authenticator() == first->epoch_authenticator()))
        finding(m.name + " disagrees at epoch " + std::to_string(m.group->epoch()));
    }
  }

  void append(const Group& sender, const wire::MlsMessage& message) {
    log.append(LogRecord{
        RecordType::kMessage, sender.epoch(), sender.own_leaf().value, codec::encode(message), {}});
  }

  void commit(Member& m, const CommitOptions& options) {
    const CommitOutput out = m.group->commit(options);
    log.append(LogRecord{RecordType::kCommit, m.group->epoch(), m.group->own_leaf().value,
                         codec::encode(out.commit),
                         out.welcome ? codec::encode(*out.welcome) : Bytes{}});
  }

  void step() {
    std::vector<Member*> active;
    for (auto& m : members)
      if (m.member()) active.push_back(&m);
    Member& carol = this->carol();
    const uint64_t action = rng() % 100;
    if (active.empty()) {
      // Nothing stored yet: alice creates the group.
      Group g = Group::create(provider, alice().identity, {}, accept_any_policy());
      g.set_application_state(cursor_bytes(log.records().size()));
      g.attach_storage(alice().store);
      alice().group = std::move(g);
      record_epoch(*alice().group);
    } else if (!members[1].member() || (!carol.member() && action < 15)) {
      // Alice adds bob, else carol, from a KeyPackage the joiner stored first.
      Member& joiner = members[1].member() ? carol : members[1];
      if (joiner.group) return;
      KeyPackageBundle kp = create_key_package(joiner.suite, joiner.identity, unix_time_now());
      joiner.key_packages.add(joiner.suite, kp);
      commit(alice(), adding({kp.key_package}));
    } else if (carol.member() && action < 22) {
      commit(alice(), removing(carol.group->own_leaf()));
    } else if (action < 35) {
      Member& m = *active[rng() % active.size()];
      commit(m, with_path());
    } else {
      Member& m = *active[rng() % active.size()];
      const std::string text = m.name + " says " + std::to_string(rng());
      append(*m.group, m.group->protect(as_bytes(text)));
    }
    for (auto& m : members)
      catch_up(m);
    check_agreement();
  }
};

// Read from the state's leading fields as the tests read them (negative_test_util.h): this
// program checks the library from the outside, with no accessor made for it.
Bytes World::sender_data_secret(const Group& g) {
  return group_testing::member_keys(g).secrets.sender_data_secret.copy_out();
}

int run(const std::string& dir, uint64_t seed) {
  World world(dir, seed);
  world.recover();
  for (;;)
    world.step();
}

int verify(const std::string& dir) {
  World world(dir, 0);
  world.recover();
  for (auto& m : world.members)
    if (!m.member() && &m != &world.carol()) finding(m.name + " is not in the group");

  std::map<uint64_t, Bytes> epoch_secrets;
  {
    std::ifstream in(dir + "/epochs");
    uint64_t epoch = 0;
    std::string hex;
    while (in >> epoch >> hex) {
      const Bytes secret = from_hex(hex);
      const auto [it, fresh] = epoch_secrets.emplace(epoch, secret);
      if (!fresh && it->second != secret)
        finding("two histories of epoch " + std::to_string(epoch));
    }
  }
  // §9.2, §6.3.1: a (epoch, sender, ratchet, generation) names one key and nonce: used once.
  std::set<std::tuple<uint64_t, uint32_t, uint8_t, uint32_t>> used;
  crypto::Suite suite(world.provider, kSuite);
  size_t private_messages = 0, commits = 0, welcomes = 0, joins_refused = 0;
  for (const auto& r : world.log.records()) {
    commits += r.type == RecordType::kCommit;
    welcomes += !r.welcome.empty();
    const auto message = codec::decode<wire::MlsMessage>(r.message);
    const auto* pm = message.get<wire::PrivateMessage>();
    if (pm == nullptr) continue;
    const auto secret = epoch_secrets.find(pm->epoch);
    if (secret == epoch_secrets.end())
      finding("no member recorded epoch " + std::to_string(pm->epoch));
    const wire::SenderData sd = schedule::decrypt_sender_data(suite, *pm, secret->second);
    if (!used.emplace(pm->epoch, sd.leaf_index, static_cast<uint8_t>(pm->content_type),
                      sd.generation)
             .second)
      finding("generation " + std::to_string(sd.generation) + " of leaf " +
              std::to_string(sd.leaf_index) + " in epoch " + std::to_string(pm->epoch) +
              " was used twice");
    ++private_messages;
  }
  // §10: every Welcome's KeyPackage served one join at most: joining again is refused.
  for (const auto& r : world.log.records()) {
    if (r.welcome.empty()) continue;
    Member& carol = world.carol();
    Member& bob = world.members[1];
    for (Member* m : {&bob, &carol}) {
      KeyPackageStore keys = KeyPackageStore::open(world.provider, m->store);
      try {
        Group::join(world.provider, m->identity, keys, codec::decode<wire::MlsMessage>(r.welcome),
                    std::nullopt, {}, accept_any_policy());
        finding("a Welcome was joined twice by " + m->name);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kWelcomeNotForUs && e.code() != ErrorCode::kStorageConflict)
          finding(std::string("a second join failed oddly: ") + e.what());
        joins_refused += e.code() == ErrorCode::kWelcomeNotForUs;
      }
    }
  }
  std::cout << "log records " << world.log.records().size() << ", private messages "
            << private_messages << " with distinct generations, commits " << commits
            << ", welcomes " << welcomes << ", epochs " << epoch_secrets.size()
            << ", second joins refused " << joins_refused << ", final epoch "
            << world.alice().group->epoch() << std::endl;
  return 0;
}

// --- two processes, one store --------------------------------------------------------------------

// Bob's group in DIR/bob.db and N messages for him in DIR/log (alice's, kept in memory).
int make_stream(const std::string& dir, int count) {
  auto provider = crypto::openssl_provider();
  crypto::Suite suite(provider, kSuite);
  Identity alice = Identity::generate(suite, basic_credential("alice"));
  Identity bob = Identity::generate(suite, basic_credential("bob"));
  Group a = Group::create(provider, alice, {}, accept_any_policy());
  const KeyPackageBundle kp = create_key_package(suite, bob, unix_time_now());
  const CommitOutput add = a.commit(adding({kp.key_package}));
  a.merge_pending_commit();
  Group b = Group::join(provider, bob, kp, *add.welcome, std::nullopt, {}, accept_any_policy());
  b.set_application_state(cursor_bytes(0));
  b.attach_storage(storage::SqliteStorage::open(dir + "/bob.db", provider));
  Log log(dir + "/log");
  std::mt19937_64 rng(7);
  for (int i = 0; i < count; ++i) {
    if (rng() % 10 == 0) {
      const CommitOutput out = a.commit(with_path());
      a.merge_pending_commit();
      log.append(LogRecord{RecordType::kCommit, 0, 0, codec::encode(out.commit), {}});
    } else {
      std::string text = "message ";
      text += std::to_string(i);
      log.append(
          LogRecord{RecordType::kMessage, 0, 0, codec::encode(a.protect(as_bytes(text))), {}});
    }
  }
  return 0;
}

// Processes the log into the store; conflicts with another process are retried after a load.
int consume(const std::string& dir, const std::string& store_path) {
  auto provider = crypto::openssl_provider();
  auto store = storage::SqliteStorage::open(store_path, provider);
  const Log log(dir + "/log");
  const Bytes id = Group::stored_groups(*store).at(0);
  size_t processed = 0, retries = 0;
  Group g = Group::load(provider, store, id, accept_any_policy());
  for (;;) {
    const uint64_t i = cursor_of(g);
    if (i >= log.records().size()) break;
    try {
      g.set_application_state(cursor_bytes(i + 1));
      ProcessResult r = g.process(codec::decode<wire::MlsMessage>(log.records()[i].message));
      if (auto* staged = std::get_if<StagedCommit>(&r)) g.merge(std::move(*staged));
      ++processed;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kStorageConflict) finding(e.what());
      ++retries;
      g = Group::load(provider, store, id, accept_any_policy());
    }
  }
  std::cout << "processed " << processed << " retries " << retries << std::endl;
  return 0;
}

}  // namespace
}  // namespace conclave::crash

int main(int argc, char** argv) {
  using namespace conclave::crash;
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "run") return run(args[1], std::stoull(args[2]));
    if (args.size() == 2 && args[0] == "verify") return verify(args[1]);
    if (args.size() == 3 && args[0] == "stream") return make_stream(args[1], std::stoi(args[2]));
    if (args.size() == 3 && args[0] == "consume") return consume(args[1], args[2]);
  } catch (const std::exception& e) {
    finding(e.what());
  }
  std::cerr << "usage: workload run DIR SEED | verify DIR | stream DIR N | consume DIR STORE\n";
  return 64;
}
