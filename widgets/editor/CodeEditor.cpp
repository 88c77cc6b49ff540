#include "CodeEditor.h"

#include "PythonHighlighter.h"

#include <QCoreApplication>
#include <QTextDocument>
#include <QFontDatabase>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTextBlock>

namespace td::widgets {
namespace {

constexpr int kIndentWidth = 4;
constexpr int kNumberPadding = 4;

// Translucent, so they read on light and dark palettes alike.
const QColor kCurrentLineColor(128, 128, 128, 28);
const QColor kOriginLineColor(80, 150, 255, 56);
const QColor kExecutionLineColor(255, 210, 0, 96);
const QColor kBreakpointColor(0xd3, 0x2f, 0x2f);
const QColor kDisabledBreakpointColor(0x9e, 0x9e, 0x9e);
const QColor kArrowFill(0xf5, 0xc4, 0x00);
const QColor kArrowOutline(0x9a, 0x76, 0x00);

// Adds a full-width background on `block`, if it exists.
void addLineSelection(QList<QTextEdit::ExtraSelection>& selections, const QTextBlock& block,
                      const QColor& color) {
  if (!block.isValid()) return;
  QTextEdit::ExtraSelection selection;
  selection.format.setBackground(color);
  selection.format.setProperty(QTextFormat::FullWidthSelection, true);
  selection.cursor = QTextCursor(block);
  selections.append(selection);
}

// The height of the first visual line of `block`, the gutter's row for it.
qreal firstLineHeight(const QTextBlock& block, qreal blockHeight) {
  const QTextLayout* layout = block.layout();
  if (layout && layout->lineCount() > 0) return layout->lineAt(0).height();
  return blockHeight;
}

}  // namespace

namespace detail {

// The strip left of the viewport; CodeEditor paints it and maps its clicks to lines.
class CodeEditorGutter : public QWidget {
 public:
  explicit CodeEditorGutter(CodeEditor* editor) : QWidget(editor), m_editor(editor) {
    setCursor(Qt::PointingHandCursor);
  }

  QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

 protected:
  void paintEvent(QPaintEvent* event) override { m_editor->paintGutter(event); }

  void mousePressEvent(QMouseEvent* event) override {
    if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    if (const int line = m_editor->lineAtY(qRound(event->position().y())); line > 0)
      emit m_editor->breakpointToggleRequested(line);
  }

  void mouseReleaseEvent(QMouseEvent* event) override { event->accept(); }

  void wheelEvent(QWheelEvent* event) override {
    QCoreApplication::sendEvent(m_editor->viewport(), event);
  }

 private:
  CodeEditor* m_editor;
};

}  // namespace detail

CodeEditor::CodeEditor(QWidget* parent)
    : QPlainTextEdit(parent), m_gutter(new detail::CodeEditorGutter(this)) {
  // Parented to the document it highlights.
  m_highlighter = new PythonHighlighter(document());
  setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  font.setStyleHint(QFont::Monospace);
  font.setFixedPitch(true);
  setFont(font);
  setTabStopDistance(kIndentWidth * fontMetrics().horizontalAdvance(QLatin1Char(' ')));

  connect(this, &QPlainTextEdit::blockCountChanged, this, [this] {
    updateGutterWidth();
    updateLineHighlights();
  });
  connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateGutterArea);
  m_lineCount = blockCount();
  m_charCount = document()->characterCount();
  connect(document(), &QTextDocument::contentsChange, this,
          [this](int position, int removed, int /*added*/) { moveMarksWith(position, removed); });
  connect(this, &QPlainTextEdit::cursorPositionChanged, this, [this] {
    updateLineHighlights();
    m_gutter->update();
  });
  updateGutterWidth();
  updateLineHighlights();
}

CodeEditor::~CodeEditor() = default;

void CodeEditor::setBreakpoints(const QMap<int, BreakpointMark>& marks) {
  m_breakpoints = marks;
  m_gutter->update();
}

