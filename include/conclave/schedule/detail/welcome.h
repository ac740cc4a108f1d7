// The cryptographic pieces of a Welcome (RFC 9420 §12.4.3.1): group secrets encrypted to each
// new member's init key, and the GroupInfo encrypted under the welcome key and signed.
#pragma once

#include <span>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/detail/chunked_work.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/welcome.h"

namespace conclave::schedule {

// §12.4.3.1: EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets),
// addressed to MakeKeyPackageRef(key_package).
wire::EncryptedGroupSecrets encrypt_group_secrets(const crypto::Suite& suite,
                                                  const wire::KeyPackage& key_package,
                                                  const wire::GroupSecrets& group_secrets,
                                                  BytesView encrypted_group_info);

// encrypt_group_secrets for every new member of a commit, in order (key_packages[i] gets
// group_secrets[i]). The context of every encryption is the encrypted GroupInfo, which holds the
// ratchet tree in most Welcomes: it is hashed once for all members instead of once each, and
// the members are shared among up to max_threads threads, the caller's included (0: one per
// core). `precomputed`: the WelcomePrecomputation of these KeyPackages, consumed. Throws
// kInvalidArgument when the sizes differ.
// The work of a Welcome that needs only the new members' KeyPackages: each one's HPKE
// encapsulation to its init_key (RFC 9180 §5.1: the seal binds its info, the encrypted GroupInfo,
// only after it) and its KeyPackageRef (§5.2). A commit starts it on `workers` threads once its
// Adds are validated and builds the new epoch meanwhile; finish() does what is left on the
// calling thread. The KeyPackages must outlive the object; the destructor stops the workers.
class WelcomePrecomputation {
 public:
  struct Result {
    std::vector<crypto::Hpke::Encapsulated> encapsulations;  // [i] to key_packages[i]->init_key
    std::vector<Bytes> refs;                                 // MakeKeyPackageRef(key_packages[i])
  };

  WelcomePrecomputation(const crypto::Suite& suite,
                        std::vector<const wire::KeyPackage*> key_packages, unsigned workers);

  const std::vector<const wire::KeyPackage*>& key_packages() const { return key_packages_; }
  // Works through what no worker has taken, waits for the workers and hands over the result;
  // rethrows the failure of the lowest failing KeyPackage. Once only.
  Result finish();

 private:
  const crypto::Suite& suite_;
  std::vector<const wire::KeyPackage*> key_packages_;
  Result result_;
  ChunkedWork work_;  // last: its workers stop before what they write goes
};

std::vector<wire::EncryptedGroupSecrets> encrypt_group_secrets_many(
    const crypto::Suite& suite, std::span<const wire::KeyPackage* const> key_packages,
    std::span<const wire::GroupSecrets> group_secrets, BytesView encrypted_group_info,
    unsigned max_threads = 0, WelcomePrecomputation::Result* precomputed = nullptr);

// The entry of the Welcome addressed to the key package reference, or nullptr.
const wire::EncryptedGroupSecrets* find_group_secrets(const wire::Welcome& welcome,
                                                      BytesView key_package_ref);

// §12.4.3.1: DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, ...). Throws
// Error(kAeadAuthenticationFailed) when it does not open, codec errors when the plaintext is not
// a GroupSecrets.
wire::GroupSecrets decrypt_group_secrets(const crypto::Suite& suite,
                                         const wire::EncryptedGroupSecrets& secrets,
                                         BytesView init_private_key,
                                         BytesView encrypted_group_info);

// §12.4.3.1: AEAD under welcome_key/welcome_nonce with empty associated data.
Bytes encrypt_group_info(const crypto::Suite& suite, BytesView welcome_secret,
                         const wire::GroupInfo& group_info);
wire::GroupInfo decrypt_group_info(const crypto::Suite& suite, BytesView welcome_secret,
                                   BytesView encrypted_group_info);

// §12.4.3: SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) into group_info.signature.
void sign_group_info(const crypto::Suite& suite, wire::GroupInfo& group_info,
                     BytesView signature_private_key);
// Throws Error(kInvalidSignature) unless the signer's key verifies the signature.
void verify_group_info(const crypto::Suite& suite, const wire::GroupInfo& group_info,
                       BytesView signer_public_key);

}  // namespace conclave::schedule
