// The runner's output buffer (app/OutputBuffer.h): what a script writes, in order, merged
// per stream run, capped so a flood cannot grow without bound, from several threads.
#include "OutputBuffer.h"

#include <QTest>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using td::app::OutputBuffer;
using Stream = OutputBuffer::Stream;

class OutputBufferTest : public QObject {
  Q_OBJECT

 private slots:
  void keepsOrderAndMergesRunsOfOneStream() {
    OutputBuffer buffer;
    QVERIFY(buffer.empty());
    buffer.append(Stream::Out, "a");
    buffer.append(Stream::Out, "b\n");
    buffer.append(Stream::Err, "oops\n");
    buffer.append(Stream::Out, "");  // nothing to keep
    buffer.append(Stream::Out, "c");
    QVERIFY(!buffer.empty());
    std::size_t dropped = 99;
    const QList<OutputBuffer::Chunk> chunks = buffer.take(&dropped);
    QCOMPARE(dropped, std::size_t{0});
    QCOMPARE(chunks.size(), 3);
    QCOMPARE(chunks[0].stream, Stream::Out);
    QCOMPARE(chunks[0].text, QStringLiteral("ab\n"));
    QCOMPARE(chunks[1].stream, Stream::Err);
    QCOMPARE(chunks[1].text, QStringLiteral("oops\n"));
    QCOMPARE(chunks[2].text, QStringLiteral("c"));
    QVERIFY(buffer.empty());
    QVERIFY(buffer.take().isEmpty());
  }

  void decodesUtf8SplitAcrossWrites() {
    OutputBuffer buffer;
    const std::string text = "naïve → ok\n";
    for (char c : text) buffer.append(Stream::Out, std::string(1, c));  // byte by byte
    const QList<OutputBuffer::Chunk> chunks = buffer.take();
    QCOMPARE(chunks.size(), 1);
    QCOMPARE(chunks[0].text, QString::fromUtf8(text.c_str()));
  }

  void aFloodKeepsTheNewestAndCountsWhatWentOver() {
    OutputBuffer buffer(100);
    std::size_t written = 0;
    for (int i = 0; i < 50; ++i) {  // alternating streams: nothing merges, 50 chunks of 10 bytes
      const std::string line = std::to_string(1000000 + i).substr(1) + "..." + "\n";
      QCOMPARE(line.size(), std::size_t{10});
      buffer.append(i % 2 == 0 ? Stream::Out : Stream::Err, line);
      written += line.size();
    }
    std::size_t dropped = 0;
    const QList<OutputBuffer::Chunk> chunks = buffer.take(&dropped);
    std::size_t kept = 0;
    for (const OutputBuffer::Chunk& c : chunks) kept += static_cast<std::size_t>(c.text.toUtf8().size());
    QVERIFY2(kept <= 100, qPrintable(QString::number(kept)));
    QCOMPARE(kept + dropped, written);
    QVERIFY(chunks.back().text.startsWith(QStringLiteral("000049")));  // the newest stays
    // The count starts again after a take.
    buffer.append(Stream::Out, "x");
    buffer.take(&dropped);
    QCOMPARE(dropped, std::size_t{0});
  }

  void writersOnSeveralThreadsLoseNothingUnderTheCap() {
    OutputBuffer buffer(1u << 16);
    constexpr int kThreads = 4, kLines = 20000;
    std::atomic<bool> done{false};
    std::size_t taken = 0, dropped = 0;
    std::thread reader([&] {
      while (true) {
        const bool last = done.load();
        std::size_t d = 0;
        for (const OutputBuffer::Chunk& c : buffer.take(&d)) taken += static_cast<std::size_t>(c.text.toUtf8().size());
        dropped += d;
        if (last) break;
        std::this_thread::yield();
      }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t)
      writers.emplace_back([&buffer, t] {
        for (int i = 0; i < kLines; ++i) buffer.append(t % 2 ? Stream::Err : Stream::Out, "line of output\n");
      });
    for (std::thread& w : writers) w.join();
    done = true;
    reader.join();
    QCOMPARE(taken + dropped, std::size_t{kThreads} * kLines * 15);
  }
};

QTEST_GUILESS_MAIN(OutputBufferTest)
#include "OutputBufferTest.moc"
