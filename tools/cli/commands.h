// The commands of `conclave`, their usage text, and running one.
#pragma once

#include <string>

#include "args.h"

namespace conclave::cli {

// `conclave --help`: the commands, the options and the exit codes.
std::string help_text();

// Runs the command `args` names; returns its exit code. Throws CliError for what it could not
// do.
int run_command(const Args& args);

}  // namespace conclave::cli
