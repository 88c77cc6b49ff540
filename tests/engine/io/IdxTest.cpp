// IDX: round trips (plain and gzip), other element types, one test per validation error,
// and Fashion-MNIST from Debian's dataset-fashion-mnist when it is installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/FuzzSeeds.h"
#include "support/MissingPackage.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/io/Idx.h"

namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tapedeck_idx_" + std::to_string(::getpid()) + "_" + name)).string();
}

void writeBytes(const std::string& path, const Bytes& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  file.close();
  td::test::keepAsFuzzSeed("idx", path);
}

void putBe32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
void putLe32(Bytes& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

/// An IDX header for uint8 data of the given sizes.
Bytes header(const std::vector<uint32_t>& sizes, uint8_t type = 0x08) {
  Bytes out = {0, 0, type, static_cast<uint8_t>(sizes.size())};
  for (uint32_t s : sizes) putBe32(out, s);
  return out;
}

/// A gzip file holding `data` in stored (uncompressed) deflate blocks, written by hand so
/// the test needs no zlib of its own.
Bytes storedGzip(const Bytes& data) {
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<uint8_t>(len));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(~len));
    out.push_back(static_cast<uint8_t>(~len >> 8));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  putLe32(out, ~crc);
  putLe32(out, static_cast<uint32_t>(data.size()));
  return out;
}

/// readIdx's error message for a file holding `bytes`.
std::string errorFor(const std::string& name, const Bytes& bytes) {
  const std::string path = tempPath(name);
  writeBytes(path, bytes);
  try {
    td::io::readIdx(path);
  } catch (const td::Error& error) {
    std::filesystem::remove(path);
    return error.what();
  }
  std::filesystem::remove(path);
  return "no error";
}

Bytes withData(Bytes bytes, size_t count) {
  for (size_t i = 0; i < count; ++i) bytes.push_back(static_cast<uint8_t>(i * 7));
  return bytes;
}

TEST(IdxTest, RoundTripPlainAndGzip) {
  std::vector<double> values;
  for (int i = 0; i < 60; ++i) values.push_back((i * 37) % 256);
  const td::Tensor images = td::fromVector(values, {3, 4, 5});
  const td::Tensor labels = td::fromVector(std::vector<int64_t>{0, 9, 3, 255}, {4});
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    const std::string imagePath = tempPath(gzip ? "images.gz" : "images");
    const std::string labelPath = tempPath(gzip ? "labels.gz" : "labels");
    td::io::writeIdx(imagePath, images, gzip);
    td::io::writeIdx(labelPath, labels, gzip);
    td::test::keepAsFuzzSeed("idx", imagePath);
    td::test::keepAsFuzzSeed("idx", labelPath);
    std::ifstream raw(imagePath, std::ios::binary);
    EXPECT_EQ(raw.get() == 0x1f, gzip);
    const td::Tensor readImages = td::io::readIdx(imagePath);
    EXPECT_EQ(readImages.shape(), (td::IntList{3, 4, 5}));
    EXPECT_EQ(readImages.dtype(), td::DType::Float32);
    EXPECT_EQ(readImages.toVector(), values);
    const td::Tensor readLabels = td::io::readIdx(labelPath);
    EXPECT_EQ(readLabels.dtype(), td::DType::Int64);
    EXPECT_EQ(readLabels.toVector(), (std::vector<double>{0, 9, 3, 255}));
    std::filesystem::remove(imagePath);
    std::filesystem::remove(labelPath);
  }
}

