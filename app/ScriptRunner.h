#pragma once
// The runner: one embedded CPython for the application's life, initialised on the
// runner thread (so Python's main thread is the one that runs scripts, and pending calls
// land there), running one script at a time under the debugger core.
//
// Threads: initialize() and run() are slots that run on the runner thread (the object is
// moved there). Everything else is called from the GUI thread and never waits for the
// GIL: control goes to the C++ debugger, and what needs Python (the paused frame's
// variables, an expression, a line step) becomes a job the paused thread serves itself;
// line breakpoints changed while the script runs arrive as a Python pending call.
// Results come back as queued signals carrying plain values (RunTypes.h).
#include <QMap>
#include <QObject>
#include <QVector>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "OutputBuffer.h"
#include "graph/GraphRows.h"
#include "inspector/TensorSnapshot.h"
#include "modules/ModuleRows.h"
#include "timeline/TimelineModel.h"
#include "RunTypes.h"

namespace td::debug {
class Debugger;
class Recorder;
}  // namespace td::debug

namespace td::app {

class ScriptRunner : public QObject {
  Q_OBJECT

 public:
  explicit ScriptRunner(QObject* parent = nullptr);
  ~ScriptRunner() override;

  /// The application's runner: made on first use, with its thread started and initialize()
  /// queued; it lives until the application object is destroyed (every window uses it:
  /// there is one interpreter per process, bound to that thread).
  static ScriptRunner* shared();
  /// Whether initialize() finished, and its error (empty when the interpreter is up).
  bool isReady() const;
  QString startError() const;

  // --- from the GUI thread (thread-safe, never blocks on Python) ----------------------
  bool isRunning() const;
  bool isPaused() const;
  void pause();
  void resume();
  /// Ends the run: the script gets a cancellation at its next line, op, wait or input().
  void stop();
  /// Runs to the next tape entry (`backwardOnly`: the next backward step).
  void stepOp(bool backwardOnly = false);
  void runToBackward();
  /// A line step from the current pause: "over", "into", "out", or "to" file:line.
  void stepLine(const QString& kind, const QString& file = {}, int line = 0);
  /// Asks the paused thread for its stack and the variables of frame `frameIndex`
  /// (-1: the paused frame); the answer is snapshotReady.
  void requestSnapshot(int frameIndex = -1);
  /// Evaluates `text` in a paused frame; the answer is evaluated(). False when not paused.
  bool evaluate(const QString& text, int frameIndex = -1);
  /// The line breakpoints (enabled ones apply), now and for the next runs.
  void setLineBreakpoints(const QList<LineBreakpoint>& lines);
  /// Op, module and data breakpoints, now and for the next runs.
  void setStopConditions(const StopConditions& conditions);
  /// A line typed into the console while the script waits in input().
  void provideInput(const QString& line);
  /// The current run's tape (the newest iteration the recorder keeps), at most `maxRows`.
  QList<TapeRow> tapeRows(int maxRows = 5000) const;
  /// The newest iteration kept, from one listing: the tape's rows (at most `maxRows`) and,
  /// when `withGraph`, its forward entries for the graph (values of tensors of at most 16
  /// elements; statistics computed when `withStats`, else only those already known).
  struct TapeView {
    bool any = false;          ///< false: no run, or nothing recorded yet
    quint64 iteration = 0;     ///< the engine's iteration number
    QList<TapeRow> rows;
    QVector<widgets::GraphEntry> graph;
    quint64 lossRoot = 0;  ///< the entry that made this iteration's last backward() root (0: none)
  };
  /// `iteration`: counted from the run's start; -1 for the newest kept;
  /// kLastTrainingIteration for the newest kept that ran a backward (else the newest).
  static constexpr qint64 kLastTrainingIteration = -2;
  TapeView tapeView(bool withGraph, bool withStats, int maxRows = 5000, qint64 iteration = -1) const;
  /// Every position the recorder keeps, in the order they ran: per kept iteration its
  /// forward entries, then the backward steps of those whose backward ran (newest entry
  /// first, the order backward visits a chain). Iterations count from the run's start.
  QVector<widgets::TimelinePosition> timeline() const;
  /// The newest iteration recorded, counted from the run's start; nullopt before any.
  std::optional<quint64> runIteration() const;
  /// What the current (or last) run's recorder keeps; nullopt before any run.
  std::optional<RecorderSettings> recorderLimits() const;
  /// A tensor of a recorded entry, for the inspector: output `index` (with the gradient
  /// that reached it, once backward ran) or input `index` (with the gradient sent to it).
  struct Inspected {
    bool found = false;  ///< false: the entry is no longer kept (the reason in value.missingReason)
    widgets::TensorSnapshot value;
    std::optional<widgets::TensorSnapshot> gradient;
  };
  Inspected inspect(quint64 entryId, bool input, int index) const;
  /// Where the recorder keeps tensor `tensorId`, for inspect(): in the newest iteration
  /// that has it, the entry that made it, else the newest that read it (a parameter);
  /// nullopt when no kept entry has it.
  struct Place {
    quint64 entryId = 0;
    bool input = false;
    int index = 0;
  };
  std::optional<Place> placeOfTensor(quint64 tensorId) const;
  /// Memory of the newest iteration kept (its peaks so far) and the recorder's own bytes.
  widgets::MemorySummary memorySummary() const;
  /// The entry at the same place in the previous kept iteration (same index in its
  /// iteration, same op), 0 when there is none.
  quint64 sameEntryEarlier(quint64 entryId) const;
  /// A scalar the script logged (tapedeck.log(name, value, step)).
  struct Scalar {
    QString name;
    double step = 0.0;
    double value = 0.0;
  };
  /// The scalars logged since the last call (the run's, in order).
  QList<Scalar> takeScalars();
  /// The current run's loss curve from its `from`-th point on: (iteration since the run
  /// started, value) of each backward() from a one-element root; `total` gets the count.
  void losses(std::size_t from, QVector<double>* steps, QVector<double>* values, std::size_t* total) const;
  /// Per-parameter gradient norms after each backward(), for this run (from now) and the
  /// next ones; off by default (a pass over every gradient per iteration).
  void setGradNormTracking(bool on);
  /// The gradient norm points from the `from`-th on, per parameter name: (iteration since
  /// the run started, norm); `total` gets the count so far.
  void gradNorms(std::size_t from, QMap<QString, QPair<QVector<double>, QVector<double>>>* series,
                 std::size_t* total) const;
  OutputBuffer& output() { return m_output; }

