// The OpenSSL 3 CryptoProvider: signatures (EdDSA, ECDSA) and the Diffie-Hellman groups of the
// DHKEMs, with the key encodings of RFC 9420 §5.1.1 and RFC 9180 §7.1.1.
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <string>

#include "openssl_util.h"

namespace conclave::crypto::ossl {

namespace {

// --- raw keys (RFC 7748, RFC 8032) ------------------------------------------------------------

// The four algorithms whose keys are plain byte strings; private and public keys have the same
// length for each of them.
struct RawAlg {
  const char* name;  // OpenSSL key type
  size_t key_len;
};
constexpr RawAlg kEd25519{"ED25519", 32};
constexpr RawAlg kEd448{"ED448", 57};
constexpr RawAlg kX25519{"X25519", 32};
constexpr RawAlg kX448{"X448", 56};

std::string length_detail(const std::string& what, size_t got, size_t want) {
  return what + " of " + std::to_string(got) + " bytes, expected " + std::to_string(want);
}

PkeyPtr raw_private_key(const RawAlg& alg, BytesView key) {
  if (key.size() != alg.key_len)
    throw Error(ErrorCode::kInvalidPrivateKey,
                length_detail(std::string(alg.name) + " private key", key.size(), alg.key_len));
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key_ex(nullptr, alg.name, nullptr, key.data(), key.size());
  if (pkey == nullptr) fail(ErrorCode::kInvalidPrivateKey, alg.name);
  return PkeyPtr(pkey);
}

PkeyPtr raw_public_key(const RawAlg& alg, BytesView key) {
  if (key.size() != alg.key_len)
    throw Error(ErrorCode::kInvalidPublicKey,
                length_detail(std::string(alg.name) + " public key", key.size(), alg.key_len));
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key_ex(nullptr, alg.name, nullptr, key.data(), key.size());
  if (pkey == nullptr) fail(ErrorCode::kInvalidPublicKey, alg.name);
  return PkeyPtr(pkey);
}

// A raw key pair taken as given: importing the private key alone makes OpenSSL compute the
// public key, a scalar multiplication that a Diffie-Hellman with a known pair does not need.
PkeyPtr raw_key_pair(const RawAlg& alg, BytesView private_key, BytesView public_key) {
  if (private_key.size() != alg.key_len)
    throw Error(ErrorCode::kInvalidPrivateKey, length_detail(std::string(alg.name) + " private key",
                                                             private_key.size(), alg.key_len));
  if (public_key.size() != alg.key_len)
    throw Error(ErrorCode::kInvalidPublicKey, length_detail(std::string(alg.name) + " public key",
                                                            public_key.size(), alg.key_len));
  // OSSL_PARAM takes non-const pointers; fromdata only reads them.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(
          OSSL_PKEY_PARAM_PRIV_KEY, const_cast<uint8_t*>(private_key.data()), private_key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<uint8_t*>(public_key.data()), public_key.size()),
      OSSL_PARAM_construct_end()};
  PkeyCtxPtr ctx(
      check_ptr(EVP_PKEY_CTX_new_from_name(nullptr, alg.name, nullptr), "raw key context"));
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params) != 1)
    fail(ErrorCode::kInvalidPrivateKey, alg.name);
  return PkeyPtr(pkey);
}

Bytes raw_public_of(const RawAlg& alg, BytesView private_key) {
  PkeyPtr pkey = raw_private_key(alg, private_key);
  Bytes pub(alg.key_len);
  size_t len = pub.size();
  check(EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &len), "get raw public key");
  if (len != alg.key_len) backend_fail("raw public key length");
  return pub;
}

// --- EC keys (SEC1, RFC 9180 §7.1.1) ----------------------------------------------------------

// The big-endian scalar if it is a valid private key: 0 < d < order, in at most Nsk bytes. Keys
// are accepted without their leading zero bytes: the MLS test vectors (and so the
// implementations that made them) encode some P-521 keys, ECDSA and HPKE alike, in 65 bytes.
BnPtr ec_scalar(const EcCurve& c, BytesView key) {
  const bool length_ok = !key.empty() && key.size() <= c.scalar_len;
  if (!length_ok)
    throw Error(
        ErrorCode::kInvalidPrivateKey,
        length_detail(std::string(c.group_name) + " private key", key.size(), c.scalar_len));
  BnPtr d(check_ptr(BN_secure_new(), "BN_secure_new"));
  check_ptr(BN_bin2bn(key.data(), static_cast<int>(key.size()), d.get()), "BN_bin2bn");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(c.group.get())) >= 0)
    throw Error(ErrorCode::kInvalidPrivateKey,
                std::string(c.group_name) + " scalar is zero or not below the group order");
  return d;
}

