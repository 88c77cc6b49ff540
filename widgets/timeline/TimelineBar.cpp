#include "timeline/TimelineBar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>

namespace td::widgets {

TimelineBar::TimelineBar(QWidget* parent)
    : QWidget(parent),
      m_model(new TimelineModel(this)),
      m_slider(new QSlider(Qt::Horizontal, this)),
      m_back(new QToolButton(this)),
      m_forward(new QToolButton(this)),
      m_live(new QToolButton(this)),
      m_label(new QLabel(this)) {
  m_slider->setObjectName(QStringLiteral("timelineSlider"));
  m_slider->setToolTip(tr("Scrub through the recorded entries of this and the previous iterations"));
  m_back->setArrowType(Qt::LeftArrow);
  m_back->setToolTip(tr("One entry back (the view only: execution stays where it paused)"));
  m_forward->setArrowType(Qt::RightArrow);
  m_forward->setToolTip(tr("One entry forward"));
  m_live->setText(tr("Live"));
  m_live->setToolTip(tr("Back to where execution stands"));
  m_label->setMinimumWidth(260);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  layout->addWidget(m_back);
  layout->addWidget(m_slider, 1);
  layout->addWidget(m_forward);
  layout->addWidget(m_live);
  layout->addWidget(m_label);
  connect(m_slider, &QSlider::valueChanged, m_model, &TimelineModel::setCursor);
  connect(m_back, &QToolButton::clicked, m_model, &TimelineModel::stepBack);
  connect(m_forward, &QToolButton::clicked, m_model, &TimelineModel::stepForward);
  connect(m_live, &QToolButton::clicked, m_model, &TimelineModel::goLive);
  connect(m_model, &TimelineModel::positionsChanged, this, &TimelineBar::sync);
  connect(m_model, &TimelineModel::cursorChanged, this, &TimelineBar::sync);
  sync();
}

QString TimelineBar::text() const { return m_label->text(); }

void TimelineBar::setEmptyText(const QString& text) {
  m_emptyText = text;
  sync();
}

void TimelineBar::sync() {
  const QSignalBlocker quiet(m_slider);
  const int count = m_model->count();
  m_slider->setEnabled(count > 1);
  m_slider->setRange(0, std::max(0, count - 1));
  m_slider->setValue(std::max(0, m_model->cursor()));
  m_back->setEnabled(m_model->cursor() > 0);
  m_forward->setEnabled(m_model->cursor() >= 0 && m_model->cursor() + 1 < count);
  m_live->setEnabled(m_model->live() >= 0 && !m_model->atLive());
  m_label->setText(count == 0 ? (m_emptyText.isEmpty() ? tr("nothing recorded yet") : m_emptyText)
                              : m_model->describe(m_model->cursor()) +
                                    (m_model->atLive() || m_model->live() < 0 ? QString() : tr("  (looking back)")));
}

}  // namespace td::widgets
