#pragma once
// Inside the runner (ScriptRunner*.cpp only): the Python side of its state and the helpers
// its files share. Python's headers and the engine's use the name `slots`, which Qt
// defines as a macro, so they come in with the macro set aside.
#pragma push_macro("slots")
#undef slots
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include "tapedeck/autograd/Tape.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/debug/Recorder.h"
#include "tapedeck/ops/OpTable.h"
#pragma pop_macro("slots")

#include <QString>
#include <memory>
#include <vector>

#include "ScriptRunner.h"

namespace td::app {

namespace py = pybind11;

/// Touched on the runner thread only.
struct ScriptRunner::PythonState {
  std::unique_ptr<py::gil_scoped_release> released;  // the GIL, free between runs
  py::object ide;                                    // tapedeck.debug.ide
  py::object run;                                    // the current (or last) ScriptRun
};

namespace detail {
/// The embedded interpreter's sys.path (the tapedeck package) and sys.executable (a real
/// Python); the IDE's runner and the headless commands both start with it.
void configureInterpreter();
/// Queues `call` for Python's main thread (the runner) and makes sure it runs soon.
void addPendingCall(int (*call)(void*), void* argument);
QString str(const py::handle& value);
QString shapeText(const std::vector<int64_t>& shape);
/// "min … max … mean … std …", with NaN and Inf counts; "not computed" for None.
QString statsText(const py::handle& stats);
/// tapedeck.debug.ide.module_rows()'s dicts as rows (own numbers; no output shapes or saved
/// bytes: those come from the recorder).
QList<widgets::ModuleRow> moduleRows(const py::handle& rows);
}  // namespace detail

}  // namespace td::app