// pk = d * G as an uncompressed point.
Bytes ec_public_of(const EcCurve& c, const BIGNUM* d) {
  BnCtxPtr bn_ctx(check_ptr(BN_CTX_secure_new(), "BN_CTX_secure_new"));
  PointPtr q(check_ptr(EC_POINT_new(c.group.get()), "EC_POINT_new"));
  check(EC_POINT_mul(c.group.get(), q.get(), d, nullptr, nullptr, bn_ctx.get()), "EC_POINT_mul");
  Bytes pub(1 + 2 * c.scalar_len);
  size_t len = EC_POINT_point2oct(c.group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(),
                                  pub.size(), bn_ctx.get());
  if (len != pub.size()) backend_fail("EC_POINT_point2oct");
  return pub;
}

// RFC 9180 §7.1.4 and SP 800-56A §5.6.2.3.4 partial public-key validation: the uncompressed
// encoding, coordinates below p, on the curve, not the point at infinity. With a cofactor of 1
// that is also full validation.
void ec_check_public(const EcCurve& c, BytesView pub) {
  if (pub.size() != 1 + 2 * c.scalar_len)
    throw Error(
        ErrorCode::kInvalidPublicKey,
        length_detail(std::string(c.group_name) + " public key", pub.size(), 1 + 2 * c.scalar_len));
  if (pub[0] != POINT_CONVERSION_UNCOMPRESSED)
    throw Error(ErrorCode::kInvalidPublicKey,
                std::string(c.group_name) + " public key is not an uncompressed point");
  BnCtxPtr bn_ctx(check_ptr(BN_CTX_new(), "BN_CTX_new"));
  PointPtr q(check_ptr(EC_POINT_new(c.group.get()), "EC_POINT_new"));
  // oct2point rejects coordinates >= p and points off the curve.
  if (EC_POINT_oct2point(c.group.get(), q.get(), pub.data(), pub.size(), bn_ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(c.group.get(), q.get()) ||
      EC_POINT_is_on_curve(c.group.get(), q.get(), bn_ctx.get()) != 1)
    fail(ErrorCode::kInvalidPublicKey, std::string(c.group_name) + " point not on the curve");
}

// An EVP_PKEY from a private scalar (d != nullptr) or a checked public point. A private key is
// imported without its public point: neither ECDSA signing nor ECDH needs it, and computing it
// would cost a scalar multiplication.
PkeyPtr ec_pkey(const EcCurve& c, const BIGNUM* d, BytesView pub) {
  ParamBldPtr bld(check_ptr(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new"));
  check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, c.group_name, 0),
        "push group");
  if (d != nullptr)
    check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d), "push private key");
  else
    check(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                           pub.size()),
          "push public key");
  ParamsPtr params(check_ptr(OSSL_PARAM_BLD_to_param(bld.get()), "OSSL_PARAM_BLD_to_param"));
  PkeyCtxPtr ctx(check_ptr(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), "EC key context"));
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1)
    fail(d != nullptr ? ErrorCode::kInvalidPrivateKey : ErrorCode::kInvalidPublicKey,
         std::string(c.group_name) + " key import");
  return PkeyPtr(pkey);
}

// A Diffie-Hellman shared secret of exactly `len` bytes; a failed derivation is `on_fail`.
SecretBytes derive(EVP_PKEY* mine, EVP_PKEY* peer, size_t len, ErrorCode on_fail,
                   std::string_view what) {
  PkeyCtxPtr ctx(check_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, mine, nullptr), "derive context"));
  check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  // The peer key has been validated by the caller; OpenSSL's own check of an EC key would spend
  // another scalar multiplication to confirm what a cofactor of 1 already guarantees.
  check(EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0), "EVP_PKEY_derive_set_peer_ex");
  SecretBytes out(len);
  size_t written = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &written) != 1) fail(on_fail, what);
  if (written != len) backend_fail("shared secret length");
  return out;
}

bool all_zero(BytesView v) {
  uint8_t acc = 0;
  for (uint8_t b : v)
    acc |= b;  // no early exit: the shared secret is secret
  return acc == 0;
}

}  // namespace

// --- shared EC helpers -------------------------------------------------------------------------

