// Test certificates minted with OpenSSL: key pairs in both OpenSSL's form and the MLS encodings
// of include/conclave/crypto/provider.h, and root -> intermediate -> leaf hierarchies for the
// X.509 credential tests (RFC 9420 §5.3).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/cipher_suite.h"

namespace conclave::x509_testing {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, Deleter<ASN1_BIT_STRING_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using Ia5Ptr = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING_free>>;

inline void ok(bool good, const char* what) {
  if (!good) throw std::runtime_error(std::string("test certificate setup: ") + what);
}

inline constexpr crypto::SignatureScheme kAllSchemes[] = {
    crypto::SignatureScheme::kEd25519,
    crypto::SignatureScheme::kEd448,
    crypto::SignatureScheme::kEcdsaSecp256r1Sha256,
    crypto::SignatureScheme::kEcdsaSecp384r1Sha384,
    crypto::SignatureScheme::kEcdsaSecp521r1Sha512,
};

inline std::string scheme_name(crypto::SignatureScheme s) {
  switch (s) {
    case crypto::SignatureScheme::kEd25519: return "Ed25519";
    case crypto::SignatureScheme::kEd448: return "Ed448";
    case crypto::SignatureScheme::kEcdsaSecp256r1Sha256: return "P256";
    case crypto::SignatureScheme::kEcdsaSecp384r1Sha384: return "P384";
    case crypto::SignatureScheme::kEcdsaSecp521r1Sha512: return "P521";
  }
  return "unknown";
}

// A signature key pair as OpenSSL holds it and as MLS encodes it.
struct TestKey {
  PkeyPtr pkey;
  SecretBytes mls_private;  // raw seed (EdDSA) or big-endian scalar padded to the field (ECDSA)
  Bytes mls_public;         // raw key (EdDSA) or uncompressed point (ECDSA)
};

inline TestKey make_key(crypto::SignatureScheme scheme) {
  TestKey k;
  size_t scalar_len = 0;
  switch (scheme) {
    case crypto::SignatureScheme::kEd25519:
      k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
    case crypto::SignatureScheme::kEd448:
      k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
      break;
    case crypto::SignatureScheme::kEcdsaSecp256r1Sha256:
      k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      scalar_len = 32;
      break;
    case crypto::SignatureScheme::kEcdsaSecp384r1Sha384:
      k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
      scalar_len = 48;
      break;
    case crypto::SignatureScheme::kEcdsaSecp521r1Sha512:
      k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
      scalar_len = 66;
      break;
  }
  ok(k.pkey != nullptr, "keygen");
  if (scalar_len == 0) {
    size_t len = 0;
    ok(EVP_PKEY_get_raw_private_key(k.pkey.get(), nullptr, &len) == 1, "raw private length");
    k.mls_private = SecretBytes(len);
    ok(EVP_PKEY_get_raw_private_key(k.pkey.get(), k.mls_private.data(), &len) == 1, "raw private");
    ok(EVP_PKEY_get_raw_public_key(k.pkey.get(), nullptr, &len) == 1, "raw public length");
    k.mls_public.resize(len);
    ok(EVP_PKEY_get_raw_public_key(k.pkey.get(), k.mls_public.data(), &len) == 1, "raw public");
    return k;
  }
  BIGNUM* d = nullptr;
  ok(EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1, "EC private");
  BnPtr d_owned(d);
  k.mls_private = SecretBytes(scalar_len);
  ok(BN_bn2binpad(d, k.mls_private.data(), static_cast<int>(scalar_len)) ==
         static_cast<int>(scalar_len),
     "EC scalar");
  size_t len = 0;
  ok(EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0,
                                     &len) == 1,
     "EC public length");
  k.mls_public.resize(len);
  ok(EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                     k.mls_public.data(), len, &len) == 1,
     "EC public");
  return k;
}

struct CertSpec {
  std::string common_name;
  bool ca = false;
  int64_t not_before = 0;  // seconds since the Unix epoch
  int64_t not_after = 0;
  std::vector<std::string> dns_names;
  std::vector<std::string> emails;
  std::vector<std::string> uris;
  long serial = 1;
};

inline void add_alt_names(X509* x, const CertSpec& spec) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  ok(names != nullptr, "GENERAL_NAMES");
  const auto add = [&](int type, const std::string& value) {
    Ia5Ptr s(ASN1_IA5STRING_new());
    ok(s && ASN1_STRING_set(s.get(), value.data(), static_cast<int>(value.size())) == 1, "IA5");
    GeneralNamePtr name(GENERAL_NAME_new());
    ok(name != nullptr, "GENERAL_NAME");
    GENERAL_NAME_set0_value(name.get(), type, s.release());
    ok(sk_GENERAL_NAME_push(names.get(), name.get()) > 0, "push GENERAL_NAME");
    name.release();
  };
  for (const auto& v : spec.dns_names)
    add(GEN_DNS, v);
  for (const auto& v : spec.emails)
    add(GEN_EMAIL, v);
  for (const auto& v : spec.uris)
    add(GEN_URI, v);
  if (sk_GENERAL_NAME_num(names.get()) > 0)
    ok(X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1, "SAN");
}

