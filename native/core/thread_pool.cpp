// See thread_pool.h.
//
// Note [Thread pool handoff]
// One job (a parallel_chunks call) at a time runs on the pool; callers from several threads
// queue on run_mutex_. The job's record (job_) is written by the caller before the job is
// published and is not written again until every worker that joined it has left, and the
// record's chunk claims are exact. The one word `state_` holds, packed,
//
//     generation (high 31 bits) | OPEN (bit 32) | workers inside the record (low 32 bits).
//
// The protocol, for job g with `chunks` chunks:
//   caller:  1. waits until the previous job's workers have all left (refs == 0; the previous
//               job is already closed, so nobody can join it any more),
//            2. writes the record: fn, chunks, next = 0, done = 0, no error,
//            3. publishes with ONE release store: state_ = g | OPEN | 0,
//            4. claims and runs chunks like a worker (below) until a claim comes back >= chunks,
//            5. closes the job: clears OPEN (no worker can join from now on),
//            6. waits until done == chunks, then rethrows the first exception a chunk threw.
//   worker:  joins with a compare-and-swap state_: g|OPEN|r -> g|OPEN|r+1, which succeeds only
//            while the job is open and the word is unchanged, and only for a generation it
//            has not worked on yet; then claims chunks c = next.fetch_add(1) and runs the
//            ones with c < chunks; adds the number it ran to done; then leaves: refs -= 1.
//
// Why no interleaving can run a chunk twice, skip one, or return early:
//   * Chunk numbers come from ONE fetch_add on the record's `next`, so each number in
//     [0, chunks) is handed out exactly once, to exactly one thread. The record is reset
//     (step 2) only when refs == 0 and the previous job is closed, so no thread still holding
//     the previous job can claim from the new record: a joined worker holds a ref until it
//     has stopped claiming, and after step 5 nobody can join the old generation (the CAS
//     compares the whole word, which no longer has OPEN). That is the race the old design
//     had: it rewrote the job's fields before publishing the new generation, so a worker
//     holding the previous state could claim "chunk k" against the new count and run it
//     under the new job.
//   * No chunk is skipped: the caller claims until a claim returns >= chunks, i.e. until all
//     numbers are handed out; every thread that was handed one runs it (an exception is
//     caught and kept, and done is still counted).
//   * No early return: done counts finished chunks of THIS record only (it is reset in step 2
//     under the same refs == 0 guarantee); each thread adds the chunks it ran after running
//     them, so done == chunks, where the caller returns, means every chunk has finished. The
//     acquire load of done pairs with each thread's release add, so the chunks' writes are
//     visible to the caller when it returns.
//   * A late worker (joined, then descheduled) can touch only `next` (its claim comes back
//     >= chunks, so it never calls fn, whose std::function lives on the returned caller's
//     stack) and `state_` (leaving); the next job waits for it in step 1.
//   * The record's fields are published by the release store of step 3 and read after the
//     acquire of the joining CAS (a successful CAS reads that store or a later increment in
//     its release sequence). Workers never need to join for correctness: a worker that
//     misses a job costs speed only, so the generation may wrap.
// Workers spin briefly before sleeping, because kernels in a training step come back to back
// and a condition-variable wake-up costs tens of µs. native-pool.test.js runs a stress
// harness (test/native/pool_stress.cpp) over millions of jobs, also under ThreadSanitizer.
#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/errors.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TN_CPU_PAUSE() _mm_pause()
#else
#define TN_CPU_PAUSE() ((void)0)
#endif

namespace tn {
namespace {

thread_local bool tl_inside_chunk = false;

constexpr uint64_t kRefsMask = 0xffffffffu;
constexpr uint64_t kOpen = uint64_t(1) << 32;
constexpr int kGenerationShift = 33;
// Spins before a waiting thread yields its core (a descheduled worker may be what it waits for).
constexpr int kSpinsBeforeYield = 2000;
// Spins before an idle worker sleeps on the condition variable.
constexpr int kSpinsBeforeSleep = 4000;

uint64_t generation_of(uint64_t s) { return s >> kGenerationShift; }

int default_threads() {
  if (const char* env = std::getenv("TENSORNODE_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1 && n <= kMaxThreads) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : std::min(static_cast<int>(hw), kMaxThreads);
}

// Spins, then yields, until pred() holds.
template <typename Pred>
void wait_until(Pred pred) {
  for (int spin = 0; !pred(); ++spin) {
    if (spin < kSpinsBeforeYield) TN_CPU_PAUSE();
    else std::this_thread::yield();
  }
}

// Runs chunk c of fn, keeping the first exception instead of letting it escape.
void run_chunk(const std::function<void(int64_t)>& fn, int64_t c, std::mutex& error_mutex, std::exception_ptr& error) {
  try {
    fn(c);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = std::current_exception();
  }
}

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }

  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void resize(int threads) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop();
    start(threads);
  }

