#include "PythonHighlighter.h"

#include <QColor>
#include <QFont>
#include <QRegularExpression>

namespace td::widgets {
namespace {

QTextCharFormat makeFormat(const QColor& color, bool bold = false, bool italic = false) {
  QTextCharFormat format;
  format.setForeground(color);
  if (bold) format.setFontWeight(QFont::Bold);
  if (italic) format.setFontItalic(true);
  return format;
}

constexpr auto kUnicode = QRegularExpression::UseUnicodePropertiesOption;

const QRegularExpression& keywordPattern() {
  static const QRegularExpression pattern(
      QStringLiteral("\\b(?:False|None|True|and|as|assert|async|await|break|class|continue|def|"
                     "del|elif|else|except|finally|for|from|global|if|import|in|is|lambda|"
                     "nonlocal|not|or|pass|raise|return|try|while|with|yield)\\b"),
      kUnicode);
  return pattern;
}

// Not after a dot: `obj.print` is an attribute, not the builtin.
const QRegularExpression& builtinPattern() {
  static const QRegularExpression pattern(
      QStringLiteral("(?<!\\.)\\b(?:print|range|len|int|float|str|bool|bytes|list|dict|set|"
                     "frozenset|tuple|object|type|super|isinstance|issubclass|enumerate|zip|"
                     "map|filter|sorted|reversed|min|max|sum|abs|any|all|round|divmod|pow|"
                     "iter|next|open|input|repr|hash|id|format|vars|dir|getattr|setattr|"
                     "hasattr|delattr|callable|property|staticmethod|classmethod|slice|"
                     "globals|locals|exec|eval|compile|chr|ord|hex|oct|bin|complex|"
                     "NotImplemented|Ellipsis|__name__|__file__|Exception|BaseException|"
                     "ValueError|TypeError|KeyError|IndexError|AttributeError|RuntimeError|"
                     "StopIteration|NotImplementedError|AssertionError|ImportError|"
                     "ZeroDivisionError|OSError|FileNotFoundError|KeyboardInterrupt)\\b"),
      kUnicode);
  return pattern;
}

const QRegularExpression& selfPattern() {
  static const QRegularExpression pattern(QStringLiteral("\\b(?:self|cls)\\b"), kUnicode);
  return pattern;
}

// Decimal, hex, octal and binary integers, floats with exponents, imaginary literals;
// not the digits inside an identifier (`x1`) or after a dot (`t.0` is no literal).
const QRegularExpression& numberPattern() {
  static const QRegularExpression pattern(
      QStringLiteral("(?<![\\w.])(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|"
                     "(?:\\d[\\d_]*\\.?[\\d_]*|\\.\\d[\\d_]*)(?:[eE][+-]?\\d[\\d_]*)?[jJ]?)"
                     "(?!\\w)"),
      kUnicode);
  return pattern;
}

const QRegularExpression& decoratorPattern() {
  static const QRegularExpression pattern(QStringLiteral("^\\s*(@[\\w.]+)"), kUnicode);
  return pattern;
}

const QRegularExpression& definitionPattern() {
  static const QRegularExpression pattern(QStringLiteral("\\b(?:def|class)\\s+([^\\W\\d]\\w*)"),
                                          kUnicode);
  return pattern;
}

bool isIdentifierChar(QChar c) { return c.isLetterOrNumber() || c == QLatin1Char('_'); }

// The length of the string prefix (r, b, u, f, rb, br, fr, rf in any case) that ends
// just before the quote at `quote`; 0 when the letters there belong to a name.
int prefixLength(const QString& text, int quote) {
  static const QString prefixLetters = QStringLiteral("rRbBuUfF");
  int length = 0;
  while (length < 2 && quote - length - 1 >= 0 && prefixLetters.contains(text[quote - length - 1]))
    ++length;
  const int start = quote - length;
  if (length > 0 && start > 0 && isIdentifierChar(text[start - 1])) return 0;
  return length;
}

// The index just past the closing `delimiter` at or after `from`, honouring
// backslash escapes; -1 when the block ends first.
int findClosing(const QString& text, int from, QStringView delimiter) {
  for (int i = from; i < text.size();) {
    if (text[i] == QLatin1Char('\\')) {
      i += 2;
    } else if (QStringView(text).mid(i).startsWith(delimiter)) {
      return i + int(delimiter.size());
    } else {
      ++i;
    }
  }
  return -1;
}

}  // namespace

PythonHighlighter::PythonHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
  auto set = [this](Token token, QTextCharFormat format) {
    m_formats[static_cast<size_t>(token)] = std::move(format);
  };
  set(Token::Keyword, makeFormat(QColor(0x00, 0x33, 0xb3), true));
  set(Token::Builtin, makeFormat(QColor(0x80, 0x30, 0xa0)));
  set(Token::Self, makeFormat(QColor(0x94, 0x55, 0x8d), false, true));
  set(Token::Number, makeFormat(QColor(0x17, 0x50, 0xeb)));
  set(Token::String, makeFormat(QColor(0x06, 0x7d, 0x17)));
  set(Token::Comment, makeFormat(QColor(0x8c, 0x8c, 0x8c), false, true));
  set(Token::Decorator, makeFormat(QColor(0x9e, 0x88, 0x0d)));
  set(Token::Definition, makeFormat(QColor(0x00, 0x62, 0x7a), true));
}