 public slots:
  /// On the runner thread: starts the interpreter, imports tapedeck; ready() tells.
  void initialize();
  /// On the runner thread: runs the script to its end; started() then finished().
  void run(const td::app::RunRequest& request);

 signals:
  void ready(const QString& error);  ///< empty when the interpreter is up
  void started();
  void paused(const td::app::PauseInfo& pause);
  void snapshotReady(const td::app::PausedSnapshot& snapshot);
  void evaluated(const QString& text, const QString& result);
  void inputRequested(const QString& prompt);
  /// A matplotlib figure the script showed (plt.show()), as a PNG.
  void figureShown(const QByteArray& png, const QString& title);
  /// A command that could not be done, a breakpoint condition that does not compile.
  void message(const QString& text);
  /// A line step that could not start (the run stays paused where it was).
  void stepRefused(const QString& reason);
  void finished(const td::app::RunOutcome& outcome);

 public:
  // The embedded module's entry points (_tapedeck_ide), on the runner thread.
  void pythonWrite(int stream, std::string text);
  std::optional<std::string> pythonReadLine(double timeoutSeconds);
  void pythonRequestInput(const std::string& prompt);
  void pythonShowFigure(const QByteArray& png, const QString& title);
  void pythonLogScalar(const std::string& name, int64_t step, double value);
  void applyPendingLines();  ///< a pending call, on the runner thread with the GIL
  /// Pending calls for Pause and Stop: they reach a script running pure Python code.
  int pendingPause();
  int pendingStop();

 private:
  /// The current run's recorder (null before the first run) and its first iteration.
  std::shared_ptr<debug::Recorder> currentRecorder(quint64* firstIteration = nullptr) const;
  /// Runs `job` on the paused thread (with the GIL); false when not paused.
  bool serve(std::function<void()> job);
  void applyConditions();  ///< to the current debugger, under m_mutex
  std::vector<int> m_conditionIds;

  mutable std::mutex m_mutex;  ///< guards the debugger pointer and the settings below
  bool m_ready = false;
  QString m_startError;
  debug::Debugger* m_debugger = nullptr;  ///< owned by the current run's Python session
  std::shared_ptr<debug::Recorder> m_recorder;
  /// Copies of a recorder handed out by currentRecorder and not yet let go of.
  mutable std::atomic<int> m_recorderReaders{0};
  quint64 m_firstIteration = 0;
  bool m_gradNorms = false;  ///< per-parameter gradient norms tracked (m_mutex)
  bool m_running = false;
  QList<LineBreakpoint> m_lines;
  StopConditions m_conditions;
  bool m_linesPending = false;
  std::atomic<bool> m_pauseWanted{false};  ///< Pause asked, no pause since
  std::atomic<bool> m_stopWanted{false};

  struct PythonState;
  std::unique_ptr<PythonState> m_python;  ///< touched on the runner thread only

  std::mutex m_scalarMutex;
  QList<Scalar> m_scalars;

  std::mutex m_inputMutex;
  std::condition_variable m_inputReady;
  std::deque<std::string> m_input;

  OutputBuffer m_output;
};

}  // namespace td::app
