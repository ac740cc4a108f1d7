/// @file
/// X.509 credentials (RFC 9420 §5.3): certificate chains verified with OpenSSL against trust
/// anchors the application configures, and the binding of the end-entity certificate's public key
/// to the member's MLS signature key.
///
/// Verification is purpose-agnostic (no extended key usage is required: RFC 9420 names none) and
/// otherwise OpenSSL's RFC 5280 path validation: issuer signatures, validity periods, CA basic
/// constraints, path lengths and critical extensions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/crypto/cipher_suite.h"

namespace conclave::crypto {

/// The trust anchors and known intermediates of an Authentication Service (RFC 9420 §5.3.1).
/// A value: copies are cheap (the parsed certificates are shared, immutable) and independent
/// (adding to one leaves the others as they were). Safe to use from several threads at once as
/// long as none of them modifies it.
class X509TrustStore {
 public:
  /// No anchors, no intermediates, the system clock.
  X509TrustStore();
  ~X509TrustStore();
  /// Shares the parsed certificates; later additions to either store leave the other as it is.
  X509TrustStore(const X509TrustStore&);
  /// Shares the parsed certificates, as the copy constructor does.
  X509TrustStore& operator=(const X509TrustStore&);
  /// Takes the certificates over.
  X509TrustStore(X509TrustStore&&) noexcept;
  /// Takes the certificates over.
  X509TrustStore& operator=(X509TrustStore&&) noexcept;

  /// A trust anchor. Any configured certificate ends a path, self-signed root or not, so an
  /// application may pin an issuing CA below a root it does not trust for MLS. Throws
  /// Error(kX509Malformed) for input that is not exactly one DER certificate.
  void add_anchor_der(BytesView der);
  /// Every CERTIFICATE block of a PEM text (other block types are skipped). Throws
  /// Error(kX509Malformed) when a block does not parse or there is none.
  void add_anchors_pem(std::string_view pem);

  /// Intermediate CA certificates that paths may use without being trusted themselves:
  /// §5.3 lets a chain "omit any non-leaf certificates that supported peers are known to
  /// already possess". Same errors as the anchors.
  void add_intermediate_der(BytesView der);
  /// Every CERTIFICATE block of a PEM text, as intermediates; errors as add_anchors_pem().
  void add_intermediates_pem(std::string_view pem);

  size_t anchor_count() const;        ///< trust anchors configured
  size_t intermediate_count() const;  ///< intermediates configured

  /// When certificates must be valid. The default is the system clock at each verification.
  /// A fixed time (seconds since the Unix epoch) is for tests and for checking a past message.
  void set_verification_time(uint64_t unix_seconds);
  /// Back to the default: the system clock at each verification.
  void use_system_time();
  /// Skips validity periods altogether, e.g. for an application that follows §5.3.2's advice to
  /// accept members with expired credentials and removes them by its own policy instead.
  void ignore_validity_periods();

 private:
  friend struct X509Verifier;
  struct Certs;
  enum class TimeMode : uint8_t { kSystem, kFixed, kIgnore };

  std::shared_ptr<const Certs> certs_;
  TimeMode time_mode_ = TimeMode::kSystem;
  uint64_t fixed_time_ = 0;
};

/// What a verified chain attests: the presented identifiers of RFC 9420 §5.3.1, for the
/// application to match against its reference identifiers.
struct X509ChainInfo {
  std::string subject;  ///< the leaf's subject, RFC 2253 form, e.g. "CN=bob,O=Example"
  std::string issuer;   ///< the leaf's issuer, same form
  std::vector<std::string> common_names;  ///< the subject's commonName attributes
  /// subjectAltName entries of the leaf, by kind: here dNSName.
  std::vector<std::string> dns_names;
  std::vector<std::string> emails;  ///< rfc822Name
  std::vector<std::string> uris;    ///< uniformResourceIdentifier
  int64_t not_before = 0;           ///< the leaf's validity, seconds since the Unix epoch
  int64_t not_after = 0;            ///< end of the leaf's validity, seconds since the Unix epoch
  std::string anchor_subject;       ///< the trust anchor the path ends at
  size_t path_length = 0;           ///< certificates in the verified path, leaf and anchor included
};

/// RFC 9420 §5.3: verifies `der_chain` (DER certificates, leaf first; later ones are offered as
/// intermediates in any order) to an anchor of `store`, then checks that the leaf's
/// subjectPublicKeyInfo holds `signature_public_key` in the encoding of provider.h: raw bytes for
/// Ed25519/Ed448, the uncompressed point on the scheme's curve for ECDSA. `at`, when given,
/// overrides the store's verification time.
///
/// Throws Error with:
/// @code{.unparsed}
///  kX509Malformed         an empty chain, or an entry that is not exactly one DER certificate;
///  kX509Untrusted         no path from the leaf to an anchor (unknown issuer, foreign root);
///  kX509Expired           a certificate on the path outside its validity period;
///  kX509SignatureInvalid  a certificate whose signature does not verify under its issuer's key;
///  kX509ChainInvalid      any other path validation failure (a non-CA issuer, path length, an
///                         unknown critical extension, ...);
///  kX509KeyMismatch       the leaf's key is of another algorithm or curve, or not the MLS key.
/// @endcode
/// The detail names the certificate (depth and subject) and OpenSSL's reason.
X509ChainInfo verify_x509_chain(const X509TrustStore& store, const std::vector<Bytes>& der_chain,
                                SignatureScheme scheme, BytesView signature_public_key,
                                std::optional<uint64_t> at = std::nullopt);

}  // namespace conclave::crypto