  void run(int64_t chunks, const std::function<void(int64_t)>& fn) {
    if (chunks <= 0) return;
    if (chunks == 1 || threads() <= 1 || tl_inside_chunk) {
      run_inline(chunks, fn);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    // 1. The previous job is closed; wait for its last workers to leave the record.
    wait_until([&] { return (state_.load(std::memory_order_acquire) & kRefsMask) == 0; });
    // 2. Write the record. Nobody else can read it now (see Note [Thread pool handoff]).
    job_.fn = &fn;
    job_.chunks = chunks;
    job_.next.store(0, std::memory_order_relaxed);
    job_.done.store(0, std::memory_order_relaxed);
    job_.error = nullptr;
    // 3. Publish: one release store of the new generation, open, nobody inside.
    const uint64_t published = (++generation_ << kGenerationShift) | kOpen;
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);  // pairs with the sleepers' predicate check
      state_.store(published, std::memory_order_release);
    }
    wake_.notify_all();
    // 4. Take chunks like a worker.
    claim_and_run();
    // 5. Close: from now on no worker can join this generation.
    state_.fetch_and(~kOpen, std::memory_order_acq_rel);
    // 6. Wait for the chunks other threads took.
    wait_until([&] { return job_.done.load(std::memory_order_acquire) == chunks; });
    if (job_.error) std::rethrow_exception(job_.error);
  }

 private:
  struct alignas(64) Job {
    const std::function<void(int64_t)>* fn = nullptr;
    int64_t chunks = 0;
    alignas(64) std::atomic<int64_t> next{0};  // next chunk number to hand out
    alignas(64) std::atomic<int64_t> done{0};  // chunks finished
    std::mutex error_mutex;
    std::exception_ptr error;
  };

  // Every chunk on this thread, in order; the first exception is rethrown after all have run,
  // as on the pool. The inside-a-chunk flag is left as it is: a single-chunk job may still use
  // the pool inside (a kernel that calls sgemm), and a nested job is already flagged.
  static void run_inline(int64_t chunks, const std::function<void(int64_t)>& fn) {
    std::mutex error_mutex;
    std::exception_ptr error;
    for (int64_t c = 0; c < chunks; ++c) run_chunk(fn, c, error_mutex, error);
    if (error) std::rethrow_exception(error);
  }

  // Claims chunks of the current record until none are left. The caller, or a joined worker;
  // neither is inside a chunk here (a nested call runs inline), so the flag goes back to false.
  // The chunks a thread finished are added to `done` once, when it stops claiming: one shared
  // write per thread per job instead of one per chunk.
  void claim_and_run() {
    tl_inside_chunk = true;
    int64_t finished = 0;
    for (;;) {
      const int64_t c = job_.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job_.chunks) break;
      run_chunk(*job_.fn, c, job_.error_mutex, job_.error);
      ++finished;
    }
    if (finished > 0) job_.done.fetch_add(finished, std::memory_order_release);
    tl_inside_chunk = false;
  }

  // Joins the open job if it is one this worker has not worked on; returns whether it did.
  bool try_join(uint64_t& last_generation) {
    uint64_t s = state_.load(std::memory_order_acquire);
    while ((s & kOpen) && generation_of(s) != last_generation) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        last_generation = generation_of(s);
        claim_and_run();
        state_.fetch_sub(1, std::memory_order_release);  // leave the record
        return true;
      }
    }
    return false;
  }

  bool joinable(uint64_t last_generation) const {
    const uint64_t s = state_.load(std::memory_order_acquire);
    return (s & kOpen) && generation_of(s) != last_generation;
  }

  void worker_loop() {
    uint64_t last_generation = generation_of(state_.load(std::memory_order_acquire));
    for (;;) {
      if (try_join(last_generation)) continue;
      bool woke = false;
      for (int spin = 0; spin < kSpinsBeforeSleep; ++spin) {
        TN_CPU_PAUSE();
        if (joinable(last_generation)) {
          woke = true;
          break;
        }
      }
      if (woke) continue;
      std::unique_lock<std::mutex> lock(sleep_mutex_);
      wake_.wait(lock, [&] { return stopping_ || joinable(last_generation); });
      if (stopping_) return;
    }
  }

  void start(int threads) {
    const int n = std::max(1, std::min(threads, kMaxThreads));
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      stopping_ = false;
    }
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
    threads_.store(n, std::memory_order_relaxed);
  }

  // Called with run_mutex_ held, so no job is open: workers are spinning, asleep, or leaving
  // the last record.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::atomic<int> threads_{1};
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;    // one job at a time; also held by resize
  std::mutex sleep_mutex_;  // guards stopping_ and the sleepers' wake-up
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t generation_ = 0;  // written by the caller holding run_mutex_
  alignas(64) std::atomic<uint64_t> state_{0};
  Job job_;
};

Pool& pool() {
  static Pool* instance = new Pool(default_threads());  // never destroyed: workers may outlive static teardown
  return *instance;
}

}  // namespace

int num_threads() { return pool().threads(); }

void set_num_threads(int n) {
  TN_CHECK(n >= 1 && n <= kMaxThreads, "threads must be in [1, ", kMaxThreads, "] but is ", n);
  pool().resize(n);
}

void parallel_chunks(int64_t chunks, const std::function<void(int64_t)>& fn) { pool().run(chunks, fn); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  // Up to 4 chunks per thread so uneven chunks even out, never smaller than grain.
  int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t(num_threads()) * 4);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  const int64_t step = (n + chunks - 1) / chunks;
  chunks = (n + step - 1) / step;
  parallel_chunks(chunks, [&](int64_t c) { fn(c * step, std::min(n, (c + 1) * step)); });
}

}  // namespace tn
