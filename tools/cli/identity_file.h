// An identity kept in a file (`conclave identity export`, `conclave register --identity`): a
// user who loses the store registers again with the same key, which the delivery service
// still binds to the name, and rejoins the groups that are open.
#pragma once

#include <filesystem>

#include "conclave/group/identity.h"

namespace conclave::cli {

// Creates `path` for its owner alone (mode 0600: it holds the signature private key);
// CliError(kExitRefused) when it exists or cannot be written.
void write_identity_file(const std::filesystem::path& path, const Identity& identity);
// CliError(kExitNotFound) when `path` is missing, kExitRefused when it is no identity file.
Identity read_identity_file(const std::filesystem::path& path);

}  // namespace conclave::cli
