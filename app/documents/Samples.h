#pragma once
// The sample scripts offered in File > Samples: every Python file of a folder, with
// the one-line description each sample gives in its first line.
#include <QList>
#include <QString>

namespace td::app {

struct Sample {
  QString path;         // absolute path of the .py file
  QString name;         // "spiral"
  QString description;  // "an nn.Module subclass classifies ..."; empty when not given
};

/// Every *.py file directly in `directory`, sorted by name (case-insensitively). A first
/// line of the form "# <name>: <description>", where <name> is one word (letters,
/// digits, '_', '-', '.'), gives the name and the description; otherwise the name is
/// the file's base name and the description is empty. A missing, unreadable or empty
/// `directory` gives an empty list; an unreadable file is still listed, by its base name.
QList<Sample> listSamples(const QString& directory);

}  // namespace td::app
