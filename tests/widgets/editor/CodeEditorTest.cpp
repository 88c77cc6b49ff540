// The code editor (widgets/editor/CodeEditor.cpp): gutter clicks and painting, the
// execution and origin lines, navigation and indentation, shown offscreen.
#include "editor/CodeEditor.h"
#include "editor/PythonHighlighter.h"

#include <QImage>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>

#include <memory>

using td::widgets::BreakpointMark;
using td::widgets::CodeEditor;

namespace {

QString numberedLines(int count) {
  QStringList lines;
  for (int i = 1; i <= count; ++i) lines.append(QStringLiteral("x%1 = %1").arg(i));
  return lines.join(QLatin1Char('\n'));
}

// The full-width extra selections on the editor's 1-based `line`.
int lineSelectionsOn(const CodeEditor& editor, int line) {
  int count = 0;
  for (const auto& selection : editor.extraSelections())
    if (selection.cursor.blockNumber() == line - 1 &&
        selection.format.boolProperty(QTextFormat::FullWidthSelection))
      ++count;
  return count;
}

// The gutter's image of `line`'s row.
QImage gutterRow(const CodeEditor& editor, int line) {
  const QRect row = editor.gutterRectForLine(line).translated(-editor.gutter()->pos());
  return editor.gutter()->grab().toImage().copy(row);
}

bool hasPixel(const QImage& image, bool (*predicate)(QColor)) {
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      if (predicate(image.pixelColor(x, y))) return true;
  return false;
}

bool isRed(QColor c) { return c.red() > 180 && c.green() < 90 && c.blue() < 90; }
bool isYellow(QColor c) { return c.red() > 200 && c.green() > 160 && c.blue() < 60; }

}  // namespace

class CodeEditorTest : public QObject {
  Q_OBJECT

 private:
  // An editor of `lines` lines, shown offscreen at a fixed size.
  std::unique_ptr<CodeEditor> shownEditor(int lines) {
    auto editor = std::make_unique<CodeEditor>();
    editor->setPlainText(numberedLines(lines));
    editor->resize(500, 300);
    editor->show();
    if (!QTest::qWaitForWindowExposed(editor.get())) return nullptr;
    return editor;
  }

 private slots:
  void gutterClickRequestsBreakpointToggle() {
    auto editor = shownEditor(10);
    QVERIFY(editor);
    QSignalSpy spy(editor.get(), &CodeEditor::breakpointToggleRequested);

    const QRect row = editor->gutterRectForLine(3);
    QVERIFY(!row.isEmpty());
    QWidget* target = editor->childAt(row.center());
    QCOMPARE(target, editor->gutter());
    // The breakpoint column (left end of the row) and the line number (right end).
    QTest::mouseClick(target, Qt::LeftButton, {}, target->mapFrom(editor.get(), row.topLeft() + QPoint(3, 3)));
    QTest::mouseClick(target, Qt::LeftButton, {},
                      target->mapFrom(editor.get(), editor->gutterRectForLine(5).center() + QPoint(row.width() / 3, 0)));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(0).at(0).toInt(), 3);
    QCOMPARE(spy.at(1).at(0).toInt(), 5);

