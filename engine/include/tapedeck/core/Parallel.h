#pragma once
// Intra-op parallelism: one process-wide pool of worker threads used by large kernels.
// Work is split into chunks whose size does not depend on the thread count, and
// reductions combine chunk results in chunk order, so results are bitwise identical
// for any setNumThreads.
#include <cstdint>
#include <functional>

namespace td {

/// Threads used by intra-op parallel kernels (and BLAS); 1 runs everything on the caller.
void setNumThreads(int threads);
int getNumThreads();

namespace detail {
/// Runs fn(chunkBegin, chunkEnd) over [begin, end) in chunks of `grain` elements,
/// in parallel when the range spans more than one chunk and threads are available.
/// Nested calls run inline. `fn` must not throw across chunks it does not own: the first
/// exception is rethrown on the caller after all chunks finish.
void parallelFor(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
/// Whether the calling thread is inside a parallelFor chunk.
bool inParallelRegion();
}  // namespace detail

}  // namespace td
