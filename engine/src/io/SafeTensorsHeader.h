#pragma once
// Private to the safetensors reader and writer: the dtype table and the validated header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tapedeck/io/SafeTensors.h"

namespace td::io::detail {

enum class FileDType : uint8_t { F32, F64, I64, Bool, F16, BF16 };

/// One row per dtype this engine reads. `referenceRank` is the dtype's position in the
/// reference implementation's enum; the writer lays data out by it, highest first.
struct FileDTypeInfo {
  FileDType type;
  const char* name;       // as written in the header: "F32"
  std::size_t bytes;      // per element in the file
  DType loadedAs;         // F16 and BF16 load as float32
  int referenceRank;
};
inline constexpr FileDTypeInfo kFileDTypes[] = {
    {FileDType::Bool, "BOOL", 1, DType::Bool, 0},
    {FileDType::F16, "F16", 2, DType::Float32, 11},
    {FileDType::BF16, "BF16", 2, DType::Float32, 12},
    {FileDType::F32, "F32", 4, DType::Float32, 15},
    {FileDType::F64, "F64", 8, DType::Float64, 16},
    {FileDType::I64, "I64", 8, DType::Int64, 17},
};

/// The row the writer uses for an engine dtype.
const FileDTypeInfo& fileDTypeFor(DType dtype);

/// One validated header entry: its bytes are [begin, end) of the data section.
struct HeaderEntry {
  std::string name;
  const FileDTypeInfo* dtype = nullptr;
  IntList shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct ParsedHeader {
  std::vector<HeaderEntry> entries;  // sorted by name
  SafeTensorsMetadata metadata;
};

/// td::Error("safetensors '<file>': <problem>").
[[noreturn]] void fail(const std::string& file, const std::string& problem);

/// Validates the 8-byte length field against the file size; returns the header length.
uint64_t checkHeaderLength(const uint8_t lengthField[8], uint64_t fileSize, const std::string& file);

/// Parses and validates `header` (UTF-8, depth, JSON object, duplicates, dtypes, shapes,
/// offsets that tile a data section of `dataSize` bytes exactly). Allocates no tensor.
ParsedHeader parseHeader(const uint8_t* header, std::size_t size, uint64_t dataSize, const std::string& file);

}  // namespace td::io::detail
