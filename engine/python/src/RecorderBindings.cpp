// The recorder for Python (tapedeck.debug's session.recorder and session.entry(id)).
// Queries run with the GIL released (the recorder's lock may be held by a thread that is
// about to need the GIL), then the snapshot becomes plain dicts, lists and tensors.
#include "Bindings.h"
#include "Convert.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/debug/Recorder.h"

namespace td::python {
namespace {

using debug::Recorder;

py::object statsDict(const debug::TensorStats& s) {
  if (!s.computed) return py::none();  // "not computed": a tensor outside CPU memory
  py::dict d;
  d["numel"] = s.numel;
  d["finite"] = s.finite;
  d["min"] = s.min;
  d["max"] = s.max;
  d["mean"] = s.mean;
  d["std"] = s.std;
  d["norm"] = s.norm;
  d["zeros"] = s.zeros;
  d["nans"] = s.nans;
  d["infs"] = s.infs;
  return d;
}

py::list tensorList(const std::vector<debug::TensorRecord>& records) {
  py::list out;
  for (const debug::TensorRecord& r : records) {
    py::dict d;
    d["id"] = r.tensorId;
    d["name"] = r.name;
    d["shape"] = py::tuple(py::cast(r.shape));
    d["dtype"] = r.dtype;
    d["stats"] = statsDict(r.stats);
    d["state"] = debug::valueStateName(r.state);
    d["value"] = r.value.defined() ? py::cast(r.value) : py::none();
    out.append(d);
  }
  return out;
}

py::dict entryDict(const debug::EntryRecord& e) {
  py::dict d;
  d["entry"] = e.entry.id;
  d["op"] = e.name;
  d["direction"] = e.entry.direction == Direction::Forward ? "forward" : "backward";
  d["iteration"] = e.entry.iteration;
  d["scope"] = e.scope;
  d["file"] = e.loc.file != nullptr ? py::str(e.loc.file) : py::str("");
  d["line"] = e.loc.line;
  d["function"] = e.loc.function != nullptr ? py::str(e.loc.function) : py::str("");
  d["inplace"] = e.entry.inplace;
  d["differentiable"] = e.entry.differentiable;
  d["created_by"] = e.entry.createdBy;
  d["inputs"] = tensorList(e.inputs);
  d["outputs"] = tensorList(e.outputs);
  d["grad_outputs"] = tensorList(e.gradOutputs);
  d["grad_inputs"] = tensorList(e.gradInputs);
  d["backward_ran"] = e.backwardRan;
  d["saved_bytes"] = e.savedBytes;
  return d;
}

py::dict memoryDict(const debug::IterationMemory& m) {
  py::dict d;
  d["iteration"] = m.iteration;
  d["entries"] = m.entries;
  d["tensor_bytes"] = m.tensorBytes;
  d["tensor_bytes_peak"] = m.tensorBytesPeak;
  d["saved_bytes"] = m.savedBytes;
  d["saved_bytes_peak"] = m.savedBytesPeak;
  d["recorder_bytes"] = m.recorderBytes;
  d["recorder_bytes_peak"] = m.recorderBytesPeak;
  d["copy_bytes"] = m.copyBytes;
  d["copy_bytes_peak"] = m.copyBytesPeak;
  return d;
}

}  // namespace

void bindRecorder(py::module_& dbg) {
  using Release = py::call_guard<py::gil_scoped_release>;
  dbg.def("stats", [](const Tensor& t) { return statsDict(debug::computeStats(t)); }, py::arg("tensor"),
          "A tensor's statistics in one pass (min, max, mean, std, norm over the finite values; numel, "
          "finite, zeros, nans, infs), or None for a tensor outside CPU memory; runs no op");
  // Ops run inside `with _debug.unobserved():` on this thread are not shown to observers
  // (the debugger's own evaluations while paused).
  struct Unobserved {
    std::unique_ptr<UnobservedScope> scope;
  };
  py::class_<Unobserved>(dbg, "unobserved",
      "Context manager: ops run on this thread inside it are not shown to the debugger or recorder")
      .def(py::init<>())
      .def("__enter__", [](Unobserved& u) { u.scope = std::make_unique<UnobservedScope>(); })
      .def("__exit__", [](Unobserved& u, py::args) {
        u.scope.reset();
        return false;
      });
  py::class_<Recorder, std::shared_ptr<Recorder>>(dbg, "Recorder",
      "Entries of the current and previous iterations: statistics, values and gradients within a "
      "byte budget (the oldest dropped first), parameters copied before in-place writes; or "
      "statistics only (keep_values=False), or the tape alone (keep_stats=False too)")
      .def(py::init([](std::size_t budgetBytes, int previousIterations, bool keepValues, bool keepStats) {
             TD_CHECK(previousIterations >= 0, "Recorder", "previous_iterations must be >= 0, got ",
                      previousIterations);
             return std::make_shared<Recorder>(
                 debug::RecorderOptions{budgetBytes, previousIterations, keepValues, keepStats});
           }),
           py::arg("budget_bytes") = debug::RecorderOptions{}.budgetBytes,
           py::arg("previous_iterations") = debug::RecorderOptions{}.previousIterations,
           py::arg("keep_values") = true, py::arg("keep_stats") = true,
           "keep_values=False: statistics only; with keep_stats=False too, the tape alone (ids, "
           "names, shapes, dtypes), the cheapest recording")
      .def_property_readonly("keep_values", &Recorder::keepsValues)
      .def_property_readonly("keep_stats", &Recorder::keepsStats)
      .def("attach", &Recorder::attach, Release())
      .def("detach", &Recorder::detach, Release())
      .def("clear", &Recorder::clear, Release())
      .def_property("budget", [](const Recorder& r) {
        py::gil_scoped_release release;
        return r.budget();
      }, [](Recorder& r, py::handle value) {
        const uint64_t bytes = wholeNumber(value, "Recorder.budget (bytes)");
        py::gil_scoped_release release;
        r.setBudget(static_cast<std::size_t>(bytes));
      })
      .def_property_readonly("held_bytes", [](const Recorder& r) {
        py::gil_scoped_release release;
        return r.heldBytes();
      })
      .def_property_readonly("copy_bytes", [](const Recorder& r) {
        py::gil_scoped_release release;
        return r.copyBytes();
      })
      .def("entry", [](const Recorder& r, py::handle idValue, bool values) -> py::object {
        const uint64_t id = wholeNumber(idValue, "Recorder.entry(id)");
        std::optional<debug::EntryRecord> e;
        {
          py::gil_scoped_release release;
          e = r.entry(id, values);
        }
        return e ? py::object(entryDict(*e)) : py::none();
      }, py::arg("id"), py::arg("values") = true,
         "The entry `id` as a dict (inputs, outputs, grad_outputs, grad_inputs: id, shape, dtype, stats, "
         "state 'held'/'dropped'/'not kept', value), or None when it is not kept")
      .def("entries", [](const Recorder& r, py::handle iterationValue) {
        std::optional<uint64_t> iteration;
        if (!iterationValue.is_none()) iteration = wholeNumber(iterationValue, "Recorder.entries(iteration)");
        std::vector<debug::EntryRecord> entries;
        {
          py::gil_scoped_release release;
          if (!iteration) {
            const std::vector<uint64_t> kept = r.iterations();
            if (!kept.empty()) iteration = kept.back();
          }
          if (iteration) entries = r.entries(*iteration);
        }
        py::list out;
        for (const debug::EntryRecord& e : entries) out.append(entryDict(e));
        return out;
      }, py::arg("iteration") = py::none(), "The entries of an iteration (default: the newest), without values")
      .def("iterations", &Recorder::iterations, Release())
      .def("losses", [](const Recorder& r, py::handle fromValue) {
        const auto from = static_cast<std::size_t>(wholeNumber(fromValue, "Recorder.losses(from)"));
        std::vector<debug::LossPoint> points;
        {
          py::gil_scoped_release release;
          points = r.losses(from);
        }
        py::list out;
        for (const debug::LossPoint& p : points) out.append(py::make_tuple(p.iteration, p.value));
        return out;
      }, py::arg("from") = 0,
         "The loss curve: (iteration, value) of every backward() from a one-element float root, "
         "from the `from`-th on")
      .def("memory", [](const Recorder& r) {
        std::vector<debug::IterationMemory> memory;
        {
          py::gil_scoped_release release;
          memory = r.memory();
        }
        py::list out;
        for (const debug::IterationMemory& m : memory) out.append(memoryDict(m));
        return out;
      }, "Per kept iteration: entries, live and peak tensor bytes, saved-for-backward bytes, the recorder's bytes")
      .def("ancestors", [](const Recorder& r, py::handle id, py::handle limit) {
        const uint64_t entryId = wholeNumber(id, "Recorder.ancestors(id)");
        const auto most = static_cast<std::size_t>(wholeNumber(limit, "Recorder.ancestors(limit)"));
        py::gil_scoped_release release;
        return r.ancestors(entryId, most);
      }, py::arg("id"), py::arg("limit") = 16,
           "Ids of the entries that led to entry `id` (producers of its inputs, nearest first)");
}

}  // namespace td::python
