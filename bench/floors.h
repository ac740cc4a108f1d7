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
// by the operations measured. A figure's floor is timed beside it (FloorBeside); BM_Floor
// reports the floors alone.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
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

// Items of a floor in a group of n: a joiner checks n leaves; a mass add takes n - 1
// KeyPackages; a commit right after it encrypts to the n - 1 other leaves.
inline size_t floor_items(FloorKind kind, size_t n) {
  return kind == FloorKind::kVerify ? n : n - 1;
}

// The floor of a figure, timed beside it: before each timed iteration and once after the last
// (untimed by the benchmark: timing paused), so every iteration lies between two runs of its
// floor. This machine's speed drifts within a run by more than the margins measured (the same
// floor, timed seconds apart, moves by 15% and more), and a ratio to a floor timed at another
// moment measures that drift too. Each iteration's ratio is its time over the mean of the two
// floors around it; x_floor is the median of those ratios (x_floor_max the largest), floor_ms
// the mean of the floor's runs.
class FloorBeside {
 public:
  FloorBeside(FloorKind kind, size_t n) : kind_(kind), n_(n), inputs_(floor_inputs(n)) {}

  // Inside the benchmark loop, before the timed part.
  void time(benchmark::State& state) {
    state.PauseTiming();
    run_once();
    state.ResumeTiming();
  }

  // The timed part's seconds, after it.
  void figure(double seconds) { figures_.push_back(seconds); }

  void report(benchmark::State& state) {
    run_once();  // after the last iteration
    std::vector<double> ratios;
    for (size_t i = 0; i < figures_.size() && i + 1 < floors_.size(); ++i)
      ratios.push_back(figures_[i] / ((floors_[i] + floors_[i + 1]) / 2));
    std::sort(ratios.begin(), ratios.end());
    double floor_total = 0;
    for (double f : floors_)
      floor_total += f;
    state.counters["floor_ms"] = floor_total * 1e3 / static_cast<double>(floors_.size());
    if (!ratios.empty()) {
      const size_t k = ratios.size();
      state.counters["x_floor"] =
          k % 2 == 1 ? ratios[k / 2] : (ratios[k / 2 - 1] + ratios[k / 2]) / 2;
      state.counters["x_floor_max"] = ratios.back();
    }
    state.SetLabel(floor_name(kind_));
  }

 private:
  void run_once() { floors_.push_back(run_floor(kind_, floor_items(kind_, n_), inputs_)); }

  FloorKind kind_;
  size_t n_;
  const FloorInputs& inputs_;
  std::vector<double> floors_, figures_;
};

}  // namespace conclave::bench_fixtures