void CodeEditor::moveMarksWith(int position, int removed) {
  const int lines = blockCount();
  const int delta = lines - m_lineCount;
  // setPlainText (a file read again, an autosave restored) replaces everything: its
  // owner sets the marks again.
  const bool replacedAll = position == 0 && removed >= m_charCount - 1;
  m_lineCount = lines;
  m_charCount = document()->characterCount();
  if (delta == 0 || replacedAll || m_breakpoints.isEmpty()) return;
  const QTextBlock block = document()->findBlock(position);
  const int line = block.blockNumber() + 1;
  // Lines inserted at the start of a marked line push its statement (and the mark) down;
  // inserted after its start, they come below it. Lines removed from the start of a line
  // on take their marks with them (0: gone); removed from within a line (a join), the
  // lines after it join it.
  const bool atLineStart = position == block.position();
  QMap<int, BreakpointMark> moved;
  QMap<int, int> moves;
  for (auto it = m_breakpoints.cbegin(); it != m_breakpoints.cend(); ++it) {
    const int from = it.key();
    int to = from;
    if (delta > 0) {
      if (from > line || (from == line && atLineStart)) to = from + delta;
    } else if (atLineStart) {
      if (from >= line) to = from < line - delta ? 0 : from + delta;
    } else if (from > line) {
      to = std::max(line, from + delta);
    }
    if (to != from) moves.insert(from, to);
    if (to > 0 && !moved.contains(to)) moved.insert(to, it.value());
  }
  if (moves.isEmpty()) return;
  m_breakpoints = moved;
  m_gutter->update();
  emit breakpointsMoved(moves);
}

void CodeEditor::setExecutionLine(int line) {
  m_executionLine = qMax(0, line);
  updateLineHighlights();
  m_gutter->update();
  if (m_executionLine > 0) scrollLineIntoView(m_executionLine);
}

void CodeEditor::setOriginLine(int line) {
  m_originLine = qMax(0, line);
  updateLineHighlights();
}

void CodeEditor::goToLine(int line) {
  const int clamped = qBound(1, line, blockCount());
  QTextCursor cursor(document()->findBlockByNumber(clamped - 1));
  setTextCursor(cursor);
  centerCursor();
}

int CodeEditor::cursorLineNumber() const { return textCursor().blockNumber() + 1; }

QRect CodeEditor::gutterRectForLine(int line) const {
  const QTextBlock block = document()->findBlockByNumber(line - 1);
  if (line < 1 || !block.isValid() || !block.isVisible()) return {};
  const QRectF geometry = blockBoundingGeometry(block).translated(contentOffset());
  const QRect row(0, qRound(geometry.top()), m_gutter->width(),
                  qRound(firstLineHeight(block, geometry.height())));
  if (!row.intersects(QRect(0, 0, m_gutter->width(), viewport()->height()))) return {};
  return row.translated(m_gutter->pos());
}

QWidget* CodeEditor::gutter() const { return m_gutter; }

void CodeEditor::resizeEvent(QResizeEvent* event) {
  QPlainTextEdit::resizeEvent(event);
  const QRect contents = contentsRect();
  m_gutter->setGeometry(contents.left(), contents.top(), gutterWidth(), contents.height());
}

void CodeEditor::keyPressEvent(QKeyEvent* event) {
  const bool plainTab = event->key() == Qt::Key_Tab &&
                        !(event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier | Qt::AltModifier));
  const bool backTab = event->key() == Qt::Key_Backtab ||
                       (event->key() == Qt::Key_Tab && (event->modifiers() & Qt::ShiftModifier));
  if (isReadOnly() || (!plainTab && !backTab)) return QPlainTextEdit::keyPressEvent(event);

  QTextCursor cursor = textCursor();
  const bool multiLine = document()->findBlock(cursor.selectionStart()) !=
                         document()->findBlock(cursor.selectionEnd());
  if (backTab || multiLine) return indentSelection(plainTab);
  const int start = cursor.selectionStart();
  const int column = start - document()->findBlock(start).position();
  cursor.insertText(QString(kIndentWidth - column % kIndentWidth, QLatin1Char(' ')));
  setTextCursor(cursor);
}

