#include "inspector/TensorInspector.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "inspector/TensorHeatmap.h"
#include "inspector/TensorHistogram.h"
#include "inspector/TensorImageGrid.h"
#include "inspector/TensorSliceControls.h"
#include "inspector/TensorSliceModel.h"

namespace td::widgets {
namespace {

QString number(double value) { return formatFloat(value, TensorValues::Type::Float64); }

QString statsText(const TensorStatsRow& stats) {
  if (!stats.computed) return TensorInspector::tr("statistics not computed");
  return TensorInspector::tr("min %1 · max %2 · mean %3 · std %4 · norm %5 · zeros %6 · NaN %7 · Inf %8")
      .arg(number(stats.min), number(stats.max), number(stats.mean), number(stats.std), number(stats.norm))
      .arg(stats.zeros)
      .arg(stats.nans)
      .arg(stats.infs);
}

/// "train.py:25" (the file name; the full path is in the tooltip).
QString placeText(const TensorSnapshot& tensor) {
  return QFileInfo(tensor.file).fileName() + QLatin1Char(':') + QString::number(tensor.line);
}

/// Keeps two scroll bars at the same position (the value and gradient tables).
void syncScrollBars(QScrollBar* a, QScrollBar* b) {
  QObject::connect(a, &QScrollBar::valueChanged, b, &QScrollBar::setValue);
  QObject::connect(b, &QScrollBar::valueChanged, a, &QScrollBar::setValue);
}

}  // namespace

TensorInspector::TensorInspector(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_properties(new QLabel(this)), m_origin(new QLabel(this)),
      m_statistics(new QLabel(this)), m_differenceLabel(new QLabel(this)), m_controls(new TensorSliceControls(this)),
      m_tabs(new QTabWidget(this)) {
  QFont bold = m_title->font();
  bold.setBold(true);
  m_title->setFont(bold);
  for (QLabel* label : {m_title, m_properties, m_statistics, m_differenceLabel}) {
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
  }
  m_origin->setTextFormat(Qt::RichText);
  m_origin->setTextInteractionFlags(Qt::TextBrowserInteraction);
  connect(m_origin, &QLabel::linkActivated, this, [this] { emit sourceRequested(m_value.file, m_value.line); });

  for (int side = ValueSide; side <= GradientSide; ++side) {
    m_models[side] = new TensorSliceModel(this);
    m_tables[side] = new QTableView(this);
    m_tables[side]->setModel(m_models[side]);
    m_tables[side]->setWordWrap(false);
    m_tables[side]->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_tables[side]->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_tables[side]->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_tables[side]->horizontalHeader()->setDefaultSectionSize(fontMetrics().horizontalAdvance("-0.000000e+00"));
    m_heatmaps[side] = new TensorHeatmap(this);
    m_images[side] = new TensorImageGrid(this);
    m_histograms[side] = new TensorHistogram(this);
  }
  syncScrollBars(m_tables[0]->verticalScrollBar(), m_tables[1]->verticalScrollBar());
  syncScrollBars(m_tables[0]->horizontalScrollBar(), m_tables[1]->horizontalScrollBar());
  m_tabs->addTab(makeSideBySide(TableTab, m_tables[0], m_tables[1]), tr("Table"));
  m_tabs->addTab(makeSideBySide(HeatmapTab, m_heatmaps[0], m_heatmaps[1]), tr("Heatmap"));
  m_tabs->addTab(makeSideBySide(ImagesTab, m_images[0], m_images[1]), tr("Images"));
  m_tabs->addTab(makeSideBySide(HistogramTab, m_histograms[0], m_histograms[1]), tr("Histogram"));
  connect(m_tabs, &QTabWidget::currentChanged, this, [this] { refreshCurrentTab(); });
  connect(m_controls, &TensorSliceControls::selectionEdited, this, &TensorInspector::applySelection);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  for (QWidget* line : {static_cast<QWidget*>(m_title), static_cast<QWidget*>(m_properties),
                        static_cast<QWidget*>(m_origin), static_cast<QWidget*>(m_statistics),
                        static_cast<QWidget*>(m_differenceLabel), static_cast<QWidget*>(m_controls)})
    layout->addWidget(line);
  layout->addWidget(m_tabs, 1);
  clear();
}

TensorInspector::~TensorInspector() = default;

TensorInspector::Pane TensorInspector::makePane(QWidget* content, const QString& caption) {
  Pane pane;
  pane.widget = new QWidget(this);
  pane.caption = new QLabel(caption, pane.widget);
  pane.stack = new QStackedWidget(pane.widget);
  pane.reason = new QLabel(pane.stack);
  pane.reason->setAlignment(Qt::AlignCenter);
  pane.reason->setWordWrap(true);
  pane.reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
  pane.stack->addWidget(content);
  pane.stack->addWidget(pane.reason);
  auto* layout = new QVBoxLayout(pane.widget);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pane.caption);
  layout->addWidget(pane.stack, 1);
  return pane;
}

QWidget* TensorInspector::makeSideBySide(Tab tab, QWidget* value, QWidget* gradient) {
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  m_panes[tab][ValueSide] = makePane(value, tr("value"));
  m_panes[tab][GradientSide] = makePane(gradient, tr("gradient"));
  splitter->addWidget(m_panes[tab][ValueSide].widget);
  splitter->addWidget(m_panes[tab][GradientSide].widget);
  return splitter;
}

void TensorInspector::setTensor(TensorSnapshot value, std::optional<TensorSnapshot> gradient) {
  display(std::move(value), std::move(gradient), false, {});
}

void TensorInspector::setDifference(TensorSnapshot before, TensorSnapshot after) {
  QString error;
  std::optional<TensorSnapshot> difference = differenceOf(before, after, &error);
  QString summary;
  if (difference) {
    const TensorStatsRow& stats = difference->stats;
    summary = tr("after − before: max |diff| %1 · %2 of %3 elements changed")
                  .arg(number(std::max(std::fabs(stats.min), std::fabs(stats.max))))
                  .arg(stats.numel - stats.zeros)
                  .arg(stats.numel);
    if (stats.nans + stats.infs > 0) summary += tr(" (NaN %1, Inf %2)").arg(stats.nans).arg(stats.infs);
  } else {
    // The header still describes the tensor; the views say why there is no difference.
    difference = std::move(after);
    difference->values.reset();
    difference->stats = TensorStatsRow();
    difference->missingReason = tr("cannot be computed: %1").arg(error);
    summary = tr("after − before: %1").arg(error);
  }
  difference->title = tr("%1: after − before").arg(difference->title);
  display(std::move(*difference), std::nullopt, true, summary);
}

void TensorInspector::clear() {
  display(TensorSnapshot(), std::nullopt, false, {});
  m_hasTensor = false;
  m_models[ValueSide]->clear();
  m_heatmaps[ValueSide]->clear();
  for (auto& panes : m_panes) {
    panes[ValueSide].reason->setText(reasonText(ValueSide));
    panes[ValueSide].stack->setCurrentIndex(1);
  }
  m_controls->setVisible(false);
  updateHeader();
}

void TensorInspector::display(TensorSnapshot value, std::optional<TensorSnapshot> gradient, bool isDifference,
                              const QString& differenceSummary) {
  m_value = std::move(value);
  m_gradient = std::move(gradient);
  m_hasTensor = true;
  m_isDifference = isDifference;
  m_difference = differenceSummary;
  // One pass when the app sent values without statistics.
  if (!m_value.stats.computed && m_value.hasValues()) m_value.stats = computeStatsRow(*m_value.values);
  if (m_gradient && !m_gradient->stats.computed && m_gradient->hasValues())
    m_gradient->stats = computeStatsRow(*m_gradient->values);

  m_models[ValueSide]->setTensor(m_value);
  if (m_gradient) {
    m_models[GradientSide]->setTensor(*m_gradient);
    m_models[GradientSide]->setSelection(m_models[ValueSide]->selection());
  } else {
    m_models[GradientSide]->clear();
  }
  const int rank = static_cast<int>(m_value.shape.size());
  m_controls->setShape(m_value.shape);
  m_controls->setSelection(m_models[ValueSide]->selection());
  m_controls->setVisible(rank >= 1 && (m_value.hasValues() || (m_gradient && m_gradient->hasValues())));

  for (int side = ValueSide; side <= GradientSide; ++side) {
    const TensorSnapshot* shown = snapshot(Side(side));
    const bool hasValues = shown != nullptr && shown->hasValues();
    if (hasValues)
      m_heatmaps[side]->setSlice(m_models[side]->slice());
    else
      m_heatmaps[side]->clear();
    for (int tab = 0; tab < TabCount; ++tab) {
      Pane& pane = m_panes[tab][side];
      pane.widget->setVisible(side == ValueSide || shown != nullptr);
      pane.caption->setVisible(m_gradient.has_value());
      pane.caption->setText(side == GradientSide ? tr("gradient") : isDifference ? tr("after − before") : tr("value"));
      pane.reason->setText(hasValues ? QString() : reasonText(Side(side)));
      pane.stack->setCurrentIndex(hasValues ? 0 : 1);
    }
  }
  const bool images = rank == 4;
  if (!images && m_tabs->currentIndex() == ImagesTab) m_tabs->setCurrentIndex(TableTab);
  m_tabs->setTabVisible(ImagesTab, images);
  m_stale = {false, false, true, true};
  updateHeader();
  refreshCurrentTab();
}

const TensorSnapshot* TensorInspector::snapshot(Side side) const {
  if (side == ValueSide) return m_hasTensor ? &m_value : nullptr;
  return m_gradient ? &*m_gradient : nullptr;
}

QString TensorInspector::reasonText(Side side) const {
  const TensorSnapshot* shown = snapshot(side);
  if (shown == nullptr) return tr("No tensor selected.");
  const QString what = side == GradientSide ? tr("gradient") : m_isDifference ? tr("difference") : tr("value");
  QString text = what + QLatin1Char(' ') + shown->unavailableReason();
  if (shown->stats.computed) text += tr(" — statistics above were kept");
  return text;
}

void TensorInspector::applySelection(const SliceSelection& selection) {
  m_models[ValueSide]->setSelection(selection);
  if (m_gradient) m_models[GradientSide]->setSelection(m_models[ValueSide]->selection());
  m_controls->setSelection(m_models[ValueSide]->selection());
  for (int side = ValueSide; side <= GradientSide; ++side) {
    const TensorSnapshot* shown = snapshot(Side(side));
    if (shown != nullptr && shown->hasValues()) m_heatmaps[side]->setSlice(m_models[side]->slice());
  }
}

const SliceSelection& TensorInspector::selection() const { return m_models[ValueSide]->selection(); }

void TensorInspector::setSelection(const SliceSelection& selection) { applySelection(selection); }

void TensorInspector::refreshCurrentTab() {
  const int tab = m_tabs->currentIndex();
  if (tab < 0 || tab >= TabCount || !m_stale[tab]) return;
  m_stale[tab] = false;
  for (int side = ValueSide; side <= GradientSide; ++side) {
    const TensorSnapshot* shown = snapshot(Side(side));
    if (tab == ImagesTab) {
      if (shown != nullptr)
        m_images[side]->setTensor(*shown);
      else
        m_images[side]->clear();
    } else if (tab == HistogramTab) {
      if (shown != nullptr)
        m_histograms[side]->setTensor(*shown);
      else
        m_histograms[side]->clear();
    }
  }
}

bool TensorInspector::isTabAvailable(Tab tab) const { return m_tabs->isTabVisible(tab) && m_hasTensor; }

void TensorInspector::setCurrentTab(Tab tab) {
  if (m_tabs->isTabVisible(tab)) m_tabs->setCurrentIndex(tab);
}

TensorInspector::Tab TensorInspector::currentTab() const { return Tab(m_tabs->currentIndex()); }

void TensorInspector::updateHeader() {
  m_title->setText(titleText());
  m_properties->setText(propertiesText());
  m_properties->setVisible(m_hasTensor);
  if (!m_hasTensor || m_value.file.isEmpty()) {
    m_origin->setText(originText().toHtmlEscaped());
  } else {
    const QString link = QStringLiteral("<a href=\"source\">%1</a>").arg(placeText(m_value).toHtmlEscaped());
    m_origin->setText(m_value.op.isEmpty() ? tr("leaf tensor, created at %1").arg(link)
                      : m_value.readByOp ? tr("read by <b>%1</b> at %2").arg(m_value.op.toHtmlEscaped(), link)
                                         : tr("made by <b>%1</b> at %2").arg(m_value.op.toHtmlEscaped(), link));
    m_origin->setToolTip(m_value.file + QLatin1Char(':') + QString::number(m_value.line));
  }
  m_origin->setVisible(m_hasTensor && !m_isDifference);
  m_statistics->setText(statisticsText());
  m_statistics->setVisible(m_hasTensor);
  m_differenceLabel->setText(m_difference);
  m_differenceLabel->setVisible(m_isDifference);
}

QString TensorInspector::titleText() const {
  if (!m_hasTensor) return tr("No tensor selected");
  return m_value.title.isEmpty() ? tr("(unnamed tensor)") : m_value.title;
}

QString TensorInspector::propertiesText() const {
  if (!m_hasTensor) return {};
  QStringList parts{shapeText(m_value.shape)};
  const QString dtype = !m_value.dtype.isEmpty() ? m_value.dtype : m_value.values ? m_value.values->dtype() : QString();
  if (!dtype.isEmpty()) parts << dtype;
  if (!m_value.device.isEmpty()) parts << m_value.device;
  if (!m_value.strides.isEmpty()) parts << tr("strides %1").arg(shapeText(m_value.strides));
  if (m_value.tensorId != 0) parts << tr("id %1").arg(m_value.tensorId);
  return parts.join(QStringLiteral(" · "));
}

QString TensorInspector::originText() const {
  if (!m_hasTensor) return {};
  if (m_value.op.isEmpty())
    return m_value.file.isEmpty() ? tr("leaf tensor") : tr("leaf tensor, created at %1").arg(placeText(m_value));
  const QString verb = m_value.readByOp ? tr("read by") : tr("made by");
  return m_value.file.isEmpty() ? tr("%1 %2").arg(verb, m_value.op)
                                : tr("%1 %2 at %3").arg(verb, m_value.op, placeText(m_value));
}

QString TensorInspector::statisticsText() const {
  if (!m_hasTensor) return {};
  QString text = statsText(m_value.stats);
  if (m_gradient) text += QLatin1Char('\n') + tr("gradient: %1").arg(statsText(m_gradient->stats));
  return text;
}

QString TensorInspector::differenceText() const { return m_isDifference ? m_difference : QString(); }

QString TensorInspector::unavailableText() const {
  if (m_hasTensor && m_value.hasValues()) return {};
  return reasonText(ValueSide);
}

}  // namespace td::widgets
