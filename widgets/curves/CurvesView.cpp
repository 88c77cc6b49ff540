#include "curves/CurvesView.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFileInfo>
#include <QMouseEvent>
#include <QSvgGenerator>
#include <QToolTip>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace td::widgets {
namespace {

/// Distinct colours for the series of the current run.
QColor seriesColour(int index) {
  static const QColor colours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                   QColor(214, 39, 40), QColor(148, 103, 189), QColor(140, 86, 75)};
  return colours[index % 6];
}

/// A number as CSV wants it: '.' as the decimal point, round-trip precision.
QString csvNumber(double value) { return QString::number(value, 'g', 17); }

QString csvText(QString text) {
  if (text.contains(',') || text.contains('"') || text.contains('\n')) text = '"' + text.replace('"', "\"\"") + '"';
  return text;
}

}  // namespace

CurvesView::CurvesView(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_logBox(new QCheckBox(tr("Log scale"), this)),
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

void CurvesView::startRun(const QString& label) {
  for (QCPGraph* graph : std::as_const(m_current)) {
    graph->setPen(QPen(QColor(170, 170, 170)));
    graph->removeFromLegend();
  }
  m_current.clear();
  m_run = label;
  ++m_runs;
  m_plot->replot();
}

QCPGraph* CurvesView::graphFor(const QString& series) {
  if (QCPGraph* graph = m_current.value(series)) return graph;
  if (m_runs == 0) ++m_runs;
  QCPGraph* graph = m_plot->addGraph();
  graph->setName(m_run.isEmpty() ? series : series + QStringLiteral(" (") + m_run + QStringLiteral(")"));
  graph->setPen(QPen(seriesColour(static_cast<int>(m_current.size())), 1.5));
  m_current.insert(series, graph);
  m_raw.insert(graph, Series{m_run, series, {}, {}});
  return graph;
}

void CurvesView::redraw(QCPGraph* graph) {
  const Series& raw = m_raw[graph];
  QVector<double> order(raw.steps.size());
  std::iota(order.begin(), order.end(), 0.0);
  std::stable_sort(order.begin(), order.end(), [&](double a, double b) {
    return raw.steps[static_cast<int>(a)] < raw.steps[static_cast<int>(b)];
  });
  QVector<double> steps, shown;
  steps.reserve(order.size());
  shown.reserve(order.size());
  double average = 0.0, weight = 0.0;
  for (double i : order) {
    const double value = raw.values[static_cast<int>(i)];
    steps.push_back(raw.steps[static_cast<int>(i)]);
    if (m_smoothing <= 0.0 || !std::isfinite(value)) {
      shown.push_back(value);
      continue;
    }
    average = m_smoothing * average + (1.0 - m_smoothing) * value;
    weight = m_smoothing * weight + (1.0 - m_smoothing);
    shown.push_back(average / weight);  // debiased: the first points are not pulled to 0
  }
  graph->setData(steps, shown, /*alreadySorted=*/true);
}

void CurvesView::append(const QString& series, const QVector<double>& steps, const QVector<double>& values) {
  if (steps.isEmpty()) return;
  QCPGraph* graph = graphFor(series);
  Series& raw = m_raw[graph];
  raw.steps += steps;
  raw.values += values;
  if (m_smoothing > 0.0)
    redraw(graph);
  else
    graph->addData(steps, values);  // (a script may log steps out of order)
  m_plot->rescaleAxes();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesView::clear() {
  m_plot->clearGraphs();
  m_current.clear();
  m_raw.clear();
  m_runs = 0;
  m_plot->replot();
}

int CurvesView::pointCount(const QString& series) const {
  const QCPGraph* graph = m_current.value(series);
  return graph != nullptr ? graph->dataCount() : 0;
}

int CurvesView::graphCount() const { return m_plot->graphCount(); }

double CurvesView::shownValue(const QString& series, int index) const {
  const QCPGraph* graph = m_current.value(series);
  if (graph == nullptr || index < 0 || index >= graph->dataCount()) return NAN;
  return graph->data()->at(index)->value;
}

void CurvesView::setSmoothing(double weight) {
  m_smoothing = std::clamp(weight, 0.0, 0.99);
  if (m_smoothingSlider->value() != qRound(m_smoothing * 100)) m_smoothingSlider->setValue(qRound(m_smoothing * 100));
  for (auto it = m_raw.begin(); it != m_raw.end(); ++it) redraw(it.key());
  m_plot->replot();
}

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

bool CurvesView::exportCsv(const QString& path, QString* error) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error != nullptr) *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QByteArray out = "run,series,step,value\n";
  for (int g = 0; g < m_plot->graphCount(); ++g) {
    const Series& raw = m_raw.value(m_plot->graph(g));
    for (int i = 0; i < raw.steps.size(); ++i)
      out += (csvText(raw.run) + ',' + csvText(raw.name) + ',' + csvNumber(raw.steps[i]) + ',' +
              csvNumber(raw.values[i]) + '\n')
                 .toUtf8();
  }
  file.write(out);
  if (!file.commit()) {
    if (error != nullptr) *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

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
  for (const QCPGraph* graph : m_current) {
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
