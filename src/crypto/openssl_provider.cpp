// The OpenSSL 3 CryptoProvider: construction, randomness, hashing, HMAC, HKDF and AEAD.
// Signatures and Diffie-Hellman are in openssl_keys.cpp.
#include "conclave/crypto/openssl_provider.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <string>

#include "openssl_util.h"

namespace conclave::crypto {

namespace ossl {

void fail(ErrorCode code, std::string_view what) {
  std::string detail(what);
  if (unsigned long err = ERR_peek_error(); err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    detail += " (";
    detail += buf;
    detail += ")";
  }
  // Leave no stale errors behind to confuse the next caller on this thread.
  ERR_clear_error();
  throw Error(code, detail);
}

namespace {

// OpenSSL's update functions take int lengths; feed larger inputs in pieces.
constexpr size_t kMaxChunk = size_t{1} << 30;

// The HMAC template gets a throwaway key so that all of its state is initialised before it is
// duplicated (older 3.0 releases may refuse to copy a never-keyed digest state). Every use
// re-keys the duplicate.
MacCtxPtr make_hmac_template(EVP_MAC* mac, const char* digest) {
  MacCtxPtr ctx(check_ptr(EVP_MAC_CTX_new(mac), "EVP_MAC_CTX_new"));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  static const uint8_t kDummyKey[1] = {0};
  check(EVP_MAC_init(ctx.get(), kDummyKey, sizeof(kDummyKey), params), "HMAC template init");
  return ctx;
}

void make_curve(EcCurve& c, int nid, const char* name, size_t scalar_len) {
  c.group_name = name;
  c.scalar_len = scalar_len;
  c.group.reset(check_ptr(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, nid), name));
}

}  // namespace

OpenSslProvider::OpenSslProvider() {
  // Everything that needs a by-name lookup is fetched here, once; the methods only use these.
  hmac_.reset(check_ptr(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "fetch HMAC"));
  const char* digests[] = {"SHA2-256", "SHA2-384", "SHA2-512"};
  for (size_t i = 0; i < hashes_.size(); ++i) {
    hashes_[i].md.reset(check_ptr(EVP_MD_fetch(nullptr, digests[i], nullptr), digests[i]));
    hashes_[i].hmac_template = make_hmac_template(hmac_.get(), digests[i]);
  }
  const char* ciphers[] = {"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"};
  for (size_t i = 0; i < ciphers_.size(); ++i)
    ciphers_[i].reset(check_ptr(EVP_CIPHER_fetch(nullptr, ciphers[i], nullptr), ciphers[i]));
  make_curve(curves_[0], NID_X9_62_prime256v1, "P-256", 32);
  make_curve(curves_[1], NID_secp384r1, "P-384", 48);
  make_curve(curves_[2], NID_secp521r1, "P-521", 66);
}

void OpenSslProvider::random_bytes(std::span<uint8_t> out) const {
  for (size_t off = 0; off < out.size();) {
    size_t n = std::min(out.size() - off, kMaxChunk);
    check(RAND_bytes(out.data() + off, static_cast<int>(n)), "RAND_bytes");
    off += n;
  }
}

// --- hashing ---------------------------------------------------------------------------------

const OpenSslProvider::HashSlot& OpenSslProvider::hash_slot(HashAlg alg) const {
  switch (alg) {
    case HashAlg::kSha256: return hashes_[0];
    case HashAlg::kSha384: return hashes_[1];
    case HashAlg::kSha512: return hashes_[2];
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm,
              "hash algorithm " + std::to_string(static_cast<int>(alg)));
}

void OpenSslProvider::digest_into(HashAlg alg, BytesView data, uint8_t* out) const {
  unsigned int len = 0;
  check(EVP_Digest(data_or_empty(data), data.size(), out, &len, hash_slot(alg).md.get(), nullptr),
        "EVP_Digest");
}

Bytes OpenSslProvider::hash(HashAlg alg, BytesView data) const {
  Bytes out(hash_length(alg));
  digest_into(alg, data, out.data());
  return out;
}

void OpenSslProvider::hmac_into(HashAlg alg, BytesView key, std::initializer_list<BytesView> parts,
                                uint8_t* out) const {
  const size_t len = hash_length(alg);
  MacCtxPtr ctx(check_ptr(EVP_MAC_CTX_dup(hash_slot(alg).hmac_template.get()), "EVP_MAC_CTX_dup"));
  // A NULL key would mean "keep the previous key"; an empty key must be passed as non-NULL.
  check(EVP_MAC_init(ctx.get(), data_or_empty(key), key.size(), nullptr), "EVP_MAC_init");
  for (BytesView part : parts)
    if (!part.empty()) check(EVP_MAC_update(ctx.get(), part.data(), part.size()), "EVP_MAC_update");
  size_t written = 0;
  check(EVP_MAC_final(ctx.get(), out, &written, len), "EVP_MAC_final");
  if (written != len) backend_fail("HMAC output length");
}

Bytes OpenSslProvider::hmac(HashAlg alg, BytesView key, BytesView data) const {
  Bytes out(hash_length(alg));
  hmac_into(alg, key, {data}, out.data());
  return out;
}

// RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM). HMAC pads its key with zeros, so an empty salt and
// the "string of HashLen zeros" the RFC prescribes for it give the same PRK.
SecretBytes OpenSslProvider::hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const {
  SecretBytes prk(hash_length(alg));
  hmac_into(alg, salt, {ikm}, prk.data());
  return prk;
}

// RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) || info || i), OKM = first L octets of T(1)T(2)...
SecretBytes OpenSslProvider::hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                                         size_t length) const {
  const size_t hlen = hash_length(alg);
  if (length > 255 * hlen)
    throw Error(ErrorCode::kInvalidArgument,
                "HKDF-Expand length " + std::to_string(length) + " exceeds 255 * HashLen");
  SecretBytes okm(length);
  SecretBytes block(hlen);
  for (size_t off = 0, i = 1; off < length; off += hlen, ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    BytesView previous = i == 1 ? BytesView{} : block.view();
    hmac_into(alg, prk, {previous, info, BytesView(&counter, 1)}, block.data());
    std::copy_n(block.data(), std::min(hlen, length - off), okm.data() + off);
  }
  return okm;
}

