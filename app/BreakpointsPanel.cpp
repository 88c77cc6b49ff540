#include "BreakpointsPanel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QTableWidget>
#include <QVBoxLayout>

#include "BreakpointStore.h"
#include "Prompter.h"
#include "tapedeck/ops/OpTable.h"

namespace td::app {
namespace {

enum Column { Enabled, Kind, Where, Condition };
enum Role { KindRole = Qt::UserRole, FileRole, LineRole, IndexRole };

}  // namespace

BreakpointsPanel::BreakpointsPanel(BreakpointStore* store, Prompter* prompter, QWidget* parent)
    : QWidget(parent), m_store(store), m_prompter(prompter), m_table(new QTableWidget(0, 4, this)),
      m_nonFinite(new QCheckBox(tr("Break on the first NaN/Inf"), this)),
      m_gradNorm(new QCheckBox(tr("Break when a gradient's norm exceeds"), this)),
      m_gradNormThreshold(new QDoubleSpinBox(this)) {
  m_table->setObjectName("breakpointsTable");
  m_table->setHorizontalHeaderLabels({tr("On"), tr("Kind"), tr("Where"), tr("Condition")});
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->verticalHeader()->hide();
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_gradNormThreshold->setRange(0.0, 1e12);
  m_gradNormThreshold->setDecimals(3);
  m_gradNormThreshold->setValue(100.0);
  auto* addOpButton = new QPushButton(tr("Add Op…"), this);
  auto* addModuleButton = new QPushButton(tr("Add Module…"), this);
  auto* removeButton = new QPushButton(tr("Remove"), this);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(addOpButton);
  buttons->addWidget(addModuleButton);
  buttons->addWidget(removeButton);
  buttons->addStretch();
  auto* gradRow = new QHBoxLayout;
  gradRow->addWidget(m_gradNorm);
  gradRow->addWidget(m_gradNormThreshold);
  gradRow->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(m_table);
  layout->addLayout(buttons);
  layout->addWidget(m_nonFinite);
  layout->addLayout(gradRow);

  connect(addOpButton, &QPushButton::clicked, this, &BreakpointsPanel::addOp);
  connect(addModuleButton, &QPushButton::clicked, this, &BreakpointsPanel::addModule);
  connect(removeButton, &QPushButton::clicked, this, &BreakpointsPanel::removeSelected);
  connect(m_nonFinite, &QCheckBox::toggled, m_store, &BreakpointStore::setBreakOnNonFinite);
  auto gradChanged = [this] {
    m_store->setGradNormThreshold(m_gradNorm->isChecked() ? std::optional<double>(m_gradNormThreshold->value())
                                                          : std::nullopt);
  };
  connect(m_gradNorm, &QCheckBox::toggled, this, gradChanged);
  connect(m_gradNormThreshold, &QDoubleSpinBox::valueChanged, this, gradChanged);
  connect(m_table, &QTableWidget::cellChanged, this, &BreakpointsPanel::onItemChanged);
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
    QTableWidgetItem* item = m_table->item(row, Kind);
    if (column != Condition && item != nullptr && item->data(KindRole).toString() == "line")
      emit lineActivated(item->data(FileRole).toString(), item->data(LineRole).toInt());
  });
  connect(m_store, &BreakpointStore::linesChanged, this, &BreakpointsPanel::refresh);
  connect(m_store, &BreakpointStore::conditionsChanged, this, &BreakpointsPanel::refresh);
  refresh();
}

