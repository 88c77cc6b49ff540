// CSV reading (an RFC 4180 record scanner, then numeric conversion) and writing.
#include "tapedeck/io/Csv.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td::io {
namespace {

struct Cell {
  std::string text;
  int64_t line;    // 1-based line where the cell starts
  int64_t column;  // 1-based cell index within its record
};
using Record = std::vector<Cell>;

[[noreturn]] void fail(const std::string& path, int64_t line, int64_t column, const std::string& problem) {
  std::string where = td::detail::concat("line ", line);
  if (column > 0) where += td::detail::concat(", column ", column);
  throw Error(td::detail::concat("readCsv: ", path, ": ", where, ": ", problem));
}

/// Splits text into records of cells, honouring quotes; blank lines are dropped.
std::vector<Record> scan(const std::string& path, std::string_view text, char delimiter) {
  std::vector<Record> records;
  Record record;
  std::string cell;
  int64_t line = 1;
  int64_t cellLine = 1;
  bool quoted = false;      // inside a quoted field
  bool wasQuoted = false;   // the current cell had quotes (so an empty one is a cell)
  bool afterQuote = false;  // just closed a quoted field
  size_t i = text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  auto endCell = [&] {
    record.push_back({std::move(cell), cellLine, static_cast<int64_t>(record.size()) + 1});
    cell.clear();
    wasQuoted = afterQuote = false;
    cellLine = line;
  };
  auto endRecord = [&] {
    const bool blank = record.empty() && cell.empty() && !wasQuoted;
    if (!blank) {
      endCell();
      records.push_back(std::move(record));
    }
    record.clear();
    cell.clear();
    wasQuoted = afterQuote = false;
  };
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF: the \n ends the record
    if (c == '\n' || c == '\r') {
      endRecord();
      ++line;
      cellLine = line;
      continue;
    }
    if (c == delimiter) {
      endCell();
      continue;
    }
    if (afterQuote && c != ' ' && c != '\t')
      fail(path, line, static_cast<int64_t>(record.size()) + 1, "text after a closing quote");
    if (c == '"') {
      if (!cell.empty() && cell.find_first_not_of(" \t") != std::string::npos)
        fail(path, line, static_cast<int64_t>(record.size()) + 1, "a quote inside an unquoted field");
      cell.clear();
      quoted = wasQuoted = true;
      continue;
    }
    if (!afterQuote) cell += c;
  }
  if (quoted) fail(path, cellLine, static_cast<int64_t>(record.size()) + 1, "unterminated quote (opened here)");
  endRecord();
  return records;
}

std::optional<double> parseNumber(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return std::nullopt;
  const size_t end = text.find_last_not_of(" \t") + 1;
  if (text[begin] == '+') ++begin;  // from_chars takes no '+'
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data() + begin, text.data() + end, value);
  if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
  return value;
}

