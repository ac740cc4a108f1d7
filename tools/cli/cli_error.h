// How the CLI ends a command that could not do its job: a sentence for the user (stderr) and
// the exit code that classifies it, as `conclave --help` and docs/cli.md list them.
#pragma once

#include <stdexcept>
#include <string>

namespace conclave::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,        // the command line is wrong
  kExitRefused = 2,      // refused by the MLS rules, the group or the delivery service
  kExitUnreachable = 3,  // the delivery service could not be reached
  kExitNotFound = 4,     // no such profile, group or user
};

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace conclave::cli
