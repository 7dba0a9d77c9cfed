// A fixed pool of worker threads shared by every CPU kernel.
//
// parallel_for(n, grain, fn) splits [0, n) into chunks of at least `grain` items and runs
// fn(begin, end) on them, the calling thread taking chunks too. Chunks are handed out
// dynamically (an atomic counter), so uneven work balances itself. Calls made from inside
// a chunk run inline (no nested parallelism). Every chunk runs exactly once, and the call
// returns only when all have finished (See Note [Thread pool handoff] in thread_pool.cpp),
// also when a chunk throws: the first exception is rethrown on the calling thread after all
// chunks have finished. Jobs from several threads run one after another.
#pragma once
#include <cstdint>
#include <functional>

namespace tn {

// The most threads the pool runs (setNumThreads checks the same bound in TypeScript).
constexpr int kMaxThreads = 1024;

// Number of threads kernels may use (the caller included). Defaults to the number of
// cores, or TENSORNODE_NUM_THREADS when set (and in [1, kMaxThreads]).
int num_threads();

// Resizes the pool to n threads, the caller included; throws tn::ShapeError unless n is in
// [1, kMaxThreads]. Waits for a running job to finish first.
void set_num_threads(int n);

// Runs fn over [0, n) in chunks of at least `grain` items (grain >= 1).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

// Runs fn(chunk) for chunk in [0, chunks), one call per chunk, spread over the pool.
void parallel_chunks(int64_t chunks, const std::function<void(int64_t chunk)>& fn);

}  // namespace tn