TEST(IdxTest, ReadsStoredGzipAndOtherTypes) {
  const std::string path = tempPath("stored.gz");
  writeBytes(path, storedGzip(withData(header({2, 3}), 6)));
  EXPECT_EQ(td::io::readIdx(path).toVector(), (std::vector<double>{0, 7, 14, 21, 28, 35}));
  Bytes int16 = header({3}, 0x0B);
  for (uint8_t b : {0xFF, 0xFE, 0x01, 0x00, 0x80, 0x00}) int16.push_back(b);
  writeBytes(path, int16);
  const td::Tensor values = td::io::readIdx(path);
  EXPECT_EQ(values.dtype(), td::DType::Int64);
  EXPECT_EQ(values.toVector(), (std::vector<double>{-2, 256, -32768}));
  Bytes float32 = header({1, 1}, 0x0D);
  for (uint8_t b : {0x3F, 0xC0, 0x00, 0x00}) float32.push_back(b);  // 1.5f
  writeBytes(path, float32);
  EXPECT_EQ(td::io::readIdx(path).toVector(), (std::vector<double>{1.5}));
  std::filesystem::remove(path);
}

TEST(IdxTest, ErrorsNameTheFileAndOffset) {
  const std::string message = errorFor("magic", withData({0, 1, 8, 1, 0, 0, 0, 1}, 1));
  EXPECT_THAT(message, HasSubstr(tempPath("magic")));
  EXPECT_THAT(message, HasSubstr("byte 0"));
  EXPECT_THAT(message, HasSubstr("wrong magic"));
}

TEST(IdxTest, MissingFile) {
  EXPECT_THROW(td::io::readIdx(tempPath("does-not-exist")), td::Error);
}

TEST(IdxTest, TruncatedMagic) {
  EXPECT_THAT(errorFor("short", {0, 0}), HasSubstr("byte 2: truncated"));
}

TEST(IdxTest, UnsupportedType) {
  EXPECT_THAT(errorFor("type", withData({0, 0, 0x07, 1, 0, 0, 0, 1}, 1)), HasSubstr("byte 2: unsupported type byte 0x07"));
}

TEST(IdxTest, DimensionCountOutOfRange) {
  EXPECT_THAT(errorFor("dims0", {0, 0, 8, 0}), HasSubstr("byte 3: unsupported dimension count 0"));
  EXPECT_THAT(errorFor("dims5", header({1, 1, 1, 1, 1})), HasSubstr("byte 3: unsupported dimension count 5"));
}

TEST(IdxTest, TruncatedSizes) {
  EXPECT_THAT(errorFor("sizes", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0}), HasSubstr("byte 10: truncated"));
}

TEST(IdxTest, SizeProductOverflows) {
  EXPECT_THAT(errorFor("overflow", header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 2})), HasSubstr("overflows"));
}

TEST(IdxTest, TruncatedData) {
  const std::string message = errorFor("data", withData(header({4, 4}), 10));
  EXPECT_THAT(message, HasSubstr("byte 22: truncated"));
  EXPECT_THAT(message, HasSubstr("[4, 4]"));
}

TEST(IdxTest, DataLongerThanTheHeaderSays) {
  EXPECT_THAT(errorFor("long", withData(header({4}), 5)), HasSubstr("byte 12: sizes do not match the file"));
}

TEST(IdxTest, GzipLongerThanTheHeaderSaysStopsAtTheClaim) {
  const std::string message = errorFor("long.gz", storedGzip(withData(header({4}), 100)));
  EXPECT_THAT(message, HasSubstr("byte 12: sizes do not match the file"));
  EXPECT_THAT(message, HasSubstr("decompressed"));
}

TEST(IdxTest, GzipShorterThanTheHeaderSays) {
  EXPECT_THAT(errorFor("short.gz", storedGzip(withData(header({4, 4}), 3))), HasSubstr("byte 15: truncated"));
}

TEST(IdxTest, GzipStreamCutShort) {
  Bytes gzip = storedGzip(withData(header({50}), 50));
  gzip.resize(gzip.size() - 30);
  EXPECT_THAT(errorFor("cut.gz", gzip), HasSubstr("truncated gzip stream"));
}

TEST(IdxTest, GzipCorruptChecksum) {
  Bytes gzip = storedGzip(withData(header({5}), 5));
  gzip[gzip.size() - 8] ^= 0xFF;
  EXPECT_THAT(errorFor("crc.gz", gzip), HasSubstr("corrupt gzip data"));
}

