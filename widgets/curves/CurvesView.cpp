#include "curves/CurvesView.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace td::widgets {
namespace {

/// Distinct colours for the series of the current run.
QColor seriesColour(int index) {
  static const QColor colours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                   QColor(214, 39, 40), QColor(148, 103, 189), QColor(140, 86, 75)};
  return colours[index % 6];
}

}  // namespace

CurvesView::CurvesView(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
  m_plot->xAxis->setLabel(tr("iteration"));
  m_plot->yAxis->setLabel(tr("value"));
  m_plot->legend->setVisible(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
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
  return graph;
}

void CurvesView::append(const QString& series, const QVector<double>& steps, const QVector<double>& values) {
  if (steps.isEmpty()) return;
  QCPGraph* graph = graphFor(series);
  graph->addData(steps, values);  // (a script may log steps out of order)
  m_plot->rescaleAxes();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesView::clear() {
  m_plot->clearGraphs();
  m_current.clear();
  m_runs = 0;
  m_plot->replot();
}

int CurvesView::pointCount(const QString& series) const {
  const QCPGraph* graph = m_current.value(series);
  return graph != nullptr ? graph->dataCount() : 0;
}

int CurvesView::graphCount() const { return m_plot->graphCount(); }

}  // namespace td::widgets
