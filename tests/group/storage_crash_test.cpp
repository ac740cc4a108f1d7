// Crash safety and shared stores, with real processes (tests/crash/workload.cpp):
// - DESIGN.md, Storage: "a crash leaves the state before or after, never a mix"; protect()
//   persists the advanced generation first (RFC 9420 §9.2: a generation is used once);
//   a one-time KeyPackage joins once (§10). A workload is killed with SIGKILL at random
//   instants, CONCLAVE_CRASH_KILLS times (300 by default), and must recover every time.
// - Two processes processing one message stream into one store end where one process would,
//   with no error but the typed retry (kStorageConflict).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/storage/sqlite_storage.h"

namespace conclave {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("conclave-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Starts the workload with `args`, its output to `out`.
pid_t start(const std::vector<std::string>& args, const std::filesystem::path& out) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>(CONCLAVE_CRASH_WORKLOAD)};
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int kills_wanted() {
  const char* env = std::getenv("CONCLAVE_CRASH_KILLS");
  return env != nullptr ? std::atoi(env) : 300;
}

TEST(StorageCrash, SigkillAtRandomInstantsLosesNothing) {
  const auto dir = fresh_dir("crash");
  const auto out = dir / "output";
  std::mt19937 rng(20261202);
  const int kills = kills_wanted();
  int killed = 0;
  for (int i = 0; i < kills; ++i) {
    const auto log_size = [&] {
      std::error_code ec;
      const auto size = std::filesystem::file_size(dir / "log", ec);
      return ec ? uintmax_t{0} : size;
    };
    const uintmax_t before = log_size();
    const pid_t pid = start({"run", dir.string(), std::to_string(rng())}, out);
    // Every other run is killed at a random instant from its start (recovery included); the
    // others once the workload has delivered something new, at a random instant after, so
    // that the workload progresses however slow the build (sanitizers) makes its start.
    if (i % 2 == 1) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (log_size() == before && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 30000));
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(20000 + rng() % 80000));
    }
    ::kill(pid, SIGKILL);
    const int status = wait_for(pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "run " << i << " ended by itself:\n"
        << read_file(out);
    ++killed;
  }
  const pid_t pid = start({"verify", dir.string()}, out);
  const int status = wait_for(pid);
  const std::string report = read_file(out);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
  std::cout << "killed " << killed << " times; " << report;
  std::filesystem::remove_all(dir);
}

TEST(StorageCrash, TwoProcessesOnOneStoreEndAsOneWould) {
  const auto dir = fresh_dir("two-process");
  const auto out = dir / "output";
  ASSERT_EQ(wait_for(start({"stream", dir.string(), "400"}, out)), 0) << read_file(out);
  const auto single = dir / "single.db";
  std::filesystem::copy_file(dir / "bob.db", single);

  const pid_t first = start({"consume", dir.string(), (dir / "bob.db").string()}, out);
  const pid_t second = start({"consume", dir.string(), (dir / "bob.db").string()}, out);
  const int s1 = wait_for(first);
  const int s2 = wait_for(second);
  ASSERT_EQ(wait_for(start({"consume", dir.string(), single.string()}, out)), 0) << read_file(out);
  const std::string report = read_file(out);
  ASSERT_TRUE(WIFEXITED(s1) && WEXITSTATUS(s1) == 0) << report;
  ASSERT_TRUE(WIFEXITED(s2) && WEXITSTATUS(s2) == 0) << report;
  std::cout << report;

  auto provider = crypto::openssl_provider();
  auto shared = storage::SqliteStorage::open((dir / "bob.db").string(), provider);
  auto alone = storage::SqliteStorage::open(single.string(), provider);
  const Bytes id = Group::stored_groups(*shared).at(0);
  const Group a = Group::load(provider, shared, id);
  const Group b = Group::load(provider, alone, id);
  EXPECT_TRUE(a == b) << "two processes ended elsewhere than one";
  EXPECT_GT(a.epoch(), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace conclave
