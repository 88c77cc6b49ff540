#include "modules/ModuleTreeModel.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <limits>

namespace td::widgets {

namespace {

using Totals = ModuleTreeModel::Totals;

Totals ownTotals(const ModuleRow& row) {
  return {row.parameters, row.parameterBytes, row.gradientBytes, row.optimizerBytes, row.savedBytes};
}

void add(Totals& sum, const Totals& more) {
  sum.parameters += more.parameters;
  sum.parameterBytes += more.parameterBytes;
  sum.gradientBytes += more.gradientBytes;
  sum.optimizerBytes += more.optimizerBytes;
  sum.savedBytes += more.savedBytes;
}

bool isNumberColumn(int column) {
  return column == ModuleTreeModel::ParametersColumn || column >= ModuleTreeModel::ParameterBytesColumn;
}

bool isBytesColumn(int column) { return column >= ModuleTreeModel::ParameterBytesColumn; }

/// The field of `totals` shown in number column `column`.
qint64 field(const Totals& totals, int column) {
  switch (column) {
    case ModuleTreeModel::ParametersColumn: return totals.parameters;
    case ModuleTreeModel::ParameterBytesColumn: return totals.parameterBytes;
    case ModuleTreeModel::GradientBytesColumn: return totals.gradientBytes;
    case ModuleTreeModel::OptimizerBytesColumn: return totals.optimizerBytes;
    case ModuleTreeModel::SavedBytesColumn: return totals.savedBytes;
  }
  return 0;
}

/// The node of the nearest strict ancestor of `path` among `nodeOfPath` (the root, "", is
/// every other path's ancestor), or -1 when there is none.
int nearestAncestor(const QString& path, const QHash<QString, int>& nodeOfPath) {
  if (path.isEmpty()) return -1;
  QString candidate = path;
  for (qsizetype dot = candidate.lastIndexOf(QLatin1Char('.')); dot >= 0;
       dot = candidate.lastIndexOf(QLatin1Char('.'))) {
    candidate.truncate(dot);
    if (const auto found = nodeOfPath.constFind(candidate); found != nodeOfPath.cend()) return *found;
  }
  return nodeOfPath.value(QString(), -1);
}

}  // namespace

QString ModuleTreeModel::formatBytes(qint64 bytes) {
  if (bytes < 0) {
    const qint64 magnitude = bytes == std::numeric_limits<qint64>::min() ? std::numeric_limits<qint64>::max() : -bytes;
    return QLatin1Char('-') + formatBytes(magnitude);
  }
  if (bytes < 1024) return QString::number(bytes) + QStringLiteral(" B");
  static const char* const units[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
  double value = double(bytes) / 1024.0;
  int unit = 0;
  // Move up while the one-decimal text would read 1024.0 or more.
  while (unit + 1 < int(std::size(units)) && value >= 1023.95) {
    value /= 1024.0;
    ++unit;
  }
  return QString::number(value, 'f', 1) + QLatin1Char(' ') + QLatin1String(units[unit]);
}

QString ModuleTreeModel::formatCount(qint64 count) {
  QString digits = QString::number(count < 0 ? -count : count);
  for (qsizetype at = digits.size() - 3; at > 0; at -= 3) digits.insert(at, QLatin1Char(','));
  return count < 0 ? QLatin1Char('-') + digits : digits;
}

ModuleTreeModel::ModuleTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

QModelIndex ModuleTreeModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= ColumnCount) return {};
  if (parent.isValid() && parent.column() != 0) return {};
  const QList<int>& siblings = parent.isValid() ? m_nodes.at(nodeOf(parent)).children : m_topLevel;
  if (row >= siblings.size()) return {};
  return createIndex(row, column, quintptr(siblings.at(row)));
}

