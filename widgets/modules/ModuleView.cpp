#include "modules/ModuleView.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPainter>
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>

#include "modules/ModuleTreeModel.h"

namespace td::widgets {

namespace detail {

/// A horizontal bar of coloured parts, each as wide as its share of the scale.
class MemoryBar : public QWidget {
 public:
  explicit MemoryBar(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  }

  /// `scale` is the full width's bytes, at least the parts' sum.
  void setSegments(QList<ModuleView::MemorySegment> segments, qint64 scale) {
    m_segments = std::move(segments);
    m_scale = scale;
    update();
  }

  QSize sizeHint() const override { return {240, fontMetrics().height()}; }
  QSize minimumSizeHint() const override { return {40, fontMetrics().height()}; }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    const QRectF frame = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    painter.fillRect(frame, palette().color(QPalette::Base));
    if (m_scale > 0) {
      double left = frame.left();
      for (const ModuleView::MemorySegment& segment : std::as_const(m_segments)) {
        const double width = frame.width() * double(segment.bytes) / double(m_scale);
        painter.fillRect(QRectF(left, frame.top(), width, frame.height()), segment.colour);
        left += width;
      }
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(frame);
  }

 private:
  QList<ModuleView::MemorySegment> m_segments;
  qint64 m_scale = 0;
};

}  // namespace detail

namespace {

/// Every index under `parent` (column 0), depth first.
template <typename Visit>
void forEachIndex(const QAbstractItemModel& model, const QModelIndex& parent, const Visit& visit) {
  for (int row = 0; row < model.rowCount(parent); ++row) {
    const QModelIndex child = model.index(row, 0, parent);
    visit(child);
    forEachIndex(model, child, visit);
  }
}

const QString kSeparator = QStringLiteral(" \u00b7 ");

}  // namespace

ModuleView::ModuleView(QWidget* parent)
    : QWidget(parent),
      m_model(new ModuleTreeModel(this)),
      m_tree(new QTreeView(this)),
      m_stack(new QStackedWidget(this)),
      m_emptyLabel(new QLabel(this)),
      m_content(new QWidget(this)),
      m_memoryLabel(new QLabel(m_content)),
      m_bar(new detail::MemoryBar(m_content)),
      m_legendLabel(new QLabel(m_content)) {
  setEmptyText(QString());
  m_emptyLabel->setAlignment(Qt::AlignCenter);
  m_emptyLabel->setWordWrap(true);
  m_emptyLabel->setEnabled(false);  // drawn greyed: a hint, not content
  m_legendLabel->setWordWrap(true);
  m_legendLabel->setTextFormat(Qt::RichText);
  m_memoryLabel->setTextFormat(Qt::PlainText);

  auto* contentLayout = new QVBoxLayout(m_content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  contentLayout->addWidget(m_memoryLabel);
  contentLayout->addWidget(m_bar);
  contentLayout->addWidget(m_legendLabel);
  contentLayout->addWidget(m_tree, 1);
  m_stack->addWidget(m_emptyLabel);
  m_stack->addWidget(m_content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_stack);

  m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
  m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_tree->setUniformRowHeights(true);
  m_tree->setAllColumnsShowFocus(true);
  // Before setModel, so that this runs before the view forgets its expansion.
  connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, &ModuleView::rememberViewState);
  m_tree->setModel(m_model);
  // After setModel, so that the view has reset itself when this restores.
  connect(m_model, &QAbstractItemModel::modelReset, this, &ModuleView::restoreViewState);
  connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &ModuleView::onSelectionChanged);
  refreshMemory();
  refreshEmptyState();
}

void ModuleView::setRows(QList<ModuleRow> rows) {
  m_model->setRows(std::move(rows));
  refreshMemory();  // the module totals may have changed
  refreshEmptyState();
}

void ModuleView::setEmptyText(const QString& text) {
  m_emptyLabel->setText(text.isEmpty() ? tr("Run or pause a script to see its modules") : text);
}

void ModuleView::setMemory(const MemorySummary& memory) {
  m_memory = memory;
  refreshMemory();
}

bool ModuleView::selectPath(const QString& path) {
  const QModelIndex index = m_model->indexOfPath(path);
  if (!index.isValid()) return false;
  for (QModelIndex ancestor = index.parent(); ancestor.isValid(); ancestor = ancestor.parent())
    m_tree->expand(ancestor);
  selectSilently(path);
  m_tree->scrollTo(index);
  return true;
}

void ModuleView::clear() {
  m_memory = {};
  setRows({});
}

bool ModuleView::hasSelection() const { return m_tree->selectionModel()->hasSelection(); }

QString ModuleView::selectedPath() const {
  const QModelIndexList selected = m_tree->selectionModel()->selectedRows(ModuleTreeModel::ModuleColumn);
  return selected.isEmpty() ? QString() : selected.first().data(ModuleTreeModel::PathRole).toString();
}