void BreakpointsPanel::refresh() {
  if (m_applying) {
    QMetaObject::invokeMethod(this, &BreakpointsPanel::refresh, Qt::QueuedConnection);
    return;
  }
  m_refreshing = true;
  m_table->setRowCount(0);
  auto addRow = [this](const QString& kind, const QString& where, bool enabled, const QString& condition,
                       bool conditionEditable) {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto* on = new QTableWidgetItem;
    on->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    on->setCheckState(enabled ? Qt::Checked : Qt::Unchecked);
    m_table->setItem(row, Enabled, on);
    auto* kindItem = new QTableWidgetItem(kind);
    kindItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    m_table->setItem(row, Kind, kindItem);
    auto* whereItem = new QTableWidgetItem(where);
    whereItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    m_table->setItem(row, Where, whereItem);
    auto* conditionItem = new QTableWidgetItem(condition);
    conditionItem->setFlags(conditionEditable ? Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable
                                              : Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    m_table->setItem(row, Condition, conditionItem);
    return kindItem;
  };
  for (const LineBreakpoint& b : m_store->lines()) {
    auto* item = addRow(tr("line"), QStringLiteral("%1:%2").arg(QFileInfo(b.file).fileName()).arg(b.line), b.enabled,
                        b.condition, true);
    item->setData(KindRole, "line");
    item->setData(FileRole, b.file);
    item->setData(LineRole, b.line);
  }
  const StopConditions& c = m_store->conditions();
  for (int i = 0; i < c.ops.size(); ++i) {
    const OpBreakpoint& op = c.ops[i];
    const QString direction = op.forward && op.backward ? tr("forward and backward")
                              : op.forward             ? tr("forward")
                                                       : tr("backward");
    auto* item = addRow(tr("op"), op.op, op.enabled, direction, true);  // its direction is edited there
    item->setData(KindRole, "op");
    item->setData(IndexRole, i);
  }
  for (int i = 0; i < c.modules.size(); ++i) {
    auto* item = addRow(tr("module"), c.modules[i].glob, c.modules[i].enabled, QString(), false);
    item->setData(KindRole, "module");
    item->setData(IndexRole, i);
  }
  m_nonFinite->setChecked(c.nonFinite);
  m_gradNorm->setChecked(c.gradNorm.has_value());
  if (c.gradNorm) m_gradNormThreshold->setValue(*c.gradNorm);
  m_table->resizeColumnsToContents();
  m_refreshing = false;
}

void BreakpointsPanel::onItemChanged(int row, int column) {
  if (m_refreshing) return;
  QTableWidgetItem* kindItem = m_table->item(row, Kind);
  if (kindItem == nullptr) return;
  const QString kind = kindItem->data(KindRole).toString();
  const bool enabled = m_table->item(row, Enabled)->checkState() == Qt::Checked;
  const QScopedValueRollback applying(m_applying, true);
  if (kind == "line") {
    const QString file = kindItem->data(FileRole).toString();
    const int line = kindItem->data(LineRole).toInt();
    if (column == Enabled) m_store->setLineEnabled(file, line, enabled);
    if (column == Condition) m_store->setLineCondition(file, line, m_table->item(row, Condition)->text());
  } else if (kind == "op" && column == Enabled) {
    m_store->setOpEnabled(kindItem->data(IndexRole).toInt(), enabled);
  } else if (kind == "op" && column == Condition) {
    // "forward", "backward", or both ("forward and backward", "both"); anything else is
    // refused and the row shows the direction as it was.
    const QString text = m_table->item(row, Condition)->text().simplified().toLower();
    const bool both = text == QLatin1String("both") || text == QLatin1String("forward and backward") ||
                      text == tr("forward and backward").toLower();
    const bool forward = both || text == QLatin1String("forward") || text == tr("forward").toLower();
    const bool backward = both || text == QLatin1String("backward") || text == tr("backward").toLower();
    if (forward || backward) {
      m_store->setOpDirections(kindItem->data(IndexRole).toInt(), forward, backward);
    } else {
      m_prompter->warn(this, tr("Op breakpoint"),
                       tr("'%1' is not a direction: write forward, backward, or both").arg(text));
      QMetaObject::invokeMethod(this, &BreakpointsPanel::refresh, Qt::QueuedConnection);
    }
  } else if (kind == "module" && column == Enabled) {
    m_store->setModuleEnabled(kindItem->data(IndexRole).toInt(), enabled);
  }
}

void BreakpointsPanel::addOp() {
  bool ok = false;
  const QString text = m_prompter->askText(this, tr("Op breakpoint"),
                                           tr("Op name as on the tape (matmul, relu, log, …); add \":forward\" or "
                                              "\":backward\" for one direction:"),
                                           QStringLiteral("matmul"), &ok).trimmed();
  if (!ok || text.isEmpty()) return;
  OpBreakpoint op;
  op.op = text.section(':', 0, 0).trimmed();
  const QString direction = text.section(':', 1).trimmed().toLower();
  // Refused now, with the reason, rather than added and reported at the next run.
  if (OpId id; !opFromName(op.op.toStdString(), id)) {
    m_prompter->warn(this, tr("Op breakpoint"),
                     tr("no op named '%1' (names as on the tape: matmul, relu, log, …)").arg(op.op));
    return;
  }
  if (!direction.isEmpty() && direction != "forward" && direction != "backward" && direction != "both") {
    m_prompter->warn(this, tr("Op breakpoint"),
                     tr("'%1' is not a direction: write %2, %2:forward, %2:backward or %2:both").arg(direction, op.op));
    return;
  }
  if (direction == "forward") op.backward = false;
  if (direction == "backward") op.forward = false;
  m_store->addOp(op);
}

void BreakpointsPanel::addModule() {
  bool ok = false;
  const QString glob = m_prompter->askText(this, tr("Module breakpoint"),
                                           tr("Module path or glob (fc1, layers.*.attn):"), QString(), &ok);
  if (ok) m_store->addModule(glob);
}

void BreakpointsPanel::removeSelected() {
  const int row = m_table->currentRow();
  QTableWidgetItem* kindItem = row >= 0 ? m_table->item(row, Kind) : nullptr;
  if (kindItem == nullptr) return;
  const QString kind = kindItem->data(KindRole).toString();
  if (kind == "line") m_store->removeLine(kindItem->data(FileRole).toString(), kindItem->data(LineRole).toInt());
  if (kind == "op") m_store->removeOp(kindItem->data(IndexRole).toInt());
  if (kind == "module") m_store->removeModule(kindItem->data(IndexRole).toInt());
}

}  // namespace td::app
