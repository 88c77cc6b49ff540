// The console (widgets/console/ConsoleWidget.cpp): buffered output that joins partial
// writes, the line cap, traceback links, and the input line with its history.
#include "console/ConsoleWidget.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>

using td::widgets::ConsoleWidget;
using Stream = ConsoleWidget::Stream;

namespace {

// The char format of the output at `position`'s character.
QTextCharFormat formatAt(const ConsoleWidget& console, int position) {
  QTextCursor cursor(console.output()->document());
  cursor.setPosition(position + 1);  // charFormat() is that of the character before
  return cursor.charFormat();
}

// The viewport point at the middle of the output's character at `position`.
QPoint pointOfCharacter(const ConsoleWidget& console, int position) {
  QTextCursor cursor(console.output()->document());
  cursor.setPosition(position);
  const QRect before = console.output()->cursorRect(cursor);
  cursor.setPosition(position + 1);
  const QRect after = console.output()->cursorRect(cursor);
  return QPoint((before.center().x() + after.center().x()) / 2, before.center().y());
}

QString dropNote(int lines) { return QChar(0x2026) + QStringLiteral(" %1 earlier lines dropped").arg(lines); }

}  // namespace

class ConsoleWidgetTest : public QObject {
  Q_OBJECT

 private slots:
  void joinsPartialWrites() {
    ConsoleWidget console;
    console.append(QStringLiteral("hel"), Stream::Out);
    console.append(QStringLiteral("lo wor"), Stream::Out);
    console.flush();
    console.append(QStringLiteral("ld\nnext"), Stream::Out);
    console.append(QStringLiteral(" line\n"), Stream::Out);
    QCOMPARE(console.text(), QStringLiteral("hello world\nnext line\n"));
    QCOMPARE(console.output()->document()->blockCount(), 3);
  }

  void flushesOnItsOwnSoon() {
    ConsoleWidget console;
    console.append(QStringLiteral("tick\n"), Stream::Out);
    QCOMPARE(console.output()->toPlainText(), QString());  // buffered, not yet shown
    QTRY_COMPARE(console.output()->toPlainText(), QStringLiteral("tick\n"));
  }

  void streamsHaveTheirFormats() {
    ConsoleWidget console;
    console.append(QStringLiteral("out "), Stream::Out);
    console.append(QStringLiteral("err "), Stream::Err);
    console.append(QStringLiteral("info "), Stream::Info);
    console.append(QStringLiteral("echo"), Stream::Echo);
    QCOMPARE(console.text(), QStringLiteral("out err info echo"));

    QVERIFY(!formatAt(console, 0).hasProperty(QTextFormat::ForegroundBrush));
    const QColor error = formatAt(console, 4).foreground().color();
    QVERIFY(error.red() > 150 && error.green() < 100 && error.blue() < 100);
    QVERIFY(formatAt(console, 8).fontItalic());
    QCOMPARE(formatAt(console, 8).foreground().color().red(), formatAt(console, 8).foreground().color().blue());
    QCOMPARE(formatAt(console, 13).fontWeight(), int(QFont::Bold));
    QVERIFY(!formatAt(console, 0).fontItalic());
    QVERIFY(formatAt(console, 0).fontWeight() != int(QFont::Bold));
  }

  void capsLinesAndReportsDroppedOnes() {
    ConsoleWidget console;
    console.setMaximumLines(100);
    QCOMPARE(console.maximumLines(), 100);
    for (int i = 0; i < 1000; ++i) console.append(QStringLiteral("line %1\n").arg(i), Stream::Out);
    const QStringList lines = console.text().split(QLatin1Char('\n'));
    QVERIFY(console.output()->document()->blockCount() <= 100);
    // The note, the last 98 lines, and the empty line after the last newline.
    QCOMPARE(lines.size(), 100);
    QCOMPARE(lines.first(), dropNote(902));
    QCOMPARE(lines.at(1), QStringLiteral("line 902"));
    QCOMPARE(lines.at(98), QStringLiteral("line 999"));
    QVERIFY(formatAt(console, 0).fontItalic());  // the note is an Info line

    // Later output that fits the cap scrolls the oldest lines away without a note.
    console.append(QStringLiteral("more\n"), Stream::Out);
    const QString text = console.text();
    QVERIFY(text.endsWith(QStringLiteral("line 999\nmore\n")));
    QCOMPARE(text.count(QChar(0x2026)), 0);
  }

