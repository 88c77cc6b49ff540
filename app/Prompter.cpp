#include "Prompter.h"

#include <QFileDialog>
#include <QInputDialog>
#include <QMessageBox>

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

QString Prompter::saveFileName(QWidget* parent, const QString& suggested) {
  return QFileDialog::getSaveFileName(parent, QObject::tr("Save as"), suggested,
                                      QObject::tr("Python scripts (*.py);;All files (*)"));
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

}  // namespace td::app
