// libFuzzer target: Group::process on a live 3-member group (issue 15), with mutated copies of
// the messages its members really send (live_group.h), in both handshake formats.
// A finding: a crash or sanitizer report; an exception other than conclave::Error; bob's state
// changed by a message it refused (RFC 9420 §14: nothing is applied until all is verified);
// the unmutated message refused.
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
  const Bytes input = mutated(live.messages, data, size);
  const bool pristine = input == live.messages[data[0] % live.messages.size()];
  Group bob = *live.bob;
  const SecretBytes before = bob.serialize();
  try {
    bob.process(codec::decode<wire::MlsMessage>(input));
  } catch (const Error& e) {
    if (pristine) {
      std::fprintf(stderr, "FINDING: bob refused an honest member's message: %s\n", e.what());
      std::abort();
    }
    if (bob.serialize() != before) {
      std::fprintf(stderr, "FINDING: a refused message changed bob's state: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
