#include "graph/TapeGraphModel.h"

#include <QStringList>

#include "layout/LayeredLayout.h"

#include <algorithm>
#include <exception>

namespace td::widgets {

namespace {

// Node sizes, in the view's units: fixed when the node is placed (a node never moves or
// grows, so its values, arriving later, must fit from the start).
constexpr double kCharWidth = 6.6;
constexpr double kLineHeight = 13.0;
constexpr double kBaseHeight = 36.0;
constexpr int kValuesPerLine = TapeGraphModel::kValuesPerLine;

int valueLineCount(qint64 numel) {
  const int perTensor = static_cast<int>((std::max<qint64>(numel, 1) + kValuesPerLine - 1) / kValuesPerLine);
  return 2 * perTensor;  // value and gradient
}

/// The parent paths of a scope: "a.b.c" -> "a", "a.b", "a.b.c".
QStringList scopePrefixes(const QString& scope) {
  QStringList out;
  if (scope.isEmpty()) return out;
  const QStringList parts = scope.split(QLatin1Char('.'));
  QString path;
  for (const QString& part : parts) {
    path = path.isEmpty() ? part : path + QLatin1Char('.') + part;
    out << path;
  }
  return out;
}

}  // namespace

TapeGraphModel::TapeGraphModel(QObject* parent)
    : QObject(parent), m_layout(std::make_unique<layout::IncrementalLayout>()) {}

TapeGraphModel::~TapeGraphModel() = default;

QString TapeGraphModel::shapeText(const QVector<qint64>& shape) {
  QStringList parts;
  for (qint64 d : shape) parts << QString::number(d);
  return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

void TapeGraphModel::clear() {
  resetGraph();
  emit reset();
}

void TapeGraphModel::resetGraph() {
  m_layout = std::make_unique<layout::IncrementalLayout>();
  m_nodes.clear();
  m_edges.clear();
  m_groups.clear();
  m_entries.clear();
  m_entryOfNode.clear();
  m_inputsFrom.clear();
  m_leafTensors.clear();
  m_nodeOfEntry.clear();
  m_nodeOfTensor.clear();
  m_openGroups.clear();
  m_newestEntry = 0;
  m_rebound = -1;
  m_firstNonFinite = -1;
  m_colourMin = m_colourMax = 0.0;
  m_hasIteration = false;
  m_collapsed.clear();  // group indices of another graph
  m_foldedDirty = true;
  ++m_generation;
}

void TapeGraphModel::update(quint64 iteration, const QVector<GraphEntry>& entries) {
  QVector<int> changed;
  if (!m_hasIteration || iteration != m_iteration) {
    if (m_hasIteration && iteration > m_iteration && !m_nodes.isEmpty()) {
      // A new iteration of (usually) the same program: its entries take over the nodes of
      // the previous one while they match, so a training loop's graph stays put.
      m_rebound = 0;
      m_nodeOfEntry.clear();
      m_nodeOfTensor.clear();
      m_openGroups.clear();
      m_newestEntry = 0;
      m_firstNonFinite = -1;
      // Every node is drawn stale until its turn comes.
      for (int n = 0; n < nodeCount(); ++n) changed << n;
    } else if (m_nodes.isEmpty() && m_groups.isEmpty()) {
      resetGraph();  // nothing drawn: no reset to announce
    } else {
      clear();
    }
    m_iteration = iteration;
    m_hasIteration = true;
  }
  const int generation = m_generation;
  int nodesBefore = nodeCount();
  int edgesBefore = edgeCount();
  int groupsBefore = groupCount();
  for (const GraphEntry& entry : entries) {
    if (const int known = nodeOfEntry(entry.id); known >= 0) {
      GraphEntry& stored = m_entries[m_entryOfNode[known]];
      stored = entry;
      changed << known;
      continue;
    }
    if (entry.id < m_newestEntry) continue;
    if (m_rebound >= 0 && rebind(entry, &changed)) continue;
    appendEntry(entry, &changed);
  }
  if (generation != m_generation) nodesBefore = edgesBefore = groupsBefore = 0;  // started over
  for (qsizetype i = 0, n = changed.size(); i < n; ++i)
    if (changed[i] < m_inputsFrom.size())
      for (int source : m_inputsFrom[changed[i]])
        if (m_nodes[source].kind == NodeKind::Leaf) changed << source;
  for (int i = 0; i < changed.size(); ++i) {
    const int n = changed[i];
    if (m_entryOfNode[n] < 0) continue;
    const GraphEntry& e = m_entries[m_entryOfNode[n]];
    bool bad = false;
    for (const GraphTensor& t : e.outputs) bad = bad || t.nonFinite;
    if (bad && (m_firstNonFinite < 0 || e.id < m_entries[m_entryOfNode[m_firstNonFinite]].id)) m_firstNonFinite = n;
  }
  if (nodeCount() != nodesBefore || generation != m_generation) m_foldedDirty = true;
  if (groupCount() > groupsBefore) emit groupsAdded(groupsBefore, groupCount() - groupsBefore);
  if (nodeCount() > nodesBefore) emit nodesAdded(nodesBefore, nodeCount() - nodesBefore);
  if (edgeCount() > edgesBefore) emit edgesAdded(edgesBefore, edgeCount() - edgesBefore);
  // Nodes appended in this call are reported as added, not changed.
  changed.erase(std::remove_if(changed.begin(), changed.end(), [&](int n) { return n >= nodesBefore; }),
                changed.end());
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  const double oldMin = m_colourMin, oldMax = m_colourMax;
  recomputeColourRange();
  if (oldMin != m_colourMin || oldMax != m_colourMax) emit coloursChanged();
  if (!changed.isEmpty()) emit nodesChanged(changed);
}

bool TapeGraphModel::rebind(const GraphEntry& entry, QVector<int>* changed) {
  // The next op node of the previous iteration, in order.
  int target = -1;
  for (int n = m_rebound; n < nodeCount(); ++n) {
    if (m_nodes[n].kind == NodeKind::Op) {
      target = n;
      break;
    }
  }
  auto giveUp = [&] {
    // Different from here on: start over with this iteration's entries so far (those of
    // the op nodes taken over, in order, as last updated).
    QVector<GraphEntry> replay;
    for (int n = 0; n < m_rebound; ++n)
      if (m_entryOfNode[n] >= 0) replay << m_entries[m_entryOfNode[n]];
    const quint64 iteration = m_iteration;
    clear();
    m_iteration = iteration;
    m_hasIteration = true;
    for (const GraphEntry& e : replay) appendEntry(e, changed);  // (re-checked as added nodes)
    return false;
  };
  if (target < 0) {
    // Every node of the previous iteration is taken: this one is longer, so it grows. The
    // module calls open at the last node taken stay open, and parameters keep their leaves.
    m_rebound = -1;
    m_openGroups.clear();
    for (int n = nodeCount() - 1; n >= 0; --n) {
      if (m_nodes[n].kind != NodeKind::Op) continue;
      for (int g = m_nodes[n].group; g >= 0; g = m_groups[g].parent) m_openGroups.prepend(g);
      break;
    }
    for (int n = 0; n < nodeCount(); ++n)
      if (m_nodes[n].kind == NodeKind::Leaf && !m_nodeOfTensor.contains(m_nodes[n].tensorId))
        m_nodeOfTensor.insert(m_nodes[n].tensorId, n);
    return false;
  }
  const GraphEntry& old = m_entries[m_entryOfNode[target]];
  if (old.op != entry.op || old.scope != entry.scope || old.entered != entry.entered ||
      old.inputs.size() != entry.inputs.size() ||
      old.outputs.size() != entry.outputs.size())
    return giveUp();
  // The same shapes too (a last, smaller batch is drawn anew: a node shows its shape, and
  // a small tensor's values were given room when it was placed).
  for (qsizetype i = 0; i < entry.outputs.size(); ++i)
    if (old.outputs[i].shape != entry.outputs[i].shape) return giveUp();
  for (qsizetype i = 0; i < entry.inputs.size(); ++i)
    if (old.inputs[i].shape != entry.inputs[i].shape) return giveUp();
  // Each input must come from the same node as before: an op rebound earlier, or a leaf.
  const QVector<int>& from = m_inputsFrom[target];
  QVector<quint64> newLeaves;
  for (qsizetype i = 0; i < entry.inputs.size(); ++i) {
    const int now = m_nodeOfTensor.value(entry.inputs[i].id, -1);
    if (now >= 0 ? now != from[i] : m_nodes[from[i]].kind != NodeKind::Leaf) return giveUp();
  }
  for (qsizetype i = 0; i < entry.inputs.size(); ++i) {
    if (m_nodeOfTensor.contains(entry.inputs[i].id)) continue;
    m_nodeOfTensor.insert(entry.inputs[i].id, from[i]);
    m_leafTensors[from[i]] = entry.inputs[i];
    m_nodes[from[i]].tensorId = entry.inputs[i].id;
    *changed << from[i];
  }
  m_entries[m_entryOfNode[target]] = entry;
  m_nodes[target].entryId = entry.id;
  m_nodes[target].tensorId = entry.outputs.isEmpty() ? 0 : entry.outputs[0].id;
  m_nodeOfEntry.insert(entry.id, target);
  for (const GraphTensor& out : entry.outputs) m_nodeOfTensor.insert(out.id, target);
  m_newestEntry = entry.id;
  m_rebound = target + 1;
  *changed << target;
  return true;
}

bool TapeGraphModel::isStale(int node) const {
  if (m_rebound < 0 || node < m_rebound) return false;
  return m_nodes[node].kind == NodeKind::Op ? true : !m_nodeOfTensor.contains(m_nodes[node].tensorId);
}

int TapeGraphModel::groupFor(const QString& scope, const QString& entered) {
  const QStringList prefixes = scopePrefixes(scope);
  qsizetype keep = 0;
  while (keep < m_openGroups.size() && keep < prefixes.size() && m_groups[m_openGroups[keep]].path == prefixes[keep] &&
         prefixes[keep] != entered)  // a new call of an open module: a new group beside the old
    ++keep;
  m_openGroups.resize(keep);
  for (qsizetype i = keep; i < prefixes.size(); ++i) {
    Group g;
    g.path = prefixes[i];
    g.name = prefixes[i].section(QLatin1Char('.'), -1);
    g.parent = m_openGroups.isEmpty() ? -1 : m_openGroups.back();
    const int index = m_layout->addGroup({g.path.toStdString(), g.parent, false});
    Q_ASSERT(index == m_groups.size());
    m_groups << g;
    m_openGroups << index;
  }
  return m_openGroups.isEmpty() ? -1 : m_openGroups.back();
}

int TapeGraphModel::leafFor(const GraphTensor& tensor, int readerGroup) {
  Node node;
  node.kind = NodeKind::Leaf;
  node.tensorId = tensor.id;
  node.label = tensor.name.isEmpty() ? QStringLiteral("input") : tensor.name;
  node.shape = shapeText(tensor.shape);
  // A parameter sits in the module call that reads it; an input outside every call.
  node.group = tensor.name.isEmpty() ? -1 : readerGroup;
  node.showsValues = tensor.numel() <= kValuesOnNode && !tensor.values.isEmpty();
  layout::Node laid;
  // The last part of the name ("weight"): the layers of a stack then have the same
  // structure signature and fold into one ×N node.
  laid.label = node.label.section(QLatin1Char('.'), -1).toStdString();
  laid.kind = layout::NodeKind::Leaf;
  laid.group = node.group;
  const int lines = node.showsValues ? valueLineCount(tensor.numel()) : 0;
  const qsizetype chars = std::max({node.label.size(), node.shape.size(),
                                    node.showsValues ? qsizetype{5 + 7 * std::min<qint64>(tensor.numel(), kValuesPerLine)} : 0});
  laid.width = std::max(54.0, chars * kCharWidth + 14.0);
  laid.height = kBaseHeight + lines * kLineHeight;
  const int index = m_layout->append(laid, {});
  Q_ASSERT(index == m_nodes.size());
  m_nodes << node;
  m_entryOfNode << -1;
  m_inputsFrom << QVector<int>{};
  m_leafTensors.insert(index, tensor);
  m_nodeOfTensor.insert(tensor.id, index);
  return index;
}

void TapeGraphModel::appendEntry(const GraphEntry& entry, QVector<int>* changed) {
  const int group = groupFor(entry.scope, entry.entered);
  std::vector<int> inputs;
  QVector<int> from;
  for (const GraphTensor& t : entry.inputs) {
    int source = m_nodeOfTensor.value(t.id, -1);
    if (source < 0) source = leafFor(t, group);
    from << source;
    if (std::find(inputs.begin(), inputs.end(), source) == inputs.end()) inputs.push_back(source);
  }
  Node node;
  node.kind = NodeKind::Op;
  node.entryId = entry.id;
  node.tensorId = entry.outputs.isEmpty() ? 0 : entry.outputs[0].id;
  node.label = entry.op;
  node.shape = entry.outputs.isEmpty() ? QString() : shapeText(entry.outputs[0].shape);
  node.group = group;
  const qint64 numel = entry.outputs.isEmpty() ? 0 : entry.outputs[0].numel();
  node.showsValues = !entry.outputs.isEmpty() && numel <= kValuesOnNode && !entry.outputs[0].values.isEmpty();
  layout::Node laid;
  laid.label = node.label.toStdString();
  laid.group = group;
  const int lines = node.showsValues ? valueLineCount(numel) : 0;
  const qsizetype chars = std::max({node.label.size(), node.shape.size(),
                                    node.showsValues ? qsizetype{5 + 7 * std::min<qint64>(numel, kValuesPerLine)} : 0});
  laid.width = std::max(54.0, chars * kCharWidth + 14.0);
  laid.height = kBaseHeight + lines * kLineHeight;
  const int index = m_layout->append(laid, inputs);
  Q_ASSERT(index == m_nodes.size());
  m_nodes << node;
  m_entryOfNode << static_cast<int>(m_entries.size());
  m_inputsFrom << from;
  m_entries << entry;
  m_nodeOfEntry.insert(entry.id, index);
  for (qsizetype i = 0; i < entry.inputs.size(); ++i)
    m_edges << Edge{from[i], index, entry.inputs[i].id, shapeText(entry.inputs[i].shape), static_cast<int>(i)};
  for (const GraphTensor& out : entry.outputs) m_nodeOfTensor.insert(out.id, index);
  m_newestEntry = entry.id;
  *changed << index;
}

void TapeGraphModel::setGroupCollapsed(int group, bool collapsed) {
  if (group < 0 || group >= groupCount() || collapsed == groupCollapsed(group)) return;
  if (collapsed) m_collapsed.insert(group);
  else m_collapsed.remove(group);
  m_foldedDirty = true;
  emit foldingChanged();
}

void TapeGraphModel::expandAll() {
  if (m_collapsed.isEmpty()) return;
  m_collapsed.clear();
  m_foldedDirty = true;
  emit foldingChanged();
}

void TapeGraphModel::setFoldRepeats(bool on) {
  if (on == m_foldRepeats) return;
  m_foldRepeats = on;
  m_foldedDirty = true;
  emit foldingChanged();
}

const TapeGraphModel::Folded& TapeGraphModel::folded() const {
  if (!m_foldedDirty) return m_folded;
  // Only placed nodes take part (a leaf still waiting for its reader is left out).
  layout::Graph graph = m_layout->graph();
  for (int g : m_collapsed)
    if (static_cast<std::size_t>(g) < graph.groups.size()) graph.groups[static_cast<std::size_t>(g)].collapsed = true;
  layout::FoldOptions options;
  options.foldRepeats = m_foldRepeats;
  m_foldedDirty = false;
  try {
    m_folded.graph = layout::foldGroups(graph, options);
  } catch (const std::exception&) {
    // A graph the folding cannot take (it never should): drawn unfolded instead.
    m_folded = Folded{};
    return m_folded;
  }
  // Labels, and node sizes that fit them: a folded call is named by its module.
  m_folded.labels.clear();
  for (std::size_t n = 0; n < m_folded.graph.graph.nodes.size(); ++n) {
    layout::Node& node = m_folded.graph.graph.nodes[n];
    const int source = m_folded.graph.sourceGroup[n];
    const int repeats = m_folded.graph.repeats[n];
    QString label;
    if (source >= 0) {
      // "layers.* ×12" for a run of numbered calls, "▸ attn" for one collapsed call.
      const QString path = m_groups[source].path;
      bool numbered = false;
      path.section(QLatin1Char('.'), -1).toInt(&numbered);
      const QString run = numbered && path.contains(QLatin1Char('.')) ? path.section(QLatin1Char('.'), -2, -2) + QStringLiteral(".*")
                                                                      : m_groups[source].name;
      label = repeats > 1 ? QStringLiteral("%1 ×%2").arg(run).arg(repeats) : QStringLiteral("▸ ") + m_groups[source].name;
      node.width = std::max(54.0, label.size() * kCharWidth + 18.0);
    } else {
      label = QString::fromStdString(node.label);
    }
    m_folded.labels << label;
  }
  for (std::size_t n = 0; n < m_folded.graph.nodeOf.size(); ++n) {
    // A plain node keeps its model label (a parameter's full name, not the layout's part).
    const int target = m_folded.graph.nodeOf[n];
    if (target >= 0 && m_folded.graph.sourceGroup[static_cast<std::size_t>(target)] < 0)
      m_folded.labels[target] = m_nodes[static_cast<int>(n)].label;
  }
  try {
    m_folded.layout = layout::layoutGraph(m_folded.graph.graph, m_layout->options());
  } catch (const std::exception&) {
    m_folded = Folded{};
  }
  return m_folded;
}

const GraphEntry* TapeGraphModel::entryOf(int node) const {
  if (node < 0 || node >= nodeCount() || m_entryOfNode[node] < 0) return nullptr;
  return &m_entries[m_entryOfNode[node]];
}

const GraphTensor* TapeGraphModel::leafTensor(int node) const {
  auto it = m_leafTensors.constFind(node);
  return it == m_leafTensors.constEnd() ? nullptr : &*it;
}

layout::Rect TapeGraphModel::nodeBox(int node) const {
  const layout::Layout& l = layout();
  return static_cast<std::size_t>(node) < l.nodeBoxes.size() ? l.nodeBoxes[static_cast<std::size_t>(node)] : layout::Rect{};
}

layout::Rect TapeGraphModel::groupBox(int group) const {
  const layout::Layout& l = layout();
  return static_cast<std::size_t>(group) < l.groupBoxes.size() ? l.groupBoxes[static_cast<std::size_t>(group)] : layout::Rect{};
}

bool TapeGraphModel::groupsOverlap() const {
  auto box = [this](int g) { return groupBox(g); };
  for (int g = 0; g < groupCount(); ++g) {
    const layout::Rect mine = box(g);
    if (mine.empty()) continue;
    const int parent = m_groups[g].parent;
    if (parent >= 0 && !box(parent).empty() && !box(parent).contains(mine)) return true;
    for (int h = g + 1; h < groupCount(); ++h)
      if (m_groups[h].parent == parent && mine.overlaps(box(h))) return true;
  }
  // A node inside a box of a group it is not in (its own groups are its group's ancestors).
  for (int n = 0; n < nodeCount(); ++n) {
    const layout::Rect node = nodeBox(n);
    if (node.empty()) continue;
    for (int g = 0; g < groupCount(); ++g) {
      if (!box(g).overlaps(node)) continue;
      bool member = false;
      for (int a = m_nodes[n].group; a >= 0 && !member; a = m_groups[a].parent) member = a == g;
      if (!member) return true;
    }
  }
  return false;
}

void TapeGraphModel::tidy() {
  if (m_nodes.isEmpty()) return;
  m_layout->compact();
  emit laidOut();
}

void TapeGraphModel::setCurrent(quint64 entryId, bool backward) {
  const int before = currentNode();
  m_currentEntry = entryId;
  m_currentBackward = backward;
  const int after = currentNode();
  if (before != after || after >= 0) emit currentChanged(before, after);
}

bool TapeGraphModel::gradientFlowed(int edge) const {
  const GraphEntry* reader = entryOf(m_edges[edge].to);
  if (reader == nullptr || !reader->backwardRan || isStale(m_edges[edge].to)) return false;
  // An input that needs no gradient (integer targets, constants) got none: no flow drawn
  // into it. (No gradients listed at all: the backward ran, and every edge is drawn.)
  const int input = m_edges[edge].input;
  return reader->gradInputs.isEmpty() ||
         (input >= 0 && input < reader->gradInputs.size() && reader->gradInputs[input].id != 0);
}

bool TapeGraphModel::edgeSaved(int edge) const {
  const GraphEntry* reader = entryOf(m_edges[edge].to);
  return reader != nullptr && reader->savedIds.contains(m_edges[edge].tensorId);
}

}  // namespace td::widgets
