// libFuzzer target: parseIdx (plain and gzip) on arbitrary bytes. Only td::Error may come
// out; what parses has the element count its header announced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tapedeck/core/Error.h"
#include "tapedeck/io/Idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const td::Tensor t = td::io::parseIdx(data, size, "fuzz.idx");
    if (t.dim() < 1 || t.dim() > 4) std::abort();
  } catch (const td::Error&) {
  }
  return 0;
}
