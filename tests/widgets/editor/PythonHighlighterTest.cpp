// Python highlighting (widgets/editor/PythonHighlighter.cpp), read back from each
// block's layout formats.
#include "editor/PythonHighlighter.h"

#include <QAbstractTextDocumentLayout>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextLayout>

using td::widgets::PythonHighlighter;
using Token = PythonHighlighter::Token;

class PythonHighlighterTest : public QObject {
  Q_OBJECT

 private:
  QTextDocument m_document;
  PythonHighlighter* m_highlighter = nullptr;

  // The format at 0-based `column` of 0-based `line`; empty when unhighlighted.
  QTextCharFormat formatAt(int line, int column) const {
    const QTextBlock block = m_document.findBlockByNumber(line);
    for (const QTextLayout::FormatRange& range : block.layout()->formats())
      if (column >= range.start && column < range.start + range.length) return range.format;
    return {};
  }

  // The format of the first occurrence of `needle` on `line`, checked to cover it all.
  QTextCharFormat formatOf(int line, const QString& needle) const {
    const QString text = m_document.findBlockByNumber(line).text();
    const int column = int(text.indexOf(needle));
    if (column < 0) return QTextCharFormat();
    const QTextCharFormat first = formatAt(line, column);
    for (int i = 1; i < needle.size(); ++i)
      if (formatAt(line, column + i) != first) return QTextCharFormat();
    return first;
  }

  bool is(int line, const QString& needle, Token token) const {
    return formatOf(line, needle) == m_highlighter->tokenFormat(token);
  }

  bool isPlain(int line, const QString& needle) const {
    const QString text = m_document.findBlockByNumber(line).text();
    const int column = int(text.indexOf(needle));
    for (int i = 0; i < needle.size(); ++i)
      if (formatAt(line, column + i).hasProperty(QTextFormat::ForegroundBrush)) return false;
    return column >= 0;
  }

 private slots:
  void init() {
    m_document.clear();
    delete m_highlighter;
    m_highlighter = new PythonHighlighter(&m_document);
    // A document without a layout reports no edits, so nothing would be highlighted.
    m_document.documentLayout();
  }

  void cleanup() {
    delete m_highlighter;
    m_highlighter = nullptr;
  }

  void tokenFormatsAreDistinct() {
    for (int a = 0; a < PythonHighlighter::TokenCount; ++a)
      for (int b = a + 1; b < PythonHighlighter::TokenCount; ++b)
        QVERIFY(m_highlighter->tokenFormat(Token(a)) != m_highlighter->tokenFormat(Token(b)));
  }

  void keywordsBuiltinsSelfAndNumbers() {
    m_document.setPlainText(QStringLiteral(
        "def forward(self, x):\n"
        "    if x is None: return len(x) + 0x1F + 3.5e-2\n"
        "    define = classy = obj.print = x1"));
    QVERIFY(is(0, QStringLiteral("def"), Token::Keyword));
    QVERIFY(is(0, QStringLiteral("forward"), Token::Definition));
    QVERIFY(is(0, QStringLiteral("self"), Token::Self));
    QVERIFY(is(1, QStringLiteral("if"), Token::Keyword));
    QVERIFY(is(1, QStringLiteral("is"), Token::Keyword));
    QVERIFY(is(1, QStringLiteral("None"), Token::Keyword));
    QVERIFY(is(1, QStringLiteral("return"), Token::Keyword));
    QVERIFY(is(1, QStringLiteral("len"), Token::Builtin));
    QVERIFY(is(1, QStringLiteral("0x1F"), Token::Number));
    QVERIFY(is(1, QStringLiteral("3.5e-2"), Token::Number));
    // Words that only contain keywords, attributes named like builtins, digits in names.
    QVERIFY(isPlain(2, QStringLiteral("define")));
    QVERIFY(isPlain(2, QStringLiteral("classy")));
    QVERIFY(isPlain(2, QStringLiteral("print")));
    QVERIFY(isPlain(2, QStringLiteral("x1")));
  }

