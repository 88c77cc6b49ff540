// The compact tape text form (widgets/models/TapeFixture.cpp).
#include "models/TapeFixture.h"

#include <QTest>

using td::widgets::GraphEntry;
using td::widgets::GraphFixture;
using td::widgets::parseGraphFixture;
using td::widgets::parseTapeFixture;
using td::widgets::TapeRow;

namespace {

const QString kArrow = QStringLiteral("\u2192");

}  // namespace

class TapeFixtureTest : public QObject {
  Q_OBJECT

 private slots:
  void forwardThenBackward() {
    QString error = QStringLiteral("stale");
    const QList<TapeRow> rows = parseTapeFixture(u"y = mul(a, b); z = relu(y); backward z", &error);
    QCOMPARE(error, QString());
    QCOMPARE(rows.size(), 4);
    const QStringList ops{QStringLiteral("mul"), QStringLiteral("relu"), QStringLiteral("relu"),
                          QStringLiteral("mul")};
    const QList<bool> backward{false, false, true, true};
    const QList<int> lines{1, 2, 2, 1};
    for (int i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows.at(i).id, quint64(i + 1));
      QCOMPARE(rows.at(i).op, ops.at(i));
      QCOMPARE(rows.at(i).backward, backward.at(i));
      QCOMPARE(rows.at(i).line, lines.at(i));
      QCOMPARE(rows.at(i).file, QStringLiteral("fixture.py"));
      QCOMPARE(rows.at(i).scope, QString());
      QCOMPARE(rows.at(i).iteration, 0u);
    }
    QCOMPARE(rows.at(0).shapes, QStringLiteral("[?] [?] ") + kArrow + QStringLiteral(" [?]"));
    QCOMPARE(rows.at(1).shapes, QStringLiteral("[?] ") + kArrow + QStringLiteral(" [?]"));
    QCOMPARE(rows.at(3).shapes, rows.at(0).shapes);
  }

  void shapes() {
    const QList<TapeRow> rows =
        parseTapeFixture(u"y[3,2] = mul(a[3, 2], b[2]); z = relu(y); s[] = sum(z); w = ones()");
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(0).shapes, QStringLiteral("[3, 2] [2] ") + kArrow + QStringLiteral(" [3, 2]"));
    // y's shape is remembered; relu's result was not given.
    QCOMPARE(rows.at(1).shapes, QStringLiteral("[3, 2] ") + kArrow + QStringLiteral(" [?]"));
    QCOMPARE(rows.at(2).shapes, QStringLiteral("[?] ") + kArrow + QStringLiteral(" []"));
    QCOMPARE(rows.at(3).shapes, kArrow + QStringLiteral(" [?]"));
  }

  void backwardVisitsOnlyWhatTheNameDependsOn() {
    const QList<TapeRow> rows =
        parseTapeFixture(u"a = exp(x); b = log(x); c = mul(a, x); backward c");
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows.at(3).op, QStringLiteral("mul"));
    QCOMPARE(rows.at(3).id, 4u);
    QVERIFY(rows.at(3).backward);
    QCOMPARE(rows.at(4).op, QStringLiteral("exp"));
    QCOMPARE(rows.at(4).id, 5u);
  }

  void reassignmentAndSeparators() {
    // Newlines separate too; blank statements are skipped and not counted.
    const QList<TapeRow> rows = parseTapeFixture(u"x = relu(x)\n\n ; x = tanh(x);\nbackward x;");
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(1).line, 2);
    QCOMPARE(rows.at(2).op, QStringLiteral("tanh"));
    QCOMPARE(rows.at(3).op, QStringLiteral("relu"));
    QCOMPARE(rows.at(3).line, 1);
    // A variable may be called backward.
    QCOMPARE(parseTapeFixture(u"backward = relu(x); backward backward").size(), 2);
  }

  void emptyTextIsAnEmptyTape() {
    QString error = QStringLiteral("stale");
    QVERIFY(parseTapeFixture(u"  ;\n ", &error).isEmpty());
    QCOMPARE(error, QString());
  }

  void invalid_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("unclosed call")
        << QStringLiteral("y = mul(a, b; z = relu(y)")
        << QStringLiteral("statement 1 (y = mul(a, b): expected ',' or ')' after an argument");
    QTest::newRow("backward of an unknown name")
        << QStringLiteral("y = relu(x); backward w")
        << QStringLiteral("statement 2 (backward w): 'w' is not assigned before its backward");
    QTest::newRow("bad dimension")
        << QStringLiteral("y[3,n] = relu(x)")
        << QStringLiteral("statement 1 (y[3,n] = relu(x)): expected a dimension in a shape");
    QTest::newRow("no name") << QStringLiteral("= relu(x)")
                             << QStringLiteral("statement 1 (= relu(x)): expected a name");
    QTest::newRow("no equals") << QStringLiteral("y relu(x)")
                               << QStringLiteral("statement 1 (y relu(x)): expected '=' or 'backward name'");
    QTest::newRow("trailing text")
        << QStringLiteral("y = relu(x) + 1")
        << QStringLiteral("statement 1 (y = relu(x) + 1): unexpected text after ')'");
    QTest::newRow("backward without a name")
        << QStringLiteral("backward")
        << QStringLiteral("statement 1 (backward): expected a name after 'backward'");
    QTest::newRow("scope without a name")
        << QStringLiteral("model.fc: = relu(x)")
        << QStringLiteral("statement 1 (model.fc: = relu(x)): expected a name after the scope");
    QTest::newRow("bad value")
        << QStringLiteral("y = relu(x) {1, two}")
        << QStringLiteral("statement 1 (y = relu(x) {1, two}): expected a number in the values");
    QTest::newRow("name ending in a dot")
        << QStringLiteral("y = relu(x.)")
        << QStringLiteral("statement 1 (y = relu(x.)): expected ',' or ')' after an argument");
    QTest::newRow("unclosed values")
        << QStringLiteral("y = relu(x) {1")
        << QStringLiteral("statement 1 (y = relu(x) {1): expected '}' to end the values");
    QTest::newRow("new call without a scope")
        << QStringLiteral("+y = relu(x)")
        << QStringLiteral("statement 1 (+y = relu(x)): expected a scope and ':' after '+'");
  }

  void invalid() {
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(parseTapeFixture(text, &actual).isEmpty());
    QCOMPARE(actual, error);
    QVERIFY(parseTapeFixture(text).isEmpty());  // no error string asked for
    QString graphError;
    QVERIFY(parseGraphFixture(text, &graphError).entries.isEmpty());
    QCOMPARE(graphError, error);
  }

  void scopesDottedNamesAndValues() {
    const QList<TapeRow> rows = parseTapeFixture(u"model.fc: y[4,2] = matmul(x[4,3], fc.weight[3,2]); backward y");
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).scope, QStringLiteral("model.fc"));
    QCOMPARE(rows.at(1).scope, QStringLiteral("model.fc"));  // its backward entry too
    QCOMPARE(rows.at(0).shapes, QStringLiteral("[4, 3] [3, 2] ") + kArrow + QStringLiteral(" [4, 2]"));
  }

  void graphEntriesTensorsAndLeaves() {
    QString error = QStringLiteral("stale");
    const GraphFixture f = parseGraphFixture(u"model.fc: y[4,2] = matmul(x[4,3], fc.weight[3,2])\n"
                                             u"model: y = relu(y)\n"
                                             u"s[] = sum(y) {2.5}\n"
                                             u"t = mul(s, x)\n"
                                             u"backward s",
                                             &error);
    QCOMPARE(error, QString());
    QCOMPARE(f.entries.size(), 4);  // the forward entries; backward marks them
    const GraphEntry& matmul = f.entries[0];
    QCOMPARE(matmul.id, 1u);
    QCOMPARE(matmul.op, QStringLiteral("matmul"));
    QCOMPARE(matmul.scope, QStringLiteral("model.fc"));
    QCOMPARE(matmul.file, QStringLiteral("fixture.py"));
    QCOMPARE(matmul.line, 1);
    // Leaves: x an input (no name), fc.weight a parameter named so; ids stay per name.
    QCOMPARE(matmul.inputs.size(), 2);
    QCOMPARE(matmul.inputs[0].name, QString());
    QCOMPARE(matmul.inputs[0].shape, (QVector<qint64>{4, 3}));
    QCOMPARE(matmul.inputs[1].name, QStringLiteral("fc.weight"));
    QCOMPARE(matmul.inputs[1].id, f.tensorOf.value(QStringLiteral("fc.weight")));
    QCOMPARE(f.entries[3].inputs[1].id, matmul.inputs[0].id);  // x again: the same leaf
    // Reassigning y makes a new tensor; the relu reads the old one.
    QCOMPARE(f.entries[1].inputs[0].id, matmul.outputs[0].id);
    QVERIFY(f.entries[1].outputs[0].id != matmul.outputs[0].id);
    QCOMPARE(f.tensorOf.value(QStringLiteral("y")), f.entries[1].outputs[0].id);
    QCOMPARE(f.entries[1].outputs[0].shape, QVector<qint64>{});  // "[?]": no shape given
    QCOMPARE(f.entries[2].outputs[0].values, QVector<double>{2.5});
    // backward s reached matmul, relu and sum, not the mul after it.
    QVERIFY(f.entries[0].backwardRan && f.entries[1].backwardRan && f.entries[2].backwardRan);
    QVERIFY(!f.entries[3].backwardRan);
  }
};

QTEST_MAIN(TapeFixtureTest)
#include "TapeFixtureTest.moc"
