#include "models/VariablesModel.h"

#include <QColor>

namespace td::widgets {

namespace {

// Reads on light and dark palettes alike.
const QColor kGlobalColor(0x80, 0x80, 0x80);

// The value's first line, cut to MaximumShownValueLength characters; "…" marks a cut.
QString shownValue(const QString& value) {
  const qsizetype newline = value.indexOf(QLatin1Char('\n'));
  const qsizetype length =
      qMin<qsizetype>(newline < 0 ? value.size() : newline, VariablesModel::MaximumShownValueLength);
  if (length == value.size()) return value;
  return value.left(length) + QChar(0x2026);
}

QString shapeText(const VariableRow& variable) {
  if (variable.dtype.isEmpty()) return variable.shape;
  if (variable.shape.isEmpty()) return variable.dtype;
  return variable.shape + QLatin1Char(' ') + variable.dtype;
}

}  // namespace

VariablesModel::VariablesModel(QObject* parent) : QAbstractTableModel(parent) {}

int VariablesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_variables.size());
}

int VariablesModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant VariablesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
  const VariableRow& variable = m_variables.at(index.row());
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case NameColumn: return variable.name;
        case ValueColumn: return shownValue(variable.value);
        case TypeColumn: return variable.type;
        case ShapeColumn: return shapeText(variable);
        case StatisticsColumn: return variable.stats;
      }
      return {};
    case Qt::ToolTipRole:
      return index.column() == StatisticsColumn ? variable.stats : variable.value;
    case Qt::ForegroundRole:
      if (variable.scope == QLatin1String("global")) return kGlobalColor;
      return {};
    case ScopeRole:
      return variable.scope;
  }
  return {};
}

QVariant VariablesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case NameColumn: return tr("Name");
    case ValueColumn: return tr("Value");
    case TypeColumn: return tr("Type");
    case ShapeColumn: return tr("Shape");
    case StatisticsColumn: return tr("Statistics");
  }
  return {};
}

void VariablesModel::setVariables(QList<VariableRow> variables) {
  beginResetModel();
  m_variables = std::move(variables);
  endResetModel();
}

void VariablesModel::clear() { setVariables({}); }

const VariableRow& VariablesModel::row(int row) const {
  Q_ASSERT(row >= 0 && row < m_variables.size());
  return m_variables.at(row);
}

}  // namespace td::widgets
