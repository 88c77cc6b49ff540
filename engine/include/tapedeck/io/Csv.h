#pragma once
// CSV of numeric columns (RFC 4180 quoting; CRLF and a UTF-8 BOM tolerated). Numbers are
// parsed with std::from_chars and written with std::to_chars, so the locale changes nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td::io {

struct CsvOptions {
  enum class Header { Auto, Present, Absent };
  /// Auto: the first record is a header when any of its cells is not a number.
  Header header = Header::Auto;
  /// The target column by name (needs a header); when empty, by `targetIndex`.
  std::string targetName;
  /// The target column by index; negative counts from the end (-1: the last column).
  int64_t targetIndex = -1;
  /// False: every column is an input and the targets are left undefined.
  bool hasTarget = true;
  /// The targets' dtype; by default int64 when every target is an integer, else float32.
  std::optional<DType> targetDType;
  char delimiter = ',';
};

struct CsvTable {
  Tensor inputs;   ///< [rows, columns - 1] float32 (all columns without a target)
  Tensor targets;  ///< [rows] int64 or float32; undefined without a target
  std::vector<std::string> inputNames;  ///< from the header; empty without one
  std::string targetName;               ///< from the header; empty without one
};

/// Reads a CSV file. Blank lines are skipped; spaces around a number are allowed. Errors
/// throw td::Error naming the file, the line (and column) and the problem: a non-numeric
/// cell, a ragged row, a missing target column, an unterminated quote.
CsvTable readCsv(const std::string& path, const CsvOptions& options = {});
/// The same for CSV text held in memory; errors name `nameForErrors` where readCsv names the file.
CsvTable parseCsv(std::string_view text, const std::string& nameForErrors = "<memory>", const CsvOptions& options = {});

/// Writes `inputs` [rows, columns] and, when defined, `targets` [rows] as the last column,
/// with an optional header (`columnNames`, one per written column; quoted as needed).
/// Values use the shortest representation that reads back exactly.
void writeCsv(const std::string& path, const Tensor& inputs, const Tensor& targets = {},
              const std::vector<std::string>& columnNames = {});

}  // namespace td::io
