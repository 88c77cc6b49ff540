// graph_bench: what the size of a tape costs the graph view while panning (bench/README.md).
//
//   graph_frame_10k_vs_1k      frame time while panning a 10,000-op tape graph vs a
//                              1,000-op one, at 100% zoom                      ratio <= 2
//   graph_frame_10k_vs_1k_fit  the same at fit-to-window (the whole graph in view)
//                                                                              ratio <= 2
//
// Both tapes come from one generator (a GPT-like transformer: embeddings, then layers of
// layer norm, attention, residual add, layer norm, MLP, residual add; module groups two
// levels deep, "h3" and "h3.attn"; every weight, bias and mask a parameter leaf; shapes), the
// 1,000-op one being the first 1,000 entries of the 10,000-op one. Each is fed to its own
// TapeGraphModel in batches of 100 entries (as the IDE's refresh does), drawn by a
// TapeGraphView of 1200x800 shown offscreen (QT_QPA_PLATFORM=offscreen unless set).
// A frame: one pan step (scroll bars moved by a tenth of the viewport, down with a
// sideways zigzag, bouncing at the ends) and a synchronous repaint of the whole viewport
// (viewport()->repaint(): every visible item, the minimap when shown), timed together.
// 60 frames a sweep; the two graphs' frames alternate (10k, 1k, 10k, 1k ...); 7 sweeps
// after a warm-up sweep. Each row: the median frame of the 10k graph / the median frame
// of the 1k graph; spread: min and max over sweeps of the per-sweep ratio of medians.
// Before timing, the binary checks that a frame really paints: the viewport gets a paint
// event covering all of it, and the viewport's pixels in the window's backing store (the
// offscreen platform's QScreen::grabWindow) change when the view pans and hold what the
// items drew (far fewer drawn pixels with the items hidden); else the row is skipped.
//
// Usage: graph_bench [--out results.json] [--sweeps 7] [--steps 60] [--diagnose]
//   --diagnose  writes nothing: prints where a frame's time goes (items by kind, minimap,
//               antialiasing, the item lookup) for both graphs at both zooms.
//   --profile full|fit [--graph 10k|1k] [--frames N]  writes nothing: only panning frames
//               of one graph, for a profiler (perf record, valgrind --tool=callgrind).
#include <QApplication>
#include <QElapsedTimer>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QPaintEvent>
#include <QPixmap>
#include <QScreen>
#include <QScrollBar>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "graph/TapeGraphModel.h"
#include "graph/TapeGraphView.h"
#include "harness/ResultsWriter.h"

using td::widgets::GraphEntry;
using td::widgets::GraphTensor;
using td::widgets::TapeGraphModel;
using td::widgets::TapeGraphView;

namespace {

constexpr int kViewWidth = 1200;
constexpr int kViewHeight = 800;
constexpr int kBatch = 100;
constexpr double kBudget = 2.0;

std::string argument(int argc, char** argv, const char* flag, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], flag) == 0) return argv[i + 1];
  return fallback;
}

bool hasFlag(int argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], flag) == 0) return true;
  return false;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// --- the synthetic tape ----------------------------------------------------------------

/// Records a transformer's forward pass as GraphEntry rows until it has `maxOps` entries.
class TapeWriter {
 public:
  struct Full {};
  explicit TapeWriter(int maxOps) : m_maxOps(maxOps) {}

  void enter(const QString& name) { m_scope << name; }
  void leave() { m_scope.removeLast(); }

  /// A parameter of the current module ("h3.attn.q.weight").
  GraphTensor param(const QString& name, QVector<qint64> shape) {
    GraphTensor t = tensor(std::move(shape));
    t.name = (m_scope + QStringList{name}).join(QLatin1Char('.'));
    return t;
  }
  /// An input (a tensor no op made: a leaf named "input").
  GraphTensor input(QVector<qint64> shape) { return tensor(std::move(shape)); }

