// X.509 chain verification with OpenSSL 3 (RFC 9420 §5.3, RFC 5280 §6).
#include "conclave/crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>

#include "conclave/base/error.h"
#include "openssl_util.h"

namespace conclave::crypto {

namespace {

using ossl::BnPtr;
using ossl::Deleter;
using ossl::fail;

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
// The stack does not own its certificates: they stay owned by the chain and the store.
struct StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using CertStackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;
// OPENSSL_free is a macro, so it cannot be a Deleter argument.
struct OpenSslFree {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

// A certificate shared between copies of a trust store; X509 is reference counted and safe to
// read from several threads.
std::shared_ptr<X509> share(X509Ptr cert) {
  return std::shared_ptr<X509>(cert.release(), Deleter<X509_free>());
}

// Exactly one DER certificate: d2i_X509 stops at the end of the first structure, so trailing
// bytes would otherwise pass unnoticed.
X509Ptr parse_der(BytesView der, std::string_view what) {
  if (der.empty()) throw Error(ErrorCode::kX509Malformed, std::string(what) + " is empty");
  if (der.size() > static_cast<size_t>(std::numeric_limits<long>::max()))
    throw Error(ErrorCode::kX509Malformed, std::string(what) + " is too large");
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) fail(ErrorCode::kX509Malformed, std::string(what) + " is not a DER certificate");
  if (p != der.data() + der.size())
    throw Error(ErrorCode::kX509Malformed, std::string(what) + " has trailing bytes");
  return cert;
}

// Certificates are never encrypted: refuse a password rather than let OpenSSL's default
// callback prompt on a terminal for a block that claims to be.
int no_password(char*, int, int, void*) {
  return -1;
}

std::vector<X509Ptr> parse_pem(std::string_view pem, std::string_view what) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(ErrorCode::kX509Malformed, std::string(what) + " are too large");
  BioPtr bio(ossl::check_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                             "BIO_new_mem_buf"));
  std::vector<X509Ptr> certs;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
    if (cert) {
      certs.push_back(std::move(cert));
      continue;
    }
    // The loop ends on "no start line" at the end of the text; anything else is an error.
    const unsigned long err = ERR_peek_last_error();
    if (!certs.empty() && ERR_GET_LIB(err) == ERR_LIB_PEM &&
        ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
      ERR_clear_error();
      return certs;
    }
    fail(ErrorCode::kX509Malformed,
         std::string(what) + (certs.empty() ? ": no PEM certificate" : ": a bad PEM certificate"));
  }
}

std::string bio_text(BIO* bio) {
  const char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(ossl::check_ptr(BIO_new(BIO_s_mem()), "BIO_new"));
  // RFC 2253 form with UTF-8 left as is, so the application sees the identifiers unescaped.
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    ossl::backend_fail("X509_NAME_print_ex");
  return bio_text(bio.get());
}

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1)
    fail(ErrorCode::kX509Malformed, "a certificate time does not parse");
  using namespace std::chrono;
  const sys_days date = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                        day{static_cast<unsigned>(tm.tm_mday)};
  return int64_t{date.time_since_epoch().count()} * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
         tm.tm_sec;
}

std::vector<std::string> common_names(const X509_NAME* name) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* raw = nullptr;
    const int len = ASN1_STRING_to_UTF8(&raw, value);
    std::unique_ptr<unsigned char, OpenSslFree> utf8(raw);
    if (len < 0) fail(ErrorCode::kX509Malformed, "a commonName is not a valid string");
    out.emplace_back(reinterpret_cast<const char*>(utf8.get()), static_cast<size_t>(len));
  }
  return out;
}

void read_alt_names(X509* leaf, X509ChainInfo& info) {
  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    // -1: no such extension. Otherwise it failed to decode (or repeats, -2), which path
    // validation would already have refused; be explicit anyway.
    if (critical != -1) fail(ErrorCode::kX509Malformed, "the subjectAltName does not decode");
    return;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    switch (n->type) {
      case GEN_DNS: info.dns_names.push_back(asn1_text(n->d.dNSName)); break;
      case GEN_EMAIL: info.emails.push_back(asn1_text(n->d.rfc822Name)); break;
      case GEN_URI: info.uris.push_back(asn1_text(n->d.uniformResourceIdentifier)); break;
      default: break;  // other kinds are left to applications that read the certificate
    }
  }
}

