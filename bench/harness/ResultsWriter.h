#pragma once
// Collects benchmark rows and writes them to build/bench/results.json (merged with the
// rows other bench binaries wrote there earlier in the same run), plus an aligned table
// on stdout. A row that could not be measured is written as skipped with its reason,
// never with made-up numbers.
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "PairRunner.h"

namespace td::bench {

struct Row {
  std::string name;
  std::optional<double> tapedeck;   // median per call, in `unit`
  std::optional<double> reference;  // null for ceilings and skipped rows
  std::string unit;
  std::optional<double> ratio;      // tapedeck / reference
  /// Pair rows: min and max of the per-pair ratios. Ceiling rows: min and max of the values.
  std::optional<std::pair<double, double>> spread;
  /// Pair rows: the highest acceptable ratio. Ceiling rows: the highest acceptable max value.
  std::optional<double> budget;
  std::string referenceName;        // what the reference side is ("cblas_sgemm", "libtorch 1.13")
  bool skipped = false;
  std::string reason;               // why skipped
  int samples = 0;

  /// Within budget? (nullopt when there is no budget or the row was skipped.)
  std::optional<bool> withinBudget() const;
  nlohmann::json toJson() const;
};

class ResultsWriter {
 public:
  /// `binary` names the bench executable in each row it writes (for the reader).
  explicit ResultsWriter(std::string binary);

  /// A side-by-side row: Tapedeck (side A) against a reference (side B).
  Row& addPair(const std::string& name, const PairResult& result, std::optional<double> budget,
               const std::string& referenceName);
  /// A user-facing ceiling with nothing to pair with: median and max of `result`.
  Row& addCeiling(const std::string& name, const SingleResult& result, std::optional<double> budget);
  /// A row that could not be measured here, and why (e.g. "libtorch-dev is not installed").
  Row& addSkipped(const std::string& name, const std::string& reason, const std::string& unit = "");

  const std::vector<Row>& rows() const { return m_rows; }

  /// Merges this writer's rows into the JSON file at `path` (rows of the same name are
  /// replaced, others kept), refreshes its "blas" record, and writes it back.
  void write(const std::string& path) const;
  /// Prints this writer's rows as an aligned table.
  void printTable(std::ostream& out) const;

  /// The BLAS in use: openblas_get_config(), core name, thread count, and the
  /// OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / OPENBLAS_CORETYPE the process started with.
  static nlohmann::json blasRecord();
  /// Prints the rows of a results file (all bench binaries of a run) as one table.
  static void printTable(const nlohmann::json& results, std::ostream& out);
  /// Warns on stderr unless OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are both 1 (the
  /// budgets are per core; bench/run.sh sets them before the libraries load).
  static bool checkSingleThreaded();

 private:
  std::string m_binary;
  std::vector<Row> m_rows;
};

/// The results path: `--out PATH` from the arguments, else $TAPEDECK_BENCH_RESULTS,
/// else build/bench/results.json (relative to the working directory).
std::string resultsPath(int argc, char** argv);

}  // namespace td::bench