    // The editor does not own breakpoints: a click changes nothing by itself.
    QVERIFY(editor->breakpoints().isEmpty());
    QCOMPARE(editor->toPlainText(), numberedLines(10));
  }

  void marksMoveWithTheirStatementsWhenLinesAreAddedOrRemoved() {
    auto editor = shownEditor(10);
    QVERIFY(editor);
    QMap<int, BreakpointMark> marks;
    marks[2] = BreakpointMark{};
    marks[5] = BreakpointMark{.enabled = false, .conditional = true};
    marks[6] = BreakpointMark{};
    editor->setBreakpoints(marks);
    QSignalSpy moved(editor.get(), &CodeEditor::breakpointsMoved);
    auto cursorAt = [&](int line, int column) {
      QTextCursor c(editor->document()->findBlockByNumber(line - 1));
      c.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, column);
      return c;
    };
    // Three lines typed at the start of line 1: every mark goes down three.
    cursorAt(1, 0).insertText(QStringLiteral("a\nb\nc\n"));
    QCOMPARE(editor->breakpoints().keys(), (QList<int>{5, 8, 9}));
    QCOMPARE(editor->breakpoints()[8], marks[5]);  // its state goes with it
    QCOMPARE(moved.count(), 1);
    const QMap<int, int> expected{{2, 5}, {5, 8}, {6, 9}};
    using Moves = QMap<int, int>;
    QCOMPARE(moved.last()[0].value<Moves>(), expected);
    // A line added at the end of line 5 comes below it: 5 stays, 8 and 9 move.
    QTextCursor end = cursorAt(5, 0);
    end.movePosition(QTextCursor::EndOfBlock);
    end.insertText(QStringLiteral("\nnew"));
    QCOMPARE(editor->breakpoints().keys(), (QList<int>{5, 9, 10}));
    // Line 10 joined into line 9 (Backspace at its start): one mark stays, the first.
    QTextCursor join = cursorAt(10, 0);
    join.deletePreviousChar();
    QCOMPARE(editor->breakpoints().keys(), (QList<int>{5, 9}));
    QCOMPARE(editor->breakpoints()[9], marks[5]);
    // Line 5 removed whole (from its start to the next line's start): its mark goes, and
    // line 6's statement (now line 5) keeps its own.
    editor->setBreakpoints({{5, BreakpointMark{}}, {6, BreakpointMark{.enabled = true, .conditional = true}}});
    QTextCursor whole = cursorAt(5, 0);
    whole.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor);
    whole.removeSelectedText();
    QCOMPARE(editor->breakpoints().keys(), QList<int>{5});
    QVERIFY(editor->breakpoints()[5].conditional);
    QCOMPARE(moved.last()[0].value<Moves>(), (Moves{{5, 0}, {6, 5}}));
    editor->setBreakpoints({{5, BreakpointMark{}}, {9, marks[5]}});
    // An edit within a line, and the whole text replaced (a file read again), move nothing.
    const int before = moved.count();
    cursorAt(3, 1).insertText(QStringLiteral("xyz"));
    editor->setPlainText(numberedLines(12));
    QCOMPARE(moved.count(), before);
    QCOMPARE(editor->breakpoints().keys(), (QList<int>{5, 9}));
  }

  void gutterPaintsBreakpointsAndArrow() {
    auto editor = shownEditor(10);
    QVERIFY(editor);
    QMap<int, BreakpointMark> marks;
    marks[2] = BreakpointMark{};
    marks[4] = BreakpointMark{.enabled = false, .conditional = false};
    marks[6] = BreakpointMark{.enabled = true, .conditional = true};
    editor->setBreakpoints(marks);
    QCOMPARE(editor->breakpoints(), marks);
    editor->setExecutionLine(8);

    QVERIFY(hasPixel(gutterRow(*editor, 2), isRed));
    QVERIFY(!hasPixel(gutterRow(*editor, 4), isRed));  // hollow grey
    QVERIFY(hasPixel(gutterRow(*editor, 6), isRed));
    QVERIFY(!hasPixel(gutterRow(*editor, 3), isRed));
    QVERIFY(hasPixel(gutterRow(*editor, 8), isYellow));
    QVERIFY(!hasPixel(gutterRow(*editor, 7), isYellow));

    editor->setBreakpoints({});
    QVERIFY(!hasPixel(gutterRow(*editor, 2), isRed));
  }

  void executionLineIsMarkedAndCleared() {
    CodeEditor editor;
    editor.setPlainText(numberedLines(10));
    QCOMPARE(editor.executionLine(), 0);
    QCOMPARE(lineSelectionsOn(editor, 1), 1);  // the cursor line
    editor.setExecutionLine(5);
    QCOMPARE(editor.executionLine(), 5);
    QCOMPARE(lineSelectionsOn(editor, 5), 1);
    QCOMPARE(editor.cursorLineNumber(), 1);  // the cursor stays where it was

    editor.setExecutionLine(0);
    QCOMPARE(editor.executionLine(), 0);
    QCOMPARE(lineSelectionsOn(editor, 5), 0);
    QCOMPARE(lineSelectionsOn(editor, 1), 1);  // the cursor line's own highlight
  }

  void executionLineScrollsIntoView() {
    auto editor = shownEditor(400);
    QVERIFY(editor);
    QVERIFY(editor->gutterRectForLine(300).isEmpty());
    editor->setExecutionLine(300);
    QVERIFY(!editor->gutterRectForLine(300).isEmpty());
    QVERIFY(editor->gutterRectForLine(1).isEmpty());
  }

  void originLineIsMarkedAndCleared() {
    CodeEditor editor;
    editor.setPlainText(numberedLines(10));
    editor.setOriginLine(7);
    QCOMPARE(editor.originLine(), 7);
    QCOMPARE(lineSelectionsOn(editor, 7), 1);
    editor.setExecutionLine(7);
    QCOMPARE(lineSelectionsOn(editor, 7), 2);
    editor.setOriginLine(0);
    QCOMPARE(editor.originLine(), 0);
    QCOMPARE(lineSelectionsOn(editor, 7), 1);
  }

  void goToLineMovesCursorAndShowsLine() {
    auto editor = shownEditor(400);
    QVERIFY(editor);
    editor->goToLine(250);
    QCOMPARE(editor->cursorLineNumber(), 250);
    QVERIFY(!editor->gutterRectForLine(250).isEmpty());
    QCOMPARE(lineSelectionsOn(*editor, 250), 1);  // the current line is highlighted
    editor->goToLine(10000);
    QCOMPARE(editor->cursorLineNumber(), 400);
    editor->goToLine(-3);
    QCOMPARE(editor->cursorLineNumber(), 1);
  }

  void tabInsertsSpacesAndIndentsSelections() {
    CodeEditor editor;
    editor.setPlainText(QStringLiteral("a\nb\nc"));
    QTest::keyClick(&editor, Qt::Key_Tab);
    QCOMPARE(editor.toPlainText(), QStringLiteral("    a\nb\nc"));
    QTest::keyClick(&editor, Qt::Key_Right);
    QTest::keyClick(&editor, Qt::Key_Tab);  // to the next multiple of 4 columns
    QCOMPARE(editor.toPlainText(), QStringLiteral("    a   \nb\nc"));

    QTextCursor cursor(editor.document()->findBlockByNumber(1));
    cursor.setPosition(editor.document()->findBlockByNumber(2).position() + 1, QTextCursor::KeepAnchor);
    editor.setTextCursor(cursor);
    QTest::keyClick(&editor, Qt::Key_Tab);
    QCOMPARE(editor.toPlainText(), QStringLiteral("    a   \n    b\n    c"));
    QTest::keyClick(&editor, Qt::Key_Backtab);
    QCOMPARE(editor.toPlainText(), QStringLiteral("    a   \nb\nc"));
  }

  void usesMonospaceFontAndPythonHighlighting() {
    CodeEditor editor;
    QVERIFY(editor.font().fixedPitch());
    QVERIFY(editor.highlighter());
    QCOMPARE(editor.highlighter()->document(), editor.document());
    editor.setPlainText(QStringLiteral("return 1"));
    const auto formats = editor.document()->firstBlock().layout()->formats();
    QVERIFY(!formats.isEmpty());
    QCOMPARE(formats.first().start, 0);
    QCOMPARE(formats.first().format,
             editor.highlighter()->tokenFormat(td::widgets::PythonHighlighter::Token::Keyword));
  }

  void gutterRectIsEmptyForMissingLines() {
    auto editor = shownEditor(5);
    QVERIFY(editor);
    QVERIFY(editor->gutterRectForLine(0).isEmpty());
    QVERIFY(editor->gutterRectForLine(6).isEmpty());
    const QRect first = editor->gutterRectForLine(1);
    const QRect second = editor->gutterRectForLine(2);
    QVERIFY(!first.isEmpty());
    QCOMPARE(second.top(), first.bottom() + 1);
    QCOMPARE(first.width(), editor->gutter()->width());
  }
};

QTEST_MAIN(CodeEditorTest)
#include "CodeEditorTest.moc"
