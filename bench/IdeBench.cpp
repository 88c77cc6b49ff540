// ide_bench: what the IDE costs a training script (bench/README.md).
//
//   ide_overhead  a training sample run in the offscreen IDE (the real MainWindow: the
//                 debugger attached with its defaults, the recorder at its default budget,
//                 lines traced only where breakpoints or steps need it, the Tape dock in
//                 front and following the run, no breakpoints, output draining to the
//                 console) vs
//                 the same script under /usr/bin/python3 with no observer (`import torch`
//                 giving tapedeck in both). Interleaved pairs; each side's time is the
//                 script's own (timed around its execution, interpreter start-up and
//                 imports excluded on both sides); the row is the ratio of the medians, its
//                 spread the min and max of the per-pair ratios.            ratio <= 1.10
//   ide_overhead_tape_only  for context: the same with the recorder keeping the tape alone
//                 (Recorder Settings, Keep: Tape only), half the pairs.         no budget
//
// Usage: ide_bench [--out results.json] [--script samples/python/spiral.py] [--pairs 61]
// (61 by default: with 21, single runs of the row ranged from 0.97 to 1.40 on one build;
// with 61, 18 runs gave 0.97 to 1.27, median 1.16. Each pair is about a fifth of a second.
// The plain side is a fresh process per run, the IDE's a warm interpreter: their times
// vary differently, which the pairing does not cancel.)
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "AppInfo.h"
#include "MainWindow.h"
#include "Prompter.h"
#include "harness/ResultsWriter.h"
#include "tapedeck/core/CpuSetup.h"

namespace {

std::string argument(int argc, char** argv, const char* flag, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == flag) return argv[i + 1];
  return fallback;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// The script under plain python3, timed around its own execution; -1 on failure.
double plainSeconds(const QString& script) {
  const char* harness =
      "import os, runpy, sys, time\n"
      "from tapedeck.run import alias_torch\n"
      "alias_torch()\n"
      "path = sys.argv[1]\n"
      "sys.argv = [path]\n"
      "sys.path.insert(0, os.path.dirname(path))\n"
      "os.chdir(os.path.dirname(path))\n"
      "start = time.perf_counter()\n"
      "runpy.run_path(path, run_name='__main__')\n"
      "sys.stderr.write('SECONDS %.6f\\n' % (time.perf_counter() - start))\n";
  QProcess python;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert("PYTHONPATH", td::app::pythonPackageDir());
  python.setProcessEnvironment(environment);
  python.start(td::app::pythonExecutable(), {"-c", harness, script});
  if (!python.waitForFinished(600000) || python.exitCode() != 0) {
    std::cerr << "ide_bench: python3 failed: " << python.readAllStandardError().toStdString() << "\n";
    return -1.0;
  }
  const QString err = QString::fromUtf8(python.readAllStandardError());
  const qsizetype at = err.lastIndexOf("SECONDS ");
  return at < 0 ? -1.0 : err.mid(at + 8).trimmed().toDouble();
}

/// The script run by the IDE's Run action; -1 on failure.
double ideSeconds(td::app::MainWindow& window) {
  QSignalSpy finished(&window, &td::app::MainWindow::runFinished);
  window.runOrContinue();
  if (!finished.wait(600000)) return -1.0;
  const auto outcome = finished.takeFirst().at(0).value<td::app::RunOutcome>();
  if (outcome.status != "finished") {
    std::cerr << "ide_bench: the IDE run " << outcome.status.toStdString() << ": " << outcome.message.toStdString()
              << "\n";
    return -1.0;
  }
  return outcome.seconds;
}

/// Answers Debug → Recorder Settings… with `settings` (the bench's context row).
class BenchPrompter : public td::app::Prompter {
 public:
  td::app::RecorderSettings settings;
  bool askRecorderSettings(QWidget*, td::app::RecorderSettings* out) override {
    *out = settings;
    return true;
  }
};

/// `pairs` interleaved pairs after a warm-up pair: the IDE's run vs python3's; nullopt when
/// a run failed (said on stderr).
std::optional<td::bench::PairResult> measure(td::app::MainWindow& window, const QString& script, int pairs) {
  // One warm-up pair: the first run imports what the script imports.
  ideSeconds(window);
  plainSeconds(script);
  std::vector<double> ide, plain, ratios;
  for (int i = 0; i < pairs; ++i) {
    const double a = ideSeconds(window), b = plainSeconds(script);
    if (a <= 0.0 || b <= 0.0) return std::nullopt;
    ide.push_back(a);
    plain.push_back(b);
    ratios.push_back(a / b);
  }
  td::bench::PairResult result;
  result.unit = td::bench::Unit::Seconds;
  result.medianA = median(ide);
  result.medianB = median(plain);
  result.ratio = result.medianA / result.medianB;
  result.ratioMin = *std::min_element(ratios.begin(), ratios.end());
  result.ratioMax = *std::max_element(ratios.begin(), ratios.end());
  result.pairs = pairs;
  result.repetitionsA = result.repetitionsB = 1;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  // As the tapedeck executable: the IDE's side uses the BLAS kernels a user's IDE would
  // (python3's side names them when it imports tapedeck).
  td::restartForBetterBlasCore(argv);
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  const std::string out = td::bench::resultsPath(argc, argv);
  const QString script = QFileInfo(QString::fromStdString(argument(
                                       argc, argv, "--script", td::app::defaultSample().toStdString())))
                             .absoluteFilePath();
  const int pairs = std::max(5, std::stoi(argument(argc, argv, "--pairs", "61")));
  QApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // never the user's settings or autosaves
  QApplication::setApplicationName("TapedeckBench");
  td::bench::ResultsWriter writer("ide_bench");
  td::bench::ResultsWriter::checkSingleThreaded();

  // The recorder at its defaults (the context row below changes them, in test-mode settings).
  QSettings().remove("recorder");
  auto prompter = std::make_unique<BenchPrompter>();
  BenchPrompter* answers = prompter.get();
  td::app::MainWindow window(std::move(prompter));
  window.show();
  QSignalSpy ready(&window, &td::app::MainWindow::runnerReady);
  if (!ready.wait(60000) || !ready.at(0).at(0).toString().isEmpty() || !window.openFile(script)) {
    writer.addSkipped("ide_overhead", "the IDE's Python runner did not start, or the script did not open", "s");
    writer.write(out);
    writer.printTable(std::cout);
    return 1;
  }
  // Views live: the Tape dock in front, so it follows the run (console output drains too).
  if (auto* tape = window.findChild<QDockWidget*>("tapeDock")) tape->raise();
  const std::string reference = "python3 " + QFileInfo(script).fileName().toStdString();
  const std::optional<td::bench::PairResult> result = measure(window, script, pairs);
  if (!result) {
    writer.addSkipped("ide_overhead", "a run failed (see stderr)", "s");
    writer.write(out);
    writer.printTable(std::cout);
    return 1;
  }
  writer.addPair("ide_overhead", *result, 1.10, reference);
  // Context: the same with the recorder keeping the tape alone (Recorder Settings → Keep:
  // Tape only), the cheapest recording a user can choose. Half the pairs.
  answers->settings.keep = td::app::RecorderSettings::Keep::Tape;
  window.action("recorderSettings")->trigger();
  if (const auto tapeOnly = measure(window, script, std::max(5, pairs / 2)))
    writer.addPair("ide_overhead_tape_only", *tapeOnly, std::nullopt, reference);
  else
    writer.addSkipped("ide_overhead_tape_only", "a run failed (see stderr)", "s");
  QSettings().remove("recorder");
  writer.write(out);
  writer.printTable(std::cout);
  return 0;
}