  void capNoteStartsItsOwnLine() {
    ConsoleWidget console;
    console.setMaximumLines(10);
    console.append(QStringLiteral("partial"), Stream::Out);
    console.flush();
    for (int i = 0; i < 50; ++i) console.append(QStringLiteral("%1\n").arg(i), Stream::Err);
    console.append(QStringLiteral("tail"), Stream::Err);
    const QStringList lines = console.text().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 10);
    QCOMPARE(lines.first(), dropNote(42));
    QCOMPARE(lines.at(1), QStringLiteral("42"));
    QCOMPARE(lines.last(), QStringLiteral("tail"));
  }

  void hugeBurstFlushCompletes() {
    ConsoleWidget console;
    const int count = 200000;
    for (int i = 0; i < count; ++i) console.append(QStringLiteral("line %1\n").arg(i), Stream::Out);
    console.append(QStringLiteral("the end"), Stream::Out);
    console.flush();
    QTextDocument* document = console.output()->document();
    QVERIFY(document->blockCount() <= console.maximumLines());
    QCOMPARE(document->lastBlock().text(), QStringLiteral("the end"));
    QCOMPARE(document->lastBlock().previous().text(), QStringLiteral("line %1").arg(count - 1));
    QVERIFY(document->firstBlock().text().startsWith(QChar(0x2026)));
  }

  void tracebackLocationsAreLinks() {
    ConsoleWidget console;
    console.resize(900, 300);
    console.show();
    QVERIFY(QTest::qWaitForWindowExposed(&console));
    QSignalSpy spy(&console, &ConsoleWidget::locationActivated);

    console.append(QStringLiteral("Traceback (most recent call last):\n"
                                  "  File \"/home/me/model.py\", line 12, in forward\n"
                                  "    return self.fc(x)\n"),
                   Stream::Err);
    console.append(QStringLiteral("see layers/conv.py:7 too\n"), Stream::Err);
    console.append(QStringLiteral("plain out.py:3\n"), Stream::Out);  // Out text has no links
    const QString text = console.text();

    QTest::mouseClick(console.output()->viewport(), Qt::LeftButton, {},
                      pointOfCharacter(console, int(text.indexOf(QStringLiteral("model")))));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("/home/me/model.py"));
    QCOMPARE(spy.at(0).at(1).toInt(), 12);

    QTest::mouseClick(console.output()->viewport(), Qt::LeftButton, {},
                      pointOfCharacter(console, int(text.indexOf(QStringLiteral("conv")))));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("layers/conv.py"));
    QCOMPARE(spy.at(1).at(1).toInt(), 7);

    // Not links: the code line of the traceback, Out text, the words around a link.
    for (const QString& needle : {QStringLiteral("self.fc"), QStringLiteral("out.py"), QStringLiteral("see")})
      QTest::mouseClick(console.output()->viewport(), Qt::LeftButton, {},
                        pointOfCharacter(console, int(text.indexOf(needle)) + 1));
    QCOMPARE(spy.count(), 2);
    QVERIFY(formatAt(console, int(text.indexOf(QStringLiteral("model")))).isAnchor());
    QVERIFY(formatAt(console, int(text.indexOf(QStringLiteral("model")))).fontUnderline());
  }

  void enterEmitsLineAndClearsInput() {
    ConsoleWidget console;
    QSignalSpy spy(&console, &ConsoleWidget::lineEntered);
    QTest::keyClicks(console.input(), QStringLiteral("print(1)"));
    QTest::keyClick(console.input(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("print(1)"));
    QCOMPARE(console.input()->text(), QString());
    QTest::keyClick(console.input(), Qt::Key_Enter);  // an empty line is still entered
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), QString());
    QCOMPARE(console.history(), QStringList{QStringLiteral("print(1)")});
    QCOMPARE(console.text(), QString());  // the owner echoes, not the console
  }

  void historyRecallsEnteredLines() {
    ConsoleWidget console;
    QLineEdit* input = console.input();
    for (const QString& line : {QStringLiteral("a = 1"), QStringLiteral("b = 2"), QStringLiteral("b = 2")}) {
      QTest::keyClicks(input, line);
      QTest::keyClick(input, Qt::Key_Return);
    }
    QCOMPARE(console.history(), (QStringList{QStringLiteral("a = 1"), QStringLiteral("b = 2")}));

    QTest::keyClicks(input, QStringLiteral("dra"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("b = 2"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("a = 1"));
    QTest::keyClick(input, Qt::Key_Up);  // stays at the oldest
    QCOMPARE(input->text(), QStringLiteral("a = 1"));
    QTest::keyClick(input, Qt::Key_Down);
    QCOMPARE(input->text(), QStringLiteral("b = 2"));
    QTest::keyClick(input, Qt::Key_Down);  // back to what was being typed
    QCOMPARE(input->text(), QStringLiteral("dra"));
    QTest::keyClick(input, Qt::Key_Down);
    QCOMPARE(input->text(), QStringLiteral("dra"));

    QTest::keyClick(input, Qt::Key_Up);
    QTest::keyClick(input, Qt::Key_Up);
    QTest::keyClick(input, Qt::Key_Return);  // a recalled line is entered like a typed one
    QCOMPARE(console.history().last(), QStringLiteral("a = 1"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("a = 1"));
  }

  void promptAndInputEnabled() {
    ConsoleWidget console;
    QCOMPARE(console.prompt(), QStringLiteral(">>>"));
    console.setPrompt(QStringLiteral("input:"));
    QCOMPARE(console.prompt(), QStringLiteral("input:"));
    QVERIFY(console.findChild<QLabel*>()->text() == QStringLiteral("input:"));
    QVERIFY(console.isInputEnabled());
    console.setInputEnabled(false);
    QVERIFY(!console.isInputEnabled());
    QVERIFY(!console.input()->isEnabled());
  }

  void clearDropsOutputAndPendingText() {
    ConsoleWidget console;
    console.append(QStringLiteral("shown\n"), Stream::Out);
    console.flush();
    console.append(QStringLiteral("pending\n"), Stream::Err);
    console.clear();
    QCOMPARE(console.text(), QString());
    QVERIFY(console.output()->isReadOnly());
  }
};

QTEST_MAIN(ConsoleWidgetTest)
#include "ConsoleWidgetTest.moc"
