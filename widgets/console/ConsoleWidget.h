#pragma once
// The program's console: a read-only output pane fed by buffered, coalesced appends
// (stdout, stderr, notes, echoed input), with traceback locations as clickable links,
// and an input line with a prompt and history. GUI thread only.
#include <QList>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTextCharFormat;
class QTextCursor;

namespace td::widgets {

class ConsoleWidget : public QWidget {
  Q_OBJECT

 public:
  /// Where appended text comes from; each is drawn differently (Err red, Info grey
  /// italic, Echo bold).
  enum class Stream { Out, Err, Info, Echo };

  explicit ConsoleWidget(QWidget* parent = nullptr);

  /// Queues `text` for the output; it is shown at the next flush, at most ~50 ms later.
  /// Text need not end in a newline: the next append continues the same line. Cheap
  /// enough to call thousands of times a second.
  void append(const QString& text, Stream stream);
  /// Shows all queued text now. When more lines are queued than the output keeps, the
  /// oldest are dropped first and one note line says how many.
  void flush();
  /// Empties the output and drops any queued text.
  void clear();
  /// The output's text, after a flush.
  QString text() const;

  /// Keeps at most `lines` lines in the output, dropping the oldest; 0 or less keeps
  /// everything. Default 20000.
  void setMaximumLines(int lines);
  int maximumLines() const { return m_maximumLines; }

  /// The label left of the input line (">>>", "input:").
  void setPrompt(const QString& prompt);
  QString prompt() const;
  void setInputEnabled(bool enabled);
  bool isInputEnabled() const;
  /// The entered lines, oldest first (no empty lines, no immediate repeats).
  const QStringList& history() const { return m_history; }

  QPlainTextEdit* output() const { return m_output; }
  QLineEdit* input() const { return m_input; }

 signals:
  /// The user pressed Enter in the input line; `line` may be empty. The console does
  /// not echo it: the owner appends it as Stream::Echo if it wants it shown.
  void lineEntered(const QString& line);
  /// The user clicked a source location (a traceback's `File "x.py", line 12` or
  /// `x.py:12`) in error output.
  void locationActivated(const QString& file, int line);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct PendingChunk {
    Stream stream;
    QString text;
  };

  QTextCharFormat formatFor(Stream stream) const;
  /// Drops the oldest queued text so that at most `newlines` line breaks stay queued.
  void trimPending(qsizetype newlines);
  /// The most line breaks a flush inserts: the kept lines and the note fit the cap.
  qsizetype pendingNewlineBudget() const;
  void insertErrorText(QTextCursor& cursor, const QString& text);
  /// A press, release or move on the output's viewport: link hover and clicks.
  bool handleOutputMouse(QEvent* event);
  /// A key press in the input line: Up and Down walk the history.
  bool handleInputKey(QEvent* event);
  void submitInput();

  QPlainTextEdit* m_output = nullptr;
  QLineEdit* m_input = nullptr;
  QLabel* m_prompt = nullptr;
  QTimer m_flushTimer;

  QList<PendingChunk> m_pending;
  qsizetype m_pendingNewlines = 0;
  qsizetype m_droppedLines = 0;
  int m_maximumLines = 20000;

  QString m_pressedAnchor;
  QStringList m_history;
  qsizetype m_historyIndex = 0;  // == m_history.size(): editing the draft
  QString m_draft;
};

}  // namespace td::widgets