TEST(IdxTest, GzipClaimOverTheLimitIsRefusedBeforeInflating) {
  // 65536 x 32768 uint8 = 2 GiB announced; only the header is in the file.
  EXPECT_THAT(errorFor("huge.gz", storedGzip(header({65536, 32768}))), HasSubstr("limit"));
}

TEST(IdxTest, DatasetCountsMustMatch) {
  const std::string images = tempPath("ds-images");
  const std::string labels = tempPath("ds-labels");
  td::io::writeIdx(images, td::zeros({3, 2, 2}));
  td::io::writeIdx(labels, td::zeros({2}, td::DType::Int64));
  try {
    td::io::loadIdxDataset(images, labels);
    ADD_FAILURE() << "no error";
  } catch (const td::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("has 3 images but"));
  }
  td::io::writeIdx(labels, td::zeros({3}, td::DType::Int64));
  EXPECT_EQ(td::io::loadIdxDataset(images, labels).size(), 3);
  std::filesystem::remove(images);
  std::filesystem::remove(labels);
}

TEST(IdxTest, FashionMnistTestSplit) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  TD_REQUIRE_PACKAGE(std::filesystem::exists(root + "/t10k-images-idx3-ubyte.gz"), "dataset-fashion-mnist");
  const td::data::TensorDataset test = td::io::fashionMnist("test", root);
  EXPECT_EQ(test.inputs().shape(), (td::IntList{10000, 28, 28}));
  EXPECT_EQ(test.inputs().dtype(), td::DType::Float32);
  EXPECT_EQ(test.targets().shape(), (td::IntList{10000}));
  const std::vector<double> labels = test.targets().toVector();
  std::vector<int64_t> counts(10, 0);
  for (double label : labels) {
    ASSERT_GE(label, 0);
    ASSERT_LE(label, 9);
    ++counts[static_cast<size_t>(label)];
  }
  for (int64_t count : counts) EXPECT_EQ(count, 1000);  // the test split is balanced
  EXPECT_LE(test.inputs().toVector().front(), 255.0);
  EXPECT_THROW(td::io::fashionMnist("validation", root), td::Error);
}

}  // namespace

TEST(IdxTest, ParsesFromMemoryAsFromAFile) {
  const Bytes plain = withData(header({2, 3}), 6);
  for (const Bytes& bytes : {plain, storedGzip(plain)}) {
    const td::Tensor t = td::io::parseIdx(bytes.data(), bytes.size(), "buffer.idx");
    EXPECT_EQ(td::shapeString(t.shape()), "[2, 3]");
    EXPECT_EQ(t.toVector(), (std::vector<double>{0, 7, 14, 21, 28, 35}));
  }
  const Bytes cut = withData(header({4}), 3);
  try {
    td::io::parseIdx(cut.data(), cut.size(), "buffer.idx");
    ADD_FAILURE() << "a truncated buffer parsed";
  } catch (const td::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("readIdx: buffer.idx: byte 11: truncated"));
  }
}

TEST(IdxTest, GzipClaimUnderTheLimitButShortFailsAsTruncated) {
  // 512 MiB announced (under the 1 GiB cap), 10 bytes of data: read in chunks, so this
  // costs an error, not the claimed allocation.
  const std::string message = errorFor("claim.gz", storedGzip(withData(header({8192, 65536}), 10)));
  EXPECT_THAT(message, HasSubstr("byte 22: truncated"));
}

TEST(IdxTest, EmptyShapeWhoseOtherSizesOverflowIsRefused) {
  // Found by fuzz_idx: [939527428, 939524352, 0, 319] has no elements, but its strides
  // would overflow 64 bits.
  const Bytes bytes = {0, 0, 0x0d, 4, 0x38, 0, 0x0d, 4, 0x38, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x3f};
  EXPECT_THAT(errorFor("strides", bytes), HasSubstr("byte 16: the product of the dimension sizes overflows"));
}
