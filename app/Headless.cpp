#include "ScriptRunnerPython.h"  // first: Python's headers before Qt's `slots`

#include <cstdio>
#include <string>

#include "Headless.h"

namespace td::app {
namespace {

/// Counts the tape per iteration and prints a line through Python's sys.stdout (so the
/// line lands in order with the script's own prints).
class TapeSummary : public TapeObserver {
 public:
  void onForward(const TapeEntry& entry, const OpTensors&) override {
    if (entry.direction == Direction::Forward)
      ++m_forward;
    else
      ++m_backwardOps;
  }
  void onBackwardStep(const TapeEntry&, const BackwardStep&) override { ++m_steps; }
  void onIterationEnd(uint64_t iteration) override { print(iteration); }
  /// The last, unfinished iteration (when it recorded anything).
  void finish() {
    if (m_forward + m_steps > 0) print(Tape::iteration());
  }

 private:
  void print(uint64_t iteration) {
    const std::string line = "[tape] iteration " + std::to_string(iteration - m_first) + ": " +
                             std::to_string(m_forward) + " ops forward, " + std::to_string(m_steps) +
                             " steps backward\n";
    m_forward = m_steps = m_backwardOps = 0;
    py::gil_scoped_acquire gil;
    try {
      py::module_::import("sys").attr("stdout").attr("write")(line);
    } catch (py::error_already_set&) {
      std::fputs(line.c_str(), stdout);
    }
  }
  uint64_t m_first = Tape::iteration();
  uint64_t m_forward = 0, m_steps = 0, m_backwardOps = 0;
};

int exitStatus(const py::error_already_set& error) {
  std::fprintf(stderr, "tapedeck: %s\n", error.what());
  return 1;
}

}  // namespace

int runHeadless(int argc, char** argv) {
  if (argc < 1 || argv[0][0] == '-') {
    std::fputs("usage: tapedeck run script.py [args]\n", stderr);
    return 2;
  }
  py::scoped_interpreter interpreter;
  try {
    detail::configureInterpreter();
    py::list args;
    for (int i = 1; i < argc; ++i) args.append(argv[i]);
    py::module_ ide = py::module_::import("tapedeck.debug.ide");
    TapeSummary summary;
    Tape::addObserver(&summary);
    int status = 0;
    try {
      status = ide.attr("run_plain")(argv[0], args).cast<int>();
    } catch (...) {
      Tape::removeObserver(&summary);
      throw;
    }
    summary.finish();
    Tape::removeObserver(&summary);
    py::module_::import("sys").attr("stdout").attr("flush")();
    return status;
  } catch (const py::error_already_set& error) {
    return exitStatus(error);
  }
}

int debugHeadless(int argc, char** argv) {
  py::scoped_interpreter interpreter;
  try {
    detail::configureInterpreter();
    py::list args;
    for (int i = 0; i < argc; ++i) args.append(argv[i]);
    py::module_::import("tapedeck.run").attr("alias_torch")();
    py::object status =
        py::module_::import("tapedeck.debug.__main__").attr("main")(args, py::arg("prog") = "tapedeck debug");
    py::module_::import("sys").attr("stdout").attr("flush")();
    return status.is_none() ? 0 : status.cast<int>();
  } catch (const py::error_already_set& error) {
    if (error.matches(PyExc_SystemExit)) {  // argparse's usage errors and --help
      py::object code = error.value().attr("code");
      return code.is_none() ? 0 : (py::isinstance<py::int_>(code) ? code.cast<int>() : 2);
    }
    return exitStatus(error);
  }
}

}  // namespace td::app