QModelIndex ModuleTreeModel::parent(const QModelIndex& child) const {
  if (!child.isValid()) return {};
  const int parentNode = m_nodes.at(nodeOf(child)).parent;
  if (parentNode < 0) return {};
  return createIndex(m_nodes.at(parentNode).row, 0, quintptr(parentNode));
}

int ModuleTreeModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return int(m_topLevel.size());
  if (parent.column() != 0) return 0;  // children hang off the first column only
  return int(m_nodes.at(nodeOf(parent)).children.size());
}

int ModuleTreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant ModuleTreeModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid));
  const int nodeIndex = nodeOf(index);
  const Node& node = m_nodes.at(nodeIndex);
  const ModuleRow& row = m_rows.at(nodeIndex);
  const int column = index.column();
  const auto text = [&]() -> QString {
    switch (column) {
      case ModuleColumn: return node.label;
      case TypeColumn: return row.type;
      case OutputColumn: return row.outputShape;
      case ParametersColumn: return formatCount(node.subtree.parameters);
    }
    return formatBytes(field(node.subtree, column));
  };
  switch (role) {
    case Qt::DisplayRole: return text();
    case Qt::ToolTipRole: {
      if (column == ModuleColumn) {
        QStringList lines{(row.path.isEmpty() ? tr("(root)") : row.path) + QStringLiteral(": ") + row.type};
        if (row.parameterShapes.isEmpty()) lines << tr("no parameters of its own");
        lines << row.parameterShapes;
        return lines.join(QLatin1Char('\n'));
      }
      if (!isNumberColumn(column)) return text();
      const qint64 total = field(node.subtree, column);
      const qint64 own = field(ownTotals(row), column);
      const QString unit = isBytesColumn(column) ? tr(" bytes") : tr(" parameters");
      return formatCount(total) + unit + QLatin1Char('\n') + tr("own: ") + formatCount(own) +
             QLatin1Char('\n') + tr("children: ") + formatCount(total - own);
    }
    case Qt::TextAlignmentRole:
      if (isNumberColumn(column)) return int(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    case PathRole: return row.path;
    case ValueRole:
      if (isNumberColumn(column)) return field(node.subtree, column);
      return text();
    case OwnValueRole:
      if (isNumberColumn(column)) return field(ownTotals(row), column);
      return {};
  }
  return {};
}

QVariant ModuleTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::TextAlignmentRole && isNumberColumn(section)) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (section) {
    case ModuleColumn: return tr("Module");
    case TypeColumn: return tr("Type");
    case ParametersColumn: return tr("Parameters");
    case OutputColumn: return tr("Output");
    case ParameterBytesColumn: return tr("Params mem");
    case GradientBytesColumn: return tr("Grads mem");
    case OptimizerBytesColumn: return tr("Optimizer mem");
    case SavedBytesColumn: return tr("Saved for backward");
  }
  return {};
}

ModuleTreeModel::Tree ModuleTreeModel::buildTree(QList<ModuleRow> rows) {
  Tree tree;
  tree.rows.reserve(rows.size());
  for (ModuleRow& row : rows) {
    if (tree.nodeOfPath.contains(row.path)) continue;  // the first row of a path wins
    tree.nodeOfPath.insert(row.path, int(tree.rows.size()));
    tree.rows.push_back(std::move(row));
  }
  // Parents are looked up in the whole set, so a child listed before its parent is fine.
  tree.nodes.resize(tree.rows.size());
  for (int i = 0; i < tree.rows.size(); ++i) {
    Node& node = tree.nodes[i];
    const ModuleRow& row = tree.rows.at(i);
    const int ancestor = nearestAncestor(row.path, tree.nodeOfPath);
    QList<int>& siblings = ancestor < 0 ? tree.topLevel : tree.nodes[ancestor].children;
    node.parent = ancestor;
    node.row = int(siblings.size());
    siblings.push_back(i);
    const QString ancestorPath = ancestor < 0 ? QString() : tree.rows.at(ancestor).path;
    if (row.path.isEmpty())
      node.label = row.type.isEmpty() ? tr("(root)") : row.type;
    else if (ancestorPath.isEmpty())  // under the root, or at the top level: the whole path
      node.label = row.path;
    else
      node.label = row.path.mid(ancestorPath.size() + 1);
  }
  // Ancestors are strict path prefixes, so the recursion ends; its depth is the nesting's.
  const std::function<Totals(int)> sum = [&](int i) {
    Totals totals = ownTotals(tree.rows.at(i));
    for (int child : std::as_const(tree.nodes[i].children)) add(totals, sum(child));
    tree.nodes[i].subtree = totals;
    return totals;
  };
  for (int top : std::as_const(tree.topLevel)) add(tree.totals, sum(top));
  return tree;
}

