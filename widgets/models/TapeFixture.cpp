#include "models/TapeFixture.h"

#include <QHash>
#include <QStringList>

#include "graph/GraphRows.h"

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

  // A dotted identifier ([A-Za-z_][A-Za-z0-9_.]*: "x", "fc.weight", "model.layers.0"),
  // or empty when none starts here.
  QString name() {
    skipSpace();
    const qsizetype start = m_position;
    while (m_position < m_text.size()) {
      const QChar c = m_text[m_position];
      const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_';
      const bool digit = c >= u'0' && c <= u'9';
      // A dot only between parts: "x." and "a..b" stop before it (then fail as text left over).
      auto partChar = [](QChar d) {
        return (d >= u'a' && d <= u'z') || (d >= u'A' && d <= u'Z') || d == u'_' || (d >= u'0' && d <= u'9');
      };
      const bool dot = c == u'.' && m_position > start && m_position + 1 < m_text.size() &&
                       partChar(m_text[m_position + 1]);
      if (!letter && !(digit && m_position > start) && !dot) break;
      ++m_position;
    }
    return m_text.sliced(start, m_position - start).toString();
  }

  // A number as written ("2.5", "-1e-3"), or empty when none starts here.
  QString real() {
    skipSpace();
    const qsizetype start = m_position;
    while (m_position < m_text.size()) {
      const QChar c = m_text[m_position];
      if (!(c.isDigit() || c == u'.' || c == u'-' || c == u'+' || c == u'e' || c == u'E')) break;
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
    const bool newCall = scanner.accept(u'+');  // "+cell: h = ...": a new call of cell begins
    QString first = scanner.name();
    if (first.isEmpty()) return fail(QStringLiteral("expected a name"));
    if (!newCall && first == QLatin1String("backward") && !scanner.peek(u'=') && !scanner.peek(u'['))
      return parseBackward(scanner);
    QString scope;
    if (scanner.accept(u':')) {  // "model.fc: y = ..."
      scope = first;
      first = scanner.name();
      if (first.isEmpty()) return fail(QStringLiteral("expected a name after the scope"));
    } else if (newCall) {
      return fail(QStringLiteral("expected a scope and ':' after '+'"));
    }
    m_entered = newCall ? scope : QString();
    return parseForward(scanner, first, scope, number);
  }

  const QString& error() const { return m_error; }
  QList<TapeRow> takeRows() { return std::move(m_rows); }
  GraphFixture takeGraph() {
    GraphFixture out;
    out.entries = std::move(m_entries);
    out.tensorOf = std::move(m_tensorOf);
    return out;
  }

 private:
  bool fail(const QString& message) {
    m_error = message;
    return false;
  }

  // An optional "[3, 2]" into `shape` (left empty when absent) and its dimensions.
  bool parseShape(Scanner& scanner, QString* shape, QVector<qint64>* sizes = nullptr) {
    shape->clear();
    if (sizes != nullptr) sizes->clear();
    if (!scanner.accept(u'[')) return true;
    QStringList dimensions;
    if (!scanner.accept(u']')) {
      do {
        const QString dimension = scanner.number();
        if (dimension.isEmpty()) return fail(QStringLiteral("expected a dimension in a shape"));
        dimensions.append(dimension);
        if (sizes != nullptr) sizes->append(dimension.toLongLong());
      } while (scanner.accept(u','));
      if (!scanner.accept(u']')) return fail(QStringLiteral("expected ']' to end a shape"));
    }
    *shape = QLatin1Char('[') + dimensions.join(QLatin1String(", ")) + QLatin1Char(']');
    return true;
  }

  // The graph's tensor for `name` as an argument: the latest assigned, else a leaf (made
  // on first use; named when its name has a dot, as a parameter's qualified name).
  GraphTensor argumentTensor(const QString& name) {
    GraphTensor t;
    if (const auto known = m_tensorOf.constFind(name); known != m_tensorOf.cend()) {
      t.id = *known;
    } else {
      t.id = ++m_lastTensor;
      m_tensorOf.insert(name, t.id);
    }
    if (!m_producerOf.contains(name) && name.contains(u'.')) t.name = name;
    t.shape = m_sizesOf.value(name);
    return t;
  }

  bool parseForward(Scanner& scanner, const QString& result, const QString& scope, int number) {
    QString resultShape;
    QVector<qint64> resultSizes;
    if (!parseShape(scanner, &resultShape, &resultSizes)) return false;
    if (!scanner.accept(u'=')) return fail(QStringLiteral("expected '=' or 'backward name'"));
    const QString op = scanner.name();
    if (op.isEmpty()) return fail(QStringLiteral("expected an op name after '='"));
    if (!scanner.accept(u'(')) return fail(QStringLiteral("expected '(' after the op name"));

    QStringList shapes;
    QList<qsizetype> inputs;
    GraphEntry entry;
    if (!scanner.accept(u')')) {
      do {
        const QString argument = scanner.name();
        if (argument.isEmpty()) return fail(QStringLiteral("expected an argument name"));
        QString shape;
        QVector<qint64> sizes;
        if (!parseShape(scanner, &shape, &sizes)) return false;
        if (!shape.isEmpty()) {
          m_shapeOf.insert(argument, shape);
          m_sizesOf.insert(argument, sizes);
        }
        shapes.append(m_shapeOf.value(argument, kUnknownShape));
        if (const auto producer = m_producerOf.constFind(argument); producer != m_producerOf.cend())
          inputs.append(*producer);
        entry.inputs.append(argumentTensor(argument));
      } while (scanner.accept(u','));
      if (!scanner.accept(u')')) return fail(QStringLiteral("expected ',' or ')' after an argument"));
    }
    QVector<double> values;
    if (scanner.accept(u'{')) {  // the result's values: "{2.5}", "{1, -2, 3}"
      do {
        const QString value = scanner.real();
        bool ok = false;
        values.append(value.toDouble(&ok));
        if (!ok) return fail(QStringLiteral("expected a number in the values"));
      } while (scanner.accept(u','));
      if (!scanner.accept(u'}')) return fail(QStringLiteral("expected '}' to end the values"));
    }
    if (!scanner.atEnd()) return fail(QStringLiteral("unexpected text after ')'"));

    if (resultShape.isEmpty()) resultShape = kUnknownShape;
    m_shapeOf.insert(result, resultShape);
    m_sizesOf.insert(result, resultSizes);
    m_producerOf.insert(result, m_rows.size());
    shapes.append(QString(QChar(0x2192)) + QLatin1Char(' ') + resultShape);

    GraphTensor output;
    output.id = ++m_lastTensor;  // a new value, even for a name assigned before
    output.shape = resultSizes;
    output.values = values;
    m_tensorOf.insert(result, output.id);
    entry.id = quint64(m_rows.size()) + 1;
    entry.op = op;
    entry.scope = scope;
    entry.entered = m_entered;
    entry.file = kTapeFixtureFile;
    entry.line = number;
    entry.outputs = {output};
    m_entries.append(entry);

    TapeRow row;
    row.id = quint64(m_rows.size()) + 1;
    row.op = op;
    row.shapes = shapes.join(QLatin1Char(' '));
    row.file = kTapeFixtureFile;
    row.line = number;
    row.scope = scope;
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
      for (GraphEntry& e : m_entries)
        if (e.id == m_rows.at(entry).id) e.backwardRan = true;
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
  QHash<QString, QVector<qint64>> m_sizesOf;  // the same, as dimensions
  QVector<GraphEntry> m_entries;           // the forward entries, for the graph
  QHash<QString, quint64> m_tensorOf;      // name -> its latest tensor id
  QString m_entered;                       // the statement being parsed began a call of this scope ("+scope:")
  quint64 m_lastTensor = 0;
  QString m_error;
};

bool parseAll(FixtureParser& parser, QStringView text, QString* errorString) {
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
      return false;
    }
  }
  if (errorString) errorString->clear();
  return true;
}

}  // namespace

QList<TapeRow> parseTapeFixture(QStringView text, QString* errorString) {
  FixtureParser parser;
  return parseAll(parser, text, errorString) ? parser.takeRows() : QList<TapeRow>();
}

GraphFixture parseGraphFixture(QStringView text, QString* errorString) {
  FixtureParser parser;
  return parseAll(parser, text, errorString) ? parser.takeGraph() : GraphFixture();
}

}  // namespace td::widgets
