#pragma once
// Tapes for the tape graph's tests: tensors and entries made by hand, a small model in the
// tape's text form (widgets/models/TapeFixture.h), a long chain of blocks, and the folder
// pictures go to.
#include <QDir>
#include <QString>
#include <QVector>

#include "graph/GraphRows.h"
#include "models/TapeFixture.h"

namespace tdtest {

using td::widgets::GraphEntry;
using td::widgets::GraphTensor;

inline GraphTensor tensor(quint64 id, QVector<qint64> shape, QString name = {}, QVector<double> values = {}) {
  GraphTensor t;
  t.id = id;
  t.shape = std::move(shape);
  t.name = std::move(name);
  t.values = std::move(values);
  return t;
}

inline GraphEntry entry(quint64 id, QString op, QString scope, QVector<GraphTensor> inputs, GraphTensor output) {
  GraphEntry e;
  e.id = id;
  e.op = std::move(op);
  e.scope = std::move(scope);
  e.file = QStringLiteral("/tmp/train.py");
  e.line = static_cast<int>(id) + 10;
  e.inputs = std::move(inputs);
  e.outputs = {std::move(output)};
  return e;
}

/// x (input) and fc.weight -> matmul (model.fc) -> relu (model) -> sum, in the tape's
/// text form (widgets/models/TapeFixture.h).
inline td::widgets::GraphFixture smallFixture() {
  QString error;
  td::widgets::GraphFixture f = td::widgets::parseGraphFixture(u"model.fc: y[4,2] = matmul(x[4,3], fc.weight[3,2])\n"
                                                               u"model: r[4,2] = relu(y)\n"
                                                               u"s[] = sum(r) {2.5}",
                                                               &error);
  if (!error.isEmpty()) qFatal("%s", qPrintable(error));
  return f;
}
inline QVector<GraphEntry> smallTape() { return smallFixture().entries; }
/// The id the small tape's tensor `name` has ("x", "fc.weight", "s").
inline quint64 smallTensor(const char* name) { return smallFixture().tensorOf.value(QString::fromLatin1(name)); }

/// A chain of `n` entries, each reading the previous output and a parameter of its block
/// (blocks of 4 entries under "net.layers.K").
inline QVector<GraphEntry> longTape(int n, quint64 firstId = 1) {
  QVector<GraphEntry> out;
  quint64 previous = 5000;
  for (int i = 0; i < n; ++i) {
    const int block = i / 4;
    const GraphTensor in = tensor(previous, {8, 8});
    const GraphTensor param = tensor(9000 + block, {8, 8}, QStringLiteral("layers.%1.weight").arg(block));
    const GraphTensor result = tensor(10000 + i, {8, 8});
    const QString scope = QStringLiteral("net.layers.%1").arg(block);
    out << (i % 4 == 0 ? entry(firstId + i, QStringLiteral("matmul"), scope, {in, param}, result)
                       : entry(firstId + i, QStringLiteral("tanh"), scope, {in}, result));
    previous = result.id;
  }
  return out;
}

inline QString outputFolder() {
  QString dir = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT");
  if (dir.isEmpty()) dir = QDir::temp().filePath(QStringLiteral("tapedeck-test-output"));
  QDir().mkpath(dir);
  return dir;
}


}  // namespace tdtest
