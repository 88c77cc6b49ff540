#include "curves/CurvesView.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFileInfo>
#include <QMouseEvent>
#include <QSvgGenerator>
#include <iterator>
#include <QToolTip>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace td::widgets {
namespace {

/// Distinct colours for the series of the current run (nine: the loss and a small model's
/// gradient norms differ; no grey, which earlier runs are drawn in).
QColor seriesColour(int index) {
  static const QColor colours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                   QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(188, 189, 34), QColor(23, 190, 207)};
  constexpr int kCount = static_cast<int>(std::size(colours));
  return colours[index % kCount];
}

}  // namespace

CurvesView::CurvesView(QWidget* parent)
    : QWidget(parent), m_model(new CurvesModel(this)), m_plot(new QCustomPlot(this)), m_logBox(new QCheckBox(tr("Log scale"), this)),
      m_gradBox(new QCheckBox(tr("Gradient norms"), this)),
      m_smoothingSlider(new QSlider(Qt::Horizontal, this)) {
  m_smoothingSlider->setRange(0, 99);
  m_smoothingSlider->setToolTip(tr("Smoothing (exponential moving average)"));
  auto* clearButton = new QPushButton(tr("Clear"), this);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Smoothing"), this));
  controls->addWidget(m_smoothingSlider, 1);
  controls->addWidget(m_logBox);
  controls->addWidget(m_gradBox);
  controls->addWidget(clearButton);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(m_plot, 1);
  m_plot->xAxis->setLabel(tr("iteration"));
  m_plot->yAxis->setLabel(tr("value"));
  m_plot->legend->setVisible(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  connect(m_smoothingSlider, &QSlider::valueChanged, this, [this](int value) { setSmoothing(value / 100.0); });
  connect(m_model, &CurvesModel::seriesAdded, this, &CurvesView::onSeriesAdded);
  connect(m_model, &CurvesModel::pointsAppended, this, &CurvesView::onPointsAppended);
  connect(m_model, &CurvesModel::runStarted, this, &CurvesView::onRunStarted);
  connect(m_model, &CurvesModel::cleared, this, &CurvesView::onCleared);
  connect(m_model, &CurvesModel::smoothingChanged, this, [this] {
    const int position = qRound(m_model->smoothing() * 100);
    if (m_smoothingSlider->value() != position) m_smoothingSlider->setValue(position);
    for (int i = 0; i < m_graphs.size(); ++i) redraw(i);
    m_plot->replot();
  });
  connect(m_logBox, &QCheckBox::toggled, this, &CurvesView::setLogScale);
  m_gradBox->setToolTip(tr("Per-parameter gradient norms after each backward(), one series per parameter"));
  connect(m_gradBox, &QCheckBox::toggled, this, &CurvesView::gradientNormsToggled);
  connect(clearButton, &QPushButton::clicked, this, &CurvesView::clear);
  // Hover readout: the nearest point under the mouse, as a tooltip.
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    const QString text = readoutAt(event->pos());
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
  });
}

void CurvesView::startRun(const QString& label) { m_model->startRun(label); }

void CurvesView::onRunStarted() {
  for (int i = 0; i < m_graphs.size(); ++i) {
    if (m_model->isCurrent(i)) continue;
    m_graphs[i]->setPen(QPen(QColor(170, 170, 170)));
    m_graphs[i]->removeFromLegend();
  }
  m_coloured = 0;
  m_plot->replot();
}

void CurvesView::onSeriesAdded(int index) {
  const CurvesModel::Series& series = m_model->series(index);
  QCPGraph* graph = m_plot->addGraph();
  graph->setName(series.runLabel.isEmpty() ? series.name
                                           : series.name + QStringLiteral(" (") + series.runLabel + QStringLiteral(")"));
  graph->setPen(QPen(seriesColour(m_coloured++), 1.5));
  m_graphs.push_back(graph);
}

void CurvesView::redraw(int index) {
  QVector<double> steps, values;
  m_model->shown(index, &steps, &values);
  m_graphs[index]->setData(steps, values, /*alreadySorted=*/true);
}

void CurvesView::onPointsAppended(int index, int first) {
  const CurvesModel::Series& series = m_model->series(index);
  if (m_model->smoothing() > 0.0)
    redraw(index);
  else  // (a script may log steps out of order: the graph sorts what it adds)
    m_graphs[index]->addData(series.steps.mid(first), series.values.mid(first));
  m_plot->rescaleAxes();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesView::append(const QString& series, const QVector<double>& steps, const QVector<double>& values) {
  m_model->append(series, steps, values);
}

void CurvesView::clear() { m_model->clear(); }

void CurvesView::onCleared() {
  m_plot->clearGraphs();
  m_graphs.clear();
  m_coloured = 0;
  m_plot->replot();
}

int CurvesView::pointCount(const QString& series) const { return m_model->pointCount(series); }

int CurvesView::graphCount() const { return m_plot->graphCount(); }

double CurvesView::shownValue(const QString& series, int index) const { return m_model->shownValue(series, index); }

void CurvesView::setSmoothing(double weight) { m_model->setSmoothing(weight); }

void CurvesView::setLogScale(bool on) {
  m_logBox->setChecked(on);
  m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (on)
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  else
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  m_plot->rescaleAxes();
  m_plot->replot();
}

bool CurvesView::logScale() const { return m_plot->yAxis->scaleType() == QCPAxis::stLogarithmic; }

bool CurvesView::exportSvg(const QString& path, QString* error) {
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(m_plot->size());
  svg.setViewBox(QRect(QPoint(0, 0), m_plot->size()));
  svg.setTitle(tr("Training curves"));
  QCPPainter painter;
  if (!painter.begin(&svg)) {
    if (error != nullptr) *error = tr("cannot write the SVG file %1").arg(path);
    return false;
  }
  m_plot->toPainter(&painter, m_plot->width(), m_plot->height());
  painter.end();
  if (!QFileInfo(path).isFile() || QFileInfo(path).size() == 0) {
    if (error != nullptr) *error = tr("cannot write the SVG file %1").arg(path);
    return false;
  }
  return true;
}

QString CurvesView::readoutAt(const QPoint& position) const {
  const QCPGraph* best = nullptr;
  double bestDistance = 20.0;  // pixels
  int bestIndex = -1;
  for (int i = 0; i < m_graphs.size(); ++i) {
    if (!m_model->isCurrent(i)) continue;
    const QCPGraph* graph = m_graphs[i];
    if (graph->dataCount() == 0) continue;
    const double step = graph->keyAxis()->pixelToCoord(position.x());
    auto it = graph->data()->findBegin(step, false);
    for (auto candidate : {it, it == graph->data()->constBegin() ? it : it - 1}) {
      if (candidate == graph->data()->constEnd()) continue;
      const double dx = graph->keyAxis()->coordToPixel(candidate->key) - position.x();
      const double dy = graph->valueAxis()->coordToPixel(candidate->value) - position.y();
      const double distance = std::hypot(dx, dy);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = graph;
        bestIndex = static_cast<int>(candidate - graph->data()->constBegin());
      }
    }
  }
  if (best == nullptr) return {};
  const auto point = best->data()->at(bestIndex);
  return tr("%1: step %2, value %3").arg(best->name()).arg(point->key, 0, 'g', 10).arg(point->value, 0, 'g', 6);
}

bool CurvesView::exportPng(const QString& path, QString* error) {
  if (m_plot->savePng(path, m_plot->width(), m_plot->height())) return true;
  if (error != nullptr) *error = tr("cannot write the image %1").arg(path);
  return false;
}

}  // namespace td::widgets
