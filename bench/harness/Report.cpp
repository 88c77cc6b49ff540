// tapedeck_bench_report: prints every row of a results file (all the bench binaries of
// one run) as one table. Usage: tapedeck_bench_report [--out build/bench/results.json]
#include <fstream>
#include <iostream>

#include "ResultsWriter.h"

int main(int argc, char** argv) {
  const std::string path = td::bench::resultsPath(argc, argv);
  std::ifstream in(path);
  if (!in) {
    std::cerr << "tapedeck_bench_report: cannot open " << path << "\n";
    return 1;
  }
  try {
    const nlohmann::json results = nlohmann::json::parse(in);
    td::bench::ResultsWriter::printTable(results, std::cout);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "tapedeck_bench_report: " << path << ": " << error.what() << "\n";
    return 1;
  }
  std::cout << "(written to " << path << ")\n";
  return 0;
}
