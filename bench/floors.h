// The crypto floor of the big group operations: the signature checks and HPKE seals RFC 9420
// makes them do, and nothing else, spread over every core with the same provider. A group
// figure divided by its floor says how much work beyond that floor the operation does, or how
// well it shares its work among the cores.
//  - verify(n): n leaf signatures (VerifyWithLabel "LeafNodeTBS", §7.2): what a joiner checks
//    (§12.4.3.1, every leaf of the tree).
//  - seal(n): n EncryptWithLabel to n distinct keys (§5.1.3): what a commit does whose path
//    secrets go to about n leaves (§7.6), and the Welcome's GroupSecrets per joiner.
//  - mass_add(n): per KeyPackage, its own signature and its leaf's (§10.1) and one seal of the
//    GroupSecrets to its init key (§12.4.3.1): the floor of a commit adding n members.
// Each floor's inputs (the encodings signed, the keys) are made before timing, as they are held
// by the operations measured. A floor is timed the first time it is asked for, in the same run,
// and kept; its benchmark (BM_Floor*) re-times it and keeps the newer figure.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <tuple>
#include <vector>

#include "group_fixtures.h"

namespace conclave::bench_fixtures {

// Runs item(i) for every i < count on every core (the caller's thread is one), in chunks.
template <class Item>
void on_all_cores(size_t count, Item&& item) {
  constexpr size_t kChunk = 32;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t begin; (begin = next.fetch_add(kChunk)) < count;)
      for (size_t i = begin; i < std::min(count, begin + kChunk); ++i)
        item(i);
  };
  const unsigned cores = std::max(std::thread::hardware_concurrency(), 1u);
  std::vector<std::thread> others;
  for (unsigned t = 1; t < cores; ++t)
    others.emplace_back(work);
  work();
  for (auto& t : others)
    t.join();
}

enum class FloorKind { kVerify, kSeal, kMassAdd };

inline const char* floor_name(FloorKind kind) {
  switch (kind) {
    case FloorKind::kVerify: return "verify";
    case FloorKind::kSeal: return "seal";
    case FloorKind::kMassAdd: return "mass_add";
  }
  return "?";
}

// The inputs of the floors at n: the n clients' KeyPackages, encoded as they are signed.
struct FloorInputs {
  std::vector<Bytes> leaf_tbs, leaf_signatures, signature_keys;
  std::vector<Bytes> key_package_tbs, key_package_signatures, init_keys, encryption_keys;
  Bytes context;    // as long as a GroupContext (§8.1) of a 32-byte group id
  Bytes plaintext;  // as long as a GroupSecrets with a path secret (§12.4.3.1)
};

inline const FloorInputs& floor_inputs(size_t n) {
  static std::map<size_t, std::unique_ptr<FloorInputs>> built;
  auto& f = built[n];
  if (f) return *f;
  f = std::make_unique<FloorInputs>();
  const Clients& c = clients(n);
  for (size_t i = 0; i < n; ++i) {
    const wire::KeyPackage& kp = c.key_packages[i].key_package;
    f->leaf_tbs.push_back(kp.leaf_node.to_be_signed(std::nullopt));
    f->leaf_signatures.push_back(kp.leaf_node.signature);
    f->signature_keys.push_back(kp.leaf_node.signature_key);
    f->key_package_tbs.push_back(kp.to_be_signed());
    f->key_package_signatures.push_back(kp.signature);
    f->init_keys.push_back(kp.init_key);
    f->encryption_keys.push_back(kp.leaf_node.encryption_key);
  }
  f->context = Bytes(130, 0x5a);
  f->plaintext = Bytes(70, 0xa5);
  return *f;
}

// One run of a floor over the first n inputs; returns its wall-clock seconds. Throws if a
// signature fails to verify (the inputs are genuine: a failure is a broken benchmark).
inline double run_floor(FloorKind kind, size_t n, const FloorInputs& in) {
  const crypto::Suite& s = suite();
  std::atomic<bool> bad{false};
  auto verify_leaf = [&](size_t i) {
    if (!s.verify_with_label(in.signature_keys[i], "LeafNodeTBS", in.leaf_tbs[i],
                             in.leaf_signatures[i]))
      bad = true;
  };
  const auto start = std::chrono::steady_clock::now();
  switch (kind) {
    case FloorKind::kVerify: on_all_cores(n, verify_leaf); break;
    case FloorKind::kSeal:
      on_all_cores(n, [&](size_t i) {
        benchmark::DoNotOptimize(s.encrypt_with_label(in.encryption_keys[i], "UpdatePathNode",
                                                      in.context, in.plaintext));
      });
      break;
    case FloorKind::kMassAdd:
      on_all_cores(n, [&](size_t i) {
        if (!s.verify_with_label(in.signature_keys[i], "KeyPackageTBS", in.key_package_tbs[i],
                                 in.key_package_signatures[i]))
          bad = true;
        verify_leaf(i);
        benchmark::DoNotOptimize(
            s.encrypt_with_label(in.init_keys[i], "Welcome", in.context, in.plaintext));
      });
      break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (bad) throw std::runtime_error("a floor's signature did not verify");
  return seconds;
}

inline std::map<std::pair<FloorKind, size_t>, double>& floor_table() {
  static std::map<std::pair<FloorKind, size_t>, double> table;
  return table;
}

// Items of a floor in a group of n: a joiner checks n leaves; a mass add takes n - 1
// KeyPackages; a commit right after it encrypts to the n - 1 other leaves.
inline size_t floor_items(FloorKind kind, size_t n) {
  return kind == FloorKind::kVerify ? n : n - 1;
}

// The floor of `kind` in a group of n, in seconds: timed now (the median of three runs, one
// past 10,000 members) unless its benchmark or an earlier request timed it in this run.
inline double floor_seconds(FloorKind kind, size_t n) {
  auto& table = floor_table();
  if (auto it = table.find({kind, n}); it != table.end()) return it->second;
  const FloorInputs& in = floor_inputs(n);
  std::vector<double> runs;
  for (int i = 0; i < (n > 10000 ? 1 : 3); ++i)
    runs.push_back(run_floor(kind, floor_items(kind, n), in));
  std::sort(runs.begin(), runs.end());
  return table[{kind, n}] = runs[runs.size() / 2];
}

// Reports a figure against its floor: counters floor_ms and x_floor (figure / floor).
inline void report_floor(benchmark::State& state, double seconds_per_iteration, FloorKind kind,
                         size_t n) {
  const double floor = floor_seconds(kind, n);
  state.counters["floor_ms"] = floor * 1e3;
  state.counters["x_floor"] = seconds_per_iteration / floor;
  state.SetLabel(floor_name(kind));
}

}  // namespace conclave::bench_fixtures
