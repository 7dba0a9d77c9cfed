// See thread_pool.h. Note [Thread pool handoff]:
// A job is published by storing (job id << 32 | next chunk) in one 64-bit atomic. A worker
// claims a chunk with a compare-and-swap that succeeds only while the job id is still the
// one it saw, so a worker that wakes late can never take a chunk of the next job under the
// old job's bookkeeping. The caller returns once every chunk has completed, without waiting
// for workers that are still asleep. Workers spin briefly before sleeping, because kernels
// in a training step come back to back and a condition-variable wake-up costs tens of µs.
#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TN_CPU_PAUSE() _mm_pause()
#else
#define TN_CPU_PAUSE() ((void)0)
#endif

namespace tn {
namespace {

thread_local bool tl_inside_chunk = false;

int default_threads() {
  if (const char* env = std::getenv("TENSORNODE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop();
    start(threads);
  }

  void run(int64_t chunks, const std::function<void(int64_t)>& fn) {
    if (chunks <= 0) return;
    if (chunks == 1 || threads_ <= 1 || tl_inside_chunk) {
      for (int64_t c = 0; c < chunks; ++c) fn(c);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // jobs from several JS threads queue here
    job_fn_ = &fn;
    job_chunks_.store(chunks, std::memory_order_relaxed);
    completed_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    const uint64_t job = ++job_id_;
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      state_.store(job << 32, std::memory_order_release);
    }
    wake_.notify_all();
    work(job);
    while (completed_.load(std::memory_order_acquire) < chunks) TN_CPU_PAUSE();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void start(int threads) {
    threads_ = std::max(1, threads);
    stopping_ = false;
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  // Claims and runs chunks of job `job` until none are left.
  void work(uint64_t job) {
    for (;;) {
      uint64_t s = state_.load(std::memory_order_acquire);
      int64_t chunk;
      do {
        if ((s >> 32) != job) return;
        chunk = static_cast<int64_t>(s & 0xffffffffu);
        if (chunk >= job_chunks_.load(std::memory_order_relaxed)) return;
      } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel));
      tl_inside_chunk = true;
      try {
        (*job_fn_)(chunk);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      tl_inside_chunk = false;
      completed_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void worker_loop() {
    uint64_t seen = state_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      uint64_t job = seen;
      for (int spin = 0; spin < 4000 && job == seen; ++spin) {
        TN_CPU_PAUSE();
        job = state_.load(std::memory_order_acquire) >> 32;
      }
      if (job == seen) {
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        wake_.wait(lock, [&] { return stopping_ || (state_.load(std::memory_order_acquire) >> 32) != seen; });
        if (stopping_) return;
        job = state_.load(std::memory_order_acquire) >> 32;
      }
      seen = job;
      work(job);
    }
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<uint64_t> state_{0};
  std::atomic<int64_t> completed_{0};
  uint64_t job_id_ = 0;
  const std::function<void(int64_t)>* job_fn_ = nullptr;
  std::atomic<int64_t> job_chunks_{0};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* instance = new Pool(default_threads());  // never destroyed: workers may outlive static teardown
  return *instance;
}

}  // namespace

int num_threads() { return pool().threads(); }

void set_num_threads(int n) { pool().resize(n < 1 ? default_threads() : n); }

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