  GraphTensor op(const QString& name, QVector<GraphTensor> inputs, QVector<qint64> shape) {
    if (static_cast<int>(m_entries.size()) >= m_maxOps) throw Full{};
    GraphEntry e;
    e.id = static_cast<quint64>(m_entries.size()) + 1;
    e.op = name;
    e.scope = m_scope.join(QLatin1Char('.'));
    e.file = QStringLiteral("/tmp/train_gpt.py");
    e.line = 40 + static_cast<int>(e.id % 60);
    e.inputs = std::move(inputs);
    const GraphTensor out = tensor(std::move(shape));
    e.outputs = {out};
    m_entries << e;
    return out;
  }

  QVector<GraphEntry> take() { return std::move(m_entries); }

 private:
  GraphTensor tensor(QVector<qint64> shape) {
    GraphTensor t;
    t.id = m_nextTensor++;
    t.shape = std::move(shape);
    return t;
  }

  int m_maxOps;
  quint64 m_nextTensor = 1;
  QStringList m_scope;
  QVector<GraphEntry> m_entries;
};

constexpr qint64 kB = 8, kT = 128, kC = 256, kH = 4;

GraphTensor linear(TapeWriter& w, const QString& name, const GraphTensor& x, qint64 in, qint64 out) {
  QVector<qint64> shape = x.shape;
  shape.back() = out;
  GraphTensor y = w.op(QStringLiteral("matmul"), {x, w.param(name + QStringLiteral(".weight"), {in, out})}, shape);
  return w.op(QStringLiteral("add"), {y, w.param(name + QStringLiteral(".bias"), {out})}, shape);
}

GraphTensor layerNorm(TapeWriter& w, const QString& name, const GraphTensor& x) {
  w.enter(name);
  const QVector<qint64> reduced{kB, kT, 1};
  const GraphTensor mean = w.op(QStringLiteral("mean"), {x}, reduced);
  const GraphTensor centred = w.op(QStringLiteral("sub"), {x, mean}, x.shape);
  const GraphTensor square = w.op(QStringLiteral("pow"), {centred}, x.shape);
  const GraphTensor variance = w.op(QStringLiteral("mean"), {square}, reduced);
  const GraphTensor shifted = w.op(QStringLiteral("add"), {variance}, reduced);
  const GraphTensor scale = w.op(QStringLiteral("rsqrt"), {shifted}, reduced);
  GraphTensor y = w.op(QStringLiteral("mul"), {centred, scale}, x.shape);
  y = w.op(QStringLiteral("mul"), {y, w.param(QStringLiteral("weight"), {kC})}, x.shape);
  y = w.op(QStringLiteral("add"), {y, w.param(QStringLiteral("bias"), {kC})}, x.shape);
  w.leave();
  return y;
}

GraphTensor attention(TapeWriter& w, const GraphTensor& x) {
  w.enter(QStringLiteral("attn"));
  const QVector<qint64> split{kB, kT, kH, kC / kH}, heads{kB, kH, kT, kC / kH}, scores{kB, kH, kT, kT};
  auto project = [&](const QString& name) {
    const GraphTensor p = linear(w, name, x, kC, kC);
    return w.op(QStringLiteral("transpose"), {w.op(QStringLiteral("view"), {p}, split)}, heads);
  };
  const GraphTensor q = project(QStringLiteral("q"));
  const GraphTensor k = project(QStringLiteral("k"));
  const GraphTensor v = project(QStringLiteral("v"));
  const GraphTensor kt = w.op(QStringLiteral("transpose"), {k}, {kB, kH, kC / kH, kT});
  GraphTensor s = w.op(QStringLiteral("matmul"), {q, kt}, scores);
  s = w.op(QStringLiteral("div"), {s}, scores);
  s = w.op(QStringLiteral("masked_fill"), {s, w.param(QStringLiteral("mask"), {kT, kT})}, scores);
  const GraphTensor max = w.op(QStringLiteral("amax"), {s}, {kB, kH, kT, 1});
  const GraphTensor e = w.op(QStringLiteral("exp"), {w.op(QStringLiteral("sub"), {s, max}, scores)}, scores);
  const GraphTensor sum = w.op(QStringLiteral("sum"), {e}, {kB, kH, kT, 1});
  GraphTensor p = w.op(QStringLiteral("div"), {e, sum}, scores);
  p = w.op(QStringLiteral("dropout"), {p}, scores);
  GraphTensor out = w.op(QStringLiteral("matmul"), {p, v}, heads);
  out = w.op(QStringLiteral("view"), {w.op(QStringLiteral("transpose"), {out}, split)}, {kB, kT, kC});
  out = linear(w, QStringLiteral("proj"), out, kC, kC);
  w.leave();
  return out;
}