SecretBytes OpenSslProvider::ec_random_scalar(const EcCurve& c) const {
  // Rejection sampling as in RFC 9180 §7.1.3: mask the excess top bits (P-521's scalar has 7),
  // retry while the candidate is zero or not below the order.
  const BIGNUM* order = EC_GROUP_get0_order(c.group.get());
  const size_t excess_bits = c.scalar_len * 8 - static_cast<size_t>(BN_num_bits(order));
  BnPtr d(check_ptr(BN_secure_new(), "BN_secure_new"));
  for (int attempt = 0; attempt < 256; ++attempt) {
    SecretBytes candidate = random_secret(c.scalar_len);
    candidate[0] &= static_cast<uint8_t>(0xFF >> excess_bits);
    check_ptr(BN_bin2bn(candidate.data(), static_cast<int>(candidate.size()), d.get()),
              "BN_bin2bn");
    if (!BN_is_zero(d.get()) && BN_cmp(d.get(), order) < 0) return candidate;
  }
  backend_fail("no valid EC scalar in 256 random candidates");
}

Bytes OpenSslProvider::ec_sign(const EcCurve& c, HashAlg h, BytesView private_key,
                               BytesView message) const {
  BnPtr d = ec_scalar(c, private_key);
  PkeyPtr key = ec_pkey(c, d.get(), {});
  // Hash with the pre-fetched digest and sign the digest, rather than have OpenSSL look the
  // digest up by name on every call.
  uint8_t digest[EVP_MAX_MD_SIZE];
  const size_t digest_len = hash_length(h);
  digest_into(h, message, digest);
  PkeyCtxPtr ctx(check_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), "sign ctx"));
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  size_t sig_len = 0;
  check(EVP_PKEY_sign(ctx.get(), nullptr, &sig_len, digest, digest_len), "ECDSA size");
  Bytes sig(sig_len);
  check(EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, digest, digest_len), "ECDSA sign");
  sig.resize(sig_len);  // DER length varies with the size of r and s
  return sig;
}

bool OpenSslProvider::ec_verify(const EcCurve& c, HashAlg h, BytesView public_key,
                                BytesView message, BytesView signature) const {
  ec_check_public(c, public_key);
  PkeyPtr key = ec_pkey(c, nullptr, public_key);
  uint8_t digest[EVP_MAX_MD_SIZE];
  const size_t digest_len = hash_length(h);
  digest_into(h, message, digest);
  PkeyCtxPtr ctx(check_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), "verify ctx"));
  check(EVP_PKEY_verify_init(ctx.get()), "EVP_PKEY_verify_init");
  // OpenSSL parses the DER strictly (it re-encodes and compares), so a non-canonical encoding of
  // a valid (r, s) is rejected as well.
  int rc =
      EVP_PKEY_verify(ctx.get(), data_or_empty(signature), signature.size(), digest, digest_len);
  if (rc != 1) {
    ERR_clear_error();  // a bad signature is an answer, not an error
    return false;
  }
  return true;
}

SecretBytes OpenSslProvider::ec_dh(const EcCurve& c, BytesView private_key,
                                   BytesView peer_public_key) const {
  BnPtr d = ec_scalar(c, private_key);
  ec_check_public(c, peer_public_key);
  PkeyPtr mine = ec_pkey(c, d.get(), {});
  PkeyPtr peer = ec_pkey(c, nullptr, peer_public_key);
  // RFC 9180 §7.1.1: Ndh-byte x-coordinate; OpenSSL pads it to the field size. A valid peer point
  // times a scalar in [1, n-1] cannot be the point at infinity on a prime-order curve.
  return derive(mine.get(), peer.get(), c.scalar_len, ErrorCode::kCryptoBackend, "ECDH");
}

// --- signatures --------------------------------------------------------------------------------

namespace {

struct SigAlg {
  const RawAlg* raw;  // EdDSA, or nullptr for ECDSA
  uint8_t curve;      // index into the provider's curves for ECDSA
  HashAlg hash;       // ECDSA's hash
};

SigAlg sig_alg(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kEd25519: return {&kEd25519, 0, HashAlg::kSha256};
    case SignatureScheme::kEd448: return {&kEd448, 0, HashAlg::kSha256};
    case SignatureScheme::kEcdsaSecp256r1Sha256: return {nullptr, 0, HashAlg::kSha256};
    case SignatureScheme::kEcdsaSecp384r1Sha384: return {nullptr, 1, HashAlg::kSha384};
    case SignatureScheme::kEcdsaSecp521r1Sha512: return {nullptr, 2, HashAlg::kSha512};
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm,
              "signature scheme " + std::to_string(static_cast<int>(scheme)));
}

}  // namespace

KeyPair OpenSslProvider::signature_generate(SignatureScheme scheme) const {
  SigAlg alg = sig_alg(scheme);
  KeyPair kp;
  // Any RFC 8032 seed is a valid EdDSA private key.
  kp.private_key =
      alg.raw != nullptr ? random_secret(alg.raw->key_len) : ec_random_scalar(curves_[alg.curve]);
  kp.public_key = signature_public_key(scheme, kp.private_key.view());
  return kp;
}

