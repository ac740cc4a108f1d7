// libFuzzer target: Group::join from a mutated copy of a real Welcome (issue 15; live_group.h):
// dave's KeyPackage is the one the Welcome was made for, so mutations reach the decryption of
// the GroupSecrets, the GroupInfo's signature and the tree's checks.
// A finding: a crash or sanitizer report, an exception other than conclave::Error, or the
// unmutated Welcome refused.
#include <cstdio>
#include <cstdlib>

#include "conclave/base/error.h"
#include "live_group.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace conclave_fuzz;
  static LiveGroup groups[] = {LiveGroup(HandshakeFormat::kPrivate),
                               LiveGroup(HandshakeFormat::kPublic)};
  if (size < 2) return 0;
  LiveGroup& live = groups[data[1] % 2];
  const Bytes input = mutated(live.welcomes, data, size);
  try {
    Group::join(live.provider, live.dave_id, live.dave_kp, codec::decode<wire::MlsMessage>(input),
                std::nullopt, {}, accept_any_policy());
  } catch (const Error& e) {
    if (input == live.welcomes.front()) {
      std::fprintf(stderr, "FINDING: dave refused an honest Welcome: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