// --- the key binding (§5.3) ----------------------------------------------------------------------

struct SchemeKey {
  const char* key_type;   // OpenSSL key type name
  int curve_nid;          // ECDSA only
  size_t coordinate_len;  // ECDSA only: the field size
};

std::string scheme_text(SignatureScheme scheme) {
  char text[8];
  std::snprintf(text, sizeof(text), "0x%04x", static_cast<unsigned>(scheme));
  return text;
}

SchemeKey scheme_key(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kEd25519: return {"ED25519", NID_undef, 0};
    case SignatureScheme::kEd448: return {"ED448", NID_undef, 0};
    case SignatureScheme::kEcdsaSecp256r1Sha256: return {"EC", NID_X9_62_prime256v1, 32};
    case SignatureScheme::kEcdsaSecp384r1Sha384: return {"EC", NID_secp384r1, 48};
    case SignatureScheme::kEcdsaSecp521r1Sha512: return {"EC", NID_secp521r1, 66};
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm, "signature scheme " + scheme_text(scheme));
}

int curve_of(const EVP_PKEY* pkey) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1) return NID_undef;
  // OpenSSL reports short names ("prime256v1"); accept NIST names too.
  const int nid = OBJ_sn2nid(name);
  return nid != NID_undef ? nid : EC_curve_nist2nid(name);
}

// The leaf's public key in the MLS encoding of provider.h, or a kX509KeyMismatch naming why
// there is none. EC coordinates are read as numbers, so a certificate carrying its point
// compressed still binds the uncompressed MLS key of the same point.
Bytes mls_key_of(const EVP_PKEY* pkey, SignatureScheme scheme) {
  const SchemeKey want = scheme_key(scheme);
  if (pkey == nullptr || EVP_PKEY_is_a(pkey, want.key_type) != 1)
    throw Error(ErrorCode::kX509KeyMismatch, std::string("the leaf certificate's key is not an ") +
                                                 want.key_type + " key, as signature scheme " +
                                                 scheme_text(scheme) + " needs");
  if (want.curve_nid == NID_undef) {
    size_t len = 0;
    ossl::check(EVP_PKEY_get_raw_public_key(pkey, nullptr, &len), "raw public key length");
    Bytes key(len);
    ossl::check(EVP_PKEY_get_raw_public_key(pkey, key.data(), &len), "raw public key");
    key.resize(len);
    return key;
  }
  if (curve_of(pkey) != want.curve_nid)
    throw Error(ErrorCode::kX509KeyMismatch,
                std::string("the leaf certificate's key is not on ") + OBJ_nid2sn(want.curve_nid));
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  ossl::check(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x), "EC public x");
  BnPtr x_owned(x);
  ossl::check(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y), "EC public y");
  BnPtr y_owned(y);
  const size_t n = want.coordinate_len;
  Bytes key(1 + 2 * n);
  key[0] = POINT_CONVERSION_UNCOMPRESSED;
  if (BN_bn2binpad(x, key.data() + 1, static_cast<int>(n)) != static_cast<int>(n) ||
      BN_bn2binpad(y, key.data() + 1 + n, static_cast<int>(n)) != static_cast<int>(n))
    ossl::backend_fail("EC coordinates wider than the field");
  return key;
}

// --- path validation errors ----------------------------------------------------------------------

ErrorCode verify_error_code(int err) {
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED: return ErrorCode::kX509Untrusted;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED: return ErrorCode::kX509Expired;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: return ErrorCode::kX509Malformed;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return ErrorCode::kX509SignatureInvalid;
    default: return ErrorCode::kX509ChainInvalid;
  }
}

}  // namespace

