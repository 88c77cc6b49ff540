#include "Prompter.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QSpinBox>

#include "RunTypes.h"

namespace td::app {

Prompter::SaveChoice Prompter::askSaveChanges(QWidget* parent, const QString& name) {
  const auto answer = QMessageBox::question(parent, QObject::tr("Unsaved changes"),
                                            QObject::tr("Save the changes to %1?").arg(name),
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel,
                                            QMessageBox::Save);
  if (answer == QMessageBox::Save) return SaveChoice::Save;
  if (answer == QMessageBox::Discard) return SaveChoice::Discard;
  return SaveChoice::Cancel;
}

QString Prompter::openFileName(QWidget* parent, const QString& folder) {
  return QFileDialog::getOpenFileName(parent, QObject::tr("Open a script"), folder,
                                      QObject::tr("Python scripts (*.py);;All files (*)"));
}

QString Prompter::saveFileName(QWidget* parent, const QString& suggested, const QString& filter) {
  return QFileDialog::getSaveFileName(parent, QObject::tr("Save as"), suggested,
                                      filter.isEmpty() ? QObject::tr("Python scripts (*.py);;All files (*)") : filter);
}

bool Prompter::askRecover(QWidget* parent, const QStringList& names) {
  return QMessageBox::question(parent, QObject::tr("Recover unsaved work"),
                               QObject::tr("Tapedeck did not close cleanly last time. Restore the unsaved "
                                           "changes of:\n\n%1")
                                   .arg(names.join('\n')),
                               QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) == QMessageBox::Yes;
}

QString Prompter::askText(QWidget* parent, const QString& title, const QString& label, const QString& initial,
                          bool* ok) {
  return QInputDialog::getText(parent, title, label, QLineEdit::Normal, initial, ok);
}

void Prompter::warn(QWidget* parent, const QString& title, const QString& text) {
  QMessageBox::warning(parent, title, text);
}

bool Prompter::askRecorderSettings(QWidget* parent, RecorderSettings* settings) {
  QDialog dialog(parent);
  dialog.setWindowTitle(QObject::tr("Recorder settings"));
  auto* form = new QFormLayout(&dialog);
  auto* budget = new QSpinBox(&dialog);
  budget->setObjectName("recorderBudget");
  budget->setRange(0, static_cast<int>(RecorderSettings::kMaxBudgetMiB));
  budget->setSuffix(QObject::tr(" MiB"));
  budget->setValue(static_cast<int>(settings->budgetMiB));
  auto* previous = new QSpinBox(&dialog);
  previous->setObjectName("recorderPreviousIterations");
  previous->setRange(0, RecorderSettings::kMaxPreviousIterations);
  previous->setValue(settings->previousIterations);
  using Keep = RecorderSettings::Keep;
  auto* keep = new QComboBox(&dialog);
  keep->setObjectName("recorderKeep");
  keep->addItem(QObject::tr("Values and statistics (time travel)"), QVariant::fromValue(static_cast<int>(Keep::Values)));
  keep->addItem(QObject::tr("Statistics only"), QVariant::fromValue(static_cast<int>(Keep::Statistics)));
  keep->addItem(QObject::tr("Tape only (fastest)"), QVariant::fromValue(static_cast<int>(Keep::Tape)));
  keep->setCurrentIndex(keep->findData(static_cast<int>(settings->keep)));
  keep->setToolTip(QObject::tr("Values let you inspect any tensor of the iterations kept after the fact. "
                               "Statistics only keeps no memory alive. The tape alone (ops, shapes, "
                               "lines) costs least on scripts of many small ops."));
  auto* about = new QLabel(QObject::tr("What the recorder keeps for time travel, from the next run on: by "
                                       "default every entry's statistics, and values and gradients up to the "
                                       "budget (the oldest go first)."),
                           &dialog);
  about->setWordWrap(true);
  form->addRow(about);
  form->addRow(QObject::tr("Keep:"), keep);
  form->addRow(QObject::tr("Values budget:"), budget);
  form->addRow(QObject::tr("Previous iterations kept:"), previous);
  // The budget is for values: with none kept it has nothing to bound.
  auto enableBudget = [budget, keep] { budget->setEnabled(keep->currentData().toInt() == static_cast<int>(Keep::Values)); };
  QObject::connect(keep, &QComboBox::currentIndexChanged, &dialog, enableBudget);
  enableBudget();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  form->addRow(buttons);
  if (dialog.exec() != QDialog::Accepted) return false;
  settings->budgetMiB = budget->value();
  settings->previousIterations = previous->value();
  settings->keep = static_cast<Keep>(keep->currentData().toInt());
  return true;
}

}  // namespace td::app
