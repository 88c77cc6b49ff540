#include "inspector/TensorSliceControls.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <algorithm>
#include <limits>

namespace td::widgets {

TensorSliceControls::TensorSliceControls(QWidget* parent)
    : QWidget(parent), m_rowBox(new QComboBox(this)), m_columnBox(new QComboBox(this)),
      m_indexLayout(new QHBoxLayout) {
  m_rowBox->setToolTip(tr("The dimension along the table's rows"));
  m_columnBox->setToolTip(tr("The dimension along the table's columns"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(tr("Rows"), this));
  layout->addWidget(m_rowBox);
  layout->addWidget(new QLabel(tr("Columns"), this));
  layout->addWidget(m_columnBox);
  m_indexLayout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(m_indexLayout);
  layout->addStretch(1);
  const auto picked = [this](QComboBox* box, bool rows) {
    if (m_updating) return;
    SliceSelection next = m_selection;
    const int dimension = box->currentData().toInt();
    int& mine = rows ? next.rowDimension : next.columnDimension;
    int& other = rows ? next.columnDimension : next.rowDimension;
    if (dimension == other) other = mine;
    mine = dimension;
    m_selection = next;
    emitEdited();
  };
  connect(m_rowBox, &QComboBox::activated, this, [this, picked] { picked(m_rowBox, true); });
  connect(m_columnBox, &QComboBox::activated, this, [this, picked] { picked(m_columnBox, false); });
}

void TensorSliceControls::setShape(const QVector<qint64>& shape) {
  m_updating = true;
  m_shape = shape;
  for (QComboBox* box : {m_rowBox, m_columnBox}) {
    const QSignalBlocker blocker(box);
    box->clear();
    box->addItem(QStringLiteral("\u2014"), -1);  // none: that side is one cell
    for (int d = 0; d < shape.size(); ++d) box->addItem(tr("dim %1 (%2)").arg(d).arg(shape[d]), d);
  }
  qDeleteAll(m_indexCells);
  m_indexCells.clear();
  m_indexBoxes.clear();
  for (int d = 0; d < shape.size(); ++d) {
    auto* cell = new QWidget(this);
    auto* cellLayout = new QHBoxLayout(cell);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->addWidget(new QLabel(tr("dim %1").arg(d), cell));
    auto* box = new QSpinBox(cell);
    // QSpinBox is int; a dimension beyond 2^31 is only reachable up to there.
    box->setRange(0, static_cast<int>(std::clamp<qint64>(shape[d] - 1, 0, std::numeric_limits<int>::max())));
    box->setToolTip(tr("Index along dimension %1 (size %2)").arg(d).arg(shape[d]));
    cellLayout->addWidget(box);
    connect(box, &QSpinBox::valueChanged, this, [this, d](int value) {
      if (m_updating || d >= m_selection.index.size()) return;
      m_selection.index[d] = value;
      emitEdited();
    });
    m_indexLayout->addWidget(cell);
    m_indexCells.push_back(cell);
    m_indexBoxes.push_back(box);
  }
  m_updating = false;
}

void TensorSliceControls::setSelection(const SliceSelection& selection) {
  m_updating = true;
  m_selection = selection;
  m_rowBox->setCurrentIndex(m_rowBox->findData(selection.rowDimension));
  m_columnBox->setCurrentIndex(m_columnBox->findData(selection.columnDimension));
  for (int d = 0; d < m_indexBoxes.size(); ++d) {
    const bool fixed = d != selection.rowDimension && d != selection.columnDimension;
    m_indexCells[d]->setVisible(fixed);
    if (fixed && d < selection.index.size()) m_indexBoxes[d]->setValue(static_cast<int>(selection.index[d]));
  }
  m_updating = false;
}

QSpinBox* TensorSliceControls::indexBox(int dimension) const {
  if (dimension < 0 || dimension >= m_indexBoxes.size() || dimension == m_selection.rowDimension ||
      dimension == m_selection.columnDimension)
    return nullptr;
  return m_indexBoxes[dimension];
}

void TensorSliceControls::emitEdited() { emit selectionEdited(m_selection); }

}  // namespace td::widgets
