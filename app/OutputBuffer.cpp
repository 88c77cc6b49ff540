#include "OutputBuffer.h"

namespace td::app {

void OutputBuffer::append(Stream stream, std::string text) {
  if (text.empty()) return;
  std::lock_guard lock(m_mutex);
  m_bytes += text.size();
  if (!m_chunks.empty() && m_chunks.back().first == stream && m_chunks.back().second.size() < 65536)
    m_chunks.back().second += text;
  else
    m_chunks.emplace_back(stream, std::move(text));
  while (m_bytes > m_cap && m_chunks.size() > 1) {
    m_bytes -= m_chunks.front().second.size();
    m_dropped += m_chunks.front().second.size();
    m_chunks.pop_front();
  }
}

QList<OutputBuffer::Chunk> OutputBuffer::take(std::size_t* dropped) {
  std::deque<std::pair<Stream, std::string>> chunks;
  {
    std::lock_guard lock(m_mutex);
    chunks.swap(m_chunks);
    m_bytes = 0;
    if (dropped != nullptr) *dropped = m_dropped;
    m_dropped = 0;
  }
  QList<Chunk> out;
  for (auto& [stream, text] : chunks) {
    QString decoded = QString::fromUtf8(text);
    if (!out.isEmpty() && out.back().stream == stream)
      out.back().text += decoded;
    else
      out.push_back(Chunk{stream, std::move(decoded)});
  }
  return out;
}

bool OutputBuffer::empty() const {
  std::lock_guard lock(m_mutex);
  return m_chunks.empty();
}

}  // namespace td::app
