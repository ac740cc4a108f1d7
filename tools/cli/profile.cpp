#include "profile.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cli_error.h"

namespace conclave::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfigFile = "profile";

fs::path config_path(const fs::path& dir) {
  return dir / kConfigFile;
}

}  // namespace

fs::path Profile::root(const std::optional<std::string>& data_dir) {
  if (data_dir) return fs::path(*data_dir) / "conclave";
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return fs::path(xdg) / "conclave";
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    throw CliError(kExitUsage, "neither XDG_DATA_HOME nor HOME is set: pass --data-dir DIR");
  }
  return fs::path(home) / ".local" / "share" / "conclave";
}

bool Profile::exists(const fs::path& root, const std::string& name) {
  std::error_code ec;
  return fs::exists(config_path(root / name), ec);
}

Profile Profile::load(const fs::path& root, const std::string& name) {
  const fs::path dir = root / name;
  std::ifstream in(config_path(dir));
  if (!in) {
    if (!exists(root, name)) {
      throw CliError(kExitNotFound, "there is no profile named " + name + " in " + root.string() +
                                        ": create it with `conclave register USER --server "
                                        "HOST:PORT`");
    }
    throw CliError(kExitRefused, "cannot read " + config_path(dir).string());
  }
  ProfileConfig config;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "server") config.server = value;
    if (key == "user") config.user = value;
    if (key == "device") config.device = value;
  }
  if (config.server.empty() || config.user.empty() || config.device.empty()) {
    throw CliError(kExitRefused, config_path(dir).string() +
                                     " lacks its server, user or device line: the profile is "
                                     "damaged");
  }
  return Profile(name, dir, config);
}

Profile Profile::create(const fs::path& root, const std::string& name,
                        const ProfileConfig& config) {
  const fs::path dir = root / name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw CliError(kExitRefused, "cannot create " + dir.string() + ": " + ec.message());
  // The store will hold the device's private keys and epoch secrets in clear.
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::ostringstream text;
  text << "# conclave profile: the device's store is store.sqlite beside this file\n"
       << "server=" << config.server << "\nuser=" << config.user << "\ndevice=" << config.device
       << "\n";
  // Written beside and renamed, so a crash never leaves half a profile file.
  const fs::path tmp = config_path(dir).string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) throw CliError(kExitRefused, "cannot write " + tmp.string());
  }
  fs::rename(tmp, config_path(dir), ec);
  if (ec) throw CliError(kExitRefused, "cannot write " + config_path(dir).string());
  return Profile(name, dir, config);
}

void Profile::remove(const fs::path& root, const std::string& name) {
  std::error_code ec;
  fs::remove_all(root / name, ec);
}

}  // namespace conclave::cli
