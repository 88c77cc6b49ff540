#include "graph/TapeGraphView.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyleOptionGraphicsItem>
#include <QSvgGenerator>
#include <QWheelEvent>
#include <QtMath>

#include <algorithm>
#include <cmath>

namespace td::widgets {

namespace {

const QColor kHighlight(255, 179, 0);       // the current entry
const QColor kOpFill(227, 242, 253);        // an op
const QColor kParameterFill(232, 245, 233); // a parameter
const QColor kInputFill(245, 245, 245);     // an input
const QColor kBorder(96, 125, 139);
const QColor kBackwardBorder(46, 125, 50);  // backward ran: the gradient is there
const QColor kNanBorder(211, 47, 47);
const QColor kSelection(25, 118, 210);
const QColor kEdge(144, 164, 174);
const QColor kGradientEdge(230, 81, 0);
const QColor kSavedEdge(123, 31, 162);  // saved for backward
constexpr double kDetailLevel = 0.45;  // below this scale nodes are drawn without text

/// The colour scale of the encodings: light yellow to dark purple (a viridis-like ramp).
QColor rampColour(double t) {
  static const QColor stops[] = {QColor(253, 231, 37), QColor(94, 201, 98), QColor(33, 145, 140),
                                 QColor(59, 82, 139), QColor(68, 1, 84)};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  const QColor& a = stops[i];
  const QColor& b = stops[i + 1];
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * f),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * f),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * f));
}

QRectF toQt(const layout::Rect& r) { return QRectF(r.x, r.y, r.width, r.height); }

/// A node's fill: the highlight when current, else its colour encoding, else its kind.
QColor nodeFill(const TapeGraphModel& model, int node) {
  if (model.currentNode() == node) return kHighlight;
  if (const double v = model.colourValue(node); v >= 0.0) return rampColour(v);
  const TapeGraphModel::Node& n = model.node(node);
  if (n.kind == TapeGraphModel::NodeKind::Op) return kOpFill;
  return n.label == QLatin1String("input") ? kInputFill : kParameterFill;
}

/// Draws every node as a filled box (and, with `edges`, every edge as a straight line)
/// into `image`, through `toImage` (scene to image): the overview and the minimap, one
/// pass over the model instead of one paint call per item. The current node is not drawn
/// specially (it moves often; callers mark it on top).
void drawGraphImage(QImage& image, const TapeGraphModel& model, const QTransform& toImage, bool edges) {
  image.fill(Qt::transparent);
  QPainter p(&image);
  if (edges) {
    p.setPen(QPen(kEdge, 0));  // cosmetic: one pixel whatever the scale
    QVector<QLineF> lines;
    lines.reserve(model.edgeCount());
    for (int e = 0; e < model.edgeCount(); ++e) {
      const TapeGraphModel::Edge& edge = model.edge(e);
      lines << QLineF(toImage.map(toQt(model.nodeBox(edge.from)).center()),
                      toImage.map(toQt(model.nodeBox(edge.to)).center()));
    }
    p.drawLines(lines);
  }
  p.setPen(Qt::NoPen);
  for (int n = 0; n < model.nodeCount(); ++n) {
    QColor fill = model.nonFinite(n) ? kNanBorder : nodeFill(model, n);
    if (model.currentNode() == n) fill = kOpFill;
    // Boxes keep at least one pixel, so a node never vanishes at a small scale.
    QRectF box = toImage.mapRect(toQt(model.nodeBox(n)));
    box.setSize(box.size().expandedTo(QSizeF(1.0, 1.0)));
    p.fillRect(box, fill.darker(fill == kOpFill || fill == kParameterFill || fill == kInputFill ? 130 : 100));
  }
}

}  // namespace

// --- items ------------------------------------------------------------------------------

