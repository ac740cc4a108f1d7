// The command line: options (anywhere, `--name VALUE` or `--name=VALUE`; `--` ends them) and
// the words of the command with its operands.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace conclave::cli {

struct Args {
  std::vector<std::string> words;  // the command's words and operands, in order
  std::optional<std::string> data_dir;
  std::optional<std::string> profile;
  std::optional<std::string> server;
  std::optional<std::string> device;
  std::optional<std::string> identity;  // register --identity FILE
  bool open = false;
  bool help = false;

  // The options given among `--server`, `--device`, `--identity` and `--open` (for the commands
  // that take none of them to refuse).
  std::vector<std::string> command_options() const;
};

// Throws CliError(kExitUsage) for an unknown option or one without its value.
Args parse_args(int argc, const char* const* argv);

}  // namespace conclave::cli