GraphTensor mlp(TapeWriter& w, const GraphTensor& x) {
  w.enter(QStringLiteral("mlp"));
  GraphTensor h = linear(w, QStringLiteral("fc"), x, kC, 4 * kC);
  h = w.op(QStringLiteral("gelu"), {h}, h.shape);
  h = linear(w, QStringLiteral("proj"), h, 4 * kC, kC);
  w.leave();
  return h;
}

/// The first `ops` entries of a GPT-like forward pass (about 54 ops a layer).
QVector<GraphEntry> transformerTape(int ops) {
  TapeWriter w(ops);
  try {
    const GraphTensor tokens = w.input({kB, kT});
    w.enter(QStringLiteral("wte"));
    const GraphTensor te =
        w.op(QStringLiteral("embedding"), {w.param(QStringLiteral("weight"), {50257, kC}), tokens}, {kB, kT, kC});
    w.leave();
    w.enter(QStringLiteral("wpe"));
    const GraphTensor positions = w.input({kT});
    const GraphTensor pe =
        w.op(QStringLiteral("embedding"), {w.param(QStringLiteral("weight"), {1024, kC}), positions}, {kT, kC});
    w.leave();
    GraphTensor x = w.op(QStringLiteral("add"), {te, pe}, {kB, kT, kC});
    for (int layer = 0;; ++layer) {
      w.enter(QStringLiteral("h%1").arg(layer));
      x = w.op(QStringLiteral("add"), {x, attention(w, layerNorm(w, QStringLiteral("ln_1"), x))}, x.shape);
      x = w.op(QStringLiteral("add"), {x, mlp(w, layerNorm(w, QStringLiteral("ln_2"), x))}, x.shape);
      w.leave();
    }
  } catch (const TapeWriter::Full&) {
  }
  return w.take();
}

// --- one graph in its view --------------------------------------------------------------

/// Counts the viewport's paint events and the area they covered.
class PaintCounter : public QObject {
 public:
  int events = 0;
  QRect lastRect;

 protected:
  bool eventFilter(QObject*, QEvent* event) override {
    if (event->type() == QEvent::Paint) {
      ++events;
      lastRect = static_cast<QPaintEvent*>(event)->rect();
    }
    return false;
  }
};

struct Pan {
  QPoint start;      // scroll bar values where a sweep starts
  int dx = 0, dy = 0;
};

struct Graph {
  QString name;
  TapeGraphModel model;
  TapeGraphView view;
  PaintCounter paints;
  Pan pan;
  QPoint position;  // scroll bar values now
  int step = 0;
  int direction = 1;

  Graph(const QString& label, const QVector<GraphEntry>& tape) : name(label) {
    view.setWindowTitle(label);
    view.resize(kViewWidth, kViewHeight);
    view.setModel(&model);
    view.show();
    QApplication::processEvents();
    // Fed in batches, as the IDE's refresh hands over what is new.
    for (qsizetype from = 0; from < tape.size(); from += kBatch) {
      model.update(1, tape.mid(from, kBatch));
      QApplication::processEvents();
    }
    view.viewport()->installEventFilter(&paints);
  }

  /// 100% zoom, the sweep starting with the view's top-left corner on entry 100's node
  /// (the same place in both graphs: the 1k tape is the 10k one's beginning, and placed
  /// nodes never move).
  void atFullSize() {
    view.resetZoom();
    const td::layout::Rect box = model.nodeBox(model.nodeOfEntry(100));
    view.centerOn(box.x + box.width / 2 + kViewWidth * 0.4, box.y + box.height / 2 + kViewHeight * 0.4);
    startPan();
  }
  void atFit() {
    view.fitAll();
    startPan();
  }
  void startPan() {
    QApplication::processEvents();
    pan.start = QPoint(view.horizontalScrollBar()->value(), view.verticalScrollBar()->value());
    pan.dx = std::max(1, view.viewport()->width() / 10);
    pan.dy = std::max(1, view.viewport()->height() / 10);
    position = pan.start;
    step = 0;
    direction = 1;
  }