Bytes OpenSslProvider::signature_public_key(SignatureScheme scheme, BytesView private_key) const {
  SigAlg alg = sig_alg(scheme);
  if (alg.raw != nullptr) return raw_public_of(*alg.raw, private_key);
  const EcCurve& c = curves_[alg.curve];
  return ec_public_of(c, ec_scalar(c, private_key).get());
}

Bytes OpenSslProvider::sign(SignatureScheme scheme, BytesView private_key,
                            BytesView message) const {
  SigAlg alg = sig_alg(scheme);
  if (alg.raw == nullptr) return ec_sign(curves_[alg.curve], alg.hash, private_key, message);
  // Pure EdDSA (RFC 8032 §5.1.6, §5.2.6 with an empty context): one-shot, no digest.
  PkeyPtr key = raw_private_key(*alg.raw, private_key);
  MdCtxPtr ctx(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  check(EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr),
        "EVP_DigestSignInit_ex");
  size_t sig_len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &sig_len, data_or_empty(message), message.size()),
        "EdDSA size");
  Bytes sig(sig_len);
  check(EVP_DigestSign(ctx.get(), sig.data(), &sig_len, data_or_empty(message), message.size()),
        "EdDSA sign");
  sig.resize(sig_len);
  return sig;
}

bool OpenSslProvider::verify(SignatureScheme scheme, BytesView public_key, BytesView message,
                             BytesView signature) const {
  SigAlg alg = sig_alg(scheme);
  if (alg.raw == nullptr)
    return ec_verify(curves_[alg.curve], alg.hash, public_key, message, signature);
  // A key of the right length that does not decode to a curve point is only found out while
  // verifying, and then reads as a failed verification.
  PkeyPtr key = raw_public_key(*alg.raw, public_key);
  MdCtxPtr ctx(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  check(EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr),
        "EVP_DigestVerifyInit_ex");
  int rc = EVP_DigestVerify(ctx.get(), data_or_empty(signature), signature.size(),
                            data_or_empty(message), message.size());
  if (rc != 1) {
    ERR_clear_error();
    return false;
  }
  return true;
}

// --- Diffie-Hellman (RFC 9180 §4.1, §7.1) ------------------------------------------------------

namespace {

struct DhAlg {
  const RawAlg* raw;  // X25519 / X448, or nullptr for the NIST curves
  uint8_t curve;
};

DhAlg dh_alg(KemId kem) {
  switch (kem) {
    case KemId::kDhkemX25519Sha256: return {&kX25519, 0};
    case KemId::kDhkemX448Sha512: return {&kX448, 0};
    case KemId::kDhkemP256Sha256: return {nullptr, 0};
    case KemId::kDhkemP384Sha384: return {nullptr, 1};
    case KemId::kDhkemP521Sha512: return {nullptr, 2};
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm, "KEM " + std::to_string(static_cast<int>(kem)));
}

}  // namespace

KeyPair OpenSslProvider::dh_generate(KemId kem) const {
  DhAlg alg = dh_alg(kem);
  KeyPair kp;
  // RFC 7748 §5: every string of the right length is a valid X25519/X448 private key.
  kp.private_key =
      alg.raw != nullptr ? random_secret(alg.raw->key_len) : ec_random_scalar(curves_[alg.curve]);
  kp.public_key = dh_public_key(kem, kp.private_key.view());
  return kp;
}

Bytes OpenSslProvider::dh_public_key(KemId kem, BytesView private_key) const {
  DhAlg alg = dh_alg(kem);
  if (alg.raw != nullptr) return raw_public_of(*alg.raw, private_key);
  const EcCurve& c = curves_[alg.curve];
  return ec_public_of(c, ec_scalar(c, private_key).get());
}

namespace {

SecretBytes raw_dh(const RawAlg& alg, EVP_PKEY* mine, BytesView peer_public_key) {
  PkeyPtr peer = raw_public_key(alg, peer_public_key);
  // RFC 9180 §7.1.4, RFC 7748 §6: a low-order peer point gives the all-zero secret. OpenSSL
  // already fails the derivation then; the explicit check does not depend on that.
  SecretBytes secret = derive(mine, peer.get(), alg.key_len, ErrorCode::kInvalidPublicKey,
                              "all-zero X25519/X448 shared secret");
  if (all_zero(secret.view()))
    throw Error(ErrorCode::kInvalidPublicKey, "all-zero X25519/X448 shared secret");
  return secret;
}

}  // namespace