// The parsed certificates behind a trust store, with the X509_STORE built from the anchors.
// Immutable once built, so copies of a trust store share it and threads may verify against it
// concurrently (X509_STORE locks its own lookup cache).
struct X509TrustStore::Certs {
  std::vector<std::shared_ptr<X509>> anchors;
  std::vector<std::shared_ptr<X509>> intermediates;
  StorePtr store;

  Certs(std::vector<std::shared_ptr<X509>> a, std::vector<std::shared_ptr<X509>> i)
      : anchors(std::move(a)), intermediates(std::move(i)) {
    store.reset(ossl::check_ptr(X509_STORE_new(), "X509_STORE_new"));
    for (const auto& cert : anchors)
      ossl::check(X509_STORE_add_cert(store.get(), cert.get()), "X509_STORE_add_cert");
  }
};

// Verification reaches into the store's private parts through this friend.
struct X509Verifier {
  static const X509TrustStore::Certs& certs(const X509TrustStore& s) { return *s.certs_; }

  static void add(X509TrustStore& s, std::vector<X509Ptr> certs, bool anchors) {
    // Build the new set aside and swap it in, so a failure leaves the store as it was.
    auto a = s.certs_->anchors;
    auto i = s.certs_->intermediates;
    for (auto& cert : certs)
      (anchors ? a : i).push_back(share(std::move(cert)));
    s.certs_ = std::make_shared<const X509TrustStore::Certs>(std::move(a), std::move(i));
  }

  static void set_time(const X509TrustStore& s, std::optional<uint64_t> at,
                       X509_VERIFY_PARAM* param) {
    using Mode = X509TrustStore::TimeMode;
    if (!at && s.time_mode_ == Mode::kIgnore) {
      X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
      return;
    }
    if (!at && s.time_mode_ == Mode::kFixed) at = s.fixed_time_;
    if (!at) return;  // OpenSSL reads the system clock
    if (*at > static_cast<uint64_t>(std::numeric_limits<time_t>::max()))
      throw Error(ErrorCode::kInvalidArgument, "verification time out of range");
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*at));
  }
};

X509TrustStore::X509TrustStore()
    : certs_(std::make_shared<const Certs>(std::vector<std::shared_ptr<X509>>{},
                                           std::vector<std::shared_ptr<X509>>{})) {}
X509TrustStore::~X509TrustStore() = default;
X509TrustStore::X509TrustStore(const X509TrustStore&) = default;
X509TrustStore& X509TrustStore::operator=(const X509TrustStore&) = default;
// A moved-from store keeps a valid (shared) certificate set, so it stays usable.
X509TrustStore::X509TrustStore(X509TrustStore&& other) noexcept
    : certs_(other.certs_), time_mode_(other.time_mode_), fixed_time_(other.fixed_time_) {}
X509TrustStore& X509TrustStore::operator=(X509TrustStore&& other) noexcept {
  certs_ = other.certs_;
  time_mode_ = other.time_mode_;
  fixed_time_ = other.fixed_time_;
  return *this;
}

void X509TrustStore::add_anchor_der(BytesView der) {
  std::vector<X509Ptr> certs;
  certs.push_back(parse_der(der, "trust anchor"));
  X509Verifier::add(*this, std::move(certs), true);
}

void X509TrustStore::add_anchors_pem(std::string_view pem) {
  X509Verifier::add(*this, parse_pem(pem, "trust anchors"), true);
}

void X509TrustStore::add_intermediate_der(BytesView der) {
  std::vector<X509Ptr> certs;
  certs.push_back(parse_der(der, "intermediate"));
  X509Verifier::add(*this, std::move(certs), false);
}

void X509TrustStore::add_intermediates_pem(std::string_view pem) {
  X509Verifier::add(*this, parse_pem(pem, "intermediates"), false);
}

size_t X509TrustStore::anchor_count() const {
  return certs_->anchors.size();
}

size_t X509TrustStore::intermediate_count() const {
  return certs_->intermediates.size();
}

