// inspector_bench: opening a large tensor in the tensor inspector (bench/README.md).
//
//   inspector_open_4096  a 4096×4096 float32 tensor whose values and statistics are
//                        already in memory (a TensorSnapshot, as the app hands it over
//                        from the recorder) opened in the offscreen inspector: setTensor,
//                        the events it posts, and the first paint of the visible tab
//                        (grab()). The Heatmap tab is in front: it reads every value once
//                        (block means), where the Table tab reads only the visible cells
//                        (its time is printed beside). Median and max of 10 runs after a
//                        warm-up run; a ceiling, no reference.                max <= 0.5 s
//
// Usage: inspector_bench [--out results.json] [--runs 10]
#include <QApplication>
#include <QPixmap>
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "harness/ResultsWriter.h"
#include "inspector/TensorInspector.h"
#include "inspector/TensorSnapshot.h"

namespace {

using td::widgets::TensorInspector;
using td::widgets::TensorSnapshot;
using td::widgets::TensorValues;

std::string argument(int argc, char** argv, const char* flag, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == flag) return argv[i + 1];
  return fallback;
}

/// A 4096×4096 float32 snapshot with varied values of both signs, statistics computed.
TensorSnapshot largeTensor() {
  constexpr qint64 n = 4096;
  std::vector<float> values(static_cast<std::size_t>(n * n));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = float((i * 2654435761ULL) % 2001) / 1000.0f - 1.0f;  // a cheap hash, in [-1, 1]
  TensorSnapshot t;
  t.title = QStringLiteral("fc.weight");
  t.shape = {n, n};
  t.strides = td::widgets::contiguousStrides(t.shape);
  t.dtype = QStringLiteral("float32");
  t.device = QStringLiteral("cpu");
  t.tensorId = 1;
  t.values = TensorValues::fromFloat32(std::move(values));
  t.stats = td::widgets::computeStatsRow(*t.values);  // the recorder keeps them for every entry
  return t;
}

/// Seconds from setTensor to the end of the first paint of the visible tab.
double openSeconds(TensorInspector& inspector, const TensorSnapshot& tensor) {
  inspector.clear();
  QApplication::processEvents();
  const auto start = std::chrono::steady_clock::now();
  inspector.setTensor(tensor);
  QApplication::processEvents();  // layout and the updates setTensor posted
  const QPixmap frame = inspector.grab();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  td::bench::doNotOptimize(frame.cacheKey());
  return seconds;
}

td::bench::SingleResult summary(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  td::bench::SingleResult result;
  result.unit = td::bench::Unit::Seconds;
  result.samples = static_cast<int>(samples.size());
  result.repetitions = 1;
  const std::size_t n = samples.size();
  result.median = n % 2 == 1 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  result.min = samples.front();
  result.max = samples.back();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  const std::string out = td::bench::resultsPath(argc, argv);
  const int runs = std::max(10, std::stoi(argument(argc, argv, "--runs", "10")));
  QApplication app(argc, argv);
  td::bench::ResultsWriter writer("inspector_bench");
  td::bench::ResultsWriter::checkSingleThreaded();

  const TensorSnapshot tensor = largeTensor();
  TensorInspector inspector;
  inspector.resize(1280, 800);
  inspector.show();
  inspector.setTensor(tensor);
  QApplication::processEvents();

  std::vector<double> table, heatmap;
  inspector.setCurrentTab(TensorInspector::TableTab);
  openSeconds(inspector, tensor);  // warm-up: fonts, first layouts
  for (int i = 0; i < runs; ++i) table.push_back(openSeconds(inspector, tensor));
  inspector.setCurrentTab(TensorInspector::HeatmapTab);
  openSeconds(inspector, tensor);
  for (int i = 0; i < runs; ++i) heatmap.push_back(openSeconds(inspector, tensor));

  const td::bench::SingleResult tableResult = summary(table);
  std::cout << "  inspector_open_4096, Table tab in front: median " << std::setprecision(3) << tableResult.median
            << " s, max " << tableResult.max << " s (reported, not a row)\n";
  writer.addCeiling("inspector_open_4096", summary(heatmap), 0.5);
  writer.write(out);
  writer.printTable(std::cout);
  return 0;
}
