// The recorder's settings in the IDE: what Debug → Recorder Settings… keeps (values, statistics
// or the tape alone; the budget; previous iterations), applied from the next run, kept in
// QSettings, shown by the views, and the dialog itself.
#include "MainWindowFixture.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QSpinBox>
#include <QTableView>
#include <QTimer>

#include "inspector/TensorInspector.h"
#include "models/TapeListModel.h"

using namespace tdtest;

class RecorderSettingsTest : public QObject, public MainWindowFixture {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(setUp("TapedeckRecorderSettingsTest")); }
  void cleanup() { tearDown(); }

  void recorderSettingsApplyFromTheNextRunAndAreKept() {
    using td::app::RecorderSettings;
    MainWindow* w = open("kept.py", kTrainLines);
    QVERIFY(w->recorderSettings() == RecorderSettings{});
    m_prompter->recorderSettings.reset();  // the dialog cancelled: nothing changes
    w->action("recorderSettings")->trigger();
    QVERIFY(w->recorderSettings() == RecorderSettings{});
    m_prompter->recorderSettings = RecorderSettings{3, 0};
    w->action("recorderSettings")->trigger();
    QVERIFY(w->recorderSettings() == (RecorderSettings{3, 0}));
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const std::optional<RecorderSettings> limits = w->runner()->recorderLimits();
    QVERIFY(limits && *limits == (RecorderSettings{3, 0}));
    // No previous iteration kept: the timeline holds the last iteration only (three ran).
    QSet<quint64> iterations;
    for (const auto& p : w->runner()->timeline()) iterations.insert(p.iteration);
    QCOMPARE(iterations.size(), 1);
    // Kept for the next session; values out of range or unreadable fall back to the defaults.
    QVERIFY(td::app::savedRecorderSettings() == (RecorderSettings{3, 0}));
    QSettings().setValue("recorder/previousIterations", -4);
    QSettings().setValue("recorder/budgetMiB", "lots");
    QVERIFY(td::app::savedRecorderSettings() == RecorderSettings{});
    QSettings().remove("recorder");
  }

  void theTapeAloneIsRecordedWhenTheSettingsSaySo() {
    using td::app::RecorderSettings;
    MainWindow* w = open("tape_only.py", kTrainLines);
    m_prompter->recorderSettings = RecorderSettings{256, 1, RecorderSettings::Keep::Tape};
    w->action("recorderSettings")->trigger();
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const std::optional<RecorderSettings> limits = w->runner()->recorderLimits();
    QVERIFY(limits && limits->keep == RecorderSettings::Keep::Tape);
    // The tape lists every op with its shapes; a tensor has neither value nor statistics.
    int row = -1;
    for (int r = 0; r < w->tapeModel()->rowCount() && row < 0; ++r)
      if (w->tapeModel()->row(r).op == "matmul" || w->tapeModel()->row(r).op == "linear") row = r;
    QVERIFY(row >= 0);
    w->tapeView()->selectRow(row);
    const td::widgets::TensorSnapshot& value = w->inspector()->value();
    QVERIFY(!value.hasValues());
    QVERIFY(!value.stats.computed);
    QVERIFY2(value.missingReason.contains("not kept"), qPrintable(value.missingReason));
    QVERIFY(!value.shape.isEmpty());
    // Kept for the next session; an unknown name falls back to values.
    QVERIFY(td::app::savedRecorderSettings().keep == RecorderSettings::Keep::Tape);
    QSettings().setValue("recorder/keep", "everything");
    QVERIFY(td::app::savedRecorderSettings().keep == RecorderSettings::Keep::Values);
    QSettings().remove("recorder");  // the next tests start from the defaults
  }

  void aValueTheBudgetDroppedShowsAsDroppedWithItsStatistics() {
    using td::app::RecorderSettings;
    // Each 512x512 float32 tensor is 1 MiB: with a 2 MiB budget the first product's value
    // goes as later ones are held (oldest first); its statistics stay.
    MainWindow* w = open("big.py", {"import torch", "x = torch.ones(512, 512)", "a = x * 2", "b = a + 1", "c = b * 3",
                                    "print('done')"});
    m_prompter->recorderSettings = RecorderSettings{2, 2};
    w->action("recorderSettings")->trigger();
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QSettings().remove("recorder");  // the next tests start from the defaults
    int row = -1;
    for (int r = 0; r < w->tapeModel()->rowCount() && row < 0; ++r)
      if (w->tapeModel()->row(r).op == "mul") row = r;
    QVERIFY(row >= 0);
    w->tapeView()->selectRow(row);
    const td::widgets::TensorSnapshot& value = w->inspector()->value();
    QVERIFY(!value.hasValues());
    QVERIFY2(value.missingReason.contains("dropped"), qPrintable(value.missingReason));
    QVERIFY(value.stats.computed);
    QCOMPARE(value.stats.mean, 2.0);
    QCOMPARE(value.stats.numel, qint64{512 * 512});
    // The newest value is still held.
    int last = -1;
    for (int r = 0; r < w->tapeModel()->rowCount(); ++r)
      if (w->tapeModel()->row(r).op == "mul") last = r;
    w->tapeView()->selectRow(last);
    QVERIFY2(w->inspector()->value().hasValues(), qPrintable(w->inspector()->value().missingReason));
  }

  void recorderSettingsDialogEditsThem() {
    td::app::Prompter prompter;  // the real dialogs
    td::app::RecorderSettings settings;
    bool answered = false;
    bool budgetFollowsKeep = false;
    auto answer = [&](int budget, int previous, int keepIndex, bool accept) {
      QTimer::singleShot(0, [&, budget, previous, keepIndex, accept] {
        auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
        if (dialog == nullptr) return;
        auto* budgetBox = dialog->findChild<QSpinBox*>("recorderBudget");
        auto* previousBox = dialog->findChild<QSpinBox*>("recorderPreviousIterations");
        auto* keepBox = dialog->findChild<QComboBox*>("recorderKeep");
        if (budgetBox == nullptr || previousBox == nullptr || keepBox == nullptr) return dialog->reject();
        answered = budgetBox->value() == 256 && previousBox->value() == 2 &&
                   keepBox->currentIndex() == 0;  // shows the current ones
        budgetBox->setValue(budget);
        previousBox->setValue(previous);
        keepBox->setCurrentIndex(keepIndex);
        // The budget bounds values: it is editable only while values are kept.
        budgetFollowsKeep = budgetBox->isEnabled() == (keepIndex == 0);
        accept ? dialog->accept() : dialog->reject();
      });
    };
    answer(64, 5, 2, false);
    QVERIFY(!prompter.askRecorderSettings(nullptr, &settings));
    QVERIFY(answered);
    QVERIFY(settings == td::app::RecorderSettings{});
    answer(64, 5, 0, true);
    QVERIFY(prompter.askRecorderSettings(nullptr, &settings));
    QVERIFY(budgetFollowsKeep);
    QVERIFY(settings == (td::app::RecorderSettings{64, 5}));
    settings = {};
    answer(64, 5, 1, true);
    QVERIFY(prompter.askRecorderSettings(nullptr, &settings));
    QVERIFY(budgetFollowsKeep);
    QVERIFY(settings == (td::app::RecorderSettings{64, 5, td::app::RecorderSettings::Keep::Statistics}));
  }
};

QTEST_MAIN(RecorderSettingsTest)
#include "RecorderSettingsTest.moc"
