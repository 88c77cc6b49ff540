#pragma once
// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON header padded with spaces to 8-byte alignment, then the data.
// Readers validate the whole header before allocating a tensor; every problem is a
// td::Error naming the file and the problem, never a crash.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td {

/// Named tensors in order (the same type as td::nn::StateDict and td::optim::StateDict).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

namespace io {

/// The "__metadata__" string map of a safetensors header.
using SafeTensorsMetadata = std::map<std::string, std::string>;

/// The reference implementation's header limit.
inline constexpr uint64_t kSafeTensorsMaxHeaderBytes = 100'000'000;
/// Deepest nesting of [ and { a header may have: root { -> entry { -> shape [.
inline constexpr int kSafeTensorsMaxDepth = 3;

/// The bytes of a safetensors file holding `tensors` (CPU, defined, unique names, not
/// "__metadata__") and `metadata`. Data is laid out as the reference does: by dtype
/// (I64, F64, F32, BOOL), then by name; the header lists tensors in that order.
std::vector<uint8_t> serializeSafeTensors(const StateDict& tensors, const SafeTensorsMetadata& metadata = {},
                                          const std::string& nameForErrors = "<memory>");
/// Writes serializeSafeTensors(...) to `path` (via a temporary file renamed over it, so a
/// failed save leaves an existing file intact).
void saveSafeTensors(const std::string& path, const StateDict& tensors, const SafeTensorsMetadata& metadata = {});

/// Parses a whole safetensors file held in memory. Tensors come back sorted by name;
/// F32/F64/I64/BOOL keep their dtype, F16 and BF16 are converted to float32.
/// `metadata`, when given, receives "__metadata__" (empty when absent).
StateDict parseSafeTensors(const uint8_t* data, std::size_t size, const std::string& nameForErrors,
                           SafeTensorsMetadata* metadata = nullptr);
/// Reads and parses the file at `path`; reads only the header before validating it.
StateDict loadSafeTensors(const std::string& path, SafeTensorsMetadata* metadata = nullptr);

/// IEEE half and bfloat16 bit patterns to float32 (exact; subnormals, inf and NaN kept).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

}  // namespace io

/// Saves a state dict (a module's or an optimizer's) as safetensors.
void save(const std::string& path, const StateDict& state);
/// Loads a safetensors file into a state dict.
StateDict load(const std::string& path);

}  // namespace td