const QTextCharFormat& PythonHighlighter::tokenFormat(Token token) const {
  return m_formats[static_cast<size_t>(token)];
}

void PythonHighlighter::setTokenFormat(Token token, const QTextCharFormat& format) {
  m_formats[static_cast<size_t>(token)] = format;
  rehighlight();
}

void PythonHighlighter::highlightBlock(const QString& text) {
  highlightWords(text);
  highlightStringsAndComments(text);
}

void PythonHighlighter::highlightWords(const QString& text) {
  // Later rules win where they overlap: a def's name over a builtin it shadows.
  const auto apply = [&](const QRegularExpression& pattern, Token token, int group) {
    auto matches = pattern.globalMatch(text);
    while (matches.hasNext()) {
      const auto match = matches.next();
      setFormat(int(match.capturedStart(group)), int(match.capturedLength(group)),
                tokenFormat(token));
    }
  };
  apply(numberPattern(), Token::Number, 0);
  apply(builtinPattern(), Token::Builtin, 0);
  apply(selfPattern(), Token::Self, 0);
  apply(keywordPattern(), Token::Keyword, 0);
  apply(definitionPattern(), Token::Definition, 1);
  apply(decoratorPattern(), Token::Decorator, 1);
}

void PythonHighlighter::highlightStringsAndComments(const QString& text) {
  static const QString tripleSingle = QStringLiteral("'''");
  static const QString tripleDouble = QStringLiteral("\"\"\"");
  const QTextCharFormat& stringFormat = tokenFormat(Token::String);
  const int length = int(text.size());
  setCurrentBlockState(Code);

  int i = 0;
  const int previous = previousBlockState();
  if (previous == InTripleSingle || previous == InTripleDouble) {
    const int end = findClosing(text, 0, previous == InTripleSingle ? tripleSingle : tripleDouble);
    if (end < 0) {
      setFormat(0, length, stringFormat);
      setCurrentBlockState(previous);
      return;
    }
    setFormat(0, end, stringFormat);
    i = end;
  }

  while (i < length) {
    const QChar c = text[i];
    if (c == QLatin1Char('#')) {
      setFormat(i, length - i, tokenFormat(Token::Comment));
      return;
    }
    if (c != QLatin1Char('\'') && c != QLatin1Char('"')) {
      ++i;
      continue;
    }
    const int start = i - prefixLength(text, i);
    const QString triple(3, c);
    if (QStringView(text).mid(i).startsWith(triple)) {
      const int end = findClosing(text, i + 3, triple);
      if (end < 0) {
        setFormat(start, length - start, stringFormat);
        setCurrentBlockState(c == QLatin1Char('\'') ? InTripleSingle : InTripleDouble);
        return;
      }
      setFormat(start, end - start, stringFormat);
      i = end;
    } else {
      // An unterminated single-quoted string ends with its line.
      const int end = findClosing(text, i + 1, QStringView(text).mid(i, 1));
      i = end < 0 ? length : end;
      setFormat(start, i - start, stringFormat);
    }
  }
}

}  // namespace td::widgets