class GraphNodeItem : public QGraphicsItem {
 public:
  GraphNodeItem(const TapeGraphModel* model, int node, const QRectF& box)
      : m_model(model), m_node(node), m_box(box) {
    setZValue(10);
    setAcceptHoverEvents(false);
    setCacheMode(QGraphicsItem::NoCache);
  }
  QRectF boundingRect() const override { return m_box.adjusted(-4, -4, 4, 4); }
  void setSelectedNode(bool selected) {
    m_selected = selected;
    update();
  }

  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override {
    if (m_model == nullptr || m_node >= m_model->nodeCount()) return;
    const TapeGraphModel::Node& node = m_model->node(m_node);
    const GraphEntry* entry = m_model->entryOf(m_node);
    const bool nan = m_model->nonFinite(m_node);
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setOpacity(m_model->isStale(m_node) ? 0.45 : 1.0);

    const QColor fill = nodeFill(*m_model, m_node);
    QPen pen(kBorder, 1.0);
    if (entry != nullptr && entry->backwardRan && !m_model->isStale(m_node)) pen = QPen(kBackwardBorder, 2.0);
    if (nan) pen = QPen(kNanBorder, 3.0);
    painter->setPen(pen);
    painter->setBrush(fill);
    const double radius = node.kind == TapeGraphModel::NodeKind::Leaf ? m_box.height() / 2.5 : 5.0;
    if (lod < kDetailLevel) {
      painter->drawRect(m_box);
    } else {
      painter->drawRoundedRect(m_box, radius, radius);
    }
    if (m_selected) {
      painter->setBrush(Qt::NoBrush);
      painter->setPen(QPen(kSelection, 2.0, Qt::DashLine));
      painter->drawRoundedRect(m_box.adjusted(-3, -3, 3, 3), radius + 2, radius + 2);
    }
    if (lod < kDetailLevel) return;

    // Text: the label (bold), the shape, then the values.
    const bool dark = fill.lightnessF() < 0.45;
    painter->setPen(dark ? Qt::white : Qt::black);
    QFont font = painter->font();
    font.setPointSizeF(8.5);
    font.setBold(true);
    painter->setFont(font);
    QRectF line(m_box.x() + 4, m_box.y() + 3, m_box.width() - 8, 14);
    painter->drawText(line, Qt::AlignHCenter | Qt::AlignVCenter, node.label);
    font.setBold(false);
    font.setPointSizeF(7.5);
    painter->setFont(font);
    line.translate(0, 14);
    painter->drawText(line, Qt::AlignHCenter | Qt::AlignVCenter, node.shape);
    const QStringList values = m_model->valueLines(m_node);
    if (!values.isEmpty()) {
      QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
      mono.setPointSizeF(7.0);
      painter->setFont(mono);
      for (const QString& text : values) {
        line.translate(0, 13);
        painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter, text);
      }
    }
    if (nan) {
      const QString badge = m_model->firstNonFiniteNode() == m_node ? QStringLiteral("first NaN/Inf") : QStringLiteral("NaN/Inf");
      font.setBold(true);
      painter->setFont(font);
      const QRectF b(m_box.right() - 70, m_box.y() - 9, 74, 14);
      painter->setPen(Qt::NoPen);
      painter->setBrush(kNanBorder);
      painter->drawRoundedRect(b, 4, 4);
      painter->setPen(Qt::white);
      painter->drawText(b, Qt::AlignCenter, badge);
    }
  }

 private:
  const TapeGraphModel* m_model;
  int m_node;
  QRectF m_box;
  bool m_selected = false;
};

class GraphEdgeItem : public QGraphicsPathItem {
 public:
  GraphEdgeItem(const TapeGraphModel* model, int edge) : m_model(model), m_edge(edge) {
    setZValue(5);
    const TapeGraphModel::Edge& e = model->edge(edge);
    const QRectF from = toQt(model->nodeBox(e.from));
    const QRectF to = toQt(model->nodeBox(e.to));
    m_start = QPointF(from.center().x(), from.bottom());
    m_end = QPointF(to.center().x(), to.top());
    QPainterPath path(m_start);
    const double dy = std::max(20.0, (m_end.y() - m_start.y()) / 2.0);
    path.cubicTo(m_start + QPointF(0, dy), m_end - QPointF(0, dy), m_end);
    setPath(path);
    setToolTip(QStringLiteral("tensor %1").arg(e.shape));
    refresh(false);
  }
  void refresh(bool showSaved) {
    const bool flowed = m_model->gradientFlowed(m_edge);
    QPen pen(flowed ? kGradientEdge : kEdge, flowed ? 2.0 : 1.2);
    // On demand: the tensors the reader keeps for its backward, dashed purple.
    if (showSaved && m_model->edgeSaved(m_edge)) pen = QPen(kSavedEdge, 2.6, Qt::DashLine);
    setPen(pen);
    update();
  }
  QRectF boundingRect() const override { return QGraphicsPathItem::boundingRect().adjusted(-6, -6, 6, 6); }
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override {
    QGraphicsPathItem::paint(painter, option, widget);
    // The arrow: towards the reader, or back towards the input once the gradient flowed.
    const bool flowed = m_model->gradientFlowed(m_edge);
    const QPointF tip = flowed ? m_start : m_end;
    const double direction = flowed ? -1.0 : 1.0;  // the arrow points down, or up
    QPolygonF head;
    head << tip << tip + QPointF(-4, -7 * direction) << tip + QPointF(4, -7 * direction);
    painter->setPen(Qt::NoPen);
    painter->setBrush(pen().color());
    painter->drawPolygon(head);
  }

 private:
  const TapeGraphModel* m_model;
  int m_edge;
  QPointF m_start, m_end;
};

class GraphGroupItem : public QGraphicsItem {
 public:
  GraphGroupItem(const TapeGraphModel* model, int group, int depth) : m_model(model), m_group(group) {
    setZValue(depth);
  }
  void refresh() {
    prepareGeometryChange();
    m_box = toQt(m_model->groupBox(m_group));
    update();
  }
  void setOutlined(bool outlined) {
    m_outlined = outlined;
    update();
  }
  QRectF box() const { return m_box; }
  QRectF boundingRect() const override { return m_box.adjusted(-2, -14, 2, 2); }
  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    if (m_box.isEmpty()) return;
    painter->setPen(m_outlined ? QPen(kSelection, 2.5) : QPen(QColor(120, 144, 156), 1.0, Qt::DashLine));
    painter->setBrush(m_outlined ? QColor(25, 118, 210, 22) : QColor(38, 50, 56, 14));
    painter->drawRoundedRect(m_box, 6, 6);
    QFont font = painter->font();
    font.setPointSizeF(7.5);
    painter->setFont(font);
    painter->setPen(QColor(84, 110, 122));
    painter->drawText(QRectF(m_box.x() + 4, m_box.y() - 13, std::max(60.0, m_box.width()), 12),
                      Qt::AlignLeft | Qt::AlignVCenter, m_model->group(m_group).name);
  }

 private:
  const TapeGraphModel* m_model;
  int m_group;
  QRectF m_box;
  bool m_outlined = false;
};