void CodeEditor::changeEvent(QEvent* event) {
  QPlainTextEdit::changeEvent(event);
  if (event->type() == QEvent::FontChange) {
    setTabStopDistance(kIndentWidth * fontMetrics().horizontalAdvance(QLatin1Char(' ')));
    updateGutterWidth();
  }
}

int CodeEditor::breakpointColumnWidth() const { return fontMetrics().height() + 4; }

int CodeEditor::gutterWidth() const {
  int digits = 1;
  for (int count = qMax(1, blockCount()); count >= 10; count /= 10) ++digits;
  digits = qMax(digits, 2);
  return breakpointColumnWidth() + digits * fontMetrics().horizontalAdvance(QLatin1Char('9')) +
         2 * kNumberPadding;
}

void CodeEditor::updateGutterWidth() {
  setViewportMargins(gutterWidth(), 0, 0, 0);
  const QRect contents = contentsRect();
  m_gutter->setGeometry(contents.left(), contents.top(), gutterWidth(), contents.height());
}

void CodeEditor::updateGutterArea(const QRect& rect, int dy) {
  if (dy != 0)
    m_gutter->scroll(0, dy);
  else
    m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
  if (rect.contains(viewport()->rect())) updateGutterWidth();
}

void CodeEditor::paintGutter(QPaintEvent* event) {
  QPainter painter(m_gutter);
  const QColor base = palette().color(QPalette::Base);
  painter.fillRect(event->rect(), base.lightness() < 128 ? base.lighter(120) : base.darker(104));
  painter.setRenderHint(QPainter::Antialiasing);

  const int columnWidth = breakpointColumnWidth();
  const int numberRight = m_gutter->width() - kNumberPadding;
  const int currentLine = cursorLineNumber();
  const QColor numberColor = palette().color(QPalette::Disabled, QPalette::Text);
  const QColor currentNumberColor = palette().color(QPalette::Text);

  QTextBlock block = firstVisibleBlock();
  qreal top = blockBoundingGeometry(block).translated(contentOffset()).top();
  while (block.isValid() && top <= event->rect().bottom()) {
    const qreal height = blockBoundingRect(block).height();
    if (block.isVisible() && top + height >= event->rect().top()) {
      const int line = block.blockNumber() + 1;
      const qreal rowHeight = firstLineHeight(block, height);
      const QRectF cell(0, top, columnWidth, rowHeight);
      if (const auto mark = m_breakpoints.constFind(line); mark != m_breakpoints.constEnd())
        paintBreakpoint(painter, cell, *mark);
      if (line == m_executionLine) paintExecutionArrow(painter, cell);
      painter.setPen(line == currentLine ? currentNumberColor : numberColor);
      painter.drawText(QRectF(columnWidth, top, numberRight - columnWidth, rowHeight),
                       Qt::AlignRight | Qt::AlignVCenter, QString::number(line));
    }
    block = block.next();
    top += height;
  }
}

void CodeEditor::paintBreakpoint(QPainter& painter, const QRectF& cell,
                                 const BreakpointMark& mark) const {
  const qreal diameter = qMin(cell.width(), cell.height()) * 0.62;
  const QRectF dot(cell.center().x() - diameter / 2, cell.center().y() - diameter / 2, diameter,
                   diameter);
  painter.save();
  if (mark.enabled) {
    painter.setPen(Qt::NoPen);
    painter.setBrush(kBreakpointColor);
  } else {
    painter.setPen(QPen(kDisabledBreakpointColor, 1.5));
    painter.setBrush(Qt::NoBrush);
  }
  painter.drawEllipse(dot);
  if (mark.conditional) {
    // An '=' inside the dot, as in other debuggers' conditional breakpoints.
    painter.setPen(QPen(mark.enabled ? QColor(Qt::white) : kDisabledBreakpointColor, 1.5));
    const qreal halfWidth = diameter * 0.25;
    const qreal gap = diameter * 0.13;
    const QPointF center = dot.center();
    painter.drawLine(QPointF(center.x() - halfWidth, center.y() - gap),
                     QPointF(center.x() + halfWidth, center.y() - gap));
    painter.drawLine(QPointF(center.x() - halfWidth, center.y() + gap),
                     QPointF(center.x() + halfWidth, center.y() + gap));
  }
  painter.restore();
}