SecretBytes OpenSslProvider::dh(KemId kem, BytesView private_key, BytesView peer_public_key) const {
  DhAlg alg = dh_alg(kem);
  if (alg.raw == nullptr) return ec_dh(curves_[alg.curve], private_key, peer_public_key);
  return raw_dh(*alg.raw, raw_private_key(*alg.raw, private_key).get(), peer_public_key);
}

namespace {

// RFC 7748 §5: u is read little-endian modulo p, X25519 ignoring the top bit. The u of the points
// of small order on the curve and on its twist (0, 1, p-1, and for Curve25519 the two of
// order 8) give an all-zero DH output with every private key (RFC 9180 §7.1.4). Listed are the
// canonical encodings and the non-canonical ones (u + p) that still fit.
std::vector<Bytes> small_order_encodings(const RawAlg& alg) {
  const bool x25519 = alg.key_len == kX25519.key_len;
  // p = 2^255 - 19, or 2^448 - 2^224 - 1
  BnPtr p(check_ptr(BN_new(), "BN_new"));
  if (x25519) {
    check(BN_set_bit(p.get(), 255), "BN_set_bit");
    check(BN_sub_word(p.get(), 19), "BN_sub_word");
  } else {
    BnPtr t(check_ptr(BN_new(), "BN_new"));
    check(BN_set_bit(p.get(), 448), "BN_set_bit");
    check(BN_set_bit(t.get(), 224), "BN_set_bit");
    check(BN_sub(p.get(), p.get(), t.get()), "BN_sub");
    check(BN_sub_word(p.get(), 1), "BN_sub_word");
  }
  std::vector<BnPtr> us;
  us.emplace_back(check_ptr(BN_new(), "BN_new"));  // 0
  us.emplace_back(check_ptr(BN_new(), "BN_new"));
  check(BN_one(us.back().get()), "BN_one");
  us.emplace_back(check_ptr(BN_dup(p.get()), "BN_dup"));
  check(BN_sub_word(us.back().get(), 1), "BN_sub_word");
  if (x25519)
    for (const char* order8 :
         {"b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0",
          "57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5f"}) {
      BIGNUM* u = nullptr;
      if (BN_hex2bn(&u, order8) == 0) backend_fail("BN_hex2bn");
      us.emplace_back(u);
    }
  const int bits = x25519 ? 255 : 448;
  std::vector<Bytes> out;
  for (const BnPtr& u : us) {
    for (int twice = 0; twice < 2; ++twice) {
      if (twice) check(BN_add(u.get(), u.get(), p.get()), "BN_add");
      if (BN_num_bits(u.get()) > bits) break;
      Bytes encoding(alg.key_len);
      if (BN_bn2lebinpad(u.get(), encoding.data(), static_cast<int>(encoding.size())) < 0)
        backend_fail("BN_bn2lebinpad");
      out.push_back(std::move(encoding));
    }
  }
  return out;
}

void raw_check_public(const RawAlg& alg, BytesView key) {
  if (key.size() != alg.key_len)
    throw Error(ErrorCode::kInvalidPublicKey,
                length_detail(std::string(alg.name) + " public key", key.size(), alg.key_len));
  static const std::vector<Bytes> x25519 = small_order_encodings(kX25519);
  static const std::vector<Bytes> x448 = small_order_encodings(kX448);
  const bool is_x25519 = alg.key_len == kX25519.key_len;
  Bytes u = to_bytes(key);
  if (is_x25519) u.back() &= 0x7f;
  for (const Bytes& bad : is_x25519 ? x25519 : x448)
    if (u == bad)
      throw Error(ErrorCode::kInvalidPublicKey,
                  std::string(alg.name) + " public key is a point of small order");
}

}  // namespace

void OpenSslProvider::dh_check_public_key(KemId kem, BytesView public_key) const {
  DhAlg alg = dh_alg(kem);
  if (alg.raw == nullptr)
    ec_check_public(curves_[alg.curve], public_key);
  else
    raw_check_public(*alg.raw, public_key);
}

SecretBytes OpenSslProvider::dh_with_public_key(KemId kem, BytesView private_key,
                                                BytesView public_key,
                                                BytesView peer_public_key) const {
  DhAlg alg = dh_alg(kem);
  // The NIST curves' private keys are imported without their public point already.
  if (alg.raw == nullptr) return ec_dh(curves_[alg.curve], private_key, peer_public_key);
  return raw_dh(*alg.raw, raw_key_pair(*alg.raw, private_key, public_key).get(), peer_public_key);
}

}  // namespace conclave::crypto::ossl