  /// One pan step: down by a tenth of the viewport, sideways in a zigzag (ten steps right,
  /// ten left), turning back at the bottom of the scroll range.
  void scrollStep() {
    QScrollBar* h = view.horizontalScrollBar();
    QScrollBar* v = view.verticalScrollBar();
    if (position.y() + direction * pan.dy > v->maximum() || position.y() + direction * pan.dy < v->minimum())
      direction = -direction;
    position.ry() = std::clamp(position.y() + direction * pan.dy, v->minimum(), v->maximum());
    position.rx() += ((step / 10) % 2 == 0 ? 1 : -1) * pan.dx;
    position.rx() = std::clamp(position.x(), h->minimum(), h->maximum());
    ++step;
    h->setValue(position.x());
    v->setValue(position.y());
  }

  /// One frame, in milliseconds: a pan step and a synchronous repaint of the viewport.
  double frame() {
    QElapsedTimer timer;
    timer.start();
    scrollStep();
    view.viewport()->repaint();
    return static_cast<double>(timer.nsecsElapsed()) * 1e-6;
  }

  /// What the window's backing store holds now (the offscreen platform grabs from it).
  QImage pixels() { return view.screen()->grabWindow(view.winId()).toImage(); }

  /// The items a repaint visits: the scene's index asked for the visible rect, by
  /// bounding rect (as QGraphicsView's paint asks; view.items() would test shapes).
  QList<QGraphicsItem*> itemsInView() {
    return view.scene()->items(view.mapToScene(view.viewport()->rect()).boundingRect(), Qt::IntersectsItemBoundingRect,
                               Qt::DescendingOrder, view.viewportTransform());
  }
};

/// Pixels that are not the white background.
int drawnPixels(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  int n = 0;
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    for (int x = 0; x < rgb.width(); ++x) n += (line[x] & 0xffffff) != 0xffffff ? 1 : 0;
  }
  return n;
}

/// Checks that frames really paint: a paint event over the whole viewport per frame, and,
/// in the window's backing store, viewport pixels that the items drew (fewer are drawn
/// with the items hidden) and that change as the view pans. Empty when fine, else what is
/// wrong.
std::string checkPainting(Graph& g, bool pans) {
  const QRect viewport = g.view.viewport()->rect();
  const QRect inWindow(g.view.viewport()->mapTo(&g.view, QPoint(0, 0)), viewport.size());
  const int before = g.paints.events;
  g.frame();
  const QImage first = g.pixels().copy(inWindow);
  g.frame();
  const QImage second = g.pixels().copy(inWindow);
  const int paintEvents = g.paints.events - before;
  if (paintEvents < 2) return "no paint event per frame (the repaint was a no-op)";
  if (!g.paints.lastRect.contains(viewport)) return "a frame repainted only part of the viewport";
  if (pans && first == second) return "the pixels did not change as the view panned";
  if (g.view.overviewShown()) {
    // Zoomed out below TapeGraphView::kOverviewZoom the view draws the graph from one
    // cached image and hides the items: what it drew is the check.
    const int drawn = drawnPixels(second);
    if (drawn < 200) return "the overview drew (almost) nothing: " + std::to_string(drawn) + " drawn pixels";
    std::cout << "  " << g.name.toStdString() << ": overview (items hidden), " << paintEvents
              << " paint events in 2 frames, " << drawn << " of " << viewport.width() * viewport.height()
              << " viewport pixels drawn\n";
    return {};
  }
  const QList<QGraphicsItem*> items = g.view.scene()->items();
  for (QGraphicsItem* item : items) item->setVisible(false);
  g.view.viewport()->repaint();
  const int withoutItems = drawnPixels(g.pixels().copy(inWindow));
  for (QGraphicsItem* item : items) item->setVisible(true);
  g.view.viewport()->repaint();
  const int drawn = drawnPixels(g.pixels().copy(inWindow));
  if (drawn != drawnPixels(second)) return "the same view painted twice gave different pixels";
  if (drawn < withoutItems + 500)
    return "the items drew (almost) nothing: " + std::to_string(drawn) + " drawn pixels, " +
           std::to_string(withoutItems) + " with the items hidden";
  std::cout << "  " << g.name.toStdString() << ": " << g.itemsInView().size() << " items in view, "
            << paintEvents << " paint events in 2 frames, " << drawn << " of " << viewport.width() * viewport.height()
            << " viewport pixels drawn (" << withoutItems << " with the items hidden)\n";
  return {};
}