// --- the folded drawing: its own items, rebuilt when the folding or the graph changes ---

class FoldedNodeItem : public QGraphicsItem {
 public:
  FoldedNodeItem(const TapeGraphModel* model, int folded, int modelNode, const QRectF& box, QString label, bool group)
      : m_model(model), m_folded(folded), m_modelNode(modelNode), m_box(box), m_label(std::move(label)), m_group(group) {
    setZValue(10);
  }
  int foldedIndex() const { return m_folded; }
  int modelNode() const { return m_modelNode; }
  QRectF boundingRect() const override { return m_box.adjusted(-3, -3, 3, 3); }
  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    const TapeGraphModel::Folded& f = m_model->folded();
    const int current = m_model->currentNode();
    const bool isCurrent = current >= 0 && static_cast<std::size_t>(current) < f.graph.nodeOf.size() &&
                           f.graph.nodeOf[static_cast<std::size_t>(current)] == m_folded;
    QColor fill = m_modelNode >= 0 ? nodeFill(*m_model, m_modelNode) : QColor(207, 216, 220);
    if (isCurrent) fill = kHighlight;
    painter->setPen(QPen(m_group ? QColor(69, 90, 100) : kBorder, m_group ? 1.6 : 1.0));
    painter->setBrush(fill);
    painter->drawRoundedRect(m_box, 5, 5);
    if (m_group) {  // a stack of cards: it stands for a module call (or N of them)
      painter->setBrush(Qt::NoBrush);
      painter->drawRoundedRect(m_box.adjusted(3, 3, 3, 3), 5, 5);
    }
    QFont font = painter->font();
    font.setPointSizeF(8.5);
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(fill.lightnessF() < 0.45 ? Qt::white : Qt::black);
    painter->drawText(m_box, Qt::AlignCenter, m_label);
  }

 private:
  const TapeGraphModel* m_model;
  int m_folded;
  int m_modelNode;  // -1: it stands for a group
  QRectF m_box;
  QString m_label;
  bool m_group;
};

// --- minimap --------------------------------------------------------------------------

