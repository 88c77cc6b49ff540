#pragma once
// What a thread or a program sets up on this CPU before it runs models: the AVX state a
// new thread inherits, and the OpenBLAS kernels chosen when OpenBLAS loads.

namespace td {

/// Clears the upper halves of this thread's AVX registers (no-op without AVX). A thread
/// starts with its creator's vector registers; one created by a thread that left them in
/// use (Qt's drawing code does) pays a transition penalty on every SSE instruction, most
/// of Python's and the engine's scalar code, until they are cleared: call it first thing
/// on a thread that runs models (the IDE's runner; the pool's workers do).
void clearUpperVectorState();

/// The OpenBLAS kernels in use ("SkylakeX", "Haswell", "Prescott", ...).
const char* blasCore();
/// The kernels OpenBLAS should use on this CPU when it picked generic ones instead
/// ("SkylakeX" with AVX-512, "Haswell" with AVX2 and FMA), else null. Debian's OpenBLAS
/// 0.3.21 does not know newer CPUs and falls back to Prescott's, several times slower.
/// OpenBLAS chooses when it loads, from OPENBLAS_CORETYPE: a launcher sets it and starts
/// again (the `tapedeck` executable does). Read from the CPU (valgrind's masks included).
const char* betterBlasCore();
/// For a program's main: when betterBlasCore() names kernels and OPENBLAS_CORETYPE is
/// unset, sets it and starts this program again (execv of /proc/self/exe with `argv`);
/// returns only when there is nothing to do or the restart failed.
void restartForBetterBlasCore(char** argv);

}  // namespace td
