// Which members the CLI's groups accept (RFC 9420 §5.3.1: the application's credential check).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/wire/credential.h"

namespace conclave::cli {

// The GroupPolicy::credential_validator of every group the CLI holds: a basic credential whose
// identity is a name is_valid_name() accepts (see the definition for why).
bool acceptable_credential(const wire::Credential& credential, BytesView signature_key);

}  // namespace conclave::cli
