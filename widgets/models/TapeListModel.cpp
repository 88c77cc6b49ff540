#include "models/TapeListModel.h"

#include <QColor>
#include <QFileInfo>

namespace td::widgets {

namespace {

// The code editor's execution-line colour; translucent, so it reads on light and dark
// palettes alike.
const QColor kCurrentEntryColor(255, 210, 0, 96);

QString location(const QString& file, int line) {
  if (file.isEmpty()) return {};
  return line > 0 ? file + QLatin1Char(':') + QString::number(line) : file;
}

}  // namespace

TapeListModel::TapeListModel(QObject* parent) : QAbstractTableModel(parent) {}

int TapeListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_rows.size());
}

int TapeListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant TapeListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
  const TapeRow& entry = m_rows.at(index.row());
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case IdColumn: return entry.id;
        case OpColumn: return entry.op;
        case DirectionColumn: return entry.backward ? tr("backward") : tr("forward");
        case ShapesColumn: return entry.shapes;
        case ScopeColumn: return entry.scope;
        case LineColumn: return location(QFileInfo(entry.file).fileName(), entry.line);
      }
      return {};
    case Qt::ToolTipRole:
      switch (index.column()) {
        case ShapesColumn: return entry.shapes;
        case ScopeColumn: return entry.scope;
        case LineColumn: return location(entry.file, entry.line);
      }
      return {};
    case Qt::BackgroundRole:
      if (isCurrent(entry)) return kCurrentEntryColor;
      return {};
    case EntryIdRole: return entry.id;
    case FileRole: return entry.file;
    case LineRole: return entry.line;
    case BackwardRole: return entry.backward;
    case IterationRole: return entry.iteration;
    case CurrentRole: return isCurrent(entry);
  }
  return {};
}

QVariant TapeListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case IdColumn: return tr("#");
    case OpColumn: return tr("Op");
    case DirectionColumn: return tr("Direction");
    case ShapesColumn: return tr("Shapes");
    case ScopeColumn: return tr("Scope");
    case LineColumn: return tr("Line");
  }
  return {};
}

void TapeListModel::setRows(QList<TapeRow> rows) {
  const qsizetype kept = m_rows.size();
  bool extends = rows.size() >= kept;
  for (qsizetype i = 0; extends && i < kept; ++i) extends = rows.at(i).id == m_rows.at(i).id;
  if (!extends) {
    beginResetModel();
    m_rows = std::move(rows);
    m_rowOfId.clear();
    indexRows(0);
    endResetModel();
    return;
  }

  // Prefix rows with the same id but other fields changed: one dataChanged over the span.
  qsizetype firstChanged = -1;
  qsizetype lastChanged = -1;
  for (qsizetype i = 0; i < kept; ++i) {
    if (rows.at(i) == m_rows.at(i)) continue;
    if (firstChanged < 0) firstChanged = i;
    lastChanged = i;
  }
  if (firstChanged >= 0) {
    for (qsizetype i = firstChanged; i <= lastChanged; ++i) m_rows[i] = rows.at(i);
    emit dataChanged(index(int(firstChanged), 0), index(int(lastChanged), ColumnCount - 1));
  }

  if (rows.size() == kept) return;
  beginInsertRows({}, int(kept), int(rows.size()) - 1);
  m_rows = std::move(rows);
  indexRows(kept);
  endInsertRows();
}

void TapeListModel::clear() { setRows({}); }

const TapeRow& TapeListModel::row(int row) const {
  Q_ASSERT(row >= 0 && row < m_rows.size());
  return m_rows.at(row);
}

int TapeListModel::rowOfEntry(quint64 id) const { return m_rowOfId.value(id, -1); }

void TapeListModel::setCurrentEntry(quint64 id) {
  if (id == m_currentEntry) return;
  const int oldRow = m_currentEntry != 0 ? rowOfEntry(m_currentEntry) : -1;
  m_currentEntry = id;
  const QList<int> roles{CurrentRole, Qt::BackgroundRole};
  emitRowChanged(oldRow, roles);
  emitRowChanged(id != 0 ? rowOfEntry(id) : -1, roles);
}

void TapeListModel::emitRowChanged(int row, const QList<int>& roles) {
  if (row < 0) return;
  emit dataChanged(index(row, 0), index(row, ColumnCount - 1), roles);
}

void TapeListModel::indexRows(qsizetype from) {
  m_rowOfId.reserve(m_rows.size());
  for (qsizetype i = from; i < m_rows.size(); ++i) m_rowOfId.insert(m_rows.at(i).id, int(i));
}

}  // namespace td::widgets
