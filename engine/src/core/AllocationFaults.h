#pragma once
// For tests of failure paths: tensor memory running out, on request. Internal to the
// engine and its tests.
#include <cstdint>

namespace td::detail {

/// The next `count` heap allocations of tensor memory (Storage's, and the fresh memory a
/// write watcher's move takes) succeed and the one after throws td::Error as if memory ran
/// out; then allocations succeed again. A negative count disarms it. (Memory inside a
/// Storage object, at most 64 bytes, is not a heap allocation.)
void failAllocationAfter(int64_t count);

}  // namespace td::detail
