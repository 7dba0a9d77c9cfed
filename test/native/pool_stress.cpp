// Stress harness for the thread pool (native/core/thread_pool.cpp), compiled and run by
// test/native-pool.test.js, also under ThreadSanitizer. It checks the pool's contract
// (See Note [Thread pool handoff]) over many jobs:
//   * every chunk of every job runs exactly once (never twice, never skipped),
//   * parallel_chunks returns only after all of its chunks have finished,
//   * no chunk of a job runs after that job returned (checked when its slot is reused),
//   * an exception thrown by chunks reaches the caller once, after every chunk has run,
//   * nested calls from inside a chunk run and are complete,
// with random chunk counts (1, fewer than the threads, many more), random work per chunk,
// several thread counts, set_num_threads changes between jobs, and two caller threads at once.
//
// usage: pool_stress JOBS_PER_PHASE SEED [THREADS...]
//   phases: one per thread count (default 2 3 4), then a phase that changes the thread count
//   every few hundred jobs, then a phase with two caller threads. Prints one line per phase
//   and "OK" or "FAIL ..."; exits 1 on any failure.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace {

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }
};

struct Failures {
  std::atomic<int64_t> twice{0}, never{0}, early{0}, late{0}, exception{0}, nested{0};
  int64_t total() const { return twice + never + early + late + exception + nested; }
};

// One job's bookkeeping. Slots are reused in a ring, so a chunk that ran after its job
// returned shows up as a count above one when the slot is checked again before reuse.
struct Slot {
  std::vector<std::atomic<int32_t>> runs;
  std::atomic<int32_t> running{0};
  int64_t chunks = 0;
  explicit Slot(int64_t capacity) : runs(size_t(capacity)) {}
};

constexpr int64_t kMaxChunks = 300;
constexpr int kRing = 16;

int64_t pick_chunks(Rng& rng, int threads) {
  switch (rng.below(6)) {
    case 0: return 1;
    case 1: return 2;
    case 2: return 1 + rng.below(threads);           // up to the thread count
    case 3: return threads + 1 + rng.below(8);       // a few more than the threads
    case 4: return 1 + rng.below(64);
    default: return 1 + rng.below(kMaxChunks);       // many more than the threads
  }
}

void busy(int64_t iterations) {
  volatile int64_t sink = 0;
  for (int64_t i = 0; i < iterations; ++i) sink += i;
}

// Runs `jobs` jobs from this thread. threads_now() is the pool size to draw chunk counts for.
void run_jobs(int64_t jobs, uint64_t seed, Failures& f, bool change_threads, int64_t* chunks_run) {
  Rng rng(seed);
  std::vector<std::unique_ptr<Slot>> ring;
  for (int i = 0; i < kRing; ++i) ring.push_back(std::make_unique<Slot>(kMaxChunks));
  for (int64_t j = 0; j < jobs; ++j) {
    if (change_threads && j % 397 == 0) tn::set_num_threads(int(1 + rng.below(4)));
    Slot& slot = *ring[size_t(j % kRing)];
    // Before reuse: nothing of the job that last used this slot ran after it returned.
    for (int64_t c = 0; c < slot.chunks; ++c)
      if (slot.runs[size_t(c)].load() != 1) ++f.late;
    const int64_t chunks = pick_chunks(rng, tn::num_threads());
    slot.chunks = chunks;
    for (int64_t c = 0; c < chunks; ++c) slot.runs[size_t(c)].store(0);
    const int kind = int(rng.below(16));  // 0: throws, 1: nested calls, else plain
    const int64_t thrower = rng.below(chunks);
    const int64_t work = rng.below(4) == 0 ? rng.below(2000) : rng.below(40);
    const bool yields = rng.below(64) == 0;
    std::atomic<int64_t> nested_sum{0};
    bool threw = false;
    try {
      tn::parallel_chunks(chunks, [&](int64_t c) {
        slot.running.fetch_add(1);
        slot.runs[size_t(c)].fetch_add(1);
        busy(work + (c % 3) * 7);
        if (yields) std::this_thread::yield();
        if (kind == 1) {
          // A nested parallel_for from inside a chunk: runs inline, must cover [0, 50).
          std::atomic<int64_t> sum{0};
          tn::parallel_for(50, 1, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) sum += i;
          });
          nested_sum += sum.load();
        }
        slot.running.fetch_sub(1);
        if (kind == 0 && (c == thrower || c % 97 == 5)) throw std::runtime_error("chunk failed");
      });
    } catch (const std::runtime_error&) {
      threw = true;
    }
    // At return: nothing still running, every chunk ran exactly once.
    if (slot.running.load() != 0) ++f.early;
    for (int64_t c = 0; c < chunks; ++c) {
      const int32_t r = slot.runs[size_t(c)].load();
      if (r == 0) ++f.never;
      if (r > 1) ++f.twice;
    }
    if (threw != (kind == 0)) ++f.exception;
    if (kind == 1 && nested_sum.load() != chunks * (49 * 50 / 2)) ++f.nested;
    *chunks_run += chunks;
  }
  for (auto& s : ring)
    for (int64_t c = 0; c < s->chunks; ++c)
      if (s->runs[size_t(c)].load() != 1) ++f.late;
}

bool report(const char* phase, int64_t jobs, int64_t chunks, const Failures& f, double seconds) {
  std::printf("%-22s jobs %9lld  chunks %11lld  twice %lld  never %lld  early %lld  late %lld  exception %lld  nested %lld  (%.1f s)\n",
              phase, (long long)jobs, (long long)chunks, (long long)f.twice.load(), (long long)f.never.load(),
              (long long)f.early.load(), (long long)f.late.load(), (long long)f.exception.load(), (long long)f.nested.load(),
              seconds);
  std::fflush(stdout);
  return f.total() == 0;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s JOBS_PER_PHASE SEED [THREADS...]\n", argv[0]);
    return 2;
  }
  const int64_t jobs = std::atoll(argv[1]);
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  std::vector<int> thread_counts;
  for (int i = 3; i < argc; ++i) thread_counts.push_back(std::atoi(argv[i]));
  if (thread_counts.empty()) thread_counts = {2, 3, 4};
  bool ok = true;
  int64_t all_jobs = 0;
  for (int t : thread_counts) {
    tn::set_num_threads(t);
    Failures f;
    int64_t chunks = 0;
    const auto t0 = std::chrono::steady_clock::now();
    run_jobs(jobs, seed + uint64_t(t), f, false, &chunks);
    ok &= report(("threads " + std::to_string(t)).c_str(), jobs, chunks, f, since(t0));
    all_jobs += jobs;
  }
  {
    Failures f;
    int64_t chunks = 0;
    const auto t0 = std::chrono::steady_clock::now();
    run_jobs(jobs, seed + 100, f, true, &chunks);
    ok &= report("changing threads", jobs, chunks, f, since(t0));
    all_jobs += jobs;
  }
  {
    tn::set_num_threads(3);
    Failures f;
    int64_t chunks_a = 0, chunks_b = 0;
    const auto t0 = std::chrono::steady_clock::now();
    std::thread other([&] { run_jobs(jobs / 2, seed + 200, f, false, &chunks_b); });
    run_jobs(jobs / 2, seed + 300, f, false, &chunks_a);
    other.join();
    ok &= report("two callers, 3 threads", 2 * (jobs / 2), chunks_a + chunks_b, f, since(t0));
    all_jobs += 2 * (jobs / 2);
  }
  std::printf("%s after %lld jobs\n", ok ? "OK" : "FAIL", (long long)all_jobs);
  return ok ? 0 : 1;
}