struct Measured {
  td::bench::PairResult result;
  std::string error;
};

/// `sweeps` sweeps of `steps` frames each, the two graphs' frames alternating, after one
/// warm-up sweep.
Measured measure(Graph& big, Graph& small, const std::function<void(Graph&)>& place, bool pans, int sweeps,
                 int steps) {
  Measured m;
  place(big);
  place(small);
  for (Graph* g : {&big, &small}) {
    if (std::string error = checkPainting(*g, pans); !error.empty()) {
      m.error = g->name.toStdString() + ": " + error;
      return m;
    }
  }
  std::vector<double> all10k, all1k, ratios;
  for (int sweep = -1; sweep < sweeps; ++sweep) {
    place(big);
    place(small);
    std::vector<double> a, b;
    for (int s = 0; s < steps; ++s) {
      a.push_back(big.frame());
      b.push_back(small.frame());
    }
    if (sweep < 0) continue;  // warm-up
    all10k.insert(all10k.end(), a.begin(), a.end());
    all1k.insert(all1k.end(), b.begin(), b.end());
    ratios.push_back(median(a) / median(b));
  }
  td::bench::PairResult& r = m.result;
  r.unit = td::bench::Unit::Milliseconds;
  r.medianA = median(all10k);
  r.medianB = median(all1k);
  r.ratio = r.medianA / r.medianB;
  r.ratioMin = *std::min_element(ratios.begin(), ratios.end());
  r.ratioMax = *std::max_element(ratios.begin(), ratios.end());
  r.pairs = sweeps;
  r.repetitionsA = r.repetitionsB = steps;
  return m;
}

// --- --diagnose: where a frame's time goes ------------------------------------------------

enum class Kind { Node, Edge, Group };

Kind kindOf(const QGraphicsItem* item) {
  if (item->type() == QGraphicsPathItem::Type) return Kind::Edge;
  return item->zValue() >= 10 ? Kind::Node : Kind::Group;
}

/// Shows only the items of `kinds`.
void showOnly(Graph& g, std::initializer_list<Kind> kinds) {
  for (QGraphicsItem* item : g.view.scene()->items())
    item->setVisible(std::find(kinds.begin(), kinds.end(), kindOf(item)) != kinds.end());
}

/// Median frame of each graph (10k, 1k), frames alternating, after three warm-up frames.
std::pair<double, double> medianFrames(Graph& big, Graph& small, const std::function<void(Graph&)>& place,
                                       const std::function<double(Graph&)>& frame, int frames) {
  place(big);
  place(small);
  std::vector<double> a, b;
  for (int i = 0; i < frames + 3; ++i) {
    const double x = frame(big), y = frame(small);
    if (i < 3) continue;
    a.push_back(x);
    b.push_back(y);
  }
  return {median(a), median(b)};
}