// --- AEAD ------------------------------------------------------------------------------------

namespace {

const AeadInfo& checked_aead(AeadId aead, BytesView key, BytesView nonce) {
  const AeadInfo& info = aead_info(aead);  // throws kUnsupportedAlgorithm for unknown ids
  if (info.id == AeadId::kExportOnly)
    throw Error(ErrorCode::kUnsupportedAlgorithm, "export-only AEAD cannot encrypt");
  if (key.size() != info.key_len)
    throw Error(ErrorCode::kInvalidKeyLength, "AEAD key of " + std::to_string(key.size()) +
                                                  " bytes, expected " +
                                                  std::to_string(info.key_len));
  if (nonce.size() != info.nonce_len)
    throw Error(ErrorCode::kInvalidNonceLength, "AEAD nonce of " + std::to_string(nonce.size()) +
                                                    " bytes, expected " +
                                                    std::to_string(info.nonce_len));
  return info;
}

// Feeds `in` to EVP_CipherUpdate in int-sized pieces. out == nullptr feeds AAD.
void cipher_update(EVP_CIPHER_CTX* ctx, uint8_t* out, BytesView in) {
  size_t off = 0;
  while (off < in.size()) {
    size_t n = std::min(in.size() - off, kMaxChunk);
    int written = 0;
    check(EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + off, &written, in.data() + off,
                           static_cast<int>(n)),
          "EVP_CipherUpdate");
    // GCM and ChaCha20-Poly1305 are stream modes: output keeps pace with input.
    if (out != nullptr && static_cast<size_t>(written) != n) backend_fail("AEAD output length");
    off += n;
  }
}

}  // namespace

const EVP_CIPHER* OpenSslProvider::cipher(AeadId aead) const {
  switch (aead) {
    case AeadId::kAes128Gcm: return ciphers_[0].get();
    case AeadId::kAes256Gcm: return ciphers_[1].get();
    case AeadId::kChaCha20Poly1305: return ciphers_[2].get();
    case AeadId::kExportOnly: break;
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm, "AEAD " + std::to_string(static_cast<int>(aead)));
}

Bytes OpenSslProvider::aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                                 BytesView plaintext) const {
  const AeadInfo& info = checked_aead(aead, key, nonce);
  // The default IV length of all three ciphers is 12 bytes (Nn), so no IV-length parameter.
  CipherCtxPtr ctx(check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  check(EVP_EncryptInit_ex2(ctx.get(), cipher(aead), key.data(), nonce.data(), nullptr),
        "EVP_EncryptInit_ex2");
  cipher_update(ctx.get(), nullptr, aad);
  Bytes out(plaintext.size() + info.tag_len);
  cipher_update(ctx.get(), out.data(), plaintext);
  int final_len = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + plaintext.size(), &final_len),
        "EVP_EncryptFinal_ex");
  if (final_len != 0) backend_fail("AEAD final output");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.data() + plaintext.size(),
                                        info.tag_len),
      OSSL_PARAM_construct_end()};
  check(EVP_CIPHER_CTX_get_params(ctx.get(), params), "get AEAD tag");
  return out;
}

Bytes OpenSslProvider::aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                                 BytesView ciphertext) const {
  const AeadInfo& info = checked_aead(aead, key, nonce);
  if (ciphertext.size() < info.tag_len)
    throw Error(ErrorCode::kAeadAuthenticationFailed, "ciphertext shorter than the tag");
  const size_t body_len = ciphertext.size() - info.tag_len;
  CipherCtxPtr ctx(check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  check(EVP_DecryptInit_ex2(ctx.get(), cipher(aead), key.data(), nonce.data(), nullptr),
        "EVP_DecryptInit_ex2");
  cipher_update(ctx.get(), nullptr, aad);
  Bytes out(body_len);
  cipher_update(ctx.get(), out.data(), ciphertext.first(body_len));
  // The expected tag must be set before the final call, which compares it in constant time.
  Bytes tag(ciphertext.begin() + static_cast<ptrdiff_t>(body_len), ciphertext.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
      OSSL_PARAM_construct_end()};
  check(EVP_CIPHER_CTX_set_params(ctx.get(), params), "set AEAD tag");
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + body_len, &final_len) != 1) {
    // Unauthenticated plaintext must not escape, not even in freed memory.
    secure_wipe(out.data(), out.size());
    ERR_clear_error();
    throw Error(ErrorCode::kAeadAuthenticationFailed, "AEAD tag mismatch");
  }
  return out;
}

}  // namespace ossl

std::shared_ptr<const CryptoProvider> openssl_provider() {
  // One instance per process: construction fetches all algorithms, and the object is immutable
  // afterwards, so every caller may share it.
  static const std::shared_ptr<const CryptoProvider> instance =
      std::make_shared<const ossl::OpenSslProvider>();
  return instance;
}

}  // namespace conclave::crypto
