// Groups that outlive the process: each member keeps its state in its own SQLite store, and
// the program restarts itself (a new process) between steps and carries on where it stopped.
//
//   step 1: Alice and Bob open their stores and store their identities; Bob publishes a
//           KeyPackage (kept in his store); Alice creates a group and adds Bob; Bob joins from
//           his stored KeyPackage (consumed in the same transaction); Alice says hello.
//   step 2: a new process. Both load everything from their stores; Bob reads the message
//           waiting for him, answers, and commits new keys for himself.
//   step 3: a new process. Alice reads Bob's messages; both print their epoch and epoch
//           authenticator, which must agree.
//
// Messages in flight between the steps wait in files in the work folder, as they would at a
// Delivery Service. Run: build/bin/conclave-persistent-chat [FOLDER] (default: a fresh folder
// under /tmp, removed at the end). Exits non-zero when anything disagrees.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/client_records.h"
#include "conclave/group/group.h"
#include "conclave/storage/sqlite_storage.h"

namespace {

using namespace conclave;
namespace fs = std::filesystem;

constexpr uint16_t kSuite = 1;  // MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

struct Client {
  std::shared_ptr<storage::StorageProvider> store;
  Identity identity;
};

// RFC 9420 §5.3.1: a messenger checks every credential with its Authentication Service; this
// demo accepts every one, which the library makes it say explicitly.
GroupPolicy demo_policy() {
  GroupPolicy policy;
  policy.credential_validator = insecure_accept_any_credential();
  return policy;
}

// Opens `name`'s store in `dir`, with its identity (made and stored on first use).
Client open_client(const fs::path& dir, const std::string& name) {
  auto provider = crypto::openssl_provider();
  Client c{storage::SqliteStorage::open((dir / (name + ".db")).string(), provider), {}};
  if (auto stored = load_identity(*c.store, "me")) {
    c.identity = std::move(*stored);
  } else {
    c.identity = Identity::generate(crypto::Suite(provider, kSuite), basic_credential(name));
    store_identity(*c.store, "me", c.identity);
  }
  return c;
}

// The mailbox: one file per message in flight.
void post(const fs::path& dir, const std::string& name, const MlsMessage& message) {
  const Bytes bytes = message.to_bytes();
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

MlsMessage take(const fs::path& dir, const std::string& name) {
  std::ifstream in(dir / name, std::ios::binary);
  const Bytes bytes((std::istreambuf_iterator<char>(in)), {});
  fs::remove(dir / name);
  return MlsMessage::from_bytes(bytes);
}

Group load_only_group(const Client& c) {
  return Group::load(crypto::openssl_provider(), c.store, Group::stored_groups(*c.store).at(0),
                     demo_policy());
}

void say(const char* who, Group& group, const fs::path& dir, const std::string& text,
         const std::string& mailbox) {
  post(dir, mailbox, group.protect(as_bytes(text)));
  std::printf("  %s says: %s\n", who, text.c_str());
}

void read(const char* who, Group& group, const fs::path& dir, const std::string& mailbox) {
  ProcessResult result = group.process(take(dir, mailbox));
  if (auto* staged = std::get_if<StagedCommit>(&result)) {
    std::printf("  %s merges a commit into epoch %llu\n", who,
                static_cast<unsigned long long>(staged->new_epoch()));
    group.merge(std::move(*staged));
  } else if (const auto* app = std::get_if<ApplicationMessage>(&result)) {
    std::printf("  %s reads: %s\n", who, std::string(app->data.begin(), app->data.end()).c_str());
  }
}

int step1(const fs::path& dir) {
  auto provider = crypto::openssl_provider();
  const crypto::Suite suite(provider, kSuite);
  Client alice = open_client(dir, "alice");
  Client bob = open_client(dir, "bob");
  KeyPackageStore bob_key_packages = KeyPackageStore::open(provider, bob.store);
  const KeyPackageBundle published = create_key_package(suite, bob.identity, unix_time_now());
  bob_key_packages.add(suite, published);
  std::printf("step 1 (process %d): Bob stored a KeyPackage; Alice creates a group\n", getpid());

  Group a = Group::create(provider, alice.identity, {}, demo_policy());
  a.attach_storage(alice.store);
  CommitOptions add;
  add.add = {published.key_package};
  const CommitOutput out = a.commit(add);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob_key_packages, *out.welcome, std::nullopt, {},
                        demo_policy());
  std::printf("  Bob joined; KeyPackages left in his store: %zu\n",
              KeyPackageStore::open(provider, bob.store).size());
  say("alice", a, dir, "hello Bob, see you after the restart", "to-bob");
  return 0;
}

int step2(const fs::path& dir) {
  std::printf("step 2 (process %d): both load their groups from their stores\n", getpid());
  Client alice = open_client(dir, "alice");
  Client bob = open_client(dir, "bob");
  Group a = load_only_group(alice);
  Group b = load_only_group(bob);
  read("bob", b, dir, "to-bob");
  say("bob", b, dir, "hi Alice, I restarted and still read you", "to-alice-1");
  CommitOptions update;
  update.force_path = true;
  post(dir, "to-alice-2", b.commit(update).commit);
  b.merge_pending_commit();
  std::printf("  bob commits new keys: epoch %llu\n", static_cast<unsigned long long>(b.epoch()));
  return 0;
}

int step3(const fs::path& dir) {
  std::printf("step 3 (process %d): Alice catches up\n", getpid());
  Client alice = open_client(dir, "alice");
  Client bob = open_client(dir, "bob");
  Group a = load_only_group(alice);
  Group b = load_only_group(bob);
  read("alice", a, dir, "to-alice-1");
  read("alice", a, dir, "to-alice-2");
  const auto show = [](const char* who, const Group& g) {
    std::printf("  %-5s epoch %llu  authenticator %s\n", who,
                static_cast<unsigned long long>(g.epoch()),
                to_hex(g.epoch_authenticator().view()).substr(0, 16).c_str());
  };
  show("alice", a);
  show("bob", b);
  if (a.epoch() != b.epoch() || !(a.epoch_authenticator() == b.epoch_authenticator())) {
    std::printf("the members disagree\n");
    return 1;
  }
  std::printf("both agree after two restarts\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3) {
      const std::string step = argv[1];
      if (step == "1") return step1(argv[2]);
      if (step == "2") return step2(argv[2]);
      if (step == "3") return step3(argv[2]);
      return 64;
    }
    const bool temporary = argc < 2;
    std::string folder_name = "conclave-persistent-chat-";
    folder_name += std::to_string(getpid());
    const fs::path dir = temporary ? fs::temp_directory_path() / folder_name : fs::path(argv[1]);
    fs::create_directories(dir);
    // Each step is a new process: nothing survives but the stores and the mailbox.
    for (const char* step : {"1", "2", "3"}) {
      std::string command = "'";
      command += fs::read_symlink("/proc/self/exe").string();
      command += "' ";
      command += step;
      command += " '";
      command += dir.string();
      command += "'";
      if (std::system(command.c_str()) != 0) return 1;
    }
    if (temporary) fs::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