void ModuleTreeModel::setRows(QList<ModuleRow> rows) {
  Tree tree = buildTree(std::move(rows));
  bool samePaths = tree.rows.size() == m_rows.size();
  for (qsizetype i = 0; samePaths && i < tree.rows.size(); ++i)
    samePaths = m_nodeOfPath.contains(tree.rows.at(i).path);
  if (!samePaths) {
    beginResetModel();
    m_rows = std::move(tree.rows);
    m_nodes = std::move(tree.nodes);
    m_topLevel = std::move(tree.topLevel);
    m_nodeOfPath = std::move(tree.nodeOfPath);
    m_totals = tree.totals;
    endResetModel();
    return;
  }

  // Same modules: rebuild in the current order so every node keeps its place, then report
  // the changed ones, one dataChanged per run of siblings.
  QList<ModuleRow> ordered(m_rows.size());
  for (qsizetype i = 0; i < tree.rows.size(); ++i)
    ordered[m_nodeOfPath.value(tree.rows.at(i).path)] = std::move(tree.rows[i]);
  Tree kept = buildTree(std::move(ordered));
  QHash<int, std::pair<int, int>> changedRowsOfParent;  // parent node -> first, last row
  for (int i = 0; i < m_rows.size(); ++i) {
    if (kept.rows.at(i) == m_rows.at(i) && kept.nodes.at(i).subtree == m_nodes.at(i).subtree) continue;
    const Node& node = m_nodes.at(i);
    auto found = changedRowsOfParent.find(node.parent);
    if (found == changedRowsOfParent.end())
      changedRowsOfParent.insert(node.parent, {node.row, node.row});
    else
      *found = {std::min(found->first, node.row), std::max(found->second, node.row)};
  }
  m_rows = std::move(kept.rows);
  m_nodes = std::move(kept.nodes);
  m_totals = kept.totals;
  for (auto it = changedRowsOfParent.cbegin(); it != changedRowsOfParent.cend(); ++it) {
    const QModelIndex parent = it.key() < 0 ? QModelIndex() : createIndex(m_nodes.at(it.key()).row, 0, quintptr(it.key()));
    emit dataChanged(index(it->first, 0, parent), index(it->second, ColumnCount - 1, parent));
  }
}

void ModuleTreeModel::clear() {
  if (m_rows.isEmpty()) return;
  setRows({});
}

QModelIndex ModuleTreeModel::indexOfPath(const QString& path, int column) const {
  const auto found = m_nodeOfPath.constFind(path);
  if (found == m_nodeOfPath.cend() || column < 0 || column >= ColumnCount) return {};
  return createIndex(m_nodes.at(*found).row, column, quintptr(*found));
}

const ModuleRow* ModuleTreeModel::rowForPath(const QString& path) const {
  const auto found = m_nodeOfPath.constFind(path);
  return found == m_nodeOfPath.cend() ? nullptr : &m_rows.at(*found);
}

ModuleTreeModel::Totals ModuleTreeModel::subtreeTotals(const QModelIndex& index) const {
  if (!index.isValid()) return {};
  return m_nodes.at(nodeOf(index)).subtree;
}

}  // namespace td::widgets
