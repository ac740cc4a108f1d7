// The GroupPolicy of tests whose subject is not the Authentication Service: every credential
// accepted, by the explicit opt-in (RFC 9420 §5.3.1: GroupPolicy::credential_validator is
// required, a group without one refuses to admit anybody).
#pragma once

#include "conclave/group/config.h"

namespace conclave::testing {

// `policy` with insecure_accept_any_credential() as its credential validator.
inline GroupPolicy accept_any_policy(GroupPolicy policy = {}) {
  policy.credential_validator = insecure_accept_any_credential();
  return policy;
}

}  // namespace conclave::testing