class GraphMiniMap : public QWidget {
 public:
  explicit GraphMiniMap(TapeGraphView* view) : QWidget(view->viewport()), m_view(view) {
    setFixedSize(160, 120);
    setCursor(Qt::PointingHandCursor);
    setToolTip(QObject::tr("The whole graph; click to go there"));
  }
  /// The graph changed (nodes, colours): redrawn at the next paint, not at every scroll.
  void invalidate() {
    m_dirty = true;
    update();
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.fillRect(rect(), QColor(255, 255, 255, 220));
    p.setPen(QColor(176, 190, 197));
    p.drawRect(rect().adjusted(0, 0, -1, -1));
    const TapeGraphModel* model = m_view->model();
    if (model == nullptr || model->nodeCount() == 0) return;
    const QRectF scene = m_view->sceneRect();
    const QTransform t = mapping(scene);
    if (m_dirty || m_cachedScene != scene || m_cache.size() != size()) {
      m_cache = QImage(size(), QImage::Format_ARGB32_Premultiplied);
      drawGraphImage(m_cache, *model, t, false);
      m_cachedScene = scene;
      m_dirty = false;
    }
    p.drawImage(0, 0, m_cache);
    if (const int current = model->currentNode(); current >= 0) {
      const QPointF c = t.map(toQt(model->nodeBox(current)).center());
      p.setPen(QPen(Qt::black, 1));
      p.setBrush(TapeGraphView::highlightColour());
      p.drawEllipse(c, 3.5, 3.5);
    }
    const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    p.setPen(QPen(kSelection, 1.2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(t.mapRect(visible));
  }
  void mousePressEvent(QMouseEvent* event) override { goTo(event->position()); }
  void mouseMoveEvent(QMouseEvent* event) override { goTo(event->position()); }

 private:
  QTransform mapping(const QRectF& scene) const {
    const double s = std::min((width() - 8) / std::max(1.0, scene.width()), (height() - 8) / std::max(1.0, scene.height()));
    QTransform t;
    t.translate(4 + (width() - 8 - scene.width() * s) / 2, 4 + (height() - 8 - scene.height() * s) / 2);
    t.scale(s, s);
    t.translate(-scene.x(), -scene.y());
    return t;
  }
  void goTo(const QPointF& pos) {
    bool invertible = false;
    const QTransform inverse = mapping(m_view->sceneRect()).inverted(&invertible);
    if (invertible) m_view->centerOn(inverse.map(pos));
  }
  TapeGraphView* m_view;
  QImage m_cache;
  QRectF m_cachedScene;
  bool m_dirty = true;
};

// --- the view -------------------------------------------------------------------------

TapeGraphView::TapeGraphView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setDragMode(QGraphicsView::ScrollHandDrag);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setBackgroundBrush(Qt::white);
  m_card = new QLabel(viewport());
  m_card->setObjectName(QStringLiteral("graphCard"));
  m_card->setStyleSheet(QStringLiteral(
      "QLabel { background: rgba(255,253,231,235); border: 1px solid #c0b060; border-radius: 4px; padding: 6px; }"));
  m_card->setTextFormat(Qt::PlainText);
  m_card->setWordWrap(true);  // a long formula wraps inside the view instead of running off it
  m_card->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_card->hide();
  m_card->setProperty("wanted", true);
  m_miniMap = new GraphMiniMap(this);
  placeOverlays();
}

TapeGraphView::~TapeGraphView() { deleteItems(); }

QColor TapeGraphView::highlightColour() { return kHighlight; }

void TapeGraphView::setModel(TapeGraphModel* model) {
  if (m_model != nullptr) disconnect(m_model, nullptr, this, nullptr);
  m_model = model;
  if (model != nullptr) {
    connect(model, &TapeGraphModel::reset, this, &TapeGraphView::rebuild);
    connect(model, &TapeGraphModel::groupsAdded, this, &TapeGraphView::addGroups);
    connect(model, &TapeGraphModel::nodesAdded, this, &TapeGraphView::addNodes);
    connect(model, &TapeGraphModel::edgesAdded, this, &TapeGraphView::addEdges);
    connect(model, &TapeGraphModel::nodesChanged, this, &TapeGraphView::refreshNodes);
    connect(model, &TapeGraphModel::coloursChanged, this, &TapeGraphView::refreshAll);
    connect(model, &TapeGraphModel::currentChanged, this, &TapeGraphView::onCurrentChanged);
    connect(model, &TapeGraphModel::foldingChanged, this, [this] {
      rebuildFolded();
      updateOverview();
    });
    connect(model, &TapeGraphModel::laidOut, this, &TapeGraphView::relaidOut);
  }
  rebuild();
}

void TapeGraphView::deleteItems() {
  // Items out of the scene (overview, folded) are ours to delete; the scene deletes the rest.
  if (!m_liveInScene) {
    qDeleteAll(m_nodes);
    qDeleteAll(m_edges);
    qDeleteAll(m_groups);
  }
  scene()->clear();  // the folded items are in it
  m_foldedItems.clear();
  m_foldedNodes.clear();
  m_liveInScene = true;
  m_overview = false;
  m_foldedShown = false;
}

void TapeGraphView::rebuild() {
  deleteItems();
  m_nodes.clear();
  m_edges.clear();
  m_groups.clear();
  m_edgesOfNode.clear();
  m_selected = -1;
  if (m_model != nullptr) {
    addGroups(0, m_model->groupCount());
    addNodes(0, m_model->nodeCount());
    addEdges(0, m_model->edgeCount());
  }
  rebuildFolded();
  updateOverview();
  growScene();
  updateCard();
  graphChanged();
}

void TapeGraphView::relaidOut() {
  // Every item anew at its new place; the selection stays, and the scene fits the new
  // drawing (which is usually smaller: the scene never shrinks while growing).
  const int selected = m_selected;
  rebuild();
  if (m_model != nullptr && m_model->nodeCount() > 0 && !m_foldedShown)
    setSceneRect(toQt(m_model->bounds()).adjusted(-40, -40, 40, 40));
  selectNode(selected);
  if (selected >= 0) reveal(selected);
}

void TapeGraphView::addGroups(int first, int count) {
  for (int g = first; g < first + count; ++g) {
    int depth = 0;
    for (int p = m_model->group(g).parent; p >= 0; p = m_model->group(p).parent) ++depth;
    auto* item = new GraphGroupItem(m_model, g, depth);
    item->setOutlined(!m_selectedModule.isEmpty() && m_model->group(g).path == m_selectedModule);
    if (m_liveInScene) scene()->addItem(item);
    m_groups << item;
  }
}

void TapeGraphView::addNodes(int first, int count) {
  for (int n = first; n < first + count; ++n) {
    auto* item = new GraphNodeItem(m_model, n, toQt(m_model->nodeBox(n)));
    const GraphEntry* e = m_model->entryOf(n);
    item->setToolTip(e != nullptr ? QStringLiteral("#%1 %2 %3").arg(e->id).arg(e->op, e->scope)
                                  : m_model->node(n).label + QLatin1Char(' ') + m_model->node(n).shape);
    if (m_liveInScene) scene()->addItem(item);
    m_nodes << item;
    m_edgesOfNode << QVector<int>{};
  }
  // A group's box grows with its nodes (placed nodes never move; the box only widens).
  for (GraphGroupItem* g : m_groups) g->refresh();
  if (m_foldedShown) rebuildFolded();  // laid out anew: the folded drawing is one-shot
  else growScene();
  graphChanged();
  placeOverlays();
}

void TapeGraphView::addEdges(int first, int count) {
  for (int e = first; e < first + count; ++e) {
    auto* item = new GraphEdgeItem(m_model, e);
    if (m_showSaved) item->refresh(true);
    if (m_liveInScene) scene()->addItem(item);
    m_edges << item;
    m_edgesOfNode[m_model->edge(e).to] << e;
  }
}

void TapeGraphView::refreshNodes(const QVector<int>& nodes) {
  for (int n : nodes) {
    if (n < 0 || n >= m_nodes.size()) continue;
    m_nodes[n]->update();
    for (int e : m_edgesOfNode[n]) m_edges[e]->refresh(m_showSaved);
  }
  if (std::find(nodes.begin(), nodes.end(), m_selected) != nodes.end() ||
      std::find(nodes.begin(), nodes.end(), m_model->currentNode()) != nodes.end())
    updateCard();
  graphChanged();
}

void TapeGraphView::refreshAll() {
  for (GraphNodeItem* n : m_nodes) n->update();
  for (GraphEdgeItem* e : m_edges) e->refresh(m_showSaved);
  graphChanged();
  viewport()->update();
}

void TapeGraphView::graphChanged() {
  m_overviewDirty = true;
  if (m_overview) viewport()->update();
  if (m_miniMap != nullptr) m_miniMap->invalidate();
}

void TapeGraphView::syncScene() {
  // The live items are in the scene unless the overview or the folded drawing shows.
  const bool want = !m_overview && !m_foldedShown;
  if (want == m_liveInScene) return;
  m_liveInScene = want;
  auto move = [&](QGraphicsItem* item) {
    if (want) scene()->addItem(item);
    else scene()->removeItem(item);
  };
  for (GraphGroupItem* g : m_groups) move(g);
  for (GraphEdgeItem* e : m_edges) move(e);
  for (GraphNodeItem* n : m_nodes) move(n);
}

void TapeGraphView::rebuildFolded() {
  for (QGraphicsItem* item : m_foldedItems) {
    scene()->removeItem(item);
    delete item;
  }
  m_foldedItems.clear();
  m_foldedNodes.clear();
  m_foldedShown = m_model != nullptr && m_model->isFolded() && !m_model->folded().graph.graph.nodes.empty();
  syncScene();
  if (!m_foldedShown) {
    growScene();
    return;
  }
  const TapeGraphModel::Folded& f = m_model->folded();
  // Model node behind each plain folded node.
  QVector<int> single(static_cast<int>(f.graph.graph.nodes.size()), -1);
  for (std::size_t n = 0; n < f.graph.nodeOf.size(); ++n) {
    const int target = f.graph.nodeOf[n];
    if (target >= 0 && f.graph.sourceGroup[static_cast<std::size_t>(target)] < 0) single[target] = static_cast<int>(n);
  }
  for (std::size_t g = 0; g < f.layout.groupBoxes.size(); ++g) {
    if (f.layout.groupBoxes[g].empty()) continue;
    auto* box = new QGraphicsRectItem(toQt(f.layout.groupBoxes[g]));
    box->setPen(QPen(QColor(120, 144, 156), 1.0, Qt::DashLine));
    box->setBrush(QColor(38, 50, 56, 14));
    box->setZValue(1);
    box->setToolTip(QString::fromStdString(f.graph.graph.groups[g].name));
    scene()->addItem(box);
    m_foldedItems << box;
  }
  for (std::size_t e = 0; e < f.graph.graph.edges.size(); ++e) {
    const std::vector<layout::Point>& route = f.layout.routes[e];
    if (route.size() < 2) continue;
    QPainterPath path(QPointF(route.front().x, route.front().y));
    for (std::size_t i = 1; i < route.size(); ++i) path.lineTo(route[i].x, route[i].y);
    auto* edge = new QGraphicsPathItem(path);
    edge->setPen(QPen(kEdge, 1.2));
    edge->setZValue(5);
    scene()->addItem(edge);
    m_foldedItems << edge;
  }
  for (std::size_t n = 0; n < f.graph.graph.nodes.size(); ++n) {
    const int source = f.graph.sourceGroup[n];
    const QString label = f.labels.value(static_cast<int>(n));
    auto* item = new FoldedNodeItem(m_model, static_cast<int>(n), single[static_cast<int>(n)],
                                    toQt(f.layout.nodeBoxes[n]), label, source >= 0);
    item->setToolTip(source >= 0 ? tr("%1 (double-click to expand)").arg(m_model->group(source).path) : label);
    scene()->addItem(item);
    m_foldedItems << item;
    m_foldedNodes << item;
  }
  setSceneRect(toQt(f.layout.bounds).adjusted(-40, -40, 40, 40));
  viewport()->update();
}

void TapeGraphView::updateOverview() {
  // Below this scale an op is a few pixels tall: drawing each item costs per item while
  // showing nothing more than a box, so the graph is drawn from one cached image instead
  // and the items are hidden (a pass over them only when the threshold is crossed).
  // The items leave the scene meanwhile (kept, never re-created): hidden ones would still
  // be found and sorted by the scene's index at every frame.
  const bool overview = m_model != nullptr && !m_foldedShown && zoom() < kOverviewZoom;
  if (overview == m_overview) return;
  m_overview = overview;
  syncScene();
  m_overviewDirty = true;
  viewport()->update();
}

void TapeGraphView::drawBackground(QPainter* painter, const QRectF& rect) {
  QGraphicsView::drawBackground(painter, rect);
  if (!m_overview || m_model == nullptr || m_model->nodeCount() == 0) return;
  const QRectF bounds = toQt(m_model->bounds());
  if (m_overviewDirty || m_overviewBounds != bounds) {
    // At most 2048 pixels a side: sharp at the zooms that use it, built in one pass.
    const double s = std::min({1.0, 2048.0 / std::max(1.0, bounds.width()), 2048.0 / std::max(1.0, bounds.height())});
    m_overviewImage = QImage(QSize(static_cast<int>(std::ceil(bounds.width() * s)) + 1,
                                   static_cast<int>(std::ceil(bounds.height() * s)) + 1),
                             QImage::Format_ARGB32_Premultiplied);
    QTransform t;
    t.scale(s, s);
    t.translate(-bounds.x(), -bounds.y());
    drawGraphImage(m_overviewImage, *m_model, t, true);
    m_overviewBounds = bounds;
    m_overviewScale = s;
    m_overviewDirty = false;
  }
  painter->drawImage(QRectF(bounds.topLeft(), QSizeF(m_overviewImage.width() / m_overviewScale,
                                                      m_overviewImage.height() / m_overviewScale)),
                     m_overviewImage);
}

void TapeGraphView::onCurrentChanged(int oldNode, int newNode) {
  if (oldNode >= 0 && oldNode < m_nodes.size()) m_nodes[oldNode]->update();
  if (m_overview || m_foldedShown) viewport()->update();
  if (newNode >= 0 && newNode < m_nodes.size()) {
    m_nodes[newNode]->update();
    for (int e : m_edgesOfNode[newNode]) m_edges[e]->refresh(m_showSaved);
    if (m_follow) reveal(newNode);
  }
  updateCard();
  if (m_miniMap != nullptr) m_miniMap->update();
}

void TapeGraphView::growScene() {
  if (m_model == nullptr || m_foldedShown) return;
  const QRectF bounds = toQt(m_model->bounds()).adjusted(-40, -40, 40, 40);
  // The scene rect only grows during an iteration, so scrolling never jumps back.
  setSceneRect(m_model->nodeCount() == 0 ? QRectF(0, 0, 100, 100) : sceneRect().united(bounds));
  if (m_model->nodeCount() > 0 && sceneRect().width() > bounds.width() * 4) setSceneRect(bounds);
}

QGraphicsItem* TapeGraphView::nodeItem(int node) const {
  return node >= 0 && node < m_nodes.size() ? m_nodes[node] : nullptr;
}

QPen TapeGraphView::edgePen(int edge) const {
  return edge >= 0 && edge < m_edges.size() ? m_edges[edge]->pen() : QPen();
}

QGraphicsItem* TapeGraphView::edgeItem(int edge) const {
  return edge >= 0 && edge < m_edges.size() ? m_edges[edge] : nullptr;
}

void TapeGraphView::fitAll() {
  if (m_model == nullptr || m_model->nodeCount() == 0) return;
  const QRectF content = m_foldedShown ? toQt(m_model->folded().layout.bounds) : toQt(m_model->bounds());
  fitInView(content.adjusted(-20, -20, 20, 20), Qt::KeepAspectRatio);
  // Never blow a small graph up beyond 150%.
  if (zoom() > 1.5) zoomBy(1.5 / zoom());
  updateOverview();
  emit zoomChanged(zoom());
  placeOverlays();
}

void TapeGraphView::resetZoom() {
  setTransform(QTransform());
  updateOverview();
  emit zoomChanged(zoom());
  placeOverlays();
}

double TapeGraphView::zoom() const { return transform().m11(); }

void TapeGraphView::zoomBy(double factor) {
  const double next = std::clamp(zoom() * factor, 0.02, 8.0);
  const double applied = next / zoom();
  scale(applied, applied);
  updateOverview();
  emit zoomChanged(zoom());
  placeOverlays();
}

void TapeGraphView::reveal(int node) {
  if (node < 0 || node >= m_nodes.size()) return;
  QRectF box = m_nodes[node]->boundingRect();
  if (m_foldedShown) {
    const TapeGraphModel::Folded& f = m_model->folded();
    const int folded = static_cast<std::size_t>(node) < f.graph.nodeOf.size() ? f.graph.nodeOf[static_cast<std::size_t>(node)] : -1;
    if (folded < 0 || folded >= m_foldedNodes.size()) return;
    box = m_foldedNodes[folded]->boundingRect();
  }
  const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
  if (!visible.contains(box)) centerOn(box.center());
}

void TapeGraphView::selectNode(int node) {
  if (m_selected >= 0 && m_selected < m_nodes.size()) m_nodes[m_selected]->setSelectedNode(false);
  m_selected = node >= 0 && node < m_nodes.size() ? node : -1;
  if (m_selected >= 0) m_nodes[m_selected]->setSelectedNode(true);
  updateCard();
}

void TapeGraphView::setShowSaved(bool show) {
  m_showSaved = show;
  for (GraphEdgeItem* e : m_edges) e->refresh(show);
}

int TapeGraphView::selectModule(const QString& path) {
  m_selectedModule = path;
  int found = 0;
  GraphGroupItem* last = nullptr;
  for (int g = 0; g < m_groups.size(); ++g) {
    const bool match = !path.isEmpty() && m_model != nullptr && m_model->group(g).path == path;
    m_groups[g]->setOutlined(match);
    if (match) {
      ++found;
      last = m_groups[g];
    }
  }
  if (last != nullptr && !last->box().isEmpty()) {
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    if (!visible.contains(last->box())) centerOn(last->box().center());
  }
  return found;
}

void TapeGraphView::setCardVisible(bool visible) {
  m_card->setProperty("wanted", visible);
  updateCard();
}

void TapeGraphView::setMiniMapVisible(bool visible) {
  m_miniMapWanted = visible;
  placeOverlays();
}

bool TapeGraphView::cardVisible() const { return m_card->property("wanted").toBool(); }

bool TapeGraphView::miniMapShown() const { return m_miniMap->isVisible(); }

QString TapeGraphView::cardText() const { return m_card->text(); }

int TapeGraphView::cardNode() const {
  return m_selected >= 0 ? m_selected : (m_model != nullptr ? m_model->currentNode() : -1);
}

void TapeGraphView::updateCard() {
  const int node = cardNode();
  const QString text = m_model != nullptr && node >= 0 ? m_model->cardText(node) : QString();
  m_card->setText(text);
  m_card->setVisible(cardVisible() && !text.isEmpty());
  m_card->adjustSize();
  placeOverlays();
}

void TapeGraphView::placeOverlays() {
  const QRect area = viewport()->rect();
  if (m_card != nullptr) {
    m_card->setMaximumWidth(std::max(160, area.width() - 16));
    m_card->adjustSize();
    // In the top corner, unless it would cover the node it explains: then in the bottom one.
    QPoint at(8, 8);
    const int node = cardNode();
    if (m_card->isVisible() && !m_foldedShown && node >= 0 && node < m_nodes.size()) {
      const QRect nodeRect = mapFromScene(m_nodes[node]->sceneBoundingRect()).boundingRect();
      if (nodeRect.intersects(QRect(at, m_card->size())))
        at = QPoint(8, std::max(8, area.height() - m_card->height() - 8));
    }
    m_card->move(at);
  }
  if (m_miniMap != nullptr) {
    m_miniMap->move(area.width() - m_miniMap->width() - 8, area.height() - m_miniMap->height() - 8);
    // Shown when the view is big enough to spare the corner and the graph does not fit.
    const QRectF visible = mapToScene(area).boundingRect();
    // (The folded drawing is compact, and the minimap draws the live layout: not then.)
    const bool fits = m_model == nullptr || m_model->nodeCount() == 0 || m_foldedShown ||
                      visible.contains(toQt(m_model->bounds()));
    m_miniMap->setVisible(m_miniMapWanted && !fits && area.width() > 3 * m_miniMap->width() &&
                          area.height() > 2 * m_miniMap->height());
    m_miniMap->update();
  }
}

int TapeGraphView::nodeAt(const QPoint& viewPos) const {
  if (m_foldedShown) {
    for (QGraphicsItem* item : items(viewPos))
      if (auto* f = dynamic_cast<FoldedNodeItem*>(item)) return f->modelNode();
    return -1;
  }
  for (QGraphicsItem* item : items(viewPos)) {
    const qsizetype i = m_nodes.indexOf(static_cast<GraphNodeItem*>(item));
    if (i >= 0) return static_cast<int>(i);
  }
  return -1;
}

void TapeGraphView::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0.0) return QGraphicsView::wheelEvent(event);
  zoomBy(std::pow(1.15, steps));
  event->accept();
}

