// The memory of a process holding one member of a big group: loads the group `group_id` from
// the SQLite store at `path` (written by group_bench's BM_MemberRss) and prints the process's
// resident set after the load and its peak during it, in KiB, the member count, and the heap
// in use (malloc's count, KiB; what RSS holds beyond it is freed memory the allocator keeps, and
// code and libraries): "rss_kib peak_kib members heap_kib".
// Run by group_bench; by hand: build/bin/member_rss STORE GROUP_ID_HEX
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/storage/sqlite_storage.h"

namespace {

// A line "Name:   123 kB" of /proc/self/status, in KiB.
long status_kib(const std::string& name) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(name + ":", 0) == 0) return std::stol(line.substr(name.size() + 1));
  return -1;
}

conclave::Bytes from_hex(const std::string& hex) {
  conclave::Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: member_rss STORE GROUP_ID_HEX\n";
    return 2;
  }
  try {
    const auto provider = conclave::crypto::openssl_provider();
    auto store = conclave::storage::SqliteStorage::open(argv[1], provider);
    conclave::GroupPolicy policy;
    policy.credential_validator = conclave::insecure_accept_any_credential();
    const conclave::Group group =
        conclave::Group::load(provider, store, from_hex(argv[2]), std::move(policy));
    std::cout << status_kib("VmRSS") << ' ' << status_kib("VmHWM") << ' '
              << group.tree().member_count() << ' ';
    const struct mallinfo2 heap = ::mallinfo2();
    std::cout << (heap.uordblks + heap.hblkhd) / 1024 << '\n';
  } catch (const std::exception& e) {
    std::cerr << "member_rss: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
