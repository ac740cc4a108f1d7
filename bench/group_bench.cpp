// Group operations at N = 10, 100, 1000, 10000 and 100000 members, suite 1, through the public
// Group API: one commit adding N-1 members, joining by its Welcome, update and remove commits
// (created, and processed by another member), a commit covering P proposals by reference, and
// application messages of 100 B and 10 KiB; the memory of a process holding one member.
// Run: build/bin/group_bench (Release). One size alone: --benchmark_filter='N:100000/' (the
// slash keeps N:10000 from matching N:100000 too). The 100,000-member fixtures take about three
// minutes to build, the mass add there some 15 s per run. CONCLAVE_BENCH_PROVIDER=sodium runs it
// all (floors included) with Ed25519 and X25519 from libsodium (group_fixtures.h).
//
// The crypto floor (floors.h): BM_Floor times, on every core with the same provider, the
// signature checks and HPKE seals the big operations cannot avoid, and the mass add, the joins
// and the commit right after the mass add report their time as a multiple of theirs (x_floor,
// floor_ms): a join against N leaf-signature checks, the mass add against two signature checks
// and one seal per KeyPackage, that commit against N - 1 seals. Each figure's floor is timed
// beside it, before every iteration and after the last (FloorBeside), as this machine's speed
// drifts within a run. Those figures are timed by hand (manual_time): the operation only, not
// the copy it starts from nor the destruction of what it made. Time is wall-clock time; CPU is
// the whole process's, worker threads included, so CPU above Time shows work shared among
// cores. faults and sys_ms: the page faults and system CPU of the timed part, per iteration.
//
// Commits are measured in two tree states:
//  - after_add: right after the mass add. Only the adder's direct path is set, so a commit by
//    another member encrypts its path secrets to nearly every leaf (resolutions are leaves).
//    The committer is leaf 1 (the first added member, whose copath covers every other leaf).
//  - populated: every member has committed once, so every parent node is set and a commit
//    encrypts to one node per level. Driving N real members through N commits would need N
//    Group objects each holding the whole tree, so the fixture builds the public tree at the
//    tree layer instead: each leaf but two, in random order, merges a fresh path (random
//    public keys, correct parent hashes) and signs its commit-source leaf; leaf 0 commits last
//    with a real UpdatePath. The two measured members (leaf N-1 commits, leaf 1 receives)
//    join that tree by a Welcome the fixture signs as leaf 0, then each commits once for real.
//    The tree they hold is exactly the public state N commits would leave (every parent set,
//    no unmerged leaves); it passes the joiners' full tree validation. (group_fixtures.h,
//    shared with storage_bench.)
//
// Creating a commit leaves the group unchanged until merge, so it is repeated with
// commit() + discard_pending_commit(). Processing consumes the receiver's handshake ratchet
// key, so commits are made in batches (untimed) and each is processed once, in order. Every
// benchmark works on its own copies of the members, made before timing.
// The fixtures are built once per N and per run.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/storage/sqlite_storage.h"
#include "floors.h"
#include "group_fixtures.h"

namespace {

using namespace conclave;
using namespace conclave::bench_fixtures;

std::vector<wire::KeyPackage> all_but_first(const Clients& c) {
  std::vector<wire::KeyPackage> out;
  for (size_t i = 1; i < c.key_packages.size(); ++i)
    out.push_back(c.key_packages[i].key_package);
  return out;
}

size_t encoded_size(const wire::MlsMessage& m) {
  return codec::encode(m).size();
}

// Right after leaf 0 added everyone else in one commit.
struct AfterAdd {
  Group creator;  // leaf 0 at epoch 0, alone: the mass add starts from a copy
  std::vector<wire::KeyPackage> adds;
  wire::MlsMessage welcome;
  size_t welcome_bytes = 0;
  Group adder;   // leaf 0 after merging the mass add
  Group joiner;  // leaf 1, joined by the Welcome
};

const AfterAdd& after_add(size_t n) {
  static std::map<size_t, std::unique_ptr<AfterAdd>> built;
  auto& f = built[n];
  if (!f) {
    const Clients& c = clients(n);
    Group creator = Group::create(provider(), c.ids[0], {}, policy());
    Group adder = creator;
    CommitOptions options;
    options.add = all_but_first(c);
    CommitOutput out = adder.commit(options);
    adder.merge_pending_commit();
    Group joiner = Group::join(provider(), c.ids[1], c.key_packages[1], *out.welcome, std::nullopt,
                               {}, policy());
    const size_t welcome_bytes = encoded_size(*out.welcome);
    f.reset(new AfterAdd{std::move(creator), std::move(options.add), std::move(*out.welcome),
                         welcome_bytes, std::move(adder), std::move(joiner)});
  }
  return *f;
}

// --- the benchmarks ---------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The process's page faults and system CPU over the timed parts of a benchmark (counters
// faults and sys_ms, per iteration): memory the operation touches for the first time costs
// system time, which varies with the machine more than the operation's own work does.
class SystemUsage {
 public:
  void start() { before_ = read(); }
  void stop() {
    const rusage after = read();
    faults_ += static_cast<double>(after.ru_minflt - before_.ru_minflt);
    sys_seconds_ += seconds(after.ru_stime) - seconds(before_.ru_stime);
  }
  void report(benchmark::State& state) const {
    const auto iterations = static_cast<double>(std::max<int64_t>(state.iterations(), 1));
    state.counters["faults"] = faults_ / iterations;
    state.counters["sys_ms"] = sys_seconds_ * 1e3 / iterations;
  }

