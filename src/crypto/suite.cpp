#include "conclave/crypto/suite.h"

#include <string>

#include "conclave/base/detail/parallel.h"
#include "conclave/base/error.h"

namespace conclave::crypto {

namespace {

constexpr std::string_view kLabelPrefix = "MLS 1.0 ";

std::string mls_label(std::string_view label) {
  std::string out;
  out.reserve(kLabelPrefix.size() + label.size());
  out.append(kLabelPrefix);
  out.append(label);
  return out;
}

// RFC 9420 §8: struct { uint16 length; opaque label<V>; opaque context<V>; } KDFLabel.
Bytes kdf_label(size_t length, std::string_view label, BytesView context) {
  codec::Writer w;
  w.u16(static_cast<uint16_t>(length));
  w.opaque(as_bytes(mls_label(label)));
  w.opaque(context);
  return w.take();
}

// SignContent (§5.1.2), EncryptContext (§5.1.3) and RefHashInput (§5.2) share one layout:
// two opaque<V> fields.
Bytes two_opaques(BytesView first, BytesView second) {
  codec::Writer w;
  w.opaque(first);
  w.opaque(second);
  return w.take();
}

}  // namespace

Suite::Suite(std::shared_ptr<const CryptoProvider> provider, uint16_t suite_id)
    : provider_(std::move(provider)), info_(&cipher_suite(suite_id)) {
  if (!provider_) throw Error(ErrorCode::kInvalidArgument, "null CryptoProvider");
}

SecretBytes Suite::extract(BytesView salt, BytesView ikm) const {
  return provider_->hkdf_extract(info_->hash, salt, ikm);
}

SecretBytes Suite::expand(BytesView prk, BytesView info, size_t length) const {
  return provider_->hkdf_expand(info_->hash, prk, info, length);
}

SecretBytes Suite::expand_with_label(BytesView secret, std::string_view label, BytesView context,
                                     size_t length) const {
  if (length > 0xffff)
    throw Error(ErrorCode::kInvalidArgument, "ExpandWithLabel length exceeds uint16");
  return expand(secret, kdf_label(length, label, context), length);
}

SecretBytes Suite::derive_secret(BytesView secret, std::string_view label) const {
  return expand_with_label(secret, label, {}, hash_len());
}

SecretBytes Suite::derive_tree_secret(BytesView secret, std::string_view label, uint32_t generation,
                                      size_t length) const {
  codec::Writer context;
  context.u32(generation);
  return expand_with_label(secret, label, context.bytes(), length);
}

Bytes Suite::ref_hash(std::string_view label, BytesView value) const {
  return hash(two_opaques(as_bytes(label), value));
}

Bytes Suite::make_key_package_ref(BytesView encoded_key_package) const {
  return ref_hash("MLS 1.0 KeyPackage Reference", encoded_key_package);
}

Bytes Suite::make_proposal_ref(BytesView encoded_authenticated_content) const {
  return ref_hash("MLS 1.0 Proposal Reference", encoded_authenticated_content);
}

Bytes Suite::sign_with_label(BytesView private_key, std::string_view label,
                             BytesView content) const {
  return provider_->sign(info_->signature, private_key,
                         two_opaques(as_bytes(mls_label(label)), content));
}

bool Suite::verify_with_label(BytesView public_key, std::string_view label, BytesView content,
                              BytesView signature) const {
  return provider_->verify(info_->signature, public_key,
                           two_opaques(as_bytes(mls_label(label)), content), signature);
}

HpkeCiphertext Suite::encrypt_with_label(BytesView public_key, std::string_view label,
                                         BytesView context, BytesView plaintext) const {
  const Bytes info = two_opaques(as_bytes(mls_label(label)), context);
  auto sealed = hpke().seal_base(public_key, info, {}, plaintext);
  return HpkeCiphertext{std::move(sealed.enc), std::move(sealed.ciphertext)};
}

std::vector<HpkeCiphertext> Suite::encrypt_with_label_many(
    std::span<const LabeledRecipient> recipients, std::string_view label, BytesView context,
    unsigned max_threads, std::span<Hpke::Encapsulated> encapsulated) const {
  if (!encapsulated.empty() && encapsulated.size() != recipients.size())
    throw Error(ErrorCode::kInvalidArgument, "one encapsulation per recipient");
  const Hpke h = hpke();
  const Bytes info_hash = h.info_hash(two_opaques(as_bytes(mls_label(label)), context));
  std::vector<HpkeCiphertext> out(recipients.size());
  // An encryption costs tens of microseconds (a key generation and a DH), a thread start less.
  constexpr size_t kMinPerThread = 8;
  parallel_chunks(
      recipients.size(), kMinPerThread,
      [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          auto sealed = encapsulated.empty()
                            ? h.seal_base_hashed(recipients[i].public_key, info_hash, {},
                                                 recipients[i].plaintext)
                            : h.seal_encapsulated(std::move(encapsulated[i]), info_hash, {},
                                                  recipients[i].plaintext);
          out[i] = HpkeCiphertext{std::move(sealed.enc), std::move(sealed.ciphertext)};
        }
      },
      max_threads);
  return out;
}

Bytes Suite::decrypt_with_label(BytesView private_key, std::string_view label, BytesView context,
                                BytesView kem_output, BytesView ciphertext) const {
  const Bytes info = two_opaques(as_bytes(mls_label(label)), context);
  return hpke().open_base(kem_output, private_key, info, {}, ciphertext);
}

}  // namespace conclave::crypto
