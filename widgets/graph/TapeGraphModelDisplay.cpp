// TapeGraphModel (see TapeGraphModel.h): what a node shows, apart from where it sits:
// NaN/Inf marks, the colour encodings, search, the values drawn on a node and the node card.
#include <QStringList>

#include <algorithm>
#include <cmath>

#include "graph/TapeGraphModel.h"

namespace td::widgets {

namespace {

QString number(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  if (std::isinf(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
  return QString::number(v, 'g', 4);
}

QStringList valueRows(const QString& prefix, const QVector<double>& values) {
  constexpr int perLine = TapeGraphModel::kValuesPerLine;
  QStringList lines;
  for (qsizetype i = 0; i < values.size(); i += perLine) {
    QStringList parts;
    for (qsizetype j = i; j < std::min(values.size(), i + perLine); ++j) parts << number(values[j]);
    lines << (i == 0 ? prefix : QString(prefix.size(), QLatin1Char(' '))) + QLatin1Char(' ') + parts.join(QLatin1Char(' '));
  }
  return lines;
}

}  // namespace

bool TapeGraphModel::nonFinite(int node) const {
  if (const GraphEntry* e = entryOf(node)) {
    for (const GraphTensor& t : e->outputs)
      if (t.nonFinite) return true;
    return false;
  }
  const GraphTensor* t = leafTensor(node);
  return t != nullptr && t->nonFinite;
}

double TapeGraphModel::rawColour(int node) const {
  const GraphEntry* e = entryOf(node);
  switch (m_colourBy) {
    case ColourBy::Kind:
      return -1.0;
    case ColourBy::ForwardTime:
      return e != nullptr ? static_cast<double>(m_entryOfNode[node]) : -1.0;
    case ColourBy::OutputMagnitude: {
      const GraphTensor* t = e != nullptr ? (e->outputs.isEmpty() ? nullptr : &e->outputs[0]) : leafTensor(node);
      return t != nullptr && t->statsKnown ? t->maxAbs : -1.0;
    }
    case ColourBy::GradientNorm: {
      if (e == nullptr || !e->backwardRan || e->gradOutputs.isEmpty() || !e->gradOutputs[0].statsKnown) return -1.0;
      return e->gradOutputs[0].norm;
    }
    case ColourBy::SavedBytes:
      return e != nullptr ? static_cast<double>(e->savedBytes) : -1.0;
  }
  return -1.0;
}

void TapeGraphModel::recomputeColourRange() {
  double lo = 0.0, hi = 0.0;
  bool any = false;
  for (int n = 0; n < nodeCount(); ++n) {
    const double v = rawColour(n);
    if (v < 0.0 || !std::isfinite(v)) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  m_colourMin = lo;
  m_colourMax = hi;
}

void TapeGraphModel::setColourBy(ColourBy colourBy) {
  if (m_colourBy == colourBy) return;
  m_colourBy = colourBy;
  recomputeColourRange();
  emit coloursChanged();
}

double TapeGraphModel::colourValue(int node) const {
  const double v = rawColour(node);
  if (v < 0.0 || !std::isfinite(v)) return -1.0;
  if (m_colourMax <= m_colourMin) return 0.5;
  // Magnitudes and norms span decades: scale them logarithmically.
  if (m_colourBy == ColourBy::OutputMagnitude || m_colourBy == ColourBy::GradientNorm) {
    const double lo = std::log1p(m_colourMin), hi = std::log1p(m_colourMax);
    return hi > lo ? (std::log1p(v) - lo) / (hi - lo) : 0.5;
  }
  return (v - m_colourMin) / (m_colourMax - m_colourMin);
}

QString TapeGraphModel::colourTitle() const {
  switch (m_colourBy) {
    case ColourBy::Kind: return tr("kind");
    case ColourBy::ForwardTime: return tr("forward order");
    case ColourBy::OutputMagnitude: return tr("output max |x| (log)");
    case ColourBy::GradientNorm: return tr("gradient norm (log)");
    case ColourBy::SavedBytes: return tr("bytes saved for backward");
  }
  return {};
}

QVector<int> TapeGraphModel::find(const QString& text) const {
  QVector<int> out;
  const QString needle = text.trimmed();
  if (needle.isEmpty()) return out;
  for (int n = 0; n < nodeCount(); ++n) {
    const Node& node = m_nodes[n];
    const GraphEntry* e = entryOf(n);
    const bool hit = node.label.contains(needle, Qt::CaseInsensitive) ||
                     (e != nullptr && e->scope.contains(needle, Qt::CaseInsensitive)) ||
                     (node.group >= 0 && m_groups[node.group].path.contains(needle, Qt::CaseInsensitive));
    if (hit) out << n;
  }
  return out;
}

QVector<double> TapeGraphModel::leafGradient(int node, bool* known) const {
  // The leaf's gradient is the sum of what every reader sent back along its edges.
  QVector<double> sum;
  *known = false;
  for (const Edge& edge : m_edges) {
    if (edge.from != node) continue;
    const GraphEntry* reader = entryOf(edge.to);
    if (reader == nullptr || !reader->backwardRan || isStale(edge.to) || edge.input >= reader->gradInputs.size()) continue;
    const GraphTensor& g = reader->gradInputs[edge.input];
    if (g.values.isEmpty()) continue;
    if (sum.isEmpty()) sum = QVector<double>(g.values.size(), 0.0);
    if (g.values.size() != sum.size()) continue;
    for (qsizetype i = 0; i < sum.size(); ++i) sum[i] += g.values[i];
    *known = true;
  }
  return sum;
}

QStringList TapeGraphModel::valueLines(int node) const {
  QStringList lines;
  if (node < 0 || node >= nodeCount() || !m_nodes[node].showsValues) return lines;
  if (const GraphEntry* e = entryOf(node)) {
    if (!e->outputs.isEmpty() && !e->outputs[0].values.isEmpty()) lines << valueRows(QStringLiteral("data"), e->outputs[0].values);
    if (e->backwardRan && !e->gradOutputs.isEmpty() && !e->gradOutputs[0].values.isEmpty())
      lines << valueRows(QStringLiteral("grad"), e->gradOutputs[0].values);
    return lines;
  }
  if (const GraphTensor* t = leafTensor(node); t != nullptr && !t->values.isEmpty()) lines << valueRows(QStringLiteral("data"), t->values);
  bool known = false;
  const QVector<double> grad = leafGradient(node, &known);
  if (known) lines << valueRows(QStringLiteral("grad"), grad);
  return lines;
}

QString TapeGraphModel::cardText(int node) const {
  if (node < 0 || node >= nodeCount()) return {};
  const Node& n = m_nodes[node];
  QStringList lines;
  auto values = [](const GraphTensor& t) {
    if (t.values.isEmpty()) {
      if (!t.statsKnown) return shapeText(t.shape);
      return shapeText(t.shape) + QStringLiteral("  norm ") + number(t.norm);
    }
    QStringList parts;
    for (double v : t.values) parts << number(v);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
  };
  if (const GraphEntry* e = entryOf(node)) {
    lines << QStringLiteral("#%1 %2").arg(e->id).arg(e->op);
    if (!e->scope.isEmpty()) lines << tr("in %1").arg(e->scope);
    if (!e->file.isEmpty()) lines << QStringLiteral("%1:%2").arg(e->file.section(QLatin1Char('/'), -1)).arg(e->line);
    QStringList in;
    for (const GraphTensor& t : e->inputs) in << (t.name.isEmpty() ? values(t) : t.name + QLatin1Char(' ') + values(t));
    lines << tr("inputs: %1").arg(in.join(QStringLiteral("; ")));
    if (!e->outputs.isEmpty()) lines << tr("output: %1").arg(values(e->outputs[0]));
    if (!e->savedIds.isEmpty()) {
      QStringList saved;
      for (quint64 id : e->savedIds) {
        QString what = tr("a tensor");
        for (qsizetype i = 0; i < e->inputs.size(); ++i)
          if (e->inputs[i].id == id) what = e->inputs[i].name.isEmpty() ? tr("input %1").arg(i) : e->inputs[i].name;
        for (const GraphTensor& t : e->outputs)
          if (t.id == id) what = tr("output");
        saved << what;
      }
      lines << tr("saved for backward: %1 (%2 bytes)").arg(saved.join(QStringLiteral(", "))).arg(e->savedBytes);
    }
    if (e->backwardRan) {
      lines << QString();
      lines << tr("backward: %1").arg(e->formula.isEmpty() ? tr("(no formula: a composite or custom op)") : e->formula);
      if (!e->gradOutputs.isEmpty()) lines << tr("grad in (w.r.t. output): %1").arg(values(e->gradOutputs[0]));
      for (qsizetype i = 0; i < e->gradInputs.size(); ++i) {
        if (e->gradInputs[i].id == 0 && e->gradInputs[i].shape.isEmpty() && e->gradInputs[i].values.isEmpty()) continue;
        const QString who = i < e->inputs.size() && !e->inputs[i].name.isEmpty() ? e->inputs[i].name : tr("input %1").arg(i);
        lines << tr("grad out → %1: %2").arg(who, values(e->gradInputs[i]));
      }
    } else {
      lines << tr("backward has not reached it");
    }
    if (isStale(node)) lines << tr("(from the previous iteration)");
    return lines.join(QLatin1Char('\n'));
  }
  const GraphTensor* t = leafTensor(node);
  lines << (n.label == QLatin1String("input") ? tr("input tensor") : tr("parameter %1").arg(n.label));
  if (t != nullptr) lines << tr("value: %1").arg(values(*t));
  bool known = false;
  const QVector<double> grad = leafGradient(node, &known);
  if (known) {
    QStringList parts;
    for (double v : grad) parts << number(v);
    lines << tr("grad (sum over its readers): [%1]").arg(parts.join(QStringLiteral(", ")));
  }
  return lines.join(QLatin1Char('\n'));
}

}  // namespace td::widgets
