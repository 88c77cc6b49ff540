#pragma once
// What a script writes to stdout and stderr, on its way from the runner thread to the
// console: appended under a lock, taken by the GUI at display rate. Capped: past the cap
// the oldest text goes and is counted, so a script printing millions of lines costs
// bounded memory and the GUI drains at most the cap per tick.
#include <QList>
#include <QString>
#include <deque>
#include <mutex>
#include <string>

namespace td::app {

class OutputBuffer {
 public:
  enum class Stream { Out, Err };
  struct Chunk {
    Stream stream;
    QString text;
  };

  explicit OutputBuffer(std::size_t capBytes = 4u << 20) : m_cap(capBytes) {}

  /// Thread-safe; UTF-8 text.
  void append(Stream stream, std::string text);
  /// Everything appended since the last take, in order, merged per stream run;
  /// `dropped` gets how many bytes were dropped for the cap since then.
  QList<Chunk> take(std::size_t* dropped = nullptr);
  bool empty() const;

 private:
  mutable std::mutex m_mutex;
  std::deque<std::pair<Stream, std::string>> m_chunks;
  std::size_t m_bytes = 0;
  std::size_t m_dropped = 0;
  std::size_t m_cap;
};

}  // namespace td::app
