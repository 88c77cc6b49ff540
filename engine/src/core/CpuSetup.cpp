// See tapedeck/core/CpuSetup.h.
#include "tapedeck/core/CpuSetup.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

extern "C" char* openblas_get_corename(void);

namespace td {
namespace {
#if defined(__x86_64__)
__attribute__((target("avx"))) void zeroUpper() { _mm256_zeroupper(); }
#endif
}  // namespace

void clearUpperVectorState() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx")) zeroUpper();
#endif
}

const char* blasCore() { return openblas_get_corename(); }

const char* betterBlasCore() {
#if defined(__x86_64__)
  const std::string core = blasCore();
  if (core != "Prescott" && core != "Core2" && core != "Nehalem" && core != "Penryn" && core != "Dunnington")
    return nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return nullptr;
}

void restartForBetterBlasCore(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;  // named by the user, or restarted already
  const char* core = betterBlasCore();
  if (core == nullptr) return;
  setenv("OPENBLAS_CORETYPE", core, 1);
  execv("/proc/self/exe", argv);
}

}  // namespace td