void CodeEditor::paintExecutionArrow(QPainter& painter, const QRectF& cell) const {
  const qreal left = cell.left() + 2;
  const qreal right = cell.right() - 2;
  const qreal middle = left + (right - left) * 0.5;
  const qreal centerY = cell.center().y();
  const qreal half = cell.height() * 0.36;
  const QPolygonF arrow({{left, centerY - half / 2},
                         {middle, centerY - half / 2},
                         {middle, centerY - half},
                         {right, centerY},
                         {middle, centerY + half},
                         {middle, centerY + half / 2},
                         {left, centerY + half / 2}});
  painter.save();
  painter.setPen(QPen(kArrowOutline, 1));
  painter.setBrush(kArrowFill);
  painter.drawPolygon(arrow);
  painter.restore();
}

int CodeEditor::lineAtY(int y) const {
  QTextBlock block = firstVisibleBlock();
  qreal top = blockBoundingGeometry(block).translated(contentOffset()).top();
  while (block.isValid() && top <= y) {
    const qreal height = blockBoundingRect(block).height();
    if (block.isVisible() && y < top + height) return block.blockNumber() + 1;
    block = block.next();
    top += height;
  }
  return 0;
}

void CodeEditor::scrollLineIntoView(int line) {
  const QTextBlock block = document()->findBlockByNumber(line - 1);
  if (!block.isValid()) return;
  const QRectF geometry = blockBoundingGeometry(block).translated(contentOffset());
  if (geometry.top() >= 0 && geometry.bottom() <= viewport()->height()) return;
  // The vertical scroll bar counts visual lines; put the line in the middle.
  const int visibleLines = viewport()->height() / qMax(1, fontMetrics().lineSpacing());
  verticalScrollBar()->setValue(block.firstLineNumber() - visibleLines / 2);
}

void CodeEditor::updateLineHighlights() {
  // Later selections paint over earlier ones: the execution line wins.
  QList<QTextEdit::ExtraSelection> selections;
  // The cursor's block is invalid while setPlainText() replaces the text.
  addLineSelection(selections, textCursor().block(), kCurrentLineColor);
  if (m_originLine > 0)
    addLineSelection(selections, document()->findBlockByNumber(m_originLine - 1), kOriginLineColor);
  if (m_executionLine > 0)
    addLineSelection(selections, document()->findBlockByNumber(m_executionLine - 1),
                     kExecutionLineColor);
  setExtraSelections(selections);
}

void CodeEditor::indentSelection(bool indent) {
  const QTextCursor selection = textCursor();
  const QTextBlock first = document()->findBlock(selection.selectionStart());
  QTextBlock last = document()->findBlock(selection.selectionEnd());
  // A selection that ends at the start of a line does not take that line along.
  if (last != first && selection.selectionEnd() == last.position()) last = last.previous();

  QTextCursor edit(document());
  edit.beginEditBlock();
  for (QTextBlock block = first; block.isValid(); block = block.next()) {
    edit.setPosition(block.position());
    if (indent) {
      edit.insertText(QString(kIndentWidth, QLatin1Char(' ')));
    } else {
      const QString text = block.text();
      int remove = 0;
      if (text.startsWith(QLatin1Char('\t')))
        remove = 1;
      else
        while (remove < kIndentWidth && remove < text.size() && text[remove] == QLatin1Char(' '))
          ++remove;
      edit.setPosition(block.position() + remove, QTextCursor::KeepAnchor);
      edit.removeSelectedText();
    }
    if (block == last) break;
  }
  edit.endEditBlock();

  if (selection.hasSelection()) {
    QTextCursor reselected(document());
    reselected.setPosition(first.position());
    reselected.setPosition(last.position() + last.length() - 1, QTextCursor::KeepAnchor);
    setTextCursor(reselected);
  }
}

}  // namespace td::widgets
