// `conclave`: a group chat client on the Conclave client layer, talking to a conclave-ds
// (docs/cli.md).
#include <sys/stat.h>

#include <cstdio>
#include <exception>

#include "args.h"
#include "cli_error.h"
#include "commands.h"

int main(int argc, char** argv) {
  using namespace conclave::cli;
  // Profiles hold private keys and epoch secrets in clear (the SQLite store, its WAL): every
  // file and folder the CLI makes is its owner's alone.
  umask(077);
  try {
    return run_command(parse_args(argc, argv));
  } catch (const CliError& e) {
    std::fprintf(stderr, "conclave: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conclave: %s\n", e.what());
    return kExitRefused;
  }
}
