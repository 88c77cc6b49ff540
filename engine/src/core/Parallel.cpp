// A small fixed pool: the caller and the workers take chunks from a shared counter.
// One parallel region at a time; nested regions run inline on the worker.
#include "tapedeck/core/Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "tapedeck/core/CpuSetup.h"
#include "tapedeck/core/Error.h"

extern "C" void openblas_set_num_threads(int);

namespace td {
namespace {

thread_local bool t_inRegion = false;

int defaultThreads() {
  for (const char* name : {"TAPEDECK_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(name)) {
      int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

class Pool {
 public:
  static Pool& instance() {
    static Pool* pool = new Pool();  // never destroyed: workers may outlive static destructors
    return *pool;
  }

  int threads() const { return m_threads.load(); }

  void setThreads(int n) {
    std::lock_guard<std::mutex> region(m_regionMutex);
    while (static_cast<int>(m_workers.size()) < n - 1) m_workers.emplace_back([this] { workerLoop(); });
    m_threads.store(n);  // only once the workers exist: run() waits for that many helpers
  }

  void run(int64_t chunks, const std::function<void(int64_t)>& chunkFn) {
    std::lock_guard<std::mutex> region(m_regionMutex);
    int helpers = static_cast<int>(std::min<int64_t>({m_threads.load() - 1, chunks - 1,
                                                      static_cast<int64_t>(m_workers.size())}));
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_job = &chunkFn;
      m_chunks = chunks;
      m_next.store(0);
      m_pendingHelpers = helpers;
      m_activeHelpers = 0;
      m_error = nullptr;
      ++m_generation;
    }
    m_wake.notify_all();
    work();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_done.wait(lock, [&] { return m_pendingHelpers == 0 && m_activeHelpers == 0; });
    m_job = nullptr;
    if (m_error) std::rethrow_exception(m_error);
  }

 private:
  Pool() : m_threads(defaultThreads()) {
    for (int i = 1; i < m_threads.load(); ++i) m_workers.emplace_back([this] { workerLoop(); });
  }

  void work() {
    t_inRegion = true;
    for (;;) {
      int64_t chunk = m_next.fetch_add(1);
      if (chunk >= m_chunks) break;
      try {
        (*m_job)(chunk);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_error) m_error = std::current_exception();
      }
    }
    t_inRegion = false;
  }

  void workerLoop() {
    clearUpperVectorState();
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait(lock, [&] { return m_generation != seen && m_pendingHelpers > 0; });
        seen = m_generation;
        --m_pendingHelpers;
        ++m_activeHelpers;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_activeHelpers;
      }
      m_done.notify_all();
    }
  }

  std::atomic<int> m_threads;
  std::vector<std::thread> m_workers;
  std::mutex m_regionMutex;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  const std::function<void(int64_t)>* m_job = nullptr;
  int64_t m_chunks = 0;
  std::atomic<int64_t> m_next{0};
  int m_pendingHelpers = 0;
  int m_activeHelpers = 0;
  uint64_t m_generation = 0;
  std::exception_ptr m_error;
};

}  // namespace

// The threading arrangement: OpenBLAS always runs single-threaded on whichever thread
// calls it; the engine's pool is the only source of parallelism (GEMMs are split into
// fixed row chunks, see MatmulKernels.cpp). So the pthread OpenBLAS never runs its own
// threads inside ours, and no result depends on the thread count.
[[maybe_unused]] const bool g_blasSingleThreaded = [] {
  openblas_set_num_threads(1);
  return true;
}();

void setNumThreads(int threads) {
  TD_CHECK(threads > 0, "set_num_threads", "expected a positive number of threads, got ", threads);
  TD_CHECK(!t_inRegion, "set_num_threads", "cannot change the thread count from inside a parallel kernel");
  Pool::instance().setThreads(threads);
}

int getNumThreads() { return Pool::instance().threads(); }

namespace detail {

bool inParallelRegion() { return t_inRegion; }

void parallelFor(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  int64_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1 || t_inRegion || Pool::instance().threads() == 1) {
    // Same chunk boundaries as the parallel path, so per-chunk results never differ.
    for (int64_t c = 0; c < chunks; ++c) fn(begin + c * grain, std::min(end, begin + (c + 1) * grain));
    return;
  }
  Pool::instance().run(chunks, [&](int64_t c) { fn(begin + c * grain, std::min(end, begin + (c + 1) * grain)); });
}

}  // namespace detail

}  // namespace td
