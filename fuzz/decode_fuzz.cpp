// A libFuzzer target for one decoder of untrusted bytes (issue 15): CONCLAVE_FUZZ_TYPE names
// the wire type, one program per type (fuzz/CMakeLists section of the root CMakeLists.txt).
//
// A finding is a crash or sanitizer report, an exception other than conclave::Error (it
// escapes and libFuzzer reports it), or a value that does not encode back to the bytes it was
// decoded from: RFC 9420 §2.1.2 gives every value one encoding (minimal variable-size
// lengths), so a decoder that accepts two encodings of one value is lax somewhere, and two
// members could disagree about what a signature covers.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/message.h"
#include "conclave/wire/proposal.h"
#include "conclave/wire/psk.h"
#include "conclave/wire/welcome.h"

#ifndef CONCLAVE_FUZZ_TYPE
#error "CONCLAVE_FUZZ_TYPE names the wire type this target decodes"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const conclave::BytesView input(data, size);
  using Type = conclave::wire::CONCLAVE_FUZZ_TYPE;
  Type value;
  try {
    value = conclave::codec::decode<Type>(input);
  } catch (const conclave::Error&) {
    return 0;  // refused with a typed error: what untrusted bytes should get
  }
  // The secret writer encodes every type, GroupSecrets included.
  const conclave::SecretBytes again = conclave::codec::encode_secret(value);
  const conclave::BytesView encoded = again.view();
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) {
    std::fprintf(stderr, "FINDING: %zu bytes decode, but encode back to %zu other bytes\n", size,
                 encoded.size());
    std::abort();
  }
  return 0;
}
