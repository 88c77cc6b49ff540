#include "models/TapeFixture.h"

#include <QHash>
#include <QStringList>

namespace td::widgets {

namespace {

const QString kUnknownShape = QStringLiteral("[?]");

// Reads one statement left to right; every reader skips leading spaces.
class Scanner {
 public:
  explicit Scanner(QStringView text) : m_text(text) {}

  bool atEnd() {
    skipSpace();
    return m_position >= m_text.size();
  }

  bool peek(QChar c) {
    skipSpace();
    return m_position < m_text.size() && m_text[m_position] == c;
  }

  bool accept(QChar c) {
    if (!peek(c)) return false;
    ++m_position;
    return true;
  }

  // An identifier ([A-Za-z_][A-Za-z0-9_]*), or empty when none starts here.
  QString name() {
    skipSpace();
    const qsizetype start = m_position;
    while (m_position < m_text.size()) {
      const QChar c = m_text[m_position];
      const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_';
      const bool digit = c >= u'0' && c <= u'9';
      if (!letter && !(digit && m_position > start)) break;
      ++m_position;
    }
    return m_text.sliced(start, m_position - start).toString();
  }

  // Digits, or empty when none start here.
  QString number() {
    skipSpace();
    const qsizetype start = m_position;
    while (m_position < m_text.size() && m_text[m_position].isDigit()) ++m_position;
    return m_text.sliced(start, m_position - start).toString();
  }

 private:
  void skipSpace() {
    while (m_position < m_text.size() && m_text[m_position].isSpace()) ++m_position;
  }

  QStringView m_text;
  qsizetype m_position = 0;
};

class FixtureParser {
 public:
  // Parses one statement, numbered from 1; false with error() set when malformed.
  bool parseStatement(QStringView statement, int number) {
    Scanner scanner(statement);
    const QString first = scanner.name();
    if (first.isEmpty()) return fail(QStringLiteral("expected a name"));
    if (first == QLatin1String("backward") && !scanner.peek(u'=') && !scanner.peek(u'['))
      return parseBackward(scanner);
    return parseForward(scanner, first, number);
  }

  const QString& error() const { return m_error; }
  QList<TapeRow> takeRows() { return std::move(m_rows); }

 private:
  bool fail(const QString& message) {
    m_error = message;
    return false;
  }

  // An optional "[3, 2]" into `shape` (left empty when absent).
  bool parseShape(Scanner& scanner, QString* shape) {
    shape->clear();
    if (!scanner.accept(u'[')) return true;
    QStringList dimensions;
    if (!scanner.accept(u']')) {
      do {
        const QString dimension = scanner.number();
        if (dimension.isEmpty()) return fail(QStringLiteral("expected a dimension in a shape"));
        dimensions.append(dimension);
      } while (scanner.accept(u','));
      if (!scanner.accept(u']')) return fail(QStringLiteral("expected ']' to end a shape"));
    }
    *shape = QLatin1Char('[') + dimensions.join(QLatin1String(", ")) + QLatin1Char(']');
    return true;
  }

  bool parseForward(Scanner& scanner, const QString& result, int number) {
    QString resultShape;
    if (!parseShape(scanner, &resultShape)) return false;
    if (!scanner.accept(u'=')) return fail(QStringLiteral("expected '=' or 'backward name'"));
    const QString op = scanner.name();
    if (op.isEmpty()) return fail(QStringLiteral("expected an op name after '='"));
    if (!scanner.accept(u'(')) return fail(QStringLiteral("expected '(' after the op name"));

    QStringList shapes;
    QList<qsizetype> inputs;
    if (!scanner.accept(u')')) {
      do {
        const QString argument = scanner.name();
        if (argument.isEmpty()) return fail(QStringLiteral("expected an argument name"));
        QString shape;
        if (!parseShape(scanner, &shape)) return false;
        if (!shape.isEmpty()) m_shapeOf.insert(argument, shape);
        shapes.append(m_shapeOf.value(argument, kUnknownShape));
        if (const auto producer = m_producerOf.constFind(argument); producer != m_producerOf.cend())
          inputs.append(*producer);
      } while (scanner.accept(u','));
      if (!scanner.accept(u')')) return fail(QStringLiteral("expected ',' or ')' after an argument"));
    }
    if (!scanner.atEnd()) return fail(QStringLiteral("unexpected text after ')'"));

    if (resultShape.isEmpty()) resultShape = kUnknownShape;
    m_shapeOf.insert(result, resultShape);
    m_producerOf.insert(result, m_rows.size());
    shapes.append(QString(QChar(0x2192)) + QLatin1Char(' ') + resultShape);

    TapeRow row;
    row.id = quint64(m_rows.size()) + 1;
    row.op = op;
    row.shapes = shapes.join(QLatin1Char(' '));
    row.file = kTapeFixtureFile;
    row.line = number;
    m_rows.append(row);
    m_inputsOf.append(inputs);
    return true;
  }

  bool parseBackward(Scanner& scanner) {
    const QString target = scanner.name();
    if (target.isEmpty()) return fail(QStringLiteral("expected a name after 'backward'"));
    if (!scanner.atEnd()) return fail(QStringLiteral("unexpected text after the name"));
    const auto producer = m_producerOf.constFind(target);
    if (producer == m_producerOf.cend())
      return fail(QStringLiteral("'%1' is not assigned before its backward").arg(target));

    // Marks the target's entry and, transitively, the entries of its inputs.
    QList<bool> needed(m_rows.size(), false);
    QList<qsizetype> pending{*producer};
    while (!pending.isEmpty()) {
      const qsizetype entry = pending.takeLast();
      if (needed[entry]) continue;
      needed[entry] = true;
      pending.append(m_inputsOf.at(entry));
    }
    for (qsizetype entry = needed.size() - 1; entry >= 0; --entry) {
      if (!needed[entry]) continue;
      TapeRow row = m_rows.at(entry);
      row.id = quint64(m_rows.size()) + 1;
      row.backward = true;
      m_rows.append(row);
      m_inputsOf.append(QList<qsizetype>());
    }
    return true;
  }

  QList<TapeRow> m_rows;
  QList<QList<qsizetype>> m_inputsOf;     // per row: the rows producing its arguments
  QHash<QString, qsizetype> m_producerOf;  // name -> the forward row that last assigned it
  QHash<QString, QString> m_shapeOf;       // name -> the shape last given to it
  QString m_error;
};

}  // namespace

QList<TapeRow> parseTapeFixture(QStringView text, QString* errorString) {
  FixtureParser parser;
  int number = 0;
  qsizetype start = 0;
  while (start <= text.size()) {
    qsizetype end = start;
    while (end < text.size() && text[end] != u';' && text[end] != u'\n') ++end;
    const QStringView statement = text.sliced(start, end - start).trimmed();
    start = end + 1;
    if (statement.isEmpty()) continue;
    ++number;
    if (!parser.parseStatement(statement, number)) {
      if (errorString)
        *errorString = QStringLiteral("statement %1 (%2): %3")
                           .arg(QString::number(number), statement.toString(), parser.error());
      return {};
    }
  }
  if (errorString) errorString->clear();
  return parser.takeRows();
}

}  // namespace td::widgets