  void decoratorsAndClassNames() {
    m_document.setPlainText(QStringLiteral("@torch.no_grad()\nclass Net(Module):\n    x = a @ b"));
    QVERIFY(is(0, QStringLiteral("@torch.no_grad"), Token::Decorator));
    QVERIFY(is(1, QStringLiteral("class"), Token::Keyword));
    QVERIFY(is(1, QStringLiteral("Net"), Token::Definition));
    QVERIFY(isPlain(2, QStringLiteral("@")));  // matrix multiplication, not a decorator
  }

  void commentsAndStrings() {
    m_document.setPlainText(QStringLiteral(
        "x = 'it''s' + \"a # b\" # it's a comment with \"quotes\"\n"
        "y = f\"{x} if\" + rb'\\x00' + 'esc\\'aped' + \"open\n"
        "z = 1"));
    QVERIFY(is(0, QStringLiteral("'it'"), Token::String));
    QVERIFY(is(0, QStringLiteral("\"a # b\""), Token::String));
    QVERIFY(is(0, QStringLiteral("# it's a comment with \"quotes\""), Token::Comment));
    QVERIFY(is(1, QStringLiteral("f\"{x} if\""), Token::String));  // prefix included
    QVERIFY(is(1, QStringLiteral("rb'\\x00'"), Token::String));
    QVERIFY(is(1, QStringLiteral("'esc\\'aped'"), Token::String));
    QVERIFY(is(1, QStringLiteral("\"open"), Token::String));  // unterminated: to the line end
    QVERIFY(is(2, QStringLiteral("1"), Token::Number));        // and no further
    QVERIFY(isPlain(2, QStringLiteral("z")));
  }

  void tripleQuotedStringSpansLines() {
    m_document.setPlainText(QStringLiteral(
        "doc = \"\"\"first\n"
        "def not_code(): ' # still\n"
        "end\"\"\" if True else '''x'''\n"
        "return"));
    QVERIFY(is(0, QStringLiteral("\"\"\"first"), Token::String));
    QVERIFY(is(1, QStringLiteral("def not_code(): ' # still"), Token::String));
    QVERIFY(is(2, QStringLiteral("end\"\"\""), Token::String));
    QVERIFY(is(2, QStringLiteral("if"), Token::Keyword));
    QVERIFY(is(2, QStringLiteral("True"), Token::Keyword));
    QVERIFY(is(2, QStringLiteral("'''x'''"), Token::String));
    QVERIFY(is(3, QStringLiteral("return"), Token::Keyword));
    QCOMPARE(m_document.findBlockByNumber(0).userState(), 2);
    QCOMPARE(m_document.findBlockByNumber(2).userState(), 0);
  }

  void editingReopensAndClosesStrings() {
    m_document.setPlainText(QStringLiteral("a = 1\nreturn a\nb = 2"));
    QVERIFY(is(1, QStringLiteral("return"), Token::Keyword));

    QTextCursor cursor(&m_document);
    cursor.insertText(QStringLiteral("'''"));  // opens a string over the following lines
    QVERIFY(is(1, QStringLiteral("return a"), Token::String));
    QVERIFY(is(2, QStringLiteral("b = 2"), Token::String));

    cursor.movePosition(QTextCursor::End);
    cursor.insertText(QStringLiteral("'''"));
    QVERIFY(is(1, QStringLiteral("return a"), Token::String));
    cursor.setPosition(0);
    cursor.deleteChar();  // "''a = 1": an empty string; the rest is code again
    QVERIFY(is(1, QStringLiteral("return"), Token::Keyword));
    QVERIFY(is(2, QStringLiteral("2"), Token::Number));
  }

  void customFormatRehighlights() {
    m_document.setPlainText(QStringLiteral("# note"));
    QTextCharFormat format;
    format.setForeground(Qt::magenta);
    m_highlighter->setTokenFormat(Token::Comment, format);
    QCOMPARE(formatOf(0, QStringLiteral("# note")), format);
  }
};

QTEST_MAIN(PythonHighlighterTest)
#include "PythonHighlighterTest.moc"
