#pragma once
// Training curves on QCustomPlot: named series of (step, value) points, one graph per
// series and run. A new run's graphs draw in colour; earlier runs stay, greyed, until
// cleared (runs overlaid). Appending is cheap; the caller coalesces to the display rate.
#include <QHash>
#include <QVector>
#include <QWidget>

class QCPGraph;
class QCustomPlot;

namespace td::widgets {

class CurvesView : public QWidget {
  Q_OBJECT

 public:
  explicit CurvesView(QWidget* parent = nullptr);

  /// Starts a run: its series get fresh graphs; the previous runs' turn grey.
  void startRun(const QString& label);
  /// Appends points to `series` of the current run (starting one if none) and redraws.
  void append(const QString& series, const QVector<double>& steps, const QVector<double>& values);
  /// Removes every run.
  void clear();
  /// Points of `series` in the current run (0 when it has none).
  int pointCount(const QString& series) const;
  /// Graphs drawn, all runs.
  int graphCount() const;
  QCustomPlot* plot() const { return m_plot; }

 private:
  QCPGraph* graphFor(const QString& series);
  QCustomPlot* m_plot;
  QHash<QString, QCPGraph*> m_current;  ///< this run's graph per series
  QString m_run;
  int m_runs = 0;
};

}  // namespace td::widgets
