#include "ResultsWriter.h"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace td::bench {

namespace {

nlohmann::json optionalNumber(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string formatNumber(const nlohmann::json& value, int precision) {
  if (!value.is_number()) return "-";
  std::ostringstream out;
  out << std::setprecision(precision) << value.get<double>();
  return out.str();
}

std::string formatRatio(const nlohmann::json& value) {
  if (!value.is_number()) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << value.get<double>();
  return out.str();
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::optional<bool> Row::withinBudget() const {
  if (skipped || !budget) return std::nullopt;
  if (reference) return ratio && *ratio <= *budget;
  if (spread) return spread->second <= *budget;  // a ceiling bounds the worst run
  return std::nullopt;
}

nlohmann::json Row::toJson() const {
  nlohmann::json row;
  row["name"] = name;
  row["tapedeck"] = optionalNumber(tapedeck);
  row["reference"] = optionalNumber(reference);
  row["unit"] = unit;
  row["ratio"] = optionalNumber(ratio);
  row["spread"] = spread ? nlohmann::json::array({spread->first, spread->second}) : nlohmann::json(nullptr);
  row["budget"] = optionalNumber(budget);
  const std::optional<bool> within = withinBudget();
  row["within_budget"] = within ? nlohmann::json(*within) : nlohmann::json(nullptr);
  if (!referenceName.empty()) row["reference_name"] = referenceName;
  if (samples > 0) row["samples"] = samples;
  if (skipped) {
    row["skipped"] = true;
    row["reason"] = reason;
  }
  return row;
}

ResultsWriter::ResultsWriter(std::string binary) : m_binary(std::move(binary)) {}

Row& ResultsWriter::addPair(const std::string& name, const PairResult& result, std::optional<double> budget,
                            const std::string& referenceName) {
  Row row;
  row.name = name;
  row.tapedeck = result.medianA;
  row.reference = result.medianB;
  row.unit = unitName(result.unit);
  row.ratio = result.ratio;
  row.spread = std::make_pair(result.ratioMin, result.ratioMax);
  row.budget = budget;
  row.referenceName = referenceName;
  row.samples = result.pairs;
  m_rows.push_back(row);
  return m_rows.back();
}

Row& ResultsWriter::addCeiling(const std::string& name, const SingleResult& result, std::optional<double> budget) {
  Row row;
  row.name = name;
  row.tapedeck = result.median;
  row.unit = unitName(result.unit);
  row.spread = std::make_pair(result.min, result.max);
  row.budget = budget;
  row.samples = result.samples;
  m_rows.push_back(row);
  return m_rows.back();
}

Row& ResultsWriter::addSkipped(const std::string& name, const std::string& reason, const std::string& unit) {
  Row row;
  row.name = name;
  row.unit = unit;
  row.skipped = true;
  row.reason = reason;
  m_rows.push_back(row);
  return m_rows.back();
}

nlohmann::json ResultsWriter::blasRecord() {
  nlohmann::json blas;
  blas["config"] = openblas_get_config();
  blas["corename"] = openblas_get_corename();
  blas["num_threads"] = openblas_get_num_threads();
  // 0: sequential build, 1: pthreads, 2: OpenMP.
  blas["parallel"] = openblas_get_parallel();
  blas["OPENBLAS_NUM_THREADS"] = environment("OPENBLAS_NUM_THREADS");
  blas["OMP_NUM_THREADS"] = environment("OMP_NUM_THREADS");
  blas["OPENBLAS_CORETYPE"] = environment("OPENBLAS_CORETYPE");
  return blas;
}

bool ResultsWriter::checkSingleThreaded() {
  const bool single = environment("OPENBLAS_NUM_THREADS") == "1" && environment("OMP_NUM_THREADS") == "1";
  if (!single) {
    std::cerr << "warning: OPENBLAS_NUM_THREADS and OMP_NUM_THREADS should both be 1 before the process starts "
                 "(the budgets are per core); run the benchmarks through bench/run.sh or make bench\n";
  }
  return single;
}

void ResultsWriter::write(const std::string& path) const {
  nlohmann::json results = nlohmann::json::object();
  if (std::ifstream in{path}) {
    try {
      results = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& error) {
      std::cerr << "warning: " << path << " is not valid JSON (" << error.what() << "); starting it afresh\n";
      results = nlohmann::json::object();
    }
  }
  if (!results.is_object() || !results.contains("results") || !results["results"].is_array()) {
    results = {{"results", nlohmann::json::array()}};
  }

  nlohmann::json& list = results["results"];
  for (const Row& row : m_rows) {
    nlohmann::json entry = row.toJson();
    entry["binary"] = m_binary;
    bool replaced = false;
    for (nlohmann::json& existing : list) {
      if (existing.value("name", "") == row.name) {
        existing = entry;
        replaced = true;
        break;
      }
    }
    if (!replaced) list.push_back(entry);
  }
  results["blas"] = blasRecord();

  const std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    if (!out) throw std::runtime_error("cannot write " + temporary);
    out << results.dump(2) << '\n';
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, file);
}

void ResultsWriter::printTable(std::ostream& out) const {
  nlohmann::json results = {{"results", nlohmann::json::array()}};
  for (const Row& row : m_rows) results["results"].push_back(row.toJson());
  printTable(results, out);
}

void ResultsWriter::printTable(const nlohmann::json& results, std::ostream& out) {
  const std::vector<std::string> header = {"name", "tapedeck", "reference", "unit", "ratio", "spread", "budget",
                                           "status"};
  std::vector<std::vector<std::string>> cells;
  const nlohmann::json empty = nlohmann::json::array();
  const nlohmann::json& rows = results.contains("results") ? results["results"] : empty;
  for (const nlohmann::json& row : rows) {
    const bool ceiling = row.value("reference", nlohmann::json()).is_null() && !row.value("skipped", false);
    std::string spread = "-";
    if (row.contains("spread") && row["spread"].is_array() && row["spread"].size() == 2) {
      spread = ceiling ? formatNumber(row["spread"][0], 4) + " .. " + formatNumber(row["spread"][1], 4)
                       : formatRatio(row["spread"][0]) + " .. " + formatRatio(row["spread"][1]);
    }
    std::string status;
    if (row.value("skipped", false)) {
      status = "skipped: " + row.value("reason", std::string());
    } else if (row.contains("within_budget") && row["within_budget"].is_boolean()) {
      status = row["within_budget"].get<bool>() ? "ok" : "OVER BUDGET";
    } else {
      status = "no budget";
    }
    const nlohmann::json budget = row.value("budget", nlohmann::json());
    cells.push_back({row.value("name", std::string("?")), formatNumber(row.value("tapedeck", nlohmann::json()), 4),
                     formatNumber(row.value("reference", nlohmann::json()), 4), row.value("unit", std::string()),
                     formatRatio(row.value("ratio", nlohmann::json())), spread,
                     budget.is_number() ? (ceiling ? "max <= " : "<= ") + formatNumber(budget, 4) : "-", status});
  }

  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& line : cells) widths[c] = std::max(widths[c], line[c].size());
  }
  auto printLine = [&](const std::vector<std::string>& line) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      const bool last = c + 1 == line.size();
      const bool numeric = c >= 1 && c <= 2;
      if (numeric) out << std::right; else out << std::left;
      out << std::setw(last ? 0 : static_cast<int>(widths[c])) << line[c] << (last ? "" : "  ");
    }
    out << std::left << '\n';
  };
  printLine(header);
  std::size_t total = 0;
  for (std::size_t w : widths) total += w + 2;
  out << std::string(total, '-') << '\n';
  for (const auto& line : cells) printLine(line);
  if (results.contains("blas") && results["blas"].is_object()) {
    out << "BLAS: " << results["blas"].value("config", std::string("?")) << " (core "
        << results["blas"].value("corename", std::string("?")) << ", "
        << results["blas"].value("num_threads", 0) << " thread(s))\n";
  }
}

std::string resultsPath(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--out") == 0) return argv[i + 1];
  }
  if (const char* path = std::getenv("TAPEDECK_BENCH_RESULTS"); path != nullptr && *path != '\0') return path;
  return "build/bench/results.json";
}

}  // namespace td::bench
