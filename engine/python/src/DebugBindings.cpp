// The debugger core for Python (tapedeck.debug): a Debugger whose executing thread
// releases the GIL while it is paused, so the controlling thread (a script's main thread,
// a test, the IDE's runner) keeps running Python.
#include <pybind11/chrono.h>
#include <pybind11/functional.h>

#include "Bindings.h"
#include "tapedeck/debug/Debugger.h"

namespace td::python {
namespace {

using debug::Debugger;

/// The executing thread's saved Python state while it is blocked in the debugger.
thread_local PyThreadState* t_savedState = nullptr;
/// While a served job runs: the paused thread's Python frame (borrowed; it outlives the job).
thread_local PyObject* t_pausedFrame = nullptr;

py::dict eventDict(const debug::PauseEvent& e) {
  py::dict d;
  d["sequence"] = e.sequence;
  d["reason"] = debug::reasonName(e.reason);
  d["description"] = e.description;
  d["entry"] = e.entryId;
  d["op"] = e.entryId != 0 ? e.name : std::string(opName(e.op));
  d["direction"] = e.direction == Direction::Forward ? "forward" : "backward";
  d["iteration"] = e.iteration;
  d["scope"] = e.scope;
  d["file"] = e.loc.file != nullptr ? py::str(e.loc.file) : py::str("");
  d["line"] = e.loc.line;
  d["root_entry"] = e.rootEntry;  // backward start: the entry that made the loss
  return d;
}

OpId opNamed(const std::string& name) {
  if (OpId id; opFromName(name, id)) return id;
  throw py::value_error("no op named '" + name + "' (names as in the tape: 'matmul', 'log', 'relu', ...)");
}

}  // namespace

void bindDebug(py::module_& m) {
  py::module_ dbg = m.def_submodule("_debug", "The debugger core behind tapedeck.debug");
  py::register_exception<debug::Cancelled>(dbg, "Cancelled", PyExc_KeyboardInterrupt);
  bindRecorder(dbg);
  dbg.def("new_iteration", &Tape::step,
          "Ends the current iteration: a run that starts here does not share one with the last run's backward()");
  dbg.def("iteration_started", &Tape::iterationStarted,
          "Whether the current iteration has an entry or a finished backward() already");
  dbg.def("paused_frame", []() -> py::object {
    return t_pausedFrame != nullptr ? py::reinterpret_borrow<py::object>(t_pausedFrame) : py::object(py::none());
  }, "Inside a job served by a paused thread (Debugger.serve): the frame it paused in; else None");
  py::class_<Debugger>(dbg, "Debugger")
      .def(py::init([] {
        auto d = std::make_unique<Debugger>();
        // Blocked in a pause, the executing thread holds no GIL.
        d->setBlockingHooks([] { if (PyGILState_Check()) t_savedState = PyEval_SaveThread(); },
                            [] {
                              if (t_savedState != nullptr) {
                                PyEval_RestoreThread(t_savedState);
                                t_savedState = nullptr;
                              }
                            });
        return d;
      }))
      .def("set_recorder", &Debugger::setRecorder, py::arg("recorder"),
           "The recorder this run feeds (before attach); the NaN and grad-norm checks read its statistics")
      .def("attach", &Debugger::attach)
      .def("detach", &Debugger::detach)
      .def("break_on_op", [](Debugger& d, const std::string& op, bool forward, bool backward) {
        return d.addOpBreakpoint(opNamed(op), forward, backward);
      }, py::arg("op"), py::arg("forward") = true, py::arg("backward") = true)
      .def("break_on_module", &Debugger::addModuleBreakpoint, py::arg("glob"))
      .def("break_when", [](Debugger& d, py::function condition, const std::string& description) {
        auto callable = keepCallable(std::move(condition));
        return d.addCondition([callable](const TapeEntry& e) {
          py::gil_scoped_acquire gil;
          py::dict entry;
          entry["entry"] = e.id;
          entry["op"] = Tape::entryName(e);
          entry["scope"] = Tape::scopeName(e.scope);
          entry["iteration"] = e.iteration;
          entry["direction"] = e.direction == Direction::Forward ? "forward" : "backward";
          const SourceLoc loc = e.loc.resolved();
          entry["file"] = loc.file != nullptr ? std::string(loc.file) : std::string();
          entry["line"] = loc.line;
          try {
            // Its truth as Python's `if` takes it (a one-element tensor, a number, None).
            return static_cast<bool>(py::bool_((*callable)(entry)));
          } catch (py::error_already_set& error) {
            // A stop (Cancelled), Ctrl-C or sys.exit goes on; the user's own error pauses
            // at this entry, the pause naming it, instead of failing the run from its line.
            if (error.matches(PyExc_KeyboardInterrupt) || error.matches(PyExc_SystemExit)) throw;
            throw debug::ConditionFailed(std::string(py::str(error.type().attr("__name__"))) + ": " +
                                         std::string(py::str(error.value())));
          }
        }, description);
      }, py::arg("condition"), py::arg("description") = "condition")
      .def("serve", [](Debugger& d, py::function job) {
        auto callable = keepCallable(std::move(job));
        return d.serve([callable] {
          py::gil_scoped_acquire gil;
          PyObject* previous = t_pausedFrame;
          t_pausedFrame = reinterpret_cast<PyObject*>(PyEval_GetFrame());
          try {
            (*callable)();
          } catch (py::error_already_set& error) {
            error.discard_as_unraisable("tapedeck.debug: a job served by the paused thread");
          }
          t_pausedFrame = previous;
        });
      }, py::arg("job"),
           "Runs job() on the paused thread, which stays paused (False, and nothing runs, when not paused)")
      .def("remove_breakpoint", [](Debugger& d, int id) {
        if (!d.removeBreakpoint(id))
          throw py::key_error("remove_break(" + std::to_string(id) +
                              "): no such breakpoint (ids are what break_on returned; this one was never added "
                              "or is removed already)");
      }, py::arg("id"))
      .def("break_on_nan", &Debugger::setBreakOnNonFinite, py::arg("enabled") = true)
      .def("break_on_grad_norm", &Debugger::setBreakOnGradNorm, py::arg("threshold"))
      .def("request_pause", &Debugger::requestPause)
      .def("resume", &Debugger::resume, py::call_guard<py::gil_scoped_release>())
      .def("step", [](Debugger& d, const std::string& kind) {
        debug::StepKind k;
        if (kind == "op") k = debug::StepKind::NextOp;
        else if (kind == "backward_op") k = debug::StepKind::NextBackwardOp;
        else if (kind == "backward") k = debug::StepKind::ToBackward;
        else if (kind == "iteration") k = debug::StepKind::ToIterationEnd;
        else throw py::value_error("step kind must be 'op', 'backward_op', 'backward' or 'iteration', got '" + kind + "'");
        py::gil_scoped_release release;
        d.step(k);
      }, py::arg("kind") = "op")
      .def("stop", &Debugger::stop, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("state", [](const Debugger& d) { return std::string(debug::stateName(d.state())); })
      .def("wait_for_pause", [](Debugger& d, uint64_t after, double timeout) -> py::object {
        std::optional<debug::PauseEvent> event;
        {
          py::gil_scoped_release release;  // the executing thread may need the GIL to reach its pause
          event = d.waitForPause(after, std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
        }
        return event ? py::object(eventDict(*event)) : py::none();
      }, py::arg("after") = 0, py::arg("timeout") = 10.0)
      .def("checkpoint", [](Debugger& d) { d.checkpoint(here()); },
           "Honours a pending pause or stop here (Python lines and waits call it)")
      .def("pause_here", [](Debugger& d, const std::string& description, const std::string& file, uint32_t line) {
        // A pause at a Python line (a line breakpoint or a line step): the same protocol.
        debug::PauseEvent event;
        event.reason = debug::PauseReason::Line;
        event.description = description;
        event.iteration = Tape::iteration();
        event.loc.file = Tape::internedString(Tape::intern(file)).c_str();  // interned: lives for the process
        event.loc.line = line;
        d.pauseHere(std::move(event));
      }, py::arg("description"), py::arg("file"), py::arg("line"))
      .def_property_readonly("stop_requested", [](const Debugger& d) { return d.state() == debug::State::Stopping; })
      .def("finish", &Debugger::finish, py::arg("failed") = false);
}

}  // namespace td::python
