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

/// The forward entries of one training step of the cnn_bars lesson as the IDE recorded
/// them (two Conv2d calls reading their bias through a view, ReLU, MaxPool2d, a Linear
/// head, cross entropy, SGD's updates); module names that start with a digit get an "l".
/// Grown entry by entry, its module boxes end up over each other.
inline td::widgets::GraphFixture cnnStepFixture() {
  QString error;
  td::widgets::GraphFixture f = td::widgets::parseGraphFixture(
      u"t9422[40] = to(t9421[40])\n"
      u"t9423[40,1,12,12] = index_select(t24[400,1,12,12], t9422[40])\n"
      u"t9424[40] = index_select(t1[400], t9422[40])\n"
      u"l0.conv2d: t9425[40,8,12,12] = conv2d(t9423[40,1,12,12], l0.weight[8,1,3,3])\n"
      u"l0.conv2d: t9426[1,8,1,1] = view(l0.bias[8])\n"
      u"l0.conv2d: t9427[40,8,12,12] = add(t9425[40,8,12,12], t9426[1,8,1,1])\n"
      u"l1: t9429[40,8,12,12] = relu(t9427[40,8,12,12])\n"
      u"l2: t9431[40,8,6,6] = max_pool2d(t9429[40,8,12,12])\n"
      u"l3.conv2d: t9433[40,16,6,6] = conv2d(t9431[40,8,6,6], l3.weight[16,8,3,3])\n"
      u"l3.conv2d: t9434[1,16,1,1] = view(l3.bias[16])\n"
      u"l3.conv2d: t9435[40,16,6,6] = add(t9433[40,16,6,6], t9434[1,16,1,1])\n"
      u"l4: t9437[40,16,6,6] = relu(t9435[40,16,6,6])\n"
      u"l5: t9439[40,16,3,3] = max_pool2d(t9437[40,16,6,6])\n"
      u"l6: t9441[40,144] = view(t9439[40,16,3,3])\n"
      u"l7: t9442[40,2] = linear(t9441[40,144], l7.weight[2,144], l7.bias[2])\n"
      u"cross_entropy: t9443[40,2] = log_softmax(t9442[40,2])\n"
      u"cross_entropy: t9445[] = nll_loss(t9443[40,2], t9424[40])\n"
      u"optimizer.step: l0.weight[8,1,3,3] = SGD(l0.weight[8,1,3,3], t9498[8,1,3,3])\n"
      u"optimizer.step: l0.bias[8] = SGD(l0.bias[8], t9497[8])\n"
      u"optimizer.step: l3.weight[16,8,3,3] = SGD(l3.weight[16,8,3,3], t9488[16,8,3,3])\n"
      u"optimizer.step: l3.bias[16] = SGD(l3.bias[16], t9486[16])\n"
      u"optimizer.step: l7.weight[2,144] = SGD(l7.weight[2,144], t9475[2,144])\n"
      u"optimizer.step: l7.bias[2] = SGD(l7.bias[2], t9476[2])",
      &error);
  if (!error.isEmpty()) qFatal("%s", qPrintable(error));
  return f;
}

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
