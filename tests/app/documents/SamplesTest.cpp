// The samples menu's listing (app/documents/Samples.cpp), over the real samples/python
// folder and over hand-made ones.
#include "documents/Samples.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace td::app;

namespace {

// samples/python, found from this file: tests/app/documents/SamplesTest.cpp.
QString realSamplesFolder() {
  return QDir::cleanPath(QFileInfo(QStringLiteral(__FILE__)).absolutePath() +
                         QStringLiteral("/../../../samples/python"));
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
  QCOMPARE(file.write(bytes), bytes.size());
}

QStringList namesOf(const QList<Sample>& samples) {
  QStringList names;
  for (const Sample& sample : samples)
    names.append(sample.name);
  return names;
}

}  // namespace

class SamplesTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void theRealSamplesAreListedWithTheirDescriptions() {
    const QString folder = realSamplesFolder();
    if (!QFileInfo(folder).isDir())
      QFAIL(qPrintable("no samples folder at " + folder));
    const QList<Sample> samples = listSamples(folder);
    QCOMPARE(samples.size(), QDir(folder).entryList({"*.py"}, QDir::Files).size());
    QVERIFY(!samples.isEmpty());

    const QStringList names = namesOf(samples);
    QStringList sorted = names;
    sorted.sort(Qt::CaseInsensitive);
    QCOMPARE(names, sorted);

    const auto spiral = std::find_if(samples.begin(), samples.end(),
                                     [](const Sample& sample) { return sample.name == "spiral"; });
    QVERIFY(spiral != samples.end());
    QCOMPARE(spiral->path, QDir(folder).absoluteFilePath("spiral.py"));
    QVERIFY2(spiral->description.startsWith("an nn.Module subclass classifies three interleaved spirals"),
             qPrintable(spiral->description));
    QVERIFY(!spiral->description.endsWith(' '));
    // Every shipped sample says what it teaches in its first line (STYLE.md, "Samples are
    // lessons"), named after its file.
    for (const Sample& sample : samples) {
      QVERIFY2(!sample.description.isEmpty(), qPrintable(sample.path));
      QCOMPARE(sample.name, QFileInfo(sample.path).completeBaseName());
    }
  }

  void firstLinesNotInTheFormFallBackToTheFileName() {
    QTemporaryDir dir;
    writeBytes(dir.filePath("b_plain.py"), "import torch\n# b: not the first line\n");
    writeBytes(dir.filePath("c_empty.py"), {});
    writeBytes(dir.filePath("d_two_words.py"), "# two words: a description\n");
    writeBytes(dir.filePath("e_no_description.py"), "# e_no_description:   \n");
    writeBytes(dir.filePath("a_crlf.py"), "\xEF\xBB\xBF# alpha:  with CRLF and a BOM  \r\nx = 1\r\n");
    writeBytes(dir.filePath("notes.txt"), "# notes: not a Python file\n");
    QVERIFY(QDir().mkpath(dir.filePath("folder.py")));

    const QList<Sample> samples = listSamples(dir.path());
    QCOMPARE(namesOf(samples),
             (QStringList{"alpha", "b_plain", "c_empty", "d_two_words", "e_no_description"}));
    QCOMPARE(samples[0].description, QStringLiteral("with CRLF and a BOM"));
    for (int i = 1; i < samples.size(); ++i)
      QVERIFY2(samples[i].description.isEmpty(), qPrintable(samples[i].description));
    QCOMPARE(samples[1].path, QDir(dir.path()).absoluteFilePath("b_plain.py"));
  }

  void sortedByNameNotByFileName() {
    QTemporaryDir dir;
    writeBytes(dir.filePath("a.py"), "# zeta: last\n");
    writeBytes(dir.filePath("z.py"), "# Alpha: first\n");
    writeBytes(dir.filePath("m.py"), "# mid: middle\n");
    QCOMPARE(namesOf(listSamples(dir.path())), (QStringList{"Alpha", "mid", "zeta"}));
  }

  void aMissingFolderHasNoSamples() {
    QTemporaryDir dir;
    QVERIFY(listSamples(dir.filePath("missing")).isEmpty());
    QVERIFY(listSamples(QString()).isEmpty());  // not the current folder
  }
};

QTEST_MAIN(SamplesTest)
#include "SamplesTest.moc"
