// MainWindow: buffers and files. Opening, atomic saving, closing with a question,
// recent files, the Samples menu, and the autosave that survives a crash or a kill.
#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QTabWidget>
#include <QTimer>
#include <QUuid>

#include "AppInfo.h"
#include "BreakpointStore.h"
#include "MainWindow.h"
#include "Prompter.h"
#include "console/ConsoleWidget.h"
#include "documents/Autosave.h"
#include "documents/RecentFiles.h"
#include "documents/Samples.h"
#include "documents/TextFiles.h"
#include "editor/CodeEditor.h"

namespace td::app {

widgets::CodeEditor* MainWindow::addEditor(const QString& path, const QString& text) {
  auto* editor = new widgets::CodeEditor(m_tabs);
  editor->setPlainText(text);
  editor->document()->setModified(false);
  editor->setProperty("path", path);
  editor->setProperty("autosaveKey", path.isEmpty() ? "untitled-" + QUuid::createUuid().toString(QUuid::WithoutBraces)
                                                    : path);
  if (path.isEmpty()) editor->setProperty("untitledName", tr("untitled-%1.py").arg(++m_untitledCount));
  connect(editor->document(), &QTextDocument::modificationChanged, this, [this, editor] {
    updateTabTitle(editor);
    updateActions();
  });
  connect(editor, &widgets::CodeEditor::breakpointsMoved, this, [this, editor](const QMap<int, int>& moves) {
    const QString file = editor->property("path").toString();
    if (!file.isEmpty()) m_breakpoints->moveLines(file, moves);
  });
  connect(editor, &widgets::CodeEditor::breakpointToggleRequested, this, [this, editor](int line) {
    const QString file = editor->property("path").toString();
    if (file.isEmpty()) {
      m_console->append(tr("Save the buffer to set breakpoints in it.\n"), widgets::ConsoleWidget::Stream::Info);
      return;
    }
    m_breakpoints->toggleLine(file, line);
  });
  const int index = m_tabs->addTab(editor, QString());
  updateTabTitle(editor);
  m_tabs->setCurrentIndex(index);
  if (!path.isEmpty()) {
    m_breakpoints->load(path);
    applyBreakpointMarks(path);
  }
  return editor;
}

widgets::CodeEditor* MainWindow::newBuffer(const QString& text) { return addEditor(QString(), text); }

widgets::CodeEditor* MainWindow::editorFor(const QString& path) const {
  const QString canonical = QFileInfo(path).canonicalFilePath();
  for (int i = 0; i < m_tabs->count(); ++i) {
    auto* editor = qobject_cast<widgets::CodeEditor*>(m_tabs->widget(i));
    const QString own = editor->property("path").toString();
    if (!own.isEmpty() && (own == path || (!canonical.isEmpty() && QFileInfo(own).canonicalFilePath() == canonical)))
      return editor;
  }
  return nullptr;
}

bool MainWindow::openFile(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  if (widgets::CodeEditor* open = editorFor(absolute)) {
    m_tabs->setCurrentWidget(open);
    return true;
  }
  QString error;
  std::optional<QString> text = readTextFile(absolute, &error);
  if (!text) {
    m_prompter->warn(this, tr("Cannot open"), error);
    m_recent->remove(absolute);
    refreshRecentMenu();
    return false;
  }
  addEditor(absolute, *text);
  m_recent->add(absolute);
  refreshRecentMenu();
  return true;
}

widgets::CodeEditor* MainWindow::currentEditor() const {
  return qobject_cast<widgets::CodeEditor*>(m_tabs->currentWidget());
}

QString MainWindow::currentPath() const {
  widgets::CodeEditor* editor = currentEditor();
  return editor != nullptr ? editor->property("path").toString() : QString();
}

bool MainWindow::isModified(widgets::CodeEditor* editor) const {
  return editor != nullptr && editor->document()->isModified();
}

bool MainWindow::saveCurrent() {
  widgets::CodeEditor* editor = currentEditor();
  if (editor == nullptr) return false;
  QString path = editor->property("path").toString();
  if (path.isEmpty()) {
    path = m_prompter->saveFileName(this, QDir::home().filePath(editor->property("untitledName").toString()));
    if (path.isEmpty()) return false;
  }
  return saveEditor(editor, path);
}

bool MainWindow::saveCurrentAs(const QString& path) {
  widgets::CodeEditor* editor = currentEditor();
  return editor != nullptr && saveEditor(editor, path);
}

bool MainWindow::saveEditor(widgets::CodeEditor* editor, const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  if (widgets::CodeEditor* other = editorFor(absolute); other != nullptr && other != editor) {
    // Two tabs on one file: the other's text would be stale, and saving it later would
    // overwrite this one. Nothing is written; this buffer stays as it is.
    const QString error = tr("cannot save as %1: it is open in another tab; close that tab first, or choose "
                             "another name").arg(absolute);
    m_prompter->warn(this, tr("Save failed"), error);
    m_console->append(error + "\n", widgets::ConsoleWidget::Stream::Err);
    return false;
  }
  const SaveResult result = saveTextAtomically(absolute, editor->toPlainText());
  if (!result.ok) {
    // The old file is intact and the buffer stays modified (and autosaved).
    m_prompter->warn(this, tr("Save failed"), result.error);
    m_console->append(result.error + "\n", widgets::ConsoleWidget::Stream::Err);
    return false;
  }
  const QString oldKey = autosaveKey(editor);
  editor->setProperty("path", absolute);
  editor->setProperty("autosaveKey", absolute);
  m_autosave->discard(oldKey);
  m_autosave->discard(absolute);
  editor->document()->setModified(false);
  updateTabTitle(editor);
  m_breakpoints->load(absolute);
  applyBreakpointMarks(absolute);
  m_recent->add(absolute);
  refreshRecentMenu();
  return true;
}

bool MainWindow::maybeSave(widgets::CodeEditor* editor) {
  if (!isModified(editor)) return true;
  m_tabs->setCurrentWidget(editor);
  const QString name = editor->property("path").toString().isEmpty() ? editor->property("untitledName").toString()
                                                                     : QFileInfo(editor->property("path").toString()).fileName();
  switch (m_prompter->askSaveChanges(this, name)) {
    case Prompter::SaveChoice::Save:
      return saveCurrent();
    case Prompter::SaveChoice::Discard:
      return true;
    case Prompter::SaveChoice::Cancel:
      return false;
  }
  return false;
}

bool MainWindow::closeTab(int index) {
  auto* editor = qobject_cast<widgets::CodeEditor*>(m_tabs->widget(index));
  if (editor == nullptr || !maybeSave(editor)) return false;
  m_autosave->discard(autosaveKey(editor));
  m_tabs->removeTab(index);
  editor->deleteLater();
  return true;
}

void MainWindow::updateTabTitle(widgets::CodeEditor* editor) {
  const int index = m_tabs->indexOf(editor);
  if (index < 0) return;
  const QString path = editor->property("path").toString();
  const QString name = path.isEmpty() ? editor->property("untitledName").toString() : QFileInfo(path).fileName();
  m_tabs->setTabText(index, editor->document()->isModified() ? name + " •" : name);
  m_tabs->setTabToolTip(index, path);
  if (editor == currentEditor()) setWindowTitle(name + QStringLiteral(" — Tapedeck"));
}

QString MainWindow::autosaveKey(widgets::CodeEditor* editor) const {
  return editor != nullptr ? editor->property("autosaveKey").toString() : QString();
}

void MainWindow::setAutosaveInterval(int milliseconds) { m_autosaveTimer->setInterval(milliseconds); }

void MainWindow::autosaveNow() {
  for (int i = 0; i < m_tabs->count(); ++i) {
    auto* editor = qobject_cast<widgets::CodeEditor*>(m_tabs->widget(i));
    if (!isModified(editor)) continue;
    AutosaveEntry entry;
    entry.key = autosaveKey(editor);
    entry.path = editor->property("path").toString();
    entry.text = editor->toPlainText();
    if (!m_autosave->store(entry))
      m_console->append(tr("autosave failed: %1\n").arg(m_autosave->lastError()), widgets::ConsoleWidget::Stream::Err);
  }
}

void MainWindow::recoverAutosaved() {
  if (!m_autosave->acquire()) return;  // another running IDE owns them
  const QList<AutosaveEntry> entries = m_autosave->entries();
  if (entries.isEmpty()) return;
  QStringList names;
  for (const AutosaveEntry& e : entries) names << (e.path.isEmpty() ? tr("an untitled buffer") : e.path);
  if (!m_prompter->askRecover(this, names)) {
    for (const AutosaveEntry& e : entries) m_autosave->discard(e.key);
    return;
  }
  for (const AutosaveEntry& e : entries) {
    widgets::CodeEditor* editor = e.path.isEmpty() ? nullptr : editorFor(e.path);
    if (editor == nullptr) editor = addEditor(e.path, QString());
    editor->setProperty("autosaveKey", e.key);
    editor->setPlainText(e.text);
    editor->document()->setModified(true);  // recovered, not yet saved
    updateTabTitle(editor);
  }
}

void MainWindow::refreshRecentMenu() {
  m_recentMenu->clear();
  for (const QString& path : m_recent->list())
    connect(m_recentMenu->addAction(path), &QAction::triggered, this, [this, path] { openFile(path); });
  m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

void MainWindow::fillSamplesMenu() {
  for (const Sample& sample : listSamples(samplesDir())) {
    QAction* a = m_samplesMenu->addAction(sample.description.isEmpty() ? sample.name
                                                                       : sample.name + QStringLiteral(" — ") + sample.description);
    a->setToolTip(sample.path);
    connect(a, &QAction::triggered, this, [this, path = sample.path] { openFile(path); });
  }
  m_samplesMenu->setEnabled(!m_samplesMenu->isEmpty());
}

}  // namespace td::app