bool ModuleView::isEmptyStateShown() const { return m_stack->currentWidget() == m_emptyLabel; }

QString ModuleView::emptyStateText() const { return m_emptyLabel->text(); }

QString ModuleView::memoryText() const { return m_memoryLabel->text(); }

QList<ModuleView::MemorySegment> ModuleView::memorySegments() const {
  const ModuleTreeModel::Totals& totals = m_model->totals();
  QList<MemorySegment> segments{
      {tr("Parameters"), totals.parameterBytes, QColor(31, 119, 180)},
      {tr("Gradients"), totals.gradientBytes, QColor(255, 127, 14)},
      {tr("Optimizer state"), totals.optimizerBytes, QColor(44, 160, 44)},
      {tr("Saved for backward"), m_memory.known ? m_memory.savedBytesPeak : totals.savedBytes,
       QColor(214, 39, 40)},
  };
  qint64 sum = 0;
  for (const MemorySegment& segment : std::as_const(segments)) sum += segment.bytes;
  // What the peak holds beyond these: inputs, activations not saved, temporaries.
  if (m_memory.known && m_memory.tensorBytesPeak > sum)
    segments.push_back({tr("Other"), m_memory.tensorBytesPeak - sum, QColor(150, 150, 150)});
  return segments;
}

QString ModuleView::legendText() const {
  QStringList parts;
  for (const MemorySegment& segment : memorySegments())
    parts << segment.label + QLatin1Char(' ') + ModuleTreeModel::formatBytes(segment.bytes);
  return parts.join(kSeparator);
}

void ModuleView::onSelectionChanged() {
  if (m_selectingSilently || m_resetting) return;
  if (hasSelection())
    emit moduleSelected(selectedPath());
  else
    emit selectionCleared();
}

void ModuleView::rememberViewState() {
  m_resetting = true;
  m_expandedPaths.clear();
  forEachIndex(*m_model, {}, [this](const QModelIndex& index) {
    if (m_tree->isExpanded(index)) m_expandedPaths << index.data(ModuleTreeModel::PathRole).toString();
  });
  m_hadSelection = hasSelection();
  m_selectedPathBeforeReset = selectedPath();
}

void ModuleView::restoreViewState() {
  m_resetting = false;
  m_tree->expandToDepth(1);
  for (const QString& path : std::as_const(m_expandedPaths)) {
    const QModelIndex index = m_model->indexOfPath(path);
    if (index.isValid()) m_tree->expand(index);
  }
  m_expandedPaths.clear();
  for (int column = 0; column < ModuleTreeModel::ColumnCount; ++column) m_tree->resizeColumnToContents(column);
  if (!m_hadSelection) return;
  m_hadSelection = false;
  if (m_model->indexOfPath(m_selectedPathBeforeReset).isValid())
    selectSilently(m_selectedPathBeforeReset);
  else
    emit selectionCleared();
}

void ModuleView::refreshMemory() {
  if (m_memory.known) {
    m_memoryLabel->setText(tr("Iteration %1: peak %2").arg(m_memory.iteration).arg(ModuleTreeModel::formatBytes(m_memory.tensorBytesPeak)) +
                           kSeparator + tr("saved for backward peak %1").arg(ModuleTreeModel::formatBytes(m_memory.savedBytesPeak)) +
                           kSeparator + tr("recorder %1").arg(ModuleTreeModel::formatBytes(m_memory.recorderBytes)));
  } else {
    m_memoryLabel->setText(tr("Memory not measured yet"));
  }

  const QList<MemorySegment> segments = memorySegments();
  qint64 sum = 0;
  QStringList legend;
  QStringList tooltip;
  for (const MemorySegment& segment : segments) {
    sum += segment.bytes;
    const QString bytes = ModuleTreeModel::formatBytes(segment.bytes);
    legend << QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2&nbsp;%3")
                  .arg(segment.colour.name(), segment.label.toHtmlEscaped(), bytes);
    tooltip << segment.label + QStringLiteral(": ") + ModuleTreeModel::formatCount(segment.bytes) + tr(" bytes");
  }
  if (m_memory.known)
    tooltip << tr("Peak tensor memory: ") + ModuleTreeModel::formatCount(m_memory.tensorBytesPeak) + tr(" bytes");
  m_legendLabel->setText(legend.join(QStringLiteral(" &nbsp; ")));
  m_bar->setSegments(segments, std::max(sum, m_memory.known ? m_memory.tensorBytesPeak : qint64(0)));
  m_bar->setToolTip(tooltip.join(QLatin1Char('\n')));
}

void ModuleView::refreshEmptyState() {
  m_stack->setCurrentWidget(m_model->rowCount() == 0 ? static_cast<QWidget*>(m_emptyLabel) : m_content);
}

void ModuleView::selectSilently(const QString& path) {
  const QModelIndex index = m_model->indexOfPath(path);
  m_selectingSilently = true;
  m_tree->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  m_selectingSilently = false;
}

}  // namespace td::widgets
