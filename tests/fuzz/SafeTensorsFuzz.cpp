// libFuzzer target: parseSafeTensors on arbitrary bytes. Only td::Error may come out; a
// file that parses must serialize and parse back to the same names, dtypes and shapes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tapedeck/core/Error.h"
#include "tapedeck/io/SafeTensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  td::StateDict tensors;
  td::io::SafeTensorsMetadata metadata;
  try {
    tensors = td::io::parseSafeTensors(data, size, "fuzz.safetensors", &metadata);
  } catch (const td::Error&) {
    return 0;
  }
  // Names a loaded file may hold but a save refuses ("__metadata__" cannot be a tensor
  // name in a valid header, so every loaded dict must be writable).
  const std::vector<uint8_t> again = td::io::serializeSafeTensors(tensors, metadata);
  td::io::SafeTensorsMetadata metadataAgain;
  const td::StateDict reloaded = td::io::parseSafeTensors(again.data(), again.size(), "again", &metadataAgain);
  if (reloaded.size() != tensors.size() || metadataAgain != metadata) std::abort();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const td::Tensor& a = tensors[i].second;
    const td::Tensor& b = reloaded[i].second;
    if (tensors[i].first != reloaded[i].first || a.dtype() != b.dtype() || a.shape() != b.shape()) std::abort();
  }
  return 0;
}
