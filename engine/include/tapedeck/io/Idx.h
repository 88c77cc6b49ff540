#pragma once
// IDX files (MNIST's format), plain or gzip-compressed: two zero bytes, a type byte, a
// dimension count, big-endian uint32 sizes, then the big-endian data.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tapedeck/core/Tensor.h"
#include "tapedeck/data/Dataset.h"

namespace td::io {

/// Largest decompressed size readIdx accepts from a gzip file (1 GiB).
inline constexpr uint64_t kIdxMaxDecompressedBytes = uint64_t{1} << 30;

/// Reads an IDX file; gzip is detected from its magic (1f 8b). Types 0x08 uint8, 0x09 int8,
/// 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64; 1 to 4 dimensions. Integer data with
/// one dimension (labels) comes back as int64; integer data with more (images) as float32
/// holding the raw values (uint8 pixels are 0..255, not rescaled); float32/float64 as is.
/// The file must hold exactly the header and the data it announces. Every problem throws
/// td::Error naming the file, the byte offset (in the decompressed stream for gzip) and
/// what is wrong; nothing the size of the data is allocated before the header is checked.
Tensor readIdx(const std::string& path);
/// The same for a whole IDX file (plain or gzip) held in memory; errors name `nameForErrors`.
Tensor parseIdx(const uint8_t* data, size_t size, const std::string& nameForErrors = "<memory>");

/// Writes `tensor` (1 to 4 dimensions, every value an integer in 0..255) as uint8 IDX,
/// gzip-compressed when `gzip`.
void writeIdx(const std::string& path, const Tensor& tensor, bool gzip = false);

/// Images and labels from two IDX files; their first sizes must match.
data::TensorDataset loadIdxDataset(const std::string& imagesPath, const std::string& labelsPath);

/// Fashion-MNIST as shipped by Debian's dataset-fashion-mnist package (gzip IDX files
/// train-images-idx3-ubyte.gz, ... under `root`). `split` is "train" (60,000 images) or
/// "test" (10,000); images [N, 28, 28] float32 in 0..255, labels [N] int64 in 0..9.
data::TensorDataset fashionMnist(const std::string& split,
                                 const std::string& root = "/usr/share/datasets/fashion-mnist");

}  // namespace td::io
