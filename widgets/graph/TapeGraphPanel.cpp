#include "graph/TapeGraphPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace td::widgets {

TapeGraphPanel::TapeGraphPanel(QWidget* parent)
    : QWidget(parent), m_model(new TapeGraphModel(this)), m_view(new TapeGraphView(this)) {
  m_view->setModel(m_model);
  m_view->setObjectName(QStringLiteral("tapeGraphView"));

  m_search = new QLineEdit(this);
  m_search->setObjectName(QStringLiteral("graphSearch"));
  m_search->setPlaceholderText(tr("Find op, parameter or module…"));
  m_search->setClearButtonEnabled(true);
  m_matches = new QLabel(this);
  m_colour = new QComboBox(this);
  m_colour->setObjectName(QStringLiteral("graphColourBy"));
  m_colour->addItem(tr("kind"), static_cast<int>(TapeGraphModel::ColourBy::Kind));
  m_colour->addItem(tr("forward order"), static_cast<int>(TapeGraphModel::ColourBy::ForwardTime));
  m_colour->addItem(tr("output magnitude"), static_cast<int>(TapeGraphModel::ColourBy::OutputMagnitude));
  m_colour->addItem(tr("gradient norm"), static_cast<int>(TapeGraphModel::ColourBy::GradientNorm));
  m_colour->addItem(tr("saved for backward"), static_cast<int>(TapeGraphModel::ColourBy::SavedBytes));
  auto* fit = new QToolButton(this);
  fit->setText(tr("Fit"));
  fit->setToolTip(tr("Fit the whole graph in the view"));
  auto* actual = new QToolButton(this);
  actual->setText(tr("100%"));
  auto* tidy = new QToolButton(this);
  tidy->setObjectName(QStringLiteral("graphTidy"));
  tidy->setText(tr("Tidy"));
  tidy->setToolTip(tr("Lay the graph out anew: module boxes side by side, none overlapping "
                      "(the live graph never moves a node while it grows)"));
  auto* follow = new QCheckBox(tr("Follow"), this);
  follow->setToolTip(tr("Scroll to the entry the debugger stands on"));
  follow->setChecked(true);
  auto* fold = new QCheckBox(tr("Fold ×N"), this);
  fold->setObjectName(QStringLiteral("graphFoldRepeats"));
  fold->setToolTip(tr("Fold runs of identical module calls (the layers of a stack) into one node ×N; "
                      "double-click a module's box to collapse it, a folded node to open it"));
  auto* expand = new QToolButton(this);
  expand->setText(tr("Expand all"));
  auto* saved = new QCheckBox(tr("Saved"), this);
  saved->setObjectName(QStringLiteral("graphShowSaved"));
  saved->setToolTip(tr("Mark the tensors each op saved for its backward (dashed purple edges)"));
  auto* card = new QCheckBox(tr("Card"), this);
  card->setToolTip(tr("Explain the selected or current node: inputs, output, and in backward the formula with its numbers"));
  card->setChecked(true);

  // Two rows of tools: finding and drawing, then what the view shows. (One row hid the
  // last ones behind a tool bar's extension arrow, which does nothing outside a main
  // window's tool bar area: a docked graph could not reach them.)
  m_search->setMinimumWidth(140);
  m_colour->setToolTip(tr("What a node's colour encodes (the legend shows its range)"));
  auto* tools = new QToolBar(this);
  tools->setIconSize(QSize(16, 16));
  tools->addWidget(m_search);
  tools->addWidget(m_matches);
  tools->addSeparator();
  tools->addWidget(new QLabel(tr(" Colour "), this));
  tools->addWidget(m_colour);
  tools->addWidget(fit);
  tools->addWidget(actual);
  tools->addWidget(tidy);
  auto* toggles = new QToolBar(this);
  toggles->setObjectName(QStringLiteral("graphToggles"));
  toggles->addWidget(fold);
  toggles->addWidget(expand);
  toggles->addWidget(saved);
  toggles->addWidget(follow);
  toggles->addWidget(card);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(tools);
  layout->addWidget(toggles);
  layout->addWidget(m_view, 1);

  connect(m_search, &QLineEdit::returnPressed, this, [this] { search(m_search->text()); });
  connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
    m_lastMatch = -1;
    if (text.isEmpty()) m_matches->clear();
  });
  connect(m_colour, &QComboBox::currentIndexChanged, this, [this](int) {
    m_model->setColourBy(static_cast<TapeGraphModel::ColourBy>(m_colour->currentData().toInt()));
  });
  connect(fit, &QToolButton::clicked, m_view, &TapeGraphView::fitAll);
  connect(actual, &QToolButton::clicked, m_view, &TapeGraphView::resetZoom);
  connect(tidy, &QToolButton::clicked, m_model, &TapeGraphModel::tidy);
  connect(follow, &QCheckBox::toggled, m_view, &TapeGraphView::setFollowCurrent);
  connect(fold, &QCheckBox::toggled, m_model, &TapeGraphModel::setFoldRepeats);
  connect(saved, &QCheckBox::toggled, m_view, &TapeGraphView::setShowSaved);
  connect(expand, &QToolButton::clicked, this, [this, fold] {
    fold->setChecked(false);
    m_model->expandAll();
  });
  connect(m_model, &TapeGraphModel::foldingChanged, this, [this, fold] {
    const QSignalBlocker quiet(fold);
    fold->setChecked(m_model->foldRepeats());
  });
  connect(card, &QCheckBox::toggled, m_view, &TapeGraphView::setCardVisible);
  connect(m_view, &TapeGraphView::nodeSelected, this, &TapeGraphPanel::onNodeSelected);
  connect(m_view, &TapeGraphView::nodeActivated, this, [this](int node) {
    if (const GraphEntry* e = m_model->entryOf(node); e != nullptr && !e->file.isEmpty())
      emit sourceRequested(e->file, e->line);
  });
}

void TapeGraphPanel::onNodeSelected(int node) {
  const TapeGraphModel::Node& n = m_model->node(node);
  if (n.kind == TapeGraphModel::NodeKind::Op) emit entrySelected(n.entryId);
  else emit tensorSelected(n.tensorId);
}

bool TapeGraphPanel::selectEntry(quint64 entryId) {
  const int node = m_model->nodeOfEntry(entryId);
  if (node < 0) return false;
  m_view->selectNode(node);
  m_view->reveal(node);
  return true;
}

int TapeGraphPanel::search(const QString& text) {
  const QVector<int> hits = m_model->find(text);
  if (hits.isEmpty()) {
    m_matches->setText(text.trimmed().isEmpty() ? QString() : tr("no match"));
    return 0;
  }
  // The next match after the last one shown, wrapping around.
  int next = hits.front();
  for (int h : hits) {
    if (h > m_lastMatch) {
      next = h;
      break;
    }
  }
  m_lastMatch = next;
  const int position = static_cast<int>(hits.indexOf(next)) + 1;
  m_matches->setText(tr("%1 of %2").arg(position).arg(hits.size()));
  m_view->selectNode(next);
  m_view->reveal(next);
  onNodeSelected(next);
  return static_cast<int>(hits.size());
}

}  // namespace td::widgets
