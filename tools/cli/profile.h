// A profile: one device of one user at one delivery service, kept in a folder
// `<data>/conclave/<profile>/` that holds the client's store (`store.sqlite`) and a small
// `profile` file of `key=value` lines (server, user, device).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace conclave::cli {

struct ProfileConfig {
  std::string server;  // HOST:PORT of the conclave-ds
  std::string user;
  std::string device;
};

class Profile {
 public:
  static constexpr const char* kDefaultName = "default";

  // `<data>/conclave`, where `<data>` is `data_dir` when given, else $XDG_DATA_HOME, else
  // ~/.local/share.
  static std::filesystem::path root(const std::optional<std::string>& data_dir);
  // The profile `name` under `root`: CliError(kExitNotFound) when it does not exist,
  // kExitRefused when its file cannot be read.
  static Profile load(const std::filesystem::path& root, const std::string& name);
  static bool exists(const std::filesystem::path& root, const std::string& name);
  // Creates the folder (readable by its owner only: the store holds private keys) and writes
  // the profile file.
  static Profile create(const std::filesystem::path& root, const std::string& name,
                        const ProfileConfig& config);
  // Deletes the folder of a profile whose registration the delivery service refused.
  static void remove(const std::filesystem::path& root, const std::string& name);

  const std::string& name() const { return name_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path store_path() const { return dir_ / "store.sqlite"; }
  const ProfileConfig& config() const { return config_; }

 private:
  Profile(std::string name, std::filesystem::path dir, ProfileConfig config)
      : name_(std::move(name)), dir_(std::move(dir)), config_(std::move(config)) {}
  std::string name_;
  std::filesystem::path dir_;
  ProfileConfig config_;
};

}  // namespace conclave::cli
