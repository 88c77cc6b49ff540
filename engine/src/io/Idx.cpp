// IDX reading (plain or gzip) and writing, and the datasets built from IDX files.
#include "tapedeck/io/Idx.h"

#include <zlib.h>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "IdxByteSource.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td::io {
namespace {

using detail::failAt;
constexpr const char* kReader = "readIdx";

struct IdxType {
  uint8_t code;
  const char* name;
  size_t bytes;
};
constexpr std::array<IdxType, 6> kTypes = {{{0x08, "uint8", 1}, {0x09, "int8", 1}, {0x0B, "int16", 2},
                                             {0x0C, "int32", 4}, {0x0D, "float32", 4}, {0x0E, "float64", 8}}};

const IdxType* findType(uint8_t code) {
  for (const IdxType& t : kTypes)
    if (t.code == code) return &t;
  return nullptr;
}

std::string hexByte(unsigned value) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[(value >> 4) & 0xF] + digits[value & 0xF];
}

uint64_t bigEndian(const uint8_t* p, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  return value;
}

/// Converts the big-endian element at p to double (exact for every IDX type).
double elementValue(const IdxType& type, const uint8_t* p) {
  const uint64_t bits = bigEndian(p, type.bytes);
  switch (type.code) {
    case 0x08: return static_cast<double>(bits);
    case 0x09: return static_cast<double>(static_cast<int8_t>(bits));
    case 0x0B: return static_cast<double>(static_cast<int16_t>(bits));
    case 0x0C: return static_cast<double>(static_cast<int32_t>(bits));
    case 0x0D: {
      const auto word = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &word, 4);
      return f;
    }
    default: {
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

Tensor convert(const IdxType& type, const IntList& shape, const std::vector<uint8_t>& raw) {
  const bool integer = type.code <= 0x0C;
  const DType dtype = integer ? (shape.size() == 1 ? DType::Int64 : DType::Float32)
                              : (type.code == 0x0D ? DType::Float32 : DType::Float64);
  Tensor result = empty(shape, dtype);
  const size_t count = raw.size() / type.bytes;
  TD_DISPATCH_ALL(dtype, "readIdx", [&] {
    auto* out = result.data<scalar_t>();
    if (type.code == 0x08) {
      for (size_t i = 0; i < count; ++i) out[i] = static_cast<scalar_t>(raw[i]);
    } else {
      for (size_t i = 0; i < count; ++i) out[i] = static_cast<scalar_t>(elementValue(type, raw.data() + i * type.bytes));
    }
  });
  return result;
}

Tensor readFrom(detail::ByteSource& source, const std::string& path) {
  const char* where = source.compressed() ? " (decompressed)" : "";
  uint8_t head[4];
  const size_t gotHead = source.read(head, 4);
  if (gotHead < 4)
    failAt(kReader, path, gotHead, td::detail::concat("truncated: the file ends inside the 4-byte magic", where));
  if (head[0] != 0 || head[1] != 0)
    failAt(kReader, path, 0, td::detail::concat("wrong magic: expected two zero bytes, got ", hexByte(head[0]), " ",
                                                hexByte(head[1]), " (not an IDX file)"));
  const IdxType* type = findType(head[2]);
  if (type == nullptr)
    failAt(kReader, path, 2, td::detail::concat("unsupported type byte ", hexByte(head[2]),
                                                " (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)"));
  const unsigned dims = head[3];
  if (dims < 1 || dims > 4)
    failAt(kReader, path, 3, td::detail::concat("unsupported dimension count ", dims, " (expected 1 to 4)"));
  uint8_t sizeBytes[16];
  const size_t gotSizes = source.read(sizeBytes, 4 * dims);
  if (gotSizes < 4 * dims)
    failAt(kReader, path, 4 + gotSizes,
           td::detail::concat("truncated: the file ends inside the ", dims, " dimension sizes", where));
  IntList shape;
  uint64_t count = 1;
  uint64_t nonZero = 1;  // bounds the strides, so it must fit even when a size is 0
  for (unsigned d = 0; d < dims; ++d) {
    const uint64_t size = bigEndian(sizeBytes + 4 * d, 4);
    shape.push_back(static_cast<int64_t>(size));
    if (__builtin_mul_overflow(count, size, &count) || count > (uint64_t{1} << 62) ||
        (size != 0 && (__builtin_mul_overflow(nonZero, size, &nonZero) || nonZero > (uint64_t{1} << 62))))
      failAt(kReader, path, 4 + 4 * d, "the product of the dimension sizes overflows");
  }
  const uint64_t header = 4 + 4 * uint64_t{dims};
  uint64_t dataBytes = 0;
  if (__builtin_mul_overflow(count, uint64_t{type->bytes}, &dataBytes) || dataBytes > (uint64_t{1} << 62))
    failAt(kReader, path, 4, "the data size announced by the header overflows");
  const uint64_t total = header + dataBytes;
  const std::string claim =
      td::detail::concat("the header announces ", shapeString(shape), " ", type->name, ", ", total, " bytes in all");
  if (!source.compressed()) {
    const uint64_t fileBytes = source.plainSize();
    if (fileBytes < total)
      failAt(kReader, path, fileBytes, td::detail::concat("truncated: ", claim, ", the file has ", fileBytes));
    if (fileBytes > total)
      failAt(kReader, path, total,
             td::detail::concat("sizes do not match the file: ", claim, ", the file has ", fileBytes));
  } else if (total > kIdxMaxDecompressedBytes) {
    failAt(kReader, path, 4, td::detail::concat(claim, ", over the ", kIdxMaxDecompressedBytes,
                                                "-byte limit for gzip files"));
  }
  // A plain file's size was checked above, so its data is allocated at once. A gzip
  // stream's is not known until it is inflated: it grows in chunks as data arrives, so a
  // tiny file claiming a huge size costs an error, not the claimed allocation.
  std::vector<uint8_t> raw;
  size_t gotData = 0;
  const size_t chunk = source.compressed() ? size_t{1} << 20 : static_cast<size_t>(dataBytes);
  while (gotData < dataBytes) {
    const size_t want = std::min<size_t>(chunk, static_cast<size_t>(dataBytes) - gotData);
    raw.resize(gotData + want);
    const size_t got = source.read(raw.data() + gotData, want);
    gotData += got;
    if (got < want) break;
  }
  if (gotData < dataBytes)
    failAt(kReader, path, header + gotData,
           td::detail::concat("truncated: ", claim, ", the data ends after ", header + gotData, where));
  uint8_t extra = 0;
  if (source.read(&extra, 1) != 0)
    failAt(kReader, path, total,
           td::detail::concat("sizes do not match the file: ", claim, ", but more data follows", where));
  return convert(*type, shape, raw);
}

}  // namespace

Tensor readIdx(const std::string& path) {
  auto source = detail::openByteSource(kReader, path);
  return readFrom(*source, path);
}

Tensor parseIdx(const uint8_t* data, size_t size, const std::string& nameForErrors) {
  auto source = detail::openByteSource(kReader, nameForErrors, data, size);
  return readFrom(*source, nameForErrors);
}

void writeIdx(const std::string& path, const Tensor& tensor, bool gzip) {
  TD_CHECK(tensor.defined() && tensor.dim() >= 1 && tensor.dim() <= 4, "writeIdx",
           "needs a tensor of 1 to 4 dimensions, got ", tensor.defined() ? shapeString(tensor.shape()) : "undefined");
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(tensor.dim())};
  for (int64_t size : tensor.shape()) {
    TD_CHECK(size <= int64_t{0xFFFFFFFF}, "writeIdx", "size ", size, " does not fit 32 bits");
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(size >> shift));
  }
  for (double value : tensor.toVector()) {
    TD_CHECK(value >= 0.0 && value <= 255.0 && value == std::floor(value), "writeIdx", "value ", value,
             " is not an integer in 0..255 (uint8 IDX)");
    bytes.push_back(static_cast<uint8_t>(value));
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  TD_CHECK(file.good(), "writeIdx", "cannot open ", path, " for writing");
  if (!gzip) {
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  } else {
    z_stream stream{};
    TD_CHECK(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
             "writeIdx", "zlib deflateInit2 failed");
    std::vector<uint8_t> out(compressBound(static_cast<uLong>(bytes.size())) + 64);
    stream.next_in = bytes.data();
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&stream, Z_FINISH);
    const auto produced = static_cast<std::streamsize>(out.size() - stream.avail_out);
    deflateEnd(&stream);
    TD_CHECK(status == Z_STREAM_END, "writeIdx", "zlib deflate failed for ", path);
    file.write(reinterpret_cast<const char*>(out.data()), produced);
  }
  TD_CHECK(file.good(), "writeIdx", "writing ", path, " failed");
}

