#include "args.h"

#include <string_view>

#include "cli_error.h"

namespace conclave::cli {

std::vector<std::string> Args::command_options() const {
  std::vector<std::string> given;
  if (server) given.push_back("--server");
  if (device) given.push_back("--device");
  if (identity) given.push_back("--identity");
  if (open) given.push_back("--open");
  return given;
}

Args parse_args(int argc, const char* const* argv) {
  Args args;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      args.words.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      args.help = true;
      continue;
    }
    if (arg == "--open") {
      args.open = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    std::optional<std::string>* target = nullptr;
    if (name == "--data-dir") target = &args.data_dir;
    if (name == "--profile") target = &args.profile;
    if (name == "--server") target = &args.server;
    if (name == "--device") target = &args.device;
    if (name == "--identity") target = &args.identity;
    if (!target) {
      throw CliError(kExitUsage, "unknown option " + std::string(name) + " (see conclave --help)");
    }
    if (!value) {
      if (i + 1 >= argc) throw CliError(kExitUsage, std::string(name) + " needs a value");
      value = argv[++i];
    }
    *target = std::move(*value);
  }
  return args;
}

}  // namespace conclave::cli