void diagnose(Graph& big, Graph& small, const std::function<void(Graph&)>& place, const char* zoom) {
  const int frames = 31;
  place(big);
  place(small);
  std::cout << "at " << zoom << ": items in view 10k " << big.itemsInView().size() << ", 1k "
            << small.itemsInView().size() << "; minimap " << (big.view.miniMapShown() ? "shown" : "hidden")
            << "; ms per frame (median of " << frames << ", alternating)     10k      1k   ratio\n";
  const std::function<double(Graph&)> frame = [](Graph& g) { return g.frame(); };
  const auto report = [&](const char* what, std::pair<double, double> ms) {
    std::cout << "  " << std::left << std::setw(40) << what << std::right << std::fixed << std::setprecision(2)
              << std::setw(8) << ms.first << std::setw(8) << ms.second << std::setw(8) << ms.first / ms.second
              << std::defaultfloat << "\n";
  };
  const auto both = [&](const std::function<void(Graph&)>& change) {
    change(big);
    change(small);
  };
  report("everything", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { g.view.setMiniMapVisible(false); });
  report("everything, no minimap", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { showOnly(g, {}); });
  report("no items, no minimap", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { showOnly(g, {Kind::Node}); });
  report("nodes only, no minimap", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { showOnly(g, {Kind::Edge}); });
  report("edges only, no minimap", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { showOnly(g, {Kind::Group}); });
  report("groups only, no minimap", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { showOnly(g, {Kind::Node, Kind::Edge, Kind::Group}); });
  both([](Graph& g) { g.view.setRenderHint(QPainter::Antialiasing, false); });
  report("everything, no minimap, no antialiasing", medianFrames(big, small, place, frame, frames));
  both([](Graph& g) { g.view.setRenderHint(QPainter::Antialiasing, true); });
  both([](Graph& g) { g.view.setMiniMapVisible(true); });
  // What the view asks the scene's index for each frame, without painting.
  const std::function<double(Graph&)> lookup = [](Graph& g) {
    QElapsedTimer timer;
    timer.start();
    g.scrollStep();
    td::bench::doNotOptimize(g.itemsInView().size());
    return static_cast<double>(timer.nsecsElapsed()) * 1e-6;
  };
  report("pan step + item lookup, no paint", medianFrames(big, small, place, lookup, frames));
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  const std::string out = td::bench::resultsPath(argc, argv);
  const int sweeps = std::max(3, std::stoi(argument(argc, argv, "--sweeps", "7")));
  const int steps = std::max(10, std::stoi(argument(argc, argv, "--steps", "60")));
  const bool diagnosing = hasFlag(argc, argv, "--diagnose");
  QApplication app(argc, argv);
  td::bench::ResultsWriter writer("graph_bench");

  QElapsedTimer setup;
  setup.start();
  const QVector<GraphEntry> tape = transformerTape(10000);
  Graph big(QStringLiteral("10k"), tape);
  Graph small(QStringLiteral("1k"), tape.mid(0, 1000));
  std::cout << "graphs: 10k " << big.model.nodeCount() << " nodes, " << big.model.edgeCount() << " edges, "
            << big.model.groupCount() << " groups, " << big.model.bounds().width << "x" << big.model.bounds().height
            << "; 1k " << small.model.nodeCount() << " nodes, " << small.model.edgeCount() << " edges, "
            << small.model.groupCount() << " groups, " << small.model.bounds().width << "x"
            << small.model.bounds().height << " (built and laid out in " << setup.elapsed() / 1000.0 << " s)\n";

  const std::function<void(Graph&)> full = [](Graph& g) { g.atFullSize(); };
  const std::function<void(Graph&)> fit = [](Graph& g) { g.atFit(); };
  if (const std::string profile = argument(argc, argv, "--profile", ""); !profile.empty()) {
    Graph& g = argument(argc, argv, "--graph", "10k") == "1k" ? small : big;
    const int frames = std::max(1, std::stoi(argument(argc, argv, "--frames", "100")));
    (profile == "fit" ? fit : full)(g);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < frames; ++i) g.frame();
    std::cout << "profile: " << frames << " frames of " << g.name.toStdString() << " at " << profile << ", "
              << timer.nsecsElapsed() * 1e-6 / frames << " ms a frame\n";
    return 0;
  }
  if (diagnosing) {
    diagnose(big, small, full, "100%");
    diagnose(big, small, fit, "fit");
    return 0;
  }

  int status = 0;
  struct RowSpec {
    const char* name;
    const std::function<void(Graph&)>* place;
    bool pans;
    const char* reference;
  };
  const RowSpec rows[] = {{"graph_frame_10k_vs_1k", &full, true, "1,000-op graph, 100% zoom"},
                          {"graph_frame_10k_vs_1k_fit", &fit, false, "1,000-op graph, fit to window"}};
  for (const RowSpec& row : rows) {
    std::cout << row.name << ": checking that frames paint\n";
    const Measured m = measure(big, small, *row.place, row.pans, sweeps, steps);
    if (!m.error.empty()) {
      std::cerr << row.name << ": " << m.error << "\n";
      writer.addSkipped(row.name, "frames do not paint: " + m.error, "ms");
      status = 1;
      continue;
    }
    writer.addPair(row.name, m.result, kBudget, row.reference);
  }
  writer.write(out);
  writer.printTable(std::cout);
  return status;
}
