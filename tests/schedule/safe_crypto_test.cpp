// Extensions draft §Component IDs, §HPKE Keys, §Signature Keys: the labeled operations of the
// Safe Application Interface, checked against the draft's definitions built here by hand
// (SignContent and EncryptContext of RFC 9420 §5.1.2 and §5.1.3 with the encoded
// ComponentOperationLabel as the label), in every cipher suite.
#include "conclave/schedule/safe_crypto.h"

#include <gtest/gtest.h>

#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

// §Component IDs: struct { opaque base_label<V> = "MLS Component"; ComponentID component_id;
// opaque label<V>; } ComponentOperationLabel.
TEST(ComponentOperationLabel, Layout) {
  EXPECT_EQ(to_hex(component_operation_label(0x8001, "x")),
            "0d"
            "4d4c5320436f6d706f6e656e74"  // "MLS Component"
            "8001"
            "0178");
}

// RFC 9420 §5.1.2/§5.1.3: struct { opaque label<V>; opaque content<V>; } with label =
// "MLS 1.0 " + Label; the draft's Label is the encoded ComponentOperationLabel.
Bytes two_opaques_with_mls_label(const Bytes& operation_label, BytesView second) {
  Bytes label{'M', 'L', 'S', ' ', '1', '.', '0', ' '};
  label.insert(label.end(), operation_label.begin(), operation_label.end());
  codec::Writer w;
  codec::write(w, label);
  codec::write(w, Bytes(second.begin(), second.end()));
  return w.take();
}

class SafeCrypto : public ::testing::TestWithParam<uint16_t> {
 protected:
  crypto::Suite suite{crypto::openssl_provider(), GetParam()};
  const Bytes content = from_hex("c0ffee");
  const Bytes context = from_hex("0102");
};

// §Signature Keys: SafeSignWithLabel(key, ID, Label, Content) = SignWithLabel(key,
// ComponentOperationLabel, Content): the plain signature scheme verifies the signature over
// SignContent built from the draft's definition.
TEST_P(SafeCrypto, SignatureIsSignWithLabelOfTheComponentLabel) {
  const crypto::KeyPair key = suite.generate_signature_key_pair();
  const Bytes signature =
      safe_sign_with_label(suite, key.private_key.view(), 0x0007, "vote", content);
  const Bytes message =
      two_opaques_with_mls_label(component_operation_label(0x0007, "vote"), content);
  EXPECT_TRUE(suite.provider().verify(suite.info().signature, key.public_key, message, signature));
  EXPECT_TRUE(safe_verify_with_label(suite, key.public_key, 0x0007, "vote", content, signature));
}

// §Signature Keys: "a component cannot produce signatures in place of another component", and
// nothing MLS signs verifies as a component's signature or the reverse.
TEST_P(SafeCrypto, SignaturesAreSeparatedByComponentAndLabel) {
  const crypto::KeyPair key = suite.generate_signature_key_pair();
  const Bytes signature =
      safe_sign_with_label(suite, key.private_key.view(), 0x0007, "vote", content);
  EXPECT_FALSE(safe_verify_with_label(suite, key.public_key, 0x0008, "vote", content, signature));
  EXPECT_FALSE(safe_verify_with_label(suite, key.public_key, 0x0007, "veto", content, signature));
  EXPECT_FALSE(suite.verify_with_label(key.public_key, "vote", content, signature));
  const Bytes mls = suite.sign_with_label(key.private_key.view(), "LeafNodeTBS", content);
  EXPECT_FALSE(safe_verify_with_label(suite, key.public_key, 0x0007, "LeafNodeTBS", content, mls));
}

// §HPKE Keys: SafeEncryptWithLabel = EncryptWithLabel(PublicKey, ComponentOperationLabel,
// Context, Plaintext): plain HPKE opens it with info = EncryptContext built from the draft.
TEST_P(SafeCrypto, EncryptionIsEncryptWithLabelOfTheComponentLabel) {
  const crypto::KeyPair key = suite.generate_hpke_key_pair();
  const crypto::HpkeCiphertext ct =
      safe_encrypt_with_label(suite, key.public_key, 0x0007, "blob", context, content);
  const Bytes info = two_opaques_with_mls_label(component_operation_label(0x0007, "blob"), context);
  EXPECT_EQ(suite.hpke().open_base(ct.kem_output, key.private_key.view(), info, {}, ct.ciphertext),
            content);
  EXPECT_EQ(safe_decrypt_with_label(suite, key.private_key.view(), 0x0007, "blob", context, ct),
            content);
}

// §HPKE Keys: "a component cannot decrypt data meant for another component"; nor does another
// label, context, or MLS's own DecryptWithLabel open it.
TEST_P(SafeCrypto, CiphertextsAreSeparatedByComponentLabelAndContext) {
  const crypto::KeyPair key = suite.generate_hpke_key_pair();
  const crypto::HpkeCiphertext ct =
      safe_encrypt_with_label(suite, key.public_key, 0x0007, "blob", context, content);
  const BytesView sk = key.private_key.view();
  EXPECT_EQ(error_of([&] { safe_decrypt_with_label(suite, sk, 0x0008, "blob", context, ct); }),
            ErrorCode::kAeadAuthenticationFailed);
  EXPECT_EQ(error_of([&] { safe_decrypt_with_label(suite, sk, 0x0007, "blob2", context, ct); }),
            ErrorCode::kAeadAuthenticationFailed);
  EXPECT_EQ(error_of([&] { safe_decrypt_with_label(suite, sk, 0x0007, "blob", content, ct); }),
            ErrorCode::kAeadAuthenticationFailed);
  EXPECT_EQ(error_of([&] {
              suite.decrypt_with_label(sk, "blob", context, ct.kem_output, ct.ciphertext);
            }),
            ErrorCode::kAeadAuthenticationFailed);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SafeCrypto, ::testing::Range<uint16_t>(1, 8),
                         [](const auto& info) { return "Suite" + std::to_string(info.param); });

}  // namespace
}  // namespace conclave::schedule