std::string quoteIfNeeded(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

CsvTable readCsv(const std::string& path, const CsvOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(td::detail::concat("readCsv: ", path, ": cannot open the file"));
  std::ostringstream buffer;
  buffer << file.rdbuf();
  return parseCsv(buffer.str(), path, options);
}

CsvTable parseCsv(std::string_view text, const std::string& path, const CsvOptions& options) {
  std::vector<Record> records = scan(path, text, options.delimiter);
  if (records.empty()) throw Error(td::detail::concat("readCsv: ", path, ": line 1: the file has no records"));

  bool hasHeader = options.header == CsvOptions::Header::Present;
  if (options.header == CsvOptions::Header::Auto)
    for (const Cell& cell : records.front()) hasHeader = hasHeader || !parseNumber(cell.text);
  const auto columns = static_cast<int64_t>(records.front().size());
  const int64_t headerLine = records.front().front().line;

  int64_t target = -1;
  if (options.hasTarget) {
    if (!options.targetName.empty()) {
      if (!hasHeader) fail(path, headerLine, 0, "target column \"" + options.targetName + "\" named, but no header");
      std::string names;
      for (const Cell& cell : records.front()) {
        if (cell.text == options.targetName) target = cell.column - 1;
        names += (names.empty() ? "" : ", ") + cell.text;
      }
      if (target < 0)
        fail(path, headerLine, 0, "missing column: no column named \"" + options.targetName + "\" (columns: " + names + ")");
    } else {
      target = options.targetIndex < 0 ? columns + options.targetIndex : options.targetIndex;
      if (target < 0 || target >= columns)
        fail(path, headerLine, 0, td::detail::concat("missing column: target column ", options.targetIndex,
                                                     " out of range for ", columns, " columns"));
    }
  }
  CsvTable table;
  if (hasHeader)
    for (const Cell& cell : records.front()) {
      if (cell.column - 1 == target) table.targetName = cell.text;
      else table.inputNames.push_back(cell.text);
    }

  const size_t first = hasHeader ? 1 : 0;
  const auto rows = static_cast<int64_t>(records.size() - first);
  const int64_t inputColumns = target >= 0 ? columns - 1 : columns;
  std::vector<float> inputs;
  std::vector<double> targets;
  inputs.reserve(static_cast<size_t>(rows * inputColumns));
  targets.reserve(static_cast<size_t>(rows));
  // Integer targets become int64; a value beyond int64's range (or not an integer) cannot.
  const bool wantInteger = options.targetDType && *options.targetDType == DType::Int64;
  auto fitsInt64 = [](double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 0x1p63; };
  bool integralTargets = true;
  for (size_t r = first; r < records.size(); ++r) {
    const Record& record = records[r];
    if (static_cast<int64_t>(record.size()) != columns)
      fail(path, record.front().line, 0,
           td::detail::concat("ragged row: ", record.size(), " cells, expected ", columns, " (as in line ",
                              headerLine, ")"));
    for (const Cell& cell : record) {
      const std::optional<double> value = parseNumber(cell.text);
      if (!value) fail(path, cell.line, cell.column, "non-numeric cell \"" + cell.text + "\"");
      if (cell.column - 1 == target) {
        targets.push_back(*value);
        integralTargets = integralTargets && fitsInt64(*value);
        if (wantInteger && !fitsInt64(*value))
          fail(path, cell.line, cell.column,
               "target \"" + cell.text + "\" is not an integer in int64's range (targetDType is int64)");
      } else {
        inputs.push_back(static_cast<float>(*value));
      }
    }
  }
  table.inputs = fromVector(inputs, {rows, inputColumns});
  if (target >= 0) {
    const DType dtype = options.targetDType.value_or(integralTargets ? DType::Int64 : DType::Float32);
    table.targets = fromVector(targets, {rows}, DType::Float64).to(dtype);
  }
  return table;
}

void writeCsv(const std::string& path, const Tensor& inputs, const Tensor& targets,
              const std::vector<std::string>& columnNames) {
  TD_CHECK(inputs.defined() && inputs.dim() == 2, "writeCsv", "inputs must be 2-D, got ",
           inputs.defined() ? shapeString(inputs.shape()) : "undefined");
  const int64_t rows = inputs.size(0);
  const int64_t columns = inputs.size(1) + (targets.defined() ? 1 : 0);
  if (targets.defined())
    TD_CHECK(targets.dim() == 1 && targets.size(0) == rows, "writeCsv", "targets must be [", rows, "], got ",
             shapeString(targets.shape()));
  TD_CHECK(columnNames.empty() || static_cast<int64_t>(columnNames.size()) == columns, "writeCsv", "got ",
           columnNames.size(), " column names for ", columns, " columns");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  TD_CHECK(file.good(), "writeCsv", "cannot open ", path, " for writing");
  for (size_t c = 0; c < columnNames.size(); ++c) file << (c ? "," : "") << quoteIfNeeded(columnNames[c]);
  if (!columnNames.empty()) file << "\n";
  const std::vector<double> in = inputs.toVector();
  const std::vector<double> out = targets.defined() ? targets.toVector() : std::vector<double>{};
  const bool floatInputs = inputs.dtype() == DType::Float32;
  const bool floatTargets = targets.defined() && targets.dtype() == DType::Float32;
  char text[64];
  auto put = [&](double value, bool asFloat) {
    // A float32 is written as the shortest float that reads back to it, not its double expansion.
    const auto result = asFloat ? std::to_chars(text, text + sizeof text, static_cast<float>(value))
                                : std::to_chars(text, text + sizeof text, value);
    file.write(text, result.ptr - text);
  };
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < inputs.size(1); ++c) {
      if (c) file << ',';
      put(in[static_cast<size_t>(r * inputs.size(1) + c)], floatInputs);
    }
    if (targets.defined()) {
      if (inputs.size(1)) file << ',';
      put(out[static_cast<size_t>(r)], floatTargets);
    }
    file << "\n";
  }
  TD_CHECK(file.good(), "writeCsv", "writing ", path, " failed");
}

}  // namespace td::io
