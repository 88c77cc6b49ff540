#include "ScriptRunnerPython.h"  // first: Python's headers before Qt's `slots`

#include <QCoreApplication>
#include <QThread>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>

#include "AppInfo.h"
#include "tapedeck/core/CpuSetup.h"

namespace td::app {
namespace {
ScriptRunner* g_host = nullptr;  // the runner the embedded module talks to
}  // namespace

namespace detail {

/// Queues `call` for Python's main thread (the runner) and makes sure it runs soon. In
/// Python 3.11, Py_AddPendingCall from another thread does not interrupt the main thread's
/// evaluation loop; a thread that asks for the GIL does (the loop drops it within the
/// switch interval, running pending calls first). That thread is a short-lived helper,
/// never the caller: the GUI thread does not wait for the GIL.
void addPendingCall(int (*call)(void*), void* argument) {
  if (Py_AddPendingCall(call, argument) != 0) return;  // the queue is full: the next try will do
  std::thread([] {
    PyGILState_STATE state = PyGILState_Ensure();
    PyGILState_Release(state);
  }).detach();
}

void configureInterpreter() {
  py::module_ sys = py::module_::import("sys");
  sys.attr("path").attr("insert")(0, pythonPackageDir().toStdString());
  // multiprocessing starts this Python, not another IDE.
  sys.attr("executable") = pythonExecutable().toStdString();
  sys.attr("_base_executable") = pythonExecutable().toStdString();
}

QString str(const py::handle& value) { return QString::fromStdString(py::str(value).cast<std::string>()); }

QString shapeText(const std::vector<int64_t>& shape) {
  QStringList parts;
  for (int64_t d : shape) parts << QString::number(d);
  return "[" + parts.join(", ") + "]";
}

QString statsText(const py::handle& stats) {
  if (stats.is_none()) return QStringLiteral("not computed");
  auto number = [&](const char* key) { return stats[key].cast<double>(); };
  QString text = QStringLiteral("min %1  max %2  mean %3  std %4")
                     .arg(number("min"), 0, 'g', 5)
                     .arg(number("max"), 0, 'g', 5)
                     .arg(number("mean"), 0, 'g', 5)
                     .arg(number("std"), 0, 'g', 5);
  const auto nans = stats["nans"].cast<int64_t>(), infs = stats["infs"].cast<int64_t>();
  if (nans > 0) text += QStringLiteral("  %1 NaN").arg(nans);
  if (infs > 0) text += QStringLiteral("  %1 Inf").arg(infs);
  return text;
}

QList<widgets::ModuleRow> moduleRows(const py::handle& rows) {
  QList<widgets::ModuleRow> out;
  for (py::handle r : rows) {
    widgets::ModuleRow row;
    row.path = str(r["path"]);
    row.type = str(r["type"]);
    row.parameters = r["parameters"].cast<qint64>();
    for (py::handle shape : r["shapes"]) row.parameterShapes << str(shape);
    row.parameterBytes = r["parameter_bytes"].cast<qint64>();
    row.gradientBytes = r["gradient_bytes"].cast<qint64>();
    row.optimizerBytes = r["optimizer_bytes"].cast<qint64>();
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace detail

using detail::str;
}  // namespace td::app

// The IDE's side of the console for Python: sys.stdout/stderr write here; input() waits here.
PYBIND11_EMBEDDED_MODULE(_tapedeck_ide, m) {
  namespace py = pybind11;
  using td::app::g_host;
  m.def("write", [](int stream, const std::string& text) {
    if (g_host != nullptr) g_host->pythonWrite(stream, text);
  });
  m.def("read_line", [](double timeout) -> py::object {
    std::optional<std::string> line;
    {
      py::gil_scoped_release release;
      if (g_host != nullptr) line = g_host->pythonReadLine(timeout);
    }
    return line ? py::object(py::str(*line)) : py::object(py::none());
  });
  m.def("request_input", [](const std::string& prompt) {
    if (g_host != nullptr) g_host->pythonRequestInput(prompt);
  });
  m.def("log_scalar", [](const std::string& name, int64_t step, double value) {
    if (g_host != nullptr) g_host->pythonLogScalar(name, step, value);
  });
  m.def("show_figure", [](const py::bytes& png, const std::string& title) {
    const std::string data = png;
    if (g_host != nullptr) g_host->pythonShowFigure(QByteArray(data.data(), static_cast<qsizetype>(data.size())),
                                                    QString::fromStdString(title));
  });
}

namespace td::app {

ScriptRunner::ScriptRunner(QObject* parent) : QObject(parent), m_python(std::make_unique<PythonState>()) {
  qRegisterMetaType<td::app::PauseInfo>();
  qRegisterMetaType<td::app::PausedSnapshot>();
  qRegisterMetaType<td::app::RunOutcome>();
  qRegisterMetaType<td::app::RunRequest>();
}

ScriptRunner::~ScriptRunner() {
  // The interpreter lives until the process ends (scripts may leave threads behind); its
  // objects are let go without the GIL being retaken here.
  if (m_python) {
    (void)m_python->run.release();
    (void)m_python->ide.release();
    (void)m_python->released.release();
  }
  if (g_host == this) g_host = nullptr;
}

ScriptRunner* ScriptRunner::shared() {
  static ScriptRunner* runner = nullptr;
  static QThread* thread = nullptr;
  if (runner == nullptr) {
    thread = new QThread;
    thread->setObjectName("tapedeck-runner");
    runner = new ScriptRunner;
    runner->moveToThread(thread);
    thread->start();
    QMetaObject::invokeMethod(runner, &ScriptRunner::initialize, Qt::QueuedConnection);
    // Before the application object goes: stop a run still going and end the thread.
    qAddPostRoutine([] {
      runner->stop();
      thread->quit();
      if (!thread->wait(3000)) {
        thread->terminate();  // a script stuck in C code ignores the stop; the process is ending
        thread->wait(1000);
      }
      delete runner;
      delete thread;
      runner = nullptr;
      thread = nullptr;
    });
  }
  return runner;
}

bool ScriptRunner::isReady() const {
  std::lock_guard lock(m_mutex);
  return m_ready;
}

QString ScriptRunner::startError() const {
  std::lock_guard lock(m_mutex);
  return m_startError;
}

void ScriptRunner::initialize() {
  // The GUI thread made this one and may have handed over AVX registers in use: without
  // this, scripts ran 1.5 to 2 times slower in the IDE than under python3.
  clearUpperVectorState();
  g_host = this;
  try {
    if (!Py_IsInitialized()) py::initialize_interpreter(false);
    detail::configureInterpreter();
    m_python->ide = py::module_::import("tapedeck.debug.ide");
    m_python->ide.attr("install_console")(py::module_::import("_tapedeck_ide"));
  } catch (const std::exception& error) {
    const QString message = QStringLiteral("the Python runner could not start: %1").arg(QString::fromUtf8(error.what()));
    {
      std::lock_guard lock(m_mutex);
      m_ready = true;
      m_startError = message;
    }
    emit ready(message);
    return;
  }
  m_python->released = std::make_unique<py::gil_scoped_release>();
  {
    std::lock_guard lock(m_mutex);
    m_ready = true;
  }
  emit ready(QString());
}

void ScriptRunner::run(const RunRequest& request) {
  clearUpperVectorState();  // (as in initialize: whatever ran on this thread since)
  if (!m_python->ide) {
    emit finished(RunOutcome{"failed", "the Python runner is not available", "", 1, "", 0, 0.0, {}});
    return;
  }
  RunOutcome outcome;
  {
    py::gil_scoped_acquire gil;
    std::shared_ptr<debug::Recorder> retired;  // the last run's recorder (see below)
    try {
      py::list argv;
      for (const QString& a : request.arguments) argv.append(a.toStdString());
      py::object previous = m_python->run;
      Tape::step();  // a fresh iteration: the last run's backward does not end this one's first
      py::object runTo = request.runToLine > 0 && !request.runToFile.isEmpty()
                             ? py::object(py::make_tuple(request.runToFile.toStdString(), request.runToLine))
                             : py::object(py::none());
      py::object run = m_python->ide.attr("ScriptRun")(
          request.path.toStdString(), argv, request.source.toStdString(), request.pauseAtStart, runTo,
          py::arg("budget_bytes") = request.recorder.budgetMiB << 20,
          py::arg("previous_iterations") = request.recorder.previousIterations,
          py::arg("keep") = RecorderSettings::keepName(request.recorder.keep).toStdString());
      py::object session = run.attr("session");
      auto* debugger = session.attr("_debugger").cast<debug::Debugger*>();
      auto recorder = session.attr("recorder").cast<std::shared_ptr<debug::Recorder>>();
      {
        std::lock_guard lock(m_mutex);
        m_debugger = debugger;
        retired = std::exchange(m_recorder, recorder);
        recorder->setGradNormTracking(m_gradNorms);
        m_firstIteration = Tape::iteration();
        m_running = true;
        m_linesPending = false;
        m_pauseWanted = false;
        m_stopWanted = false;
        m_lines = request.lines;
        m_conditions = request.conditions;
        m_conditionIds.clear();
        applyConditions();
        const quint64 first = m_firstIteration;
        debugger->setPauseListener([this, first](const debug::PauseEvent& e) {
          PauseInfo info;
          info.sequence = e.sequence;
          info.reason = QString::fromUtf8(debug::reasonName(e.reason));
          info.description = QString::fromStdString(e.description);
          info.entry = e.entryId;
          info.rootEntry = e.rootEntry;
          info.op = e.entryId != 0 ? QString::fromStdString(e.name) : QString();
          info.backward = e.direction == Direction::Backward;
          info.iteration = e.iteration >= first ? e.iteration - first : 0;
          info.scope = QString::fromStdString(e.scope);
          info.file = e.loc.file != nullptr ? QString::fromUtf8(e.loc.file) : QString();
          info.line = static_cast<int>(e.loc.line);
          m_pauseWanted = false;  // any pause answers a pending Pause
          emit paused(info);
        });
      }
      m_python->run = run;
      previous = py::none();  // the last run's session goes only now: the GUI no longer points at it
      // Its recorder goes here, on this thread, which holds the GIL that letting go of its
      // values' NumPy memory takes: never on the GUI thread, which may hold a copy for the
      // moment a view's query takes (it needs no GIL; see currentRecorder) and must never
      // wait for the GIL. (A copy Python still holds goes with Python's last reference.)
      for (int i = 0; retired && m_recorderReaders.load() > 0 && i < 1000; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      retired.reset();
      applyPendingLines();
      {
        std::lock_guard lock(m_inputMutex);
        m_input.clear();
      }
      {
        std::lock_guard lock(m_scalarMutex);
        m_scalars.clear();
      }
      emit started();
      py::object result = run.attr("execute")();
      outcome.status = str(result["status"]);
      outcome.message = str(result["message"]);
      outcome.traceback = str(result["traceback"]);
      outcome.exitCode = result["exit_code"].cast<int>();
      if (result.contains("file")) outcome.file = str(result["file"]);
      if (result.contains("line")) outcome.line = result["line"].cast<int>();
      if (result.contains("seconds")) outcome.seconds = result["seconds"].cast<double>();
      if (result.contains("modules")) outcome.modules = detail::moduleRows(result["modules"]);
    } catch (const std::exception& error) {
      outcome = RunOutcome{"failed", QString::fromUtf8(error.what()), QString::fromUtf8(error.what()) + "\n", 1, "", 0, 0.0, {}};
    }
  }
  {
    std::lock_guard lock(m_mutex);
    m_running = false;
  }
  emit finished(outcome);
}

void ScriptRunner::pythonWrite(int stream, std::string text) {
  m_output.append(stream == 2 ? OutputBuffer::Stream::Err : OutputBuffer::Stream::Out, std::move(text));
}

std::optional<std::string> ScriptRunner::pythonReadLine(double timeoutSeconds) {
  std::unique_lock lock(m_inputMutex);
  m_inputReady.wait_for(lock, std::chrono::duration<double>(timeoutSeconds), [&] { return !m_input.empty(); });
  if (m_input.empty()) return std::nullopt;
  std::string line = std::move(m_input.front());
  m_input.pop_front();
  return line;
}

void ScriptRunner::pythonRequestInput(const std::string& prompt) { emit inputRequested(QString::fromStdString(prompt)); }

void ScriptRunner::pythonShowFigure(const QByteArray& png, const QString& title) { emit figureShown(png, title); }

void ScriptRunner::pythonLogScalar(const std::string& name, int64_t step, double value) {
  std::lock_guard lock(m_scalarMutex);
  if (m_scalars.size() < 1'000'000)  // the GUI drains them four times a second
    m_scalars.push_back(Scalar{QString::fromStdString(name), static_cast<double>(step), value});
}

QList<ScriptRunner::Scalar> ScriptRunner::takeScalars() {
  std::lock_guard lock(m_scalarMutex);
  QList<Scalar> out;
  out.swap(m_scalars);
  return out;
}

}  // namespace td::app
