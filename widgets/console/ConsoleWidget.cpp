#include "ConsoleWidget.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QVBoxLayout>

#include <utility>

namespace td::widgets {
namespace {

constexpr int kFlushIntervalMs = 50;
constexpr qsizetype kMaximumHistory = 1000;

// `File "/path/x.py", line 12` (groups 1 and 2) or `path/x.py:12` (groups 3 and 4).
const QRegularExpression& locationPattern() {
  static const QRegularExpression pattern(
      QStringLiteral("File \"([^\"\\n]+)\", line (\\d+)|"
                     "((?:[A-Za-z]:)?[\\w./\\\\~+-]*\\w\\.pyi?):(\\d+)"),
      QRegularExpression::UseUnicodePropertiesOption);
  return pattern;
}

// A link's href: "location:<line>:<file>"; the line comes first since a file name may
// hold colons.
QString locationHref(const QString& file, int line) {
  return QStringLiteral("location:") + QString::number(line) + QLatin1Char(':') + file;
}

bool parseLocationHref(const QString& href, QString* file, int* line) {
  static const QString scheme = QStringLiteral("location:");
  if (!href.startsWith(scheme)) return false;
  const qsizetype colon = href.indexOf(QLatin1Char(':'), scheme.size());
  if (colon < 0) return false;
  bool ok = false;
  *line = QStringView(href).mid(scheme.size(), colon - scheme.size()).toInt(&ok);
  *file = href.mid(colon + 1);
  return ok && !file->isEmpty();
}

}  // namespace

ConsoleWidget::ConsoleWidget(QWidget* parent)
    : QWidget(parent),
      m_output(new QPlainTextEdit(this)),
      m_input(new QLineEdit(this)),
      m_prompt(new QLabel(QStringLiteral(">>>"), this)) {
  const QFont fixedFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  m_output->setReadOnly(true);
  m_output->setUndoRedoEnabled(false);
  m_output->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  m_output->setMaximumBlockCount(m_maximumLines);
  m_output->setFont(fixedFont);
  m_output->viewport()->setMouseTracking(true);
  m_output->viewport()->installEventFilter(this);
  m_input->setFont(fixedFont);
  m_input->installEventFilter(this);
  m_prompt->setFont(fixedFont);

  auto* inputRow = new QHBoxLayout;
  inputRow->setContentsMargins(0, 0, 0, 0);
  inputRow->addWidget(m_prompt);
  inputRow->addWidget(m_input, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(m_output, 1);
  layout->addLayout(inputRow);
  setFocusProxy(m_input);

  m_flushTimer.setSingleShot(true);
  m_flushTimer.setInterval(kFlushIntervalMs);
  connect(&m_flushTimer, &QTimer::timeout, this, &ConsoleWidget::flush);
  connect(m_input, &QLineEdit::returnPressed, this, &ConsoleWidget::submitInput);
}

void ConsoleWidget::append(const QString& text, Stream stream) {
  if (text.isEmpty()) return;
  if (!m_pending.isEmpty() && m_pending.last().stream == stream)
    m_pending.last().text += text;
  else
    m_pending.append({stream, text});
  m_pendingNewlines += text.count(QLatin1Char('\n'));
  // Trimming only past twice the cap keeps a long burst's memory bounded while costing
  // appends O(1) amortized.
  if (m_maximumLines > 0 && m_pendingNewlines > 2 * qsizetype(m_maximumLines))
    trimPending(pendingNewlineBudget());
  if (!m_flushTimer.isActive()) m_flushTimer.start();
}

void ConsoleWidget::flush() {
  m_flushTimer.stop();
  if (m_maximumLines > 0) trimPending(pendingNewlineBudget());
  if (m_pending.isEmpty() && m_droppedLines == 0) return;

  QScrollBar* scrollBar = m_output->verticalScrollBar();
  const bool followTail = scrollBar->value() >= scrollBar->maximum();
  QTextCursor cursor(m_output->document());
  cursor.movePosition(QTextCursor::End);
  cursor.beginEditBlock();
  if (m_droppedLines > 0) {
    if (cursor.block().length() > 1) cursor.insertText(QStringLiteral("\n"), formatFor(Stream::Out));
    const QString note = QStringLiteral("%1 %2 earlier %3 dropped\n")
                             .arg(QChar(0x2026))
                             .arg(m_droppedLines)
                             .arg(m_droppedLines == 1 ? QStringLiteral("line") : QStringLiteral("lines"));
    cursor.insertText(note, formatFor(Stream::Info));
    m_droppedLines = 0;
  }
  for (const PendingChunk& chunk : std::as_const(m_pending)) {
    if (chunk.stream == Stream::Err)
      insertErrorText(cursor, chunk.text);
    else
      cursor.insertText(chunk.text, formatFor(chunk.stream));
  }
  cursor.endEditBlock();
  m_pending.clear();
  m_pendingNewlines = 0;
  if (followTail) scrollBar->setValue(scrollBar->maximum());
}

void ConsoleWidget::clear() {
  m_flushTimer.stop();
  m_pending.clear();
  m_pendingNewlines = 0;
  m_droppedLines = 0;
  m_output->clear();
}

QString ConsoleWidget::text() const {
  // Flushing changes what is shown, not what the console holds: logically const.
  const_cast<ConsoleWidget*>(this)->flush();
  return m_output->toPlainText();
}

void ConsoleWidget::setMaximumLines(int lines) {
  m_maximumLines = qMax(0, lines);
  m_output->setMaximumBlockCount(m_maximumLines);
}

void ConsoleWidget::setPrompt(const QString& prompt) { m_prompt->setText(prompt); }

QString ConsoleWidget::prompt() const { return m_prompt->text(); }

void ConsoleWidget::setInputEnabled(bool enabled) {
  m_input->setEnabled(enabled);
  m_prompt->setEnabled(enabled);
}

bool ConsoleWidget::isInputEnabled() const { return m_input->isEnabled(); }

bool ConsoleWidget::eventFilter(QObject* watched, QEvent* event) {
  // The type is checked first: no mouse or key events come while the children are
  // being destroyed, when m_output->viewport() is no longer safe to call.
  switch (event->type()) {
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseMove:
      if (watched == m_output->viewport()) return handleOutputMouse(event);
      break;
    case QEvent::KeyPress:
      if (watched == m_input) return handleInputKey(event);
      break;
    default:
      break;
  }
  return QWidget::eventFilter(watched, event);
}

QTextCharFormat ConsoleWidget::formatFor(Stream stream) const {
  QTextCharFormat format;
  switch (stream) {
    case Stream::Out:
      break;
    case Stream::Err:
      format.setForeground(QColor(0xd3, 0x2f, 0x2f));
      break;
    case Stream::Info:
      format.setForeground(QColor(0x85, 0x85, 0x85));
      format.setFontItalic(true);
      break;
    case Stream::Echo:
      format.setFontWeight(QFont::Bold);
      break;
  }
  return format;
}

qsizetype ConsoleWidget::pendingNewlineBudget() const {
  // The kept text spans newlines + 1 blocks; with the note that makes the cap.
  return qMax(0, m_maximumLines - 2);
}

void ConsoleWidget::trimPending(qsizetype newlines) {
  if (m_pendingNewlines <= newlines) return;
  // Cut just after the (newlines + 1)-th line break from the end.
  qsizetype seen = 0;
  for (qsizetype chunkIndex = m_pending.size() - 1; chunkIndex >= 0; --chunkIndex) {
    QString& text = m_pending[chunkIndex].text;
    for (qsizetype from = text.size() - 1; from >= 0;) {
      const qsizetype at = text.lastIndexOf(QLatin1Char('\n'), from);
      if (at < 0) break;
      if (++seen == newlines + 1) {
        m_droppedLines += m_pendingNewlines - newlines;
        m_pendingNewlines = newlines;
        text.remove(0, at + 1);
        m_pending.remove(0, chunkIndex);
        if (m_pending.first().text.isEmpty()) m_pending.removeFirst();
        return;
      }
      from = at - 1;
    }
  }
}

void ConsoleWidget::insertErrorText(QTextCursor& cursor, const QString& text) {
  const QTextCharFormat errorFormat = formatFor(Stream::Err);
  qsizetype done = 0;
  auto matches = locationPattern().globalMatch(text);
  while (matches.hasNext()) {
    const QRegularExpressionMatch match = matches.next();
    const bool traceback = match.capturedStart(1) >= 0;
    const QString file = match.captured(traceback ? 1 : 3);
    const int line = match.captured(traceback ? 2 : 4).toInt();
    if (match.capturedStart() > done)
      cursor.insertText(text.mid(done, match.capturedStart() - done), errorFormat);
    QTextCharFormat linkFormat = errorFormat;
    linkFormat.setAnchor(true);
    linkFormat.setAnchorHref(locationHref(file, line));
    linkFormat.setFontUnderline(true);
    cursor.insertText(match.captured(), linkFormat);
    done = match.capturedEnd();
  }
  if (done < text.size()) cursor.insertText(text.mid(done), errorFormat);
}

bool ConsoleWidget::handleOutputMouse(QEvent* event) {
  const auto type = event->type();
  const auto* mouse = static_cast<QMouseEvent*>(event);
  const QString anchor = m_output->anchorAt(mouse->position().toPoint());
  if (type == QEvent::MouseMove) {
    m_output->viewport()->setCursor(anchor.isEmpty() ? Qt::IBeamCursor : Qt::PointingHandCursor);
  } else if (mouse->button() == Qt::LeftButton && type == QEvent::MouseButtonPress) {
    m_pressedAnchor = anchor;
  } else if (mouse->button() == Qt::LeftButton) {
    // A click, not the end of a drag that started on another link or on plain text.
    const bool clicked = !anchor.isEmpty() && anchor == m_pressedAnchor;
    m_pressedAnchor.clear();
    QString file;
    int line = 0;
    if (clicked && parseLocationHref(anchor, &file, &line)) emit locationActivated(file, line);
  }
  return false;  // selection still works as usual
}

bool ConsoleWidget::handleInputKey(QEvent* event) {
  const int key = static_cast<QKeyEvent*>(event)->key();
  if (key == Qt::Key_Up) {
    if (m_historyIndex == 0) return true;
    if (m_historyIndex == m_history.size()) m_draft = m_input->text();
    m_input->setText(m_history[--m_historyIndex]);
    return true;
  }
  if (key == Qt::Key_Down) {
    if (m_historyIndex >= m_history.size()) return true;
    ++m_historyIndex;
    m_input->setText(m_historyIndex == m_history.size() ? m_draft : m_history[m_historyIndex]);
    return true;
  }
  return false;
}

void ConsoleWidget::submitInput() {
  const QString line = m_input->text();
  if (!line.isEmpty() && (m_history.isEmpty() || m_history.last() != line)) {
    m_history.append(line);
    if (m_history.size() > kMaximumHistory) m_history.removeFirst();
  }
  m_historyIndex = m_history.size();
  m_draft.clear();
  m_input->clear();
  emit lineEntered(line);
}

}  // namespace td::widgets
