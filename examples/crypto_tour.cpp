// A tour of Conclave's cryptographic floor: for each of the seven MLS cipher suites, sign and
// verify with a label (RFC 9420 §5.1.2), encrypt to an HPKE key with a label (§5.1.3), and derive
// a secret with ExpandWithLabel (§8). The group layer builds on exactly these operations. Then
// the composable provider: libsodium for Ed25519 and X25519 over OpenSSL, when the build has it.
#include <cstdio>
#include <exception>
#include <string>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"
#include "conclave/crypto/suite.h"

int main() {
  using namespace conclave;
  try {
    const auto provider = crypto::openssl_provider();
    for (const auto& info : crypto::all_cipher_suites()) {
      const crypto::Suite suite(provider, info.id);
      std::printf("suite 0x%04x %s\n", info.id, std::string(info.name).c_str());

      const auto signer = suite.generate_signature_key_pair();
      const Bytes message = to_bytes("hello, group");
      const Bytes signature = suite.sign_with_label(signer.private_key.view(), "Tour", message);
      const bool valid = suite.verify_with_label(signer.public_key, "Tour", message, signature);
      Bytes tampered = message;
      tampered[0] ^= 1;
      const bool forged = suite.verify_with_label(signer.public_key, "Tour", tampered, signature);
      std::printf("  signature  %3zu bytes, verifies: %s, tampered message verifies: %s\n",
                  signature.size(), valid ? "yes" : "NO", forged ? "YES" : "no");

      const auto recipient = suite.generate_hpke_key_pair();
      const auto sealed =
          suite.encrypt_with_label(recipient.public_key, "Tour", to_bytes("ctx"), message);
      const Bytes opened =
          suite.decrypt_with_label(recipient.private_key.view(), "Tour", to_bytes("ctx"),
                                   sealed.kem_output, sealed.ciphertext);
      std::printf("  HPKE       kem_output %zu bytes, ciphertext %zu bytes, round trip: %s\n",
                  sealed.kem_output.size(), sealed.ciphertext.size(),
                  opened == message ? "ok" : "MISMATCH");

      const SecretBytes secret = suite.random_secret(suite.hash_len());
      const SecretBytes derived = suite.derive_secret(secret.view(), "tour");
      std::printf("  KDF        DeriveSecret gives %zu bytes\n", derived.size());
      if (!valid || forged || opened != message) return 1;
    }

    // Providers compose: libsodium does Ed25519 and X25519, OpenSSL the rest. The two backends
    // give and accept the same bytes, so members may use either.
    if (crypto::sodium_available()) {
      const crypto::Suite fast(crypto::sodium_provider(provider), 1);
      const crypto::Suite plain(provider, 1);
      const Bytes message = to_bytes("hello, group");
      const auto signer = fast.generate_signature_key_pair();
      const Bytes signature = fast.sign_with_label(signer.private_key.view(), "Tour", message);
      const bool valid = plain.verify_with_label(signer.public_key, "Tour", message, signature);
      const auto recipient = plain.generate_hpke_key_pair();
      const auto sealed = fast.encrypt_with_label(recipient.public_key, "Tour", {}, message);
      const Bytes opened = plain.decrypt_with_label(recipient.private_key.view(), "Tour", {},
                                                    sealed.kem_output, sealed.ciphertext);
      std::printf(
          "libsodium over OpenSSL, suite 0x0001: its signature verified by OpenSSL: %s, "
          "its HPKE opened by OpenSSL: %s\n",
          valid ? "yes" : "NO", opened == message ? "ok" : "MISMATCH");
      if (!valid || opened != message) return 1;
    } else {
      std::printf("libsodium: not in this build\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
