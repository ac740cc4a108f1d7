#include "credential_rule.h"

#include <string>

#include "text.h"

namespace conclave::cli {

// The CLI's users are basic credentials whose names conclave-ds vouches for: it binds a name
// to the first device key that registers it and stores KeyPackages only under their owner's
// registered name and key (tools/ds/README.md), and invite() fetches KeyPackages from it. What
// is left for a member to check is that a credential is basic (the CLI has no trust anchors for
// X.509) and that its name is one the CLI can show without ambiguity: every member prints it on
// its terminal, so a name with control characters could rewrite what others see, and accepting
// any credential would let a member add such a leaf.
bool acceptable_credential(const wire::Credential& credential, BytesView /*signature_key*/) {
  const Bytes* identity = credential.identity();
  if (credential.credential_type != wire::CredentialType::kBasic || !identity) return false;
  return is_valid_name(std::string(identity->begin(), identity->end()));
}

}  // namespace conclave::cli
