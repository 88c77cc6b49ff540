#pragma once
// Training curves on QCustomPlot: named series of (step, value) points, one graph per
// series and run. A new run's graphs draw in colour; earlier runs stay, greyed, until
// cleared (runs overlaid). Smoothing (an exponential moving average, as TensorBoard's)
// and a logarithmic value axis are display settings: the raw points are kept, and the CSV
// export writes them. Appending is cheap; the caller coalesces to the display rate.
#include <QHash>
#include <QVector>
#include <QWidget>

class QCPGraph;
class QCheckBox;
class QCustomPlot;
class QSlider;

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
  /// The value drawn for `series`'s point `index` in the current run (smoothed or not).
  double shownValue(const QString& series, int index) const;

  /// Smoothing weight in [0, 0.99]: each shown value is weight × the previous shown value
  /// + (1 − weight) × the point (debiased at the start). 0 shows the points as they are.
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  /// A logarithmic value axis (points ≤ 0 are not drawn on it).
  void setLogScale(bool on);
  bool logScale() const;

  /// Every run's raw points as CSV: `run,series,step,value`, numbers with a '.' whatever
  /// the locale. False, with `error` naming the file and the reason, when it cannot write.
  bool exportCsv(const QString& path, QString* error) const;
  /// The plot as a PNG of its current size.
  bool exportPng(const QString& path, QString* error);
  /// The plot as SVG (vector), through Qt SVG.
  bool exportSvg(const QString& path, QString* error);
  /// The readout for a position in the plot's pixels: the nearest point of the nearest
  /// current-run graph ("loss (run): step 12, value 0.3471"); empty when there is none.
  QString readoutAt(const QPoint& position) const;
  QCustomPlot* plot() const { return m_plot; }
  /// The "Gradient norms" check box: the app tracks per-parameter gradient norms while it
  /// is on and appends them as series "‖grad‖ name".
  QCheckBox* gradientNormsBox() const { return m_gradBox; }

 signals:
  void gradientNormsToggled(bool on);

 private:
  struct Series {
    QString run;
    QString name;
    QVector<double> steps;
    QVector<double> values;
  };
  QCPGraph* graphFor(const QString& series);
  /// Redraws `graph` from its raw points with the current smoothing.
  void redraw(QCPGraph* graph);
  QCustomPlot* m_plot;
  QCheckBox* m_logBox;
  QCheckBox* m_gradBox;
  QSlider* m_smoothingSlider;
  QHash<QString, QCPGraph*> m_current;  ///< this run's graph per series
  QHash<QCPGraph*, Series> m_raw;        ///< every graph's raw points
  QString m_run;
  int m_runs = 0;
  double m_smoothing = 0.0;
};

}  // namespace td::widgets
