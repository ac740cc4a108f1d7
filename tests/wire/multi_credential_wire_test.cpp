// Extensions draft §Multi-Credentials and §Credential Bindings: the wire layout of the multi
// and weak-multi credentials (struct { CredentialBinding bindings<V>; }), CredentialBinding and
// CredentialBindingTBS, and the decoding rules.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/credential.h"
#include "support/error_of.h"

namespace conclave::wire {
namespace {

using conclave::testing::error_of;

CredentialBinding sample_binding() {
  return CredentialBinding{0x0001, Credential::basic(from_hex("61")), from_hex("bb"),
                           from_hex("cc")};
}

// §Multi-Credentials: struct { CipherSuite cipher_suite; Credential credential;
// SignaturePublicKey credential_key; opaque signature<V>; } CredentialBinding, in a
// MultiCredential after credential_type multi (0x0003) or weak-multi (0x0004).
TEST(MultiCredential, LayoutAndRoundTrip) {
  const Credential multi = Credential::multi({sample_binding()});
  const Bytes encoded = codec::encode(multi);
  EXPECT_EQ(to_hex(encoded),
            "0003"
            "0a"
            "0001"
            "0001"
            "0161"
            "01bb"
            "01cc");
  const auto decoded = codec::decode<Credential>(encoded);
  EXPECT_EQ(decoded, multi);
  ASSERT_NE(decoded.multi_credential(), nullptr);
  EXPECT_EQ(decoded.multi_credential()->bindings.at(0).credential_key, from_hex("bb"));
  EXPECT_TRUE(decoded.is_multi());

  const Credential weak = Credential::multi({sample_binding()}, true);
  EXPECT_EQ(to_hex(codec::encode(weak)).substr(0, 4), "0004");
  EXPECT_EQ(codec::decode<Credential>(codec::encode(weak)), weak);
  EXPECT_EQ(codec::decode<Credential>(codec::encode(weak)).credential_type,
            CredentialType::kWeakMulti);
}

// §Credential Bindings: struct { CipherSuite cipher_suite; Credential credential;
// SignaturePublicKey credential_key; SignaturePublicKey signature_key; } CredentialBindingTBS.
TEST(MultiCredential, BindingTbsLayout) {
  const CredentialBindingTbs tbs{0x0002, Credential::basic(from_hex("61")), from_hex("bb"),
                                 from_hex("dd")};
  EXPECT_EQ(to_hex(codec::encode(tbs)),
            "0002"
            "0001"
            "0161"
            "01bb"
            "01dd");
  EXPECT_EQ(kCredentialBindingLabel, "CredentialBindingTBS");
}

// A binding's credential that is itself a multi-credential is refused
// (kMultiCredentialNested): decoding cannot recurse without bound.
TEST(MultiCredential, NestedMultiCredentialIsRefused) {
  // multi { binding { suite 1, credential multi { } , key "", signature "" } }
  EXPECT_EQ(error_of([] {
              (void)codec::decode<Credential>(
                  from_hex("0003"
                           "07"
                           "0001"
                           "0003"
                           "00"
                           "00"
                           "00"));
            }),
            ErrorCode::kMultiCredentialNested);
  EXPECT_EQ(error_of([] {
              (void)codec::decode<Credential>(
                  from_hex("0003"
                           "07"
                           "0001"
                           "0004"
                           "00"
                           "00"
                           "00"));
            }),
            ErrorCode::kMultiCredentialNested);
  // Decoding stays usable after the refusal (its nesting guard was reset).
  EXPECT_EQ(codec::decode<Credential>(codec::encode(Credential::multi({sample_binding()}))),
            Credential::multi({sample_binding()}));
}

// Each field of a binding is required: cut short, or with bytes left inside the vector, the
// credential does not decode.
TEST(MultiCredential, TruncatedBindingIsRefused) {
  EXPECT_EQ(error_of([] {
              (void)codec::decode<Credential>(
                  from_hex("0003"
                           "04"
                           "0001"
                           "0001"));
            }),
            ErrorCode::kTruncated);
  EXPECT_NE(error_of([] {
              (void)codec::decode<Credential>(
                  from_hex("0003"
                           "0b"
                           "0001"
                           "0001"
                           "0161"
                           "01bb"
                           "01cc"
                           "ff"));
            }),
            ErrorCode::kInternal);
}

}  // namespace
}  // namespace conclave::wire
