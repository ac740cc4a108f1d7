// libFuzzer target: loading serialized client state (issue 15). The first byte picks the
// loader, the rest is its input: even, Group::deserialize; odd, KeyPackageStore::deserialize.
// The seeds are states the library wrote (conclave-fuzz-seeds: groups at several stages in every
// suite, KeyPackage stores), which libFuzzer mutates.
//
// Stored state is trusted less than it seems: a damaged file or a store shared with another
// program must give Error(kGroupStateInvalid), not undefined behaviour. A finding: a crash or
// sanitizer report; an exception other than conclave::Error, from the loader or from using
// what it accepted (members, GroupInfo, protect, commit); an accepted state that does not come
// back equal from its own serialize() (a state the library cannot save and load again).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/group/key_package_store.h"

namespace {

using namespace conclave;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "FINDING: %s\n", what);
  std::abort();
}

void key_package_store(const std::shared_ptr<const crypto::CryptoProvider>& provider,
                       BytesView input) {
  std::optional<KeyPackageStore> store;
  try {
    store.emplace(KeyPackageStore::deserialize(provider, input));
  } catch (const Error&) {
    return;
  }
  const SecretBytes again = store->serialize();
  try {
    if (!(KeyPackageStore::deserialize(provider, again.view()) == *store))
      finding("a loaded KeyPackageStore comes back different from its own serialize()");
  } catch (const Error&) {
    finding("a loaded KeyPackageStore cannot load its own serialize()");
  }
  for (const Bytes& ref : store->refs())
    if (store->find(ref) == nullptr) finding("a listed KeyPackage ref is not found");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto provider = crypto::openssl_provider();
  if (size < 1) return 0;
  const BytesView input(data + 1, size - 1);
  if (data[0] & 1) {
    key_package_store(provider, input);
    return 0;
  }
  // Every credential accepted, so that the calls below get past the validator to the rest.
  static const GroupPolicy policy = [] {
    GroupPolicy p;
    p.credential_validator = insecure_accept_any_credential();
    return p;
  }();
  std::optional<Group> group;
  try {
    group.emplace(Group::deserialize(provider, input, policy));
  } catch (const Error&) {
    return 0;  // refused with a typed error: what damaged state should get
  }
  const SecretBytes again = group->serialize();
  try {
    const Group reloaded = Group::deserialize(provider, again.view());
    if (!(reloaded == *group)) finding("a loaded group comes back different from serialize()");
    if (reloaded.serialize() != again) finding("a loaded group serializes two ways");
  } catch (const Error&) {
    finding("a loaded group cannot load its own serialize()");
  }
  // Everything a client does next with a group it loaded must fail cleanly if at all.
  Group& g = *group;
  const auto attempt = [](auto&& f) {
    try {
      f();
    } catch (const Error&) {
    }
  };
  attempt([&] { g.members(); });
  attempt([&] { g.group_info(); });
  attempt([&] { g.export_secret("fuzz", {}, 32); });
  attempt([&] { g.retained_epochs(); });
  attempt([&] { g.protect(as_bytes("after a restart")); });
  attempt([&] { g.propose_update(); });
  attempt([&] {
    g.commit();
    g.merge_pending_commit();
  });
  return 0;
}