void TapeGraphView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    const int node = nodeAt(event->position().toPoint());
    if (node >= 0) {
      selectNode(node);
      emit nodeSelected(node);
    }
  }
  QGraphicsView::mousePressEvent(event);
}

void TapeGraphView::mouseDoubleClickEvent(QMouseEvent* event) {
  const QPoint at = event->position().toPoint();
  if (m_foldedShown) {
    // A folded module call opens again (a ×N run unfolds the repeats).
    for (QGraphicsItem* item : items(at)) {
      auto* f = dynamic_cast<FoldedNodeItem*>(item);
      if (f == nullptr) continue;
      const TapeGraphModel::Folded& folded = m_model->folded();
      const int source = folded.graph.sourceGroup[static_cast<std::size_t>(f->foldedIndex())];
      if (source >= 0) {
        if (folded.graph.repeats[static_cast<std::size_t>(f->foldedIndex())] > 1) m_model->setFoldRepeats(false);
        else m_model->setGroupCollapsed(source, false);
        return;
      }
      break;
    }
  }
  const int node = nodeAt(at);
  if (node >= 0) {
    emit nodeActivated(node);
  } else if (!m_foldedShown && m_model != nullptr) {
    // On a module call's box (not on a node): collapse it, the innermost one first.
    for (QGraphicsItem* item : items(at)) {
      const qsizetype g = m_groups.indexOf(static_cast<GraphGroupItem*>(item));
      if (g >= 0) {
        m_model->setGroupCollapsed(static_cast<int>(g), true);
        return;
      }
    }
  }
  QGraphicsView::mouseDoubleClickEvent(event);
}

void TapeGraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  placeOverlays();
}

void TapeGraphView::scrollContentsBy(int dx, int dy) {
  QGraphicsView::scrollContentsBy(dx, dy);
  placeOverlays();
}

void TapeGraphView::drawForeground(QPainter* painter, const QRectF&) {
  if (m_model == nullptr) return;
  if (m_model->nodeCount() == 0) {
    // An empty graph says what will be here.
    painter->save();
    painter->resetTransform();
    painter->setPen(QColor(120, 144, 156));
    painter->drawText(viewport()->rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap,
                      tr("Run or step a script: its tape is drawn here as it runs, op by op."));
    painter->restore();
    return;
  }
  if (m_overview) {
    // Tiny boxes: the current and the selected node get a marker of a readable size.
    painter->save();
    painter->resetTransform();
    for (int node : {m_selected, m_model->currentNode()}) {
      if (node < 0 || node >= m_model->nodeCount()) continue;
      const QPointF c = mapFromScene(toQt(m_model->nodeBox(node)).center());
      painter->setPen(QPen(node == m_selected ? kSelection : Qt::black, 1.5));
      painter->setBrush(node == m_selected ? Qt::NoBrush : QBrush(kHighlight));
      painter->drawEllipse(c, 6.0, 6.0);
    }
    painter->restore();
  }
  if (m_model->colourBy() == TapeGraphModel::ColourBy::Kind) return;
  // The legend, in viewport coordinates: the ramp from the range's low to its high end.
  painter->save();
  painter->resetTransform();
  const QRect area = viewport()->rect();
  const QRectF bar(area.width() - 190, 10, 150, 10);
  QLinearGradient gradient(bar.topLeft(), bar.topRight());
  for (int i = 0; i <= 8; ++i) gradient.setColorAt(i / 8.0, rampColour(i / 8.0));
  painter->fillRect(bar.adjusted(-6, -6, 36, 30), QColor(255, 255, 255, 220));
  painter->fillRect(bar, gradient);
  QFont font = painter->font();
  font.setPointSizeF(7.5);
  painter->setFont(font);
  painter->setPen(Qt::black);
  painter->drawText(QRectF(bar.x(), bar.bottom() + 1, 75, 12), Qt::AlignLeft, QString::number(m_model->colourMin(), 'g', 3));
  painter->drawText(QRectF(bar.right() - 40, bar.bottom() + 1, 75, 12), Qt::AlignLeft, QString::number(m_model->colourMax(), 'g', 3));
  painter->drawText(QRectF(bar.x(), bar.bottom() + 12, 180, 12), Qt::AlignLeft, m_model->colourTitle());
  painter->restore();
}