 private:
  static rusage read() {
    rusage r{};
    ::getrusage(RUSAGE_SELF, &r);
    return r;
  }
  static double seconds(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  }
  rusage before_{};
  double faults_ = 0, sys_seconds_ = 0;
};

// One timed iteration of a figure: its floor run just before (when it has one), then op() alone
// timed (the iteration's manual time), with its faults and system CPU. Returns what op() made,
// so that its destruction is not timed.
template <class Op>
auto time_figure(benchmark::State& state, SystemUsage& usage, FloorBeside* floor, Op&& op) {
  if (floor != nullptr) floor->time(state);
  usage.start();
  const auto start = Clock::now();
  auto made = op();
  const double seconds = seconds_since(start);
  usage.stop();
  state.SetIterationTime(seconds);
  if (floor != nullptr) floor->figure(seconds);
  return made;
}

// The floors themselves (floors.h), timed as benchmarks; the group figures below are reported as
// ratios to them (x_floor).
void BM_Floor(benchmark::State& state) {
  const size_t n = n_of(state);
  const auto kind = static_cast<FloorKind>(state.range(1));
  const FloorInputs& in = floor_inputs(n);
  SystemUsage usage;
  for (auto _ : state) {
    usage.start();
    const double seconds = run_floor(kind, floor_items(kind, n), in);
    usage.stop();
    state.SetIterationTime(seconds);
  }
  usage.report(state);
  state.SetLabel(floor_name(kind));
}

// One commit by leaf 0 adding N-1 members (Welcome included), created on a copy of the
// one-member group.
void BM_MassAdd(benchmark::State& state) {
  const size_t n = n_of(state);
  const AfterAdd& f = after_add(n);
  CommitOptions options;
  options.add = f.adds;
  size_t bytes = 0;
  SystemUsage usage;
  FloorBeside floor(FloorKind::kMassAdd, n);
  for (auto _ : state) {
    Group g = f.creator;
    CommitOutput out = time_figure(state, usage, &floor, [&] { return g.commit(options); });
    bytes = encoded_size(*out.welcome);
    benchmark::DoNotOptimize(out);
  }
  state.counters["welcome_KiB"] = static_cast<double>(bytes) / 1024.0;
  usage.report(state);
  floor.report(state);
}

// Leaf 1 joins by the mass add's Welcome (the tree is in it): decrypts, validates the whole tree
// (N leaf signatures) and derives the epoch.
void BM_JoinAfterAdd(benchmark::State& state) {
  const size_t n = n_of(state);
  const AfterAdd& f = after_add(n);
  const Clients& c = clients(n);
  SystemUsage usage;
  FloorBeside floor(FloorKind::kVerify, n);
  for (auto _ : state) {
    const Group g = time_figure(state, usage, &floor, [&] {
      return Group::join(provider(), c.ids[1], c.key_packages[1], f.welcome, std::nullopt, {},
                         policy());
    });
  }
  state.counters["welcome_KiB"] = static_cast<double>(f.welcome_bytes) / 1024.0;
  usage.report(state);
  floor.report(state);
}

// Joining the populated tree (every parent set: more parent-hash links to check).
void BM_JoinPopulated(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const Clients& c = clients(n);
  const size_t j = f.committer_leaf.value;
  SystemUsage usage;
  FloorBeside floor(FloorKind::kVerify, n);
  for (auto _ : state) {
    const Group g = time_figure(state, usage, &floor, [&] {
      return Group::join(provider(), c.ids[j], c.key_packages[j], f.welcome, f.tree, {}, policy());
    });
  }
  usage.report(state);
  floor.report(state);
}

enum class TreeState { kAfterAdd = 0, kPopulated = 1 };

// The committing and the receiving member, copied for one benchmark run.
std::pair<Group, Group> members(TreeState which, size_t n) {
  if (which == TreeState::kAfterAdd) {
    const AfterAdd& f = after_add(n);
    return {f.joiner, f.adder};
  }
  const Populated& f = populated(n);
  return {f.committer, f.receiver};
}

const char* state_name(TreeState which) {
  return which == TreeState::kAfterAdd ? "after_add" : "populated";
}

CommitOptions remove_options(TreeState which, size_t n) {
  // A member other than both measured ones and the adder.
  CommitOptions options;
  options.remove = {tree::LeafIndex(
      static_cast<uint32_t>(which == TreeState::kAfterAdd ? n - 1 : std::max<size_t>(n / 2, 2)))};
  return options;
}

void commit_create(benchmark::State& state, bool remove) {
  const auto which = static_cast<TreeState>(state.range(1));
  const size_t n = n_of(state);
  auto [committer, receiver] = members(which, n);
  const CommitOptions options = remove ? remove_options(which, n) : CommitOptions{};
  size_t bytes = 0;
  SystemUsage usage;
  std::optional<FloorBeside> floor;  // after the mass add it encrypts to about N - 1 leaves
  if (which == TreeState::kAfterAdd) floor.emplace(FloorKind::kSeal, n);
  for (auto _ : state) {
    CommitOutput out = time_figure(state, usage, floor ? &*floor : nullptr,
                                   [&] { return committer.commit(options); });
    bytes = encoded_size(out.commit);
    committer.discard_pending_commit();
  }
  state.counters["commit_KiB"] = static_cast<double>(bytes) / 1024.0;
  usage.report(state);
  if (floor) floor->report(state);
  state.SetLabel(state_name(which));
}

void commit_process(benchmark::State& state, bool remove) {
  const auto which = static_cast<TreeState>(state.range(1));
  const size_t n = n_of(state);
  auto [committer, receiver] = members(which, n);
  const CommitOptions options = remove ? remove_options(which, n) : CommitOptions{};
  // Batches small enough not to dominate the run when commits are slow to make.
  const size_t batch = which == TreeState::kAfterAdd && n >= 1000 ? 2 : 16;
  process_in_batches(
      state, batch,
      [&] {
        wire::MlsMessage commit = committer.commit(options).commit;
        committer.discard_pending_commit();
        return commit;
      },
      [&](const wire::MlsMessage& commit) {
        auto staged = receiver.process(commit);
        benchmark::DoNotOptimize(staged);
      });
  state.SetLabel(state_name(which));
}

void BM_UpdateCreate(benchmark::State& state) {
  commit_create(state, false);
}
void BM_UpdateProcess(benchmark::State& state) {
  commit_process(state, false);
}
void BM_RemoveCreate(benchmark::State& state) {
  commit_create(state, true);
}
void BM_RemoveProcess(benchmark::State& state) {
  commit_process(state, true);
}

// Application messages (§6.3): sign and encrypt, then decrypt and verify, in the group right
// after the mass add (the cost does not depend on the tree's state).
void BM_Protect(benchmark::State& state) {
  const size_t n = n_of(state);
  Group sender = after_add(n).adder;
  const Bytes data(static_cast<size_t>(state.range(1)), 0x61);
  for (auto _ : state)
    benchmark::DoNotOptimize(sender.protect(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

void BM_Unprotect(benchmark::State& state) {
  const size_t n = n_of(state);
  Group sender = after_add(n).adder;
  Group receiver = after_add(n).joiner;
  const Bytes data(static_cast<size_t>(state.range(1)), 0x61);
  // 256 at a time: within the default forward distance of the ratchet.
  process_in_batches(
      state, 256, [&] { return sender.protect(data); },
      [&](const wire::MlsMessage& m) { benchmark::DoNotOptimize(receiver.process(m)); });
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

// A commit covering P Removes that another member proposed (§12.2: by reference), created and
// processed in the populated tree: proposal lists and references cost O(P), not O(P^2).
// The receiver proposed them itself, so it holds them as its own (§12.1).
struct ByReference {
  Group committer;
  Group receiver;
};

ByReference with_removes_proposed(size_t n, size_t p) {
  const Populated& f = populated(n);
  ByReference out{f.committer, f.receiver};
  // Leaves 2 .. p+1: neither measured member nor the signer (leaf 0).
  for (size_t i = 0; i < p; ++i) {
    const auto proposal =
        out.receiver.propose_remove(tree::LeafIndex(static_cast<uint32_t>(i + 2)));
    out.committer.process(proposal);
  }
  return out;
}

void BM_CommitByReferenceCreate(benchmark::State& state) {
  ByReference m = with_removes_proposed(n_of(state), static_cast<size_t>(state.range(1)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.committer.commit());
    state.PauseTiming();
    m.committer.discard_pending_commit();
    state.ResumeTiming();
  }
}

void BM_CommitByReferenceProcess(benchmark::State& state) {
  ByReference m = with_removes_proposed(n_of(state), static_cast<size_t>(state.range(1)));
  process_in_batches(
      state, 4,
      [&] {
        wire::MlsMessage commit = m.committer.commit().commit;
        m.committer.discard_pending_commit();
        return commit;
      },
      [&](const wire::MlsMessage& commit) {
        benchmark::DoNotOptimize(m.receiver.process(commit));
      });
}

// One Add committed by leaf N-1 of the populated tree (§12.4.1, no path), created and processed
// (leaf 1). At N = 2^k the new member's leaf doubles the tree (§7.7): that commit costs about
// what the one at N = 2^k - 1, which fills the last leaf, costs, because the blank half's
// hashes are precomputed and the journal holds only the changed nodes. (The 2^17 fixtures take
// a minute or so each: --benchmark_filter=AddOne.*N:1310.)
wire::KeyPackage newcomer() {
  static const auto kp = [] {
    const Identity id = Identity::generate(suite(), basic_credential("newcomer"));
    return create_key_package(suite(), id, unix_time_now()).key_package;
  }();
  return kp;
}

const char* crossing_label(size_t n) {
  return (n & (n - 1)) == 0 ? "doubles the tree" : "fills the last leaf";
}

void BM_AddOneCreate(benchmark::State& state) {
  Group committer = populated(n_of(state)).committer;
  CommitOptions options;
  options.add = {newcomer()};
  for (auto _ : state) {
    benchmark::DoNotOptimize(committer.commit(options));
    state.PauseTiming();
    committer.discard_pending_commit();
    state.ResumeTiming();
  }
  state.SetLabel(crossing_label(n_of(state)));
}

void BM_AddOneProcess(benchmark::State& state) {
  Group committer = populated(n_of(state)).committer;
  Group receiver = populated(n_of(state)).receiver;
  CommitOptions options;
  options.add = {newcomer()};
  process_in_batches(
      state, 8,
      [&] {
        wire::MlsMessage commit = committer.commit(options).commit;
        committer.discard_pending_commit();
        return commit;
      },
      [&](const wire::MlsMessage& commit) { benchmark::DoNotOptimize(receiver.process(commit)); });
  state.SetLabel(crossing_label(n_of(state)));
}

// The memory of a process holding one member (leaf 1 of the populated tree): the member is
// stored in a SQLite file, and member_rss, a separate process, loads it and reports its resident
// set after the load (rss_MiB) and its peak (peak_MiB). The time is that of the whole run.
void BM_MemberRss(benchmark::State& state) {
  const size_t n = n_of(state);
  // CONCLAVE_BENCH_RSS_KEEP=DIR keeps the store in DIR (to profile member_rss by hand).
  const char* keep = std::getenv("CONCLAVE_BENCH_RSS_KEEP");
  const std::filesystem::path dir =
      keep != nullptr
          ? std::filesystem::path(keep)
          : std::filesystem::temp_directory_path() / ("conclave-rss-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string store = (dir / ("member-" + std::to_string(n) + ".sqlite")).string();
  std::filesystem::remove(store);
  {
    Group member = populated(n).receiver;
    member.attach_storage(storage::SqliteStorage::open(store, provider()));
  }
  std::string hex;
  for (uint8_t b : populated(n).receiver.group_id()) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  const std::string probe =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "member_rss").string();
  long rss = 0, peak = 0, members = 0, heap = 0;
  for (auto _ : state) {
    FILE* out = ::popen((probe + " " + store + " " + hex).c_str(), "r");
    if (out == nullptr || std::fscanf(out, "%ld %ld %ld %ld", &rss, &peak, &members, &heap) != 4 ||
        ::pclose(out) != 0 || members != static_cast<long>(n)) {
      state.SkipWithError("member_rss failed");
      break;
    }
  }
  if (keep == nullptr) std::filesystem::remove_all(dir);
  state.counters["rss_MiB"] = static_cast<double>(rss) / 1024.0;
  state.counters["peak_MiB"] = static_cast<double>(peak) / 1024.0;
  state.counters["heap_MiB"] = static_cast<double>(heap) / 1024.0;
}

constexpr int64_t kSizes[] = {10, 100, 1000, 10000, 100000};

// Timed by hand (UseManualTime): the operation only, not the copy it starts from or the
// destruction of what it made.
benchmark::internal::Benchmark* timed_by_hand(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseManualTime();
}
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
}

// Size by size: every figure at one size runs before anything at the next, so that a figure is
// measured in a process that has held groups of its size and smaller only (the 10,000-member
// joins used to run after the 100,000-member mass add, and came out about 10% further above
// their floor in the heap it left behind than in a process of their own). A size's floors
// come first.
struct Figure {
  const char* name;
  void (*fn)(benchmark::State&);
};

int register_by_size() {
  using benchmark::RegisterBenchmark;
  for (const int64_t n : kSizes) {
    if (n >= 10000)
      for (FloorKind kind : {FloorKind::kVerify, FloorKind::kSeal, FloorKind::kMassAdd})
        timed_by_hand(RegisterBenchmark("BM_Floor", BM_Floor)
                          ->Args({n, static_cast<int64_t>(kind)})
                          ->ArgNames({"N", "floor"}));
    // Two seconds at least, so that a figure of half a second has several ratios to its
    // floor to take the median of (FloorBeside).
    for (const auto& [name, fn] :
         {Figure{"BM_MassAdd", BM_MassAdd}, Figure{"BM_JoinAfterAdd", BM_JoinAfterAdd},
          Figure{"BM_JoinPopulated", BM_JoinPopulated}})
      timed_by_hand(RegisterBenchmark(name, fn)->Arg(n)->ArgName("N")->MinTime(2));
    for (const int64_t state : {0, 1}) {
      timed_by_hand(RegisterBenchmark("BM_UpdateCreate", BM_UpdateCreate)->Args({n, state}))
          ->ArgNames({"N", "populated"});
      timed(RegisterBenchmark("BM_UpdateProcess", BM_UpdateProcess)->Args({n, state}))
          ->ArgNames({"N", "populated"});
      timed_by_hand(RegisterBenchmark("BM_RemoveCreate", BM_RemoveCreate)->Args({n, state}))
          ->ArgNames({"N", "populated"});
      timed(RegisterBenchmark("BM_RemoveProcess", BM_RemoveProcess)->Args({n, state}))
          ->ArgNames({"N", "populated"});
    }
    for (const auto& [name, fn] :
         {Figure{"BM_CommitByReferenceCreate", BM_CommitByReferenceCreate},
          Figure{"BM_CommitByReferenceProcess", BM_CommitByReferenceProcess}})
      for (const int64_t p : {10, 100, 1000})
        if (p + 3 <= n) timed(RegisterBenchmark(name, fn)->Args({n, p}))->ArgNames({"N", "P"});
    for (const auto& [name, fn] :
         {Figure{"BM_Protect", BM_Protect}, Figure{"BM_Unprotect", BM_Unprotect}})
      for (const int64_t bytes : {100, 10 * 1024})
        timed(RegisterBenchmark(name, fn)->Args({n, bytes}))
            ->ArgNames({"N", "bytes"})
            ->Unit(benchmark::kMicrosecond);
    if (n >= 10000)
      RegisterBenchmark("BM_MemberRss", BM_MemberRss)
          ->Arg(n)
          ->ArgName("N")
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->UseRealTime();
  }
  // One past a power of two and one short of it (a tree growing by a level).
  for (const auto& [name, fn] :
       {Figure{"BM_AddOneCreate", BM_AddOneCreate}, Figure{"BM_AddOneProcess", BM_AddOneProcess}})
    for (const int64_t n : {8191, 8192, 131071, 131072})
      timed(RegisterBenchmark(name, fn)->Arg(n)->ArgName("N"));
  return 0;
}

[[maybe_unused]] const int registered = register_by_size();

}  // namespace