// A certificate for `subject_key`, signed by `issuer_key` under `issuer`'s name (self-signed
// when issuer is null).
inline X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* subject_key, const X509* issuer,
                         EVP_PKEY* issuer_key) {
  X509Ptr x(X509_new());
  ok(x != nullptr, "X509_new");
  ok(X509_set_version(x.get(), X509_VERSION_3) == 1, "version");
  ok(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), spec.serial) == 1, "serial");
  ok(ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.not_before)) != nullptr,
     "notBefore");
  ok(ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.not_after)) != nullptr,
     "notAfter");
  X509_NAME* subject = X509_get_subject_name(x.get());
  ok(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                reinterpret_cast<const unsigned char*>("Conclave Test"), -1, -1,
                                0) == 1,
     "O");
  ok(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                -1, -1, 0) == 1,
     "CN");
  ok(X509_set_issuer_name(x.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject) ==
         1,
     "issuer");
  ok(X509_set_pubkey(x.get(), subject_key) == 1, "pubkey");

  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  ok(bc != nullptr, "BASIC_CONSTRAINTS");
  bc->ca = spec.ca ? 0xFF : 0;
  ok(X509_add1_ext_i2d(x.get(), NID_basic_constraints, bc.get(), 1, X509V3_ADD_DEFAULT) == 1, "bc");
  BitStringPtr usage(ASN1_BIT_STRING_new());
  ok(usage != nullptr, "keyUsage");
  if (spec.ca) {
    ok(ASN1_BIT_STRING_set_bit(usage.get(), 5, 1) == 1, "keyCertSign");
    ok(ASN1_BIT_STRING_set_bit(usage.get(), 6, 1) == 1, "cRLSign");
  } else {
    ok(ASN1_BIT_STRING_set_bit(usage.get(), 0, 1) == 1, "digitalSignature");
  }
  ok(X509_add1_ext_i2d(x.get(), NID_key_usage, usage.get(), 1, X509V3_ADD_DEFAULT) == 1, "ku");
  add_alt_names(x.get(), spec);

  // EdDSA signs the message itself; ECDSA takes the digest that matches the curve.
  const EVP_MD* md = nullptr;
  if (EVP_PKEY_is_a(issuer_key, "EC")) {
    const int bits = EVP_PKEY_get_bits(issuer_key);
    md = bits <= 256 ? EVP_sha256() : bits <= 384 ? EVP_sha384() : EVP_sha512();
  }
  ok(X509_sign(x.get(), issuer_key, md) > 0, "X509_sign");
  return x;
}

inline Bytes der_of(const X509* x) {
  unsigned char* out = nullptr;
  const int len = i2d_X509(x, &out);
  ok(len > 0, "i2d_X509");
  Bytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

inline std::string pem_of(const X509* x) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  ok(bio && PEM_write_bio_X509(bio.get(), x) == 1, "PEM_write_bio_X509");
  const char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// A root CA and an intermediate CA under it, all keys of one scheme, valid for a year around
// `now`.
struct Pki {
  crypto::SignatureScheme scheme;
  int64_t now;
  TestKey root_key;
  TestKey intermediate_key;
  X509Ptr root;
  X509Ptr intermediate;
  Bytes root_der;
  Bytes intermediate_der;
  long next_serial = 3;

  Pki(crypto::SignatureScheme s, int64_t now_, const std::string& name)
      : scheme(s), now(now_), root_key(make_key(s)), intermediate_key(make_key(s)) {
    const int64_t year = 365 * 86400;
    root = make_cert({name + " Root CA", true, now - year, now + year, {}, {}, {}, 1},
                     root_key.pkey.get(), nullptr, root_key.pkey.get());
    intermediate = make_cert({name + " Issuing CA", true, now - year, now + year, {}, {}, {}, 2},
                             intermediate_key.pkey.get(), root.get(), root_key.pkey.get());
    root_der = der_of(root.get());
    intermediate_der = der_of(intermediate.get());
  }

  // A leaf for `key` issued by the intermediate, valid from a day before `now` to a day after
  // unless `spec` says otherwise, with the subjectAltNames dns <cn>.example and <cn>@example.com.
  Bytes issue(const std::string& cn, const TestKey& key, std::optional<CertSpec> spec = {}) {
    CertSpec s = spec.value_or(CertSpec{
        cn, false, now - 86400, now + 86400, {cn + ".example"}, {cn + "@example.com"}, {}, 0});
    s.serial = next_serial++;
    X509Ptr leaf = make_cert(s, key.pkey.get(), intermediate.get(), intermediate_key.pkey.get());
    return der_of(leaf.get());
  }
};

}  // namespace conclave::x509_testing
