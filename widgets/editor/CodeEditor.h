#pragma once
// The Python source editor: a QPlainTextEdit with a gutter of breakpoints and line
// numbers, the paused execution line, the origin line of the paused op, and Python
// highlighting. Lines are 1-based everywhere in this interface.
#include <QMap>
#include <QPlainTextEdit>

namespace td::widgets {

class PythonHighlighter;
namespace detail {
class CodeEditorGutter;
}

/// How one breakpoint is drawn. The editor only shows breakpoints; the debugger owns them.
struct BreakpointMark {
  bool enabled = true;
  bool conditional = false;

  friend bool operator==(const BreakpointMark&, const BreakpointMark&) = default;
};

class CodeEditor : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit CodeEditor(QWidget* parent = nullptr);
  ~CodeEditor() override;

  /// Shows `marks` (line -> mark) in the gutter, replacing the previous ones. Marks past
  /// the last line are kept but not drawn. An edit that adds or removes lines moves the
  /// marks below it with their statements, and breakpointsMoved tells the owner.
  void setBreakpoints(const QMap<int, BreakpointMark>& marks);
  const QMap<int, BreakpointMark>& breakpoints() const { return m_breakpoints; }

  /// Marks `line` as where execution is paused (arrow and background) and scrolls it
  /// into view without moving the cursor; 0 clears the marker.
  void setExecutionLine(int line);
  int executionLine() const { return m_executionLine; }

  /// Marks `line`, softer than the execution line, as where the paused op was created;
  /// 0 clears the marker.
  void setOriginLine(int line);
  int originLine() const { return m_originLine; }

  /// Moves the cursor to the start of `line` (clamped to the document) and centers it.
  void goToLine(int line);
  /// The line the cursor is on.
  int cursorLineNumber() const;

  /// The gutter's row for `line` in this widget's coordinates; empty when the line
  /// does not exist or is scrolled out of view.
  QRect gutterRectForLine(int line) const;
  /// The gutter widget (breakpoint column, then line numbers), a child of this editor.
  QWidget* gutter() const;
  /// The highlighter of the editor's own document (not of one set by setDocument()).
  PythonHighlighter* highlighter() const { return m_highlighter; }

 signals:
  /// The user clicked the gutter (breakpoint column or line number) of `line`.
  void breakpointToggleRequested(int line);
  /// An edit moved marks: old line -> new line, 0 for a mark whose line was removed.
  /// Marks of lines joined into one that has a mark already are gone (moved onto a taken
  /// line: the first, from the top, stays).
  void breakpointsMoved(const QMap<int, int>& moves);

 protected:
  void resizeEvent(QResizeEvent* event) override;
  /// Tab inserts spaces to the next multiple of 4 columns; with a selection spanning
  /// lines, Tab indents and Shift+Tab unindents them by 4 spaces.
  void keyPressEvent(QKeyEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  friend class detail::CodeEditorGutter;

  int gutterWidth() const;
  int breakpointColumnWidth() const;
  void updateGutterWidth();
  void updateGutterArea(const QRect& rect, int dy);
  void paintGutter(QPaintEvent* event);
  void paintBreakpoint(QPainter& painter, const QRectF& cell, const BreakpointMark& mark) const;
  void paintExecutionArrow(QPainter& painter, const QRectF& cell) const;
  /// The line at `y` in gutter (= viewport) coordinates; 0 when there is none.
  int lineAtY(int y) const;
  void scrollLineIntoView(int line);
  void updateLineHighlights();
  void indentSelection(bool indent);
  /// Moves the marks below an edit that added or removed lines (QTextDocument::contentsChange).
  void moveMarksWith(int position, int removed);

  detail::CodeEditorGutter* m_gutter = nullptr;
  PythonHighlighter* m_highlighter = nullptr;
  QMap<int, BreakpointMark> m_breakpoints;
  int m_executionLine = 0;
  int m_originLine = 0;
  int m_lineCount = 1;  ///< lines and characters before the latest edit
  int m_charCount = 1;
};

}  // namespace td::widgets
