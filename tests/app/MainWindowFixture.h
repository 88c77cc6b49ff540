#pragma once
// What the IDE's end-to-end tests share: a TestPrompter that answers every question, a
// training script, and MainWindowFixture, which opens scripts in the real window and
// waits on its signals (generous timeouts; no fixed sleeps). Each test executable gives
// the fixture its own application name, so their settings and autosaves never meet.
#include <QAction>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "MainWindow.h"
#include "Prompter.h"
#include "ScriptRunner.h"
#include "console/ConsoleWidget.h"
#include "documents/Autosave.h"
#include "models/VariablesModel.h"

namespace tdtest {

using td::app::MainWindow;
using td::app::PauseInfo;
using td::app::RunOutcome;

constexpr int kTimeout = 60000;

/// Answers every question without a dialog.
class TestPrompter : public td::app::Prompter {
 public:
  SaveChoice askSaveChanges(QWidget*, const QString& name) override {
    saveAsked << name;
    return saveChoice;
  }
  QString openFileName(QWidget*, const QString&) override { return {}; }
  QString saveFileName(QWidget*, const QString&, const QString& filter) override {
    saveFilters << filter;
    return savePath;
  }
  bool askRecover(QWidget*, const QStringList&) override { return recover; }
  QString askText(QWidget*, const QString&, const QString&, const QString&, bool* ok) override {
    *ok = !text.isEmpty();
    return text;
  }
  void warn(QWidget*, const QString&, const QString& message) override { warnings << message; }
  bool askRecorderSettings(QWidget*, td::app::RecorderSettings* settings) override {
    if (!recorderSettings) return false;
    *settings = *recorderSettings;
    return true;
  }

  bool recover = true;
  SaveChoice saveChoice = SaveChoice::Discard;  ///< the answer to "save the changes?"
  QStringList saveAsked;                         ///< the buffers it was asked about
  QString text;
  QString savePath;  ///< what Save As and exports are told (empty: cancelled)
  std::optional<td::app::RecorderSettings> recorderSettings;  ///< nullopt: cancelled
  QStringList warnings;
  QStringList saveFilters;  ///< the file type filters Save As and exports offered
};

// A two-layer model trained for three steps; the line numbers below are the tests'.
inline const QStringList kTrainLines = {
    "import torch",                                         // 1
    "import torch.nn as nn",                                // 2
    "",                                                     // 3
    "class Net(nn.Module):",                                // 4
    "    def __init__(self):",                              // 5
    "        super().__init__()",                           // 6
    "        self.fc1 = nn.Linear(2, 4)",                   // 7
    "        self.fc2 = nn.Linear(4, 1)",                   // 8
    "",                                                     // 9
    "    def forward(self, x):",                            // 10
    "        h = torch.relu(self.fc1(x))",                  // 11
    "        return self.fc2(h)",                           // 12
    "",                                                     // 13
    "def loss_of(model, x, y):",                            // 14
    "    out = model(x)",                                   // 15
    "    return ((out - y) ** 2).mean()",                   // 16
    "",                                                     // 17
    "torch.manual_seed(0)",                                 // 18
    "model = Net()",                                        // 19
    "x = torch.randn(8, 2)",                                // 20
    "y = torch.randn(8, 1)",                                // 21
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)",    // 22
    "for step in range(3):",                                // 23
    "    opt.zero_grad()",                                  // 24
    "    loss = loss_of(model, x, y)",                      // 25
    "    loss.backward()",                                  // 26
    "    opt.step()",                                       // 27
    "print('grad is None:', model.fc1.weight.grad is None)",  // 28
};

/// Opens scripts in a fresh real MainWindow and drives its actions.
class MainWindowFixture {
 public:
  /// In initTestCase: test-mode settings under `application`, cleared, and no autosaves.
  bool setUp(const char* application) {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setApplicationName(application);
    QCoreApplication::setOrganizationName(application);
    QSettings().clear();
    QDir(td::app::Autosave::defaultDirectory()).removeRecursively();
    return m_dir.isValid();
  }

  /// In cleanup: stops a run still going and closes the window.
  void tearDown() {
    if (!m_window) return;
    if (m_window->runner()->isRunning()) {
      QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
      m_window->stopRun();
      finished.wait(kTimeout);
    }
    m_window->close();
    m_window.reset();
  }

  QTemporaryDir m_dir;
  TestPrompter* m_prompter = nullptr;
  std::unique_ptr<MainWindow> m_window;


  MainWindow* makeWindow() {
    auto prompter = std::make_unique<TestPrompter>();
    m_prompter = prompter.get();
    m_window = std::make_unique<MainWindow>(std::move(prompter));
    m_window->show();
    if (m_window->runState() == MainWindow::RunState::Starting) {
      QSignalSpy ready(m_window.get(), &MainWindow::runnerReady);
      if (!ready.wait(kTimeout)) qFatal("the runner did not start");
      if (!ready.at(0).at(0).toString().isEmpty()) qFatal("%s", qPrintable(ready.at(0).at(0).toString()));
    }
    return m_window.get();
  }

  QString writeScript(const QString& name, const QStringList& lines) {
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    file.write((lines.join('\n') + '\n').toUtf8());
    return path;
  }

  /// Opens `lines` as `name` in a fresh window.
  MainWindow* open(const QString& name, const QStringList& lines) {
    MainWindow* w = makeWindow();
    if (!w->openFile(writeScript(name, lines))) qFatal("could not open the script");
    return w;
  }

  /// Runs `trigger` (an action) and waits for the next pause.
  PauseInfo pauseAfter(const char* actionName) {
    QSignalSpy paused(m_window.get(), &MainWindow::runPaused);
    QSignalSpy shown(m_window.get(), &MainWindow::snapshotShown);
    m_window->action(actionName)->trigger();
    if (!paused.wait(kTimeout)) {
      qWarning("no pause; state: %s; console:\n%s", qPrintable(m_window->statusText()),
               qPrintable(m_window->console()->text()));
      return {};
    }
    if (shown.isEmpty()) shown.wait(kTimeout);
    return paused.takeFirst().at(0).value<PauseInfo>();
  }

  RunOutcome finishAfter(const char* actionName) {
    QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
    m_window->action(actionName)->trigger();
    if (!finished.wait(kTimeout)) qWarning("the run did not finish; state: %s", qPrintable(m_window->statusText()));
    return finished.isEmpty() ? RunOutcome{} : finished.takeFirst().at(0).value<RunOutcome>();
  }

  /// A field of the variable `name` as the Variables dock's model has it: "value",
  /// "type" or "shape"; "<missing>" when there is no such variable.
  QString variable(const QString& name, const char* field = "value") const {
    td::widgets::VariablesModel* model = m_window->variablesModel();
    for (int i = 0; i < model->rowCount(); ++i) {
      const td::widgets::VariableRow& row = model->row(i);
      if (row.name != name) continue;
      const QString f = QString::fromLatin1(field);
      return f == "type" ? row.type : f == "shape" ? row.shape : row.value;
    }
    return QStringLiteral("<missing>");
  }

  QString evaluate(const QString& expression) {
    QSignalSpy evaluated(m_window.get(), &MainWindow::consoleEvaluated);
    QLineEdit* input = m_window->console()->input();
    input->setText(expression);
    QTest::keyClick(input, Qt::Key_Return);
    if (!evaluated.wait(kTimeout)) return QStringLiteral("<no answer>");
    return evaluated.takeFirst().at(0).toString().trimmed();
  }
};

}  // namespace tdtest
