#pragma once
// Syntax highlighting for Python source: keywords, builtins, self/cls, numbers,
// strings (prefixed, f-strings, triple-quoted across lines), comments, decorators and
// the name after def/class. The formats land in each block's layout (formats()).
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <array>

namespace td::widgets {

class PythonHighlighter : public QSyntaxHighlighter {
  Q_OBJECT

 public:
  /// What a highlighted span is; each kind has one char format.
  enum class Token { Keyword, Builtin, Self, Number, String, Comment, Decorator, Definition };
  static constexpr int TokenCount = 8;

  /// Highlights `document` (may be null: attach later with setDocument).
  explicit PythonHighlighter(QTextDocument* document = nullptr);

  /// The format spans of kind `token` get.
  const QTextCharFormat& tokenFormat(Token token) const;
  /// Replaces the format of `token` and rehighlights the document.
  void setTokenFormat(Token token, const QTextCharFormat& format);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  // Block states: the kind of triple-quoted string still open at the end of a block.
  enum BlockState { Code = 0, InTripleSingle = 1, InTripleDouble = 2 };

  void highlightWords(const QString& text);
  // Strings and comments are found by one left-to-right scan, since a '#' in a
  // string is not a comment and a quote in a comment opens no string.
  void highlightStringsAndComments(const QString& text);

  std::array<QTextCharFormat, TokenCount> m_formats;
};

}  // namespace td::widgets
