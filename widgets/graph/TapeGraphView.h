#pragma once
// Draws a TapeGraphModel: one item per node, edge and group, created when the model adds
// them and never re-created or moved while the iteration grows (a live graph only gains
// items). The entry the debugger stands on is filled with highlightColour(); an op whose
// backward ran has a green border and the gradient drawn back along its input edges
// (orange, arrow towards the input); a NaN/Inf node has a red border, the first one a
// "first NaN" badge. Small tensors show their values and gradients on the node.
// Pan by dragging, zoom with the wheel (around the cursor), fit, 100%, a minimap in the
// corner, a legend for the colour encoding and an optional card for the current node.
#include <QGraphicsView>
#include <QImage>
#include <QPointer>
#include <QVector>

#include "graph/TapeGraphModel.h"

class QGraphicsItem;
class QLabel;

namespace td::widgets {

class GraphNodeItem;
class GraphEdgeItem;
class GraphGroupItem;
class GraphMiniMap;

class TapeGraphView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit TapeGraphView(QWidget* parent = nullptr);
  ~TapeGraphView() override;

  /// Not owned; items are built for what it holds now and follow its signals.
  void setModel(TapeGraphModel* model);
  TapeGraphModel* model() const { return m_model; }

  /// The current entry's fill.
  static QColor highlightColour();
  /// The item drawing `node` (for tests), null when out of range.
  QGraphicsItem* nodeItem(int node) const;
  QGraphicsItem* edgeItem(int edge) const;
  int nodeItemCount() const { return static_cast<int>(m_nodes.size()); }

  void fitAll();
  void resetZoom();
  /// The view's scale (1.0 = 100%).
  double zoom() const;
  void zoomBy(double factor);
  /// Scrolls `node` into view (and centres it when it is not visible).
  void reveal(int node);

  /// Selection: one node, drawn with a blue outline; the card shows it when set.
  void selectNode(int node);
  int selectedNode() const { return m_selected; }
  /// Outlines every call of the module at `path` (a scope path, "fc1") and scrolls to the
  /// last one; "" or an unknown path clears. Returns how many calls were found.
  int selectModule(const QString& path);
  QString selectedModule() const { return m_selectedModule; }
  /// Draws the edges whose tensor the reader saved for backward (dashed purple).
  void setShowSaved(bool show);
  bool showsSaved() const { return m_showSaved; }
  /// The pen an edge is drawn with now (for tests).
  QPen edgePen(int edge) const;
  /// Scroll to the current entry whenever it changes (on by default).
  void setFollowCurrent(bool follow) { m_follow = follow; }
  bool followCurrent() const { return m_follow; }
  bool followsCurrent() const { return m_follow; }
  /// A card over the view's corner explaining the selected (else the current) node.
  void setCardVisible(bool visible);
  bool cardVisible() const;
  QString cardText() const;
  /// The minimap shows in the bottom-right corner when the graph does not fit (default on).
  void setMiniMapVisible(bool visible);
  bool miniMapShown() const;

  /// Below this zoom the graph is drawn from one cached image (an op is a few pixels
  /// tall) instead of item by item; the current and selected nodes get a marker.
  static constexpr double kOverviewZoom = 0.1;
  bool overviewShown() const { return m_overview; }
  /// Whether the folded drawing shows (the model is folded), and its node items.
  bool foldedShown() const { return m_foldedShown; }
  int foldedItemCount() const { return static_cast<int>(m_foldedNodes.size()); }
  QGraphicsItem* foldedNodeItem(int index) const { return m_foldedNodes.value(index); }

  /// The whole graph as an SVG or PNG file; false and `error` set on failure.
  bool exportSvg(const QString& path, QString* error = nullptr);
  bool exportPng(const QString& path, QString* error = nullptr);

 signals:
  /// A node was clicked (selected) or double-clicked (activated).
  void nodeSelected(int node);
  void nodeActivated(int node);
  void zoomChanged(double zoom);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;

 private:
  void rebuild();
  /// The model was laid out anew (TapeGraphModel::tidy): items rebuilt where they now are.
  void relaidOut();
  void deleteItems();
  struct LiveItemsForExport {
    explicit LiveItemsForExport(TapeGraphView& view);
    ~LiveItemsForExport();
    TapeGraphView& m_view;
    bool m_overview;
  };
  friend struct LiveItemsForExport;
  void addGroups(int first, int count);
  void addNodes(int first, int count);
  void addEdges(int first, int count);
  void refreshNodes(const QVector<int>& nodes);
  void refreshAll();
  void onCurrentChanged(int oldNode, int newNode);
  int nodeAt(const QPoint& viewPos) const;
  void updateCard();
  /// Nodes were added or changed: the overview and the minimap redraw at their next paint.
  void graphChanged();
  void updateOverview();
  /// The live items join or leave the scene (overview and folded drawing show without them).
  void syncScene();
  /// The folded drawing's items from the model's folded layout (none when not folded).
  void rebuildFolded();
  void placeOverlays();
  void growScene();

  QPointer<TapeGraphModel> m_model;
  QVector<GraphNodeItem*> m_nodes;
  QVector<GraphEdgeItem*> m_edges;
  QVector<GraphGroupItem*> m_groups;
  QVector<QVector<int>> m_edgesOfNode;  // per node: edges into it
  int m_selected = -1;
  QString m_selectedModule;
  bool m_follow = true;
  bool m_showSaved = false;
  QLabel* m_card = nullptr;
  /// The node the card explains: the selected one, else the current one (-1: none).
  int cardNode() const;
  GraphMiniMap* m_miniMap = nullptr;
  bool m_miniMapWanted = true;
  bool m_overview = false;
  bool m_foldedShown = false;
  bool m_liveInScene = true;
  QVector<QGraphicsItem*> m_foldedItems;  // every item of the folded drawing
  QVector<QGraphicsItem*> m_foldedNodes;  // its nodes, by folded index
  bool m_overviewDirty = true;
  QImage m_overviewImage;
  QRectF m_overviewBounds;
  double m_overviewScale = 1.0;
};

}  // namespace td::widgets