void X509TrustStore::set_verification_time(uint64_t unix_seconds) {
  time_mode_ = TimeMode::kFixed;
  fixed_time_ = unix_seconds;
}

void X509TrustStore::use_system_time() {
  time_mode_ = TimeMode::kSystem;
}

void X509TrustStore::ignore_validity_periods() {
  time_mode_ = TimeMode::kIgnore;
}

X509ChainInfo verify_x509_chain(const X509TrustStore& store, const std::vector<Bytes>& der_chain,
                                SignatureScheme scheme, BytesView signature_public_key,
                                std::optional<uint64_t> at) {
  if (der_chain.empty()) throw Error(ErrorCode::kX509Malformed, "the certificate chain is empty");
  std::vector<X509Ptr> chain;
  chain.reserve(der_chain.size());
  for (size_t i = 0; i < der_chain.size(); ++i)
    chain.push_back(parse_der(der_chain[i], "certificate " + std::to_string(i)));

  // The key binding first: it is cheap, and a mismatch is the likelier mistake.
  const Bytes leaf_key = mls_key_of(X509_get0_pubkey(chain[0].get()), scheme);
  if (leaf_key.size() != signature_public_key.size() ||
      !std::equal(leaf_key.begin(), leaf_key.end(), signature_public_key.begin()))
    throw Error(ErrorCode::kX509KeyMismatch,
                "the leaf certificate's public key is not the member's signature key");

  // Everything after the leaf, then the store's known intermediates, may serve as issuers.
  const auto& certs = X509Verifier::certs(store);  // the type is private to the store
  CertStackPtr untrusted(ossl::check_ptr(sk_X509_new_null(), "sk_X509_new_null"));
  for (size_t i = 1; i < chain.size(); ++i)
    if (sk_X509_push(untrusted.get(), chain[i].get()) <= 0) ossl::backend_fail("sk_X509_push");
  for (const auto& cert : certs.intermediates)
    if (sk_X509_push(untrusted.get(), cert.get()) <= 0) ossl::backend_fail("sk_X509_push");

  StoreCtxPtr ctx(ossl::check_ptr(X509_STORE_CTX_new(), "X509_STORE_CTX_new"));
  ossl::check(X509_STORE_CTX_init(ctx.get(), certs.store.get(), chain[0].get(), untrusted.get()),
              "X509_STORE_CTX_init");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Every configured anchor ends a path (see add_anchor_der). No purpose is set: RFC 9420
  // defines no extended key usage for MLS, so none is required.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509Verifier::set_time(store, at, param);

  const int verified = X509_verify_cert(ctx.get());
  if (verified != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    if (verified < 0 && err == X509_V_OK) fail(ErrorCode::kCryptoBackend, "X509_verify_cert");
    ERR_clear_error();  // the reason is in the context; leave no stale queue behind
    const X509* at_fault = X509_STORE_CTX_get_current_cert(ctx.get());
    std::string detail =
        "certificate at depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx.get()));
    if (at_fault != nullptr) detail += " (" + name_text(X509_get_subject_name(at_fault)) + ")";
    detail += ": ";
    detail += X509_verify_cert_error_string(err);
    throw Error(verify_error_code(err), detail);
  }

  X509ChainInfo info;
  X509* leaf = chain[0].get();
  info.subject = name_text(X509_get_subject_name(leaf));
  info.issuer = name_text(X509_get_issuer_name(leaf));
  info.common_names = common_names(X509_get_subject_name(leaf));
  read_alt_names(leaf, info);
  info.not_before = unix_time(X509_get0_notBefore(leaf));
  info.not_after = unix_time(X509_get0_notAfter(leaf));
  const STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx.get());
  const int path_len = path != nullptr ? sk_X509_num(path) : 0;
  info.path_length = static_cast<size_t>(path_len > 0 ? path_len : 0);
  if (path_len > 0)
    info.anchor_subject = name_text(X509_get_subject_name(sk_X509_value(path, path_len - 1)));
  return info;
}

}  // namespace conclave::crypto