/// Zoomed out, the live items are out of the scene: an export puts them back meanwhile
/// (the folded drawing's items are in the scene; it exports what it shows).
TapeGraphView::LiveItemsForExport::LiveItemsForExport(TapeGraphView& view) : m_view(view), m_overview(view.m_overview) {
  if (m_overview) {
    m_view.m_overview = false;
    m_view.syncScene();
  }
}

TapeGraphView::LiveItemsForExport::~LiveItemsForExport() {
  if (m_overview) {
    m_view.m_overview = true;
    m_view.syncScene();
  }
}

bool TapeGraphView::exportSvg(const QString& path, QString* error) {
  const LiveItemsForExport live(*this);
  const QRectF source = scene()->itemsBoundingRect().adjusted(-10, -10, 10, 10);
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(source.size().toSize());
  svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
  svg.setTitle(tr("Tapedeck tape graph"));
  QPainter painter;
  if (!painter.begin(&svg)) {
    if (error != nullptr) *error = tr("cannot write %1").arg(QFileInfo(path).absoluteFilePath());
    return false;
  }
  painter.fillRect(QRectF(QPointF(0, 0), source.size()), Qt::white);
  scene()->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
  painter.end();
  if (!QFileInfo(path).exists()) {
    if (error != nullptr) *error = tr("cannot write %1").arg(QFileInfo(path).absoluteFilePath());
    return false;
  }
  return true;
}

bool TapeGraphView::exportPng(const QString& path, QString* error) {
  const LiveItemsForExport live(*this);
  const QRectF source = scene()->itemsBoundingRect().adjusted(-10, -10, 10, 10);
  // Capped at 16k pixels a side: a huge tape is scaled down rather than failing.
  const double scale = std::min({2.0, 16000.0 / std::max(1.0, source.width()), 16000.0 / std::max(1.0, source.height())});
  QImage image((source.size() * scale).toSize().expandedTo(QSize(1, 1)), QImage::Format_ARGB32);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(image.size())), source);
  }
  if (!image.save(path, "PNG")) {
    if (error != nullptr) *error = tr("cannot write %1").arg(QFileInfo(path).absoluteFilePath());
    return false;
  }
  return true;
}

}  // namespace td::widgets
