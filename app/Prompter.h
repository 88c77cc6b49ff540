#pragma once
// Every question the IDE asks the user, behind one interface, so a test can answer them
// and no modal dialog ever blocks it (the default asks with Qt's dialogs).
#include <QString>
#include <QStringList>

class QWidget;

namespace td::app {

struct RecorderSettings;

class Prompter {
 public:
  enum class SaveChoice { Save, Discard, Cancel };
  virtual ~Prompter() = default;
  /// Unsaved changes in `name`: save them, discard them, or cancel the close.
  virtual SaveChoice askSaveChanges(QWidget* parent, const QString& name);
  /// A file to open; empty for none.
  virtual QString openFileName(QWidget* parent, const QString& folder);
  /// Where to save; empty for cancel.
  /// Where to save: `filter` as QFileDialog takes it (empty: Python scripts, then all files).
  virtual QString saveFileName(QWidget* parent, const QString& suggested, const QString& filter = {});
  /// Buffers left unsaved by a crash: offer them back (true: restore).
  virtual bool askRecover(QWidget* parent, const QStringList& names);
  /// A line of text (an op name, a condition); `ok` false when cancelled.
  virtual QString askText(QWidget* parent, const QString& title, const QString& label, const QString& initial,
                          bool* ok);
  /// What the recorder keeps: `settings` is shown and, when accepted (true), changed.
  virtual bool askRecorderSettings(QWidget* parent, RecorderSettings* settings);
  /// A problem the user must read (a failed save).
  virtual void warn(QWidget* parent, const QString& title, const QString& text);
};

}  // namespace td::app
