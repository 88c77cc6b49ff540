// Plain and gzip byte sources for the IDX reader, over a file or a memory buffer.
#include "IdxByteSource.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tapedeck/core/Error.h"

namespace td::io::detail {

void failAt(const char* reader, const std::string& path, uint64_t offset, const std::string& problem) {
  throw Error(td::detail::concat(reader, ": ", path, ": byte ", offset, ": ", problem));
}

namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(std::ifstream file, uint64_t size) : m_file(std::move(file)), m_size(size) {}
  size_t read(uint8_t* out, size_t n) override {
    m_file.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    const auto got = static_cast<size_t>(m_file.gcount());
    m_offset += got;
    return got;
  }
  bool compressed() const override { return false; }
  uint64_t plainSize() const override { return m_size; }

 private:
  std::ifstream m_file;
  uint64_t m_size;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
  size_t read(uint8_t* out, size_t n) override {
    const size_t got = std::min<size_t>(n, m_size - static_cast<size_t>(m_offset));
    if (got > 0) std::memcpy(out, m_data + m_offset, got);
    m_offset += got;
    return got;
  }
  bool compressed() const override { return false; }
  uint64_t plainSize() const override { return m_size; }

 private:
  const uint8_t* m_data;
  size_t m_size;
};

/// Inflates a gzip stream read from another (plain) source.
class GzipSource final : public ByteSource {
 public:
  GzipSource(const char* reader, std::string path, std::unique_ptr<ByteSource> input)
      : m_reader(reader), m_path(std::move(path)), m_inputSource(std::move(input)), m_input(64 * 1024) {
    m_stream.zalloc = Z_NULL;
    m_stream.zfree = Z_NULL;
    m_stream.opaque = Z_NULL;
    m_stream.next_in = Z_NULL;
    m_stream.avail_in = 0;
    if (inflateInit2(&m_stream, 16 + MAX_WBITS) != Z_OK) failAt(m_reader, m_path, 0, "zlib inflateInit2 failed");
  }
  ~GzipSource() override { inflateEnd(&m_stream); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  size_t read(uint8_t* out, size_t n) override {
    size_t got = 0;
    while (got < n && !m_ended) {
      if (m_stream.avail_in == 0 && !m_inputDone) refill();
      const size_t want = std::min<size_t>(n - got, 1u << 30);
      m_stream.next_out = out + got;
      m_stream.avail_out = static_cast<uInt>(want);
      const int status = inflate(&m_stream, Z_NO_FLUSH);
      const size_t produced = want - m_stream.avail_out;
      got += produced;
      m_offset += produced;
      if (status == Z_STREAM_END) {
        m_ended = true;
        if (m_stream.avail_in > 0 || (refill(), m_stream.avail_in > 0))
          failAt(m_reader, m_path, m_offset,
                 "bytes follow the end of the gzip stream (one gzip member expected)");
      } else if (status == Z_BUF_ERROR || (status == Z_OK && produced == 0 && m_stream.avail_in == 0)) {
        if (m_inputDone && m_stream.avail_in == 0)
          failAt(m_reader, m_path, m_offset, "truncated gzip stream (the compressed file ends early)");
      } else if (status != Z_OK) {
        failAt(m_reader, m_path, m_offset,
               td::detail::concat("corrupt gzip data: ", m_stream.msg != nullptr ? m_stream.msg : "zlib error"));
      }
    }
    return got;
  }
  bool compressed() const override { return true; }
  uint64_t plainSize() const override { return 0; }

 private:
  void refill() {
    const size_t count = m_inputSource->read(m_input.data(), m_input.size());
    if (count == 0) m_inputDone = true;
    m_stream.next_in = m_input.data();
    m_stream.avail_in = static_cast<uInt>(count);
  }

  const char* m_reader;
  std::string m_path;
  std::unique_ptr<ByteSource> m_inputSource;
  std::vector<uint8_t> m_input;
  z_stream m_stream{};
  bool m_inputDone = false;
  bool m_ended = false;
};

bool hasGzipMagic(const uint8_t* first, size_t size) { return size >= 2 && first[0] == 0x1f && first[1] == 0x8b; }

}  // namespace

std::unique_ptr<ByteSource> openByteSource(const char* reader, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) failAt(reader, path, 0, td::detail::concat("cannot open the file: ", std::strerror(errno)));
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(path, error);
  if (error) failAt(reader, path, 0, td::detail::concat("cannot read the file size: ", error.message()));
  uint8_t magic[2] = {0, 0};
  file.read(reinterpret_cast<char*>(magic), 2);
  const bool gzip = hasGzipMagic(magic, static_cast<size_t>(file.gcount()));
  file.clear();
  file.seekg(0);
  auto plain = std::make_unique<FileSource>(std::move(file), size);
  if (gzip) return std::make_unique<GzipSource>(reader, path, std::move(plain));
  return plain;
}

std::unique_ptr<ByteSource> openByteSource(const char* reader, const std::string& name, const uint8_t* data,
                                           size_t size) {
  auto plain = std::make_unique<MemorySource>(data, size);
  if (hasGzipMagic(data, size)) return std::make_unique<GzipSource>(reader, name, std::move(plain));
  return plain;
}

}  // namespace td::io::detail