data::TensorDataset loadIdxDataset(const std::string& imagesPath, const std::string& labelsPath) {
  Tensor images = readIdx(imagesPath);
  Tensor labels = readIdx(labelsPath);
  TD_CHECK(labels.dim() == 1, "loadIdxDataset", labelsPath, ": labels must be 1-D, got ",
           shapeString(labels.shape()));
  TD_CHECK(images.size(0) == labels.size(0), "loadIdxDataset", imagesPath, " has ", images.size(0), " images but ",
           labelsPath, " has ", labels.size(0), " labels");
  return data::TensorDataset(std::move(images), std::move(labels));
}

data::TensorDataset fashionMnist(const std::string& split, const std::string& root) {
  TD_CHECK(split == "train" || split == "test", "fashionMnist", "split must be \"train\" or \"test\", got \"",
           split, "\"");
  const std::string prefix = root + "/" + (split == "train" ? "train" : "t10k");
  const std::string images = prefix + "-images-idx3-ubyte.gz";
  const std::string labels = prefix + "-labels-idx1-ubyte.gz";
  TD_CHECK(std::filesystem::exists(images) && std::filesystem::exists(labels), "fashionMnist", "no ", images,
           " or ", labels, " (install the Debian package dataset-fashion-mnist)");
  return loadIdxDataset(images, labels);
}

}  // namespace td::io
