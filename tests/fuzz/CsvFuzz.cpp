// libFuzzer target: parseCsv on arbitrary text, with options chosen by the first byte
// (header mode, target or none, target index, delimiter). Only td::Error may come out;
// what parses has one target per input row.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tapedeck/core/Error.h"
#include "tapedeck/io/Csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  td::io::CsvOptions options;
  options.header = static_cast<td::io::CsvOptions::Header>(choice % 3);
  options.hasTarget = (choice & 0x04) == 0;
  options.targetIndex = (choice & 0x08) != 0 ? 0 : -1;
  options.delimiter = (choice & 0x10) != 0 ? ';' : ',';
  if ((choice & 0x20) != 0) options.targetDType = td::DType::Int64;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const td::io::CsvTable table = td::io::parseCsv(text, "fuzz.csv", options);
    if (table.inputs.dim() != 2) std::abort();
    if (table.targets.defined() && table.targets.size(0) != table.inputs.size(0)) std::abort();
  } catch (const td::Error&) {
  }
  return 0;
}
