// Rows: cat, stack, split, chunk, index_select, index_add, gather, scatter_add,
// masked_fill, one_hot, embedding.
#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

int64_t asIndex(double v) { return static_cast<int64_t>(v); }

RefTensor indexSelectRef(const RefTensor& x, int64_t dim, const RefTensor& index) {
  dim = wrapDim(dim, x.dim());
  Shape shape = x.shape;
  shape[static_cast<std::size_t>(dim)] = index.numel();
  RefTensor out = RefTensor::filled(shape, 0.0, x.dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    Shape at = unravel(i, shape);
    at[static_cast<std::size_t>(dim)] = asIndex(index.values[static_cast<std::size_t>(at[static_cast<std::size_t>(dim)])]);
    out.values[static_cast<std::size_t>(i)] = x.at(at);
  }
  return out;
}

RefTensor indexAddRef(RefTensor self, int64_t dim, const RefTensor& index, const RefTensor& source) {
  for (int64_t i = 0; i < source.numel(); ++i) {
    Shape at = unravel(i, source.shape);
    at[static_cast<std::size_t>(dim)] = asIndex(index.values[static_cast<std::size_t>(at[static_cast<std::size_t>(dim)])]);
    self.at(at) += source.values[static_cast<std::size_t>(i)];
  }
  return self;
}

RefTensor gatherRef(const RefTensor& x, int64_t dim, const RefTensor& index) {
  RefTensor out = RefTensor::filled(index.shape, 0.0, x.dtype);
  for (int64_t i = 0; i < index.numel(); ++i) {
    Shape at = unravel(i, index.shape);
    at[static_cast<std::size_t>(dim)] = asIndex(index.values[static_cast<std::size_t>(i)]);
    out.values[static_cast<std::size_t>(i)] = x.at(at);
  }
  return out;
}

RefTensor scatterAddRef(RefTensor self, int64_t dim, const RefTensor& index, const RefTensor& source) {
  for (int64_t i = 0; i < index.numel(); ++i) {
    Shape at = unravel(i, index.shape);
    double value = source.at(at);
    at[static_cast<std::size_t>(dim)] = asIndex(index.values[static_cast<std::size_t>(i)]);
    self.at(at) += value;
  }
  return self;
}

/// Appends a trailing dim of `size`: out[..., k] = fn(in[...], k).
RefTensor expandLast(const RefTensor& index, int64_t size, const std::function<double(double, int64_t)>& fn, td::DType dtype) {
  Shape shape = index.shape;
  shape.push_back(size);
  RefTensor out = RefTensor::filled(shape, 0.0, dtype);
  for (int64_t i = 0; i < index.numel(); ++i)
    for (int64_t k = 0; k < size; ++k)
      out.values[static_cast<std::size_t>(i * size + k)] = fn(index.values[static_cast<std::size_t>(i)], k);
  return out;
}

std::vector<RefTensor> splitRef(const RefTensor& x, int64_t size, int64_t dim) {
  std::vector<RefTensor> parts;
  int64_t length = x.size(dim);
  for (int64_t start = 0; start < length; start += size) parts.push_back(slice(x, dim, start, std::min(size, length - start)));
  return parts;
}

}  // namespace

void addIndexing(std::vector<OpInfo>& t) {
  {
    OpInfo row;
    row.name = "cat";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      int64_t rows = kind == SampleKind::Empty ? 0 : 2;
      return {uniform(rng, {rows, 3}, -1, 1), uniform(rng, {rows, 1}, -1, 1), uniform(rng, {rows, 2}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::cat(in, 1); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return concat(in, 1); });
    row.differentiableInputs = {true, true, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "cat_dim0";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      int64_t cols = kind == SampleKind::Empty ? 0 : 3;
      return {uniform(rng, {1, cols}, -1, 1), uniform(rng, {2, cols}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::cat(in); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return concat(in, 0); });
    row.differentiableInputs = {true, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "stack";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      Shape s = kind == SampleKind::Empty ? Shape{0, 3} : Shape{2, 3};
      return {uniform(rng, s, -1, 1), uniform(rng, s, -1, 1), uniform(rng, s, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::stack(in, 1); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      std::vector<RefTensor> parts;
      for (const RefTensor& r : in) parts.push_back(reshape(r, {r.shape[0], 1, r.shape[1]}));
      return concat(parts, 1);
    });
    row.differentiableInputs = {true, true, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "split";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{5, 0} : Shape{5, 3}, -1, 1)};
    };
    row.apply = [](const Inputs& in) -> Outputs { return td::split(in[0], 2, 0); };
    row.reference = [](const std::vector<RefTensor>& in) { return splitRef(in[0], 2, 0); };
    row.differentiableInputs = {true};
    t.push_back(row);
  }
  {
    // 7 columns in 3 chunks: sizes 3, 3, 1 (chunk size is ceil(7 / 3)).
    OpInfo row;
    row.name = "chunk";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 7} : Shape{3, 7}, -1, 1)};
    };
    row.apply = [](const Inputs& in) -> Outputs { return td::chunk(in[0], 3, 1); };
    row.reference = [](const std::vector<RefTensor>& in) { return splitRef(in[0], 3, 1); };
    row.differentiableInputs = {true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "index_select";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 4} : Shape{3, 4}, -1, 1), integers(rng, {5}, 0, 4)};
    };
    row.apply = single([](const Inputs& in) { return td::indexSelect(in[0], 1, in[1]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return indexSelectRef(in[0], 1, in[1]); });
    row.differentiableInputs = {true, false};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "index_select_dim0";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      if (kind == SampleKind::Empty) return {uniform(rng, {4, 3}, -1, 1), integers(rng, {0}, 0, 4)};
      return {uniform(rng, {4, 3}, -1, 1), integers(rng, {6}, 0, 4)};
    };
    row.apply = single([](const Inputs& in) { return td::indexSelect(in[0], 0, in[1]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return indexSelectRef(in[0], 0, in[1]); });
    row.differentiableInputs = {true, false};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "index_add";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      int64_t cols = kind == SampleKind::Empty ? 0 : 3;
      return {uniform(rng, {4, cols}, -1, 1), integers(rng, {5}, 0, 4), uniform(rng, {5, cols}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::indexAdd(in[0], 0, in[1], in[2]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return indexAddRef(in[0], 0, in[1], in[2]); });
    row.differentiableInputs = {true, false, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "gather";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      if (kind == SampleKind::Empty) return {uniform(rng, {3, 4}, -1, 1), integers(rng, {0, 5}, 0, 4)};
      return {uniform(rng, {3, 4}, -1, 1), integers(rng, {3, 5}, 0, 4)};
    };
    row.apply = single([](const Inputs& in) { return td::gather(in[0], 1, in[1]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return gatherRef(in[0], 1, in[1]); });
    row.differentiableInputs = {true, false};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "gather_dim0";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, {4, 3}, -1, 1), integers(rng, kind == SampleKind::Empty ? Shape{2, 0} : Shape{2, 3}, 0, 4)};
    };
    row.apply = single([](const Inputs& in) { return td::gather(in[0], 0, in[1]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return gatherRef(in[0], 0, in[1]); });
    row.differentiableInputs = {true, false};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "scatter_add";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      int64_t rows = kind == SampleKind::Empty ? 0 : 5;
      return {uniform(rng, {4, 3}, -1, 1), integers(rng, {rows, 3}, 0, 4), uniform(rng, {rows, 3}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::scatterAdd(in[0], 0, in[1], in[2]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return scatterAddRef(in[0], 0, in[1], in[2]); });
    row.differentiableInputs = {true, false, true};
    t.push_back(row);
  }
  {
    // A smaller index than src along the other dim: only index's extent is scattered.
    OpInfo row;
    row.name = "scatter_add_dim1_partial";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      int64_t rows = kind == SampleKind::Empty ? 0 : 2;
      return {uniform(rng, {3, 4}, -1, 1), integers(rng, {rows, 3}, 0, 4), uniform(rng, {3, 5}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::scatterAdd(in[0], 1, in[1], in[2]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return scatterAddRef(in[0], 1, in[1], in[2]); });
    row.differentiableInputs = {true, false, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "masked_fill";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      switch (kind) {
        case SampleKind::Standard: return {uniform(rng, {3, 4}, -1, 1), bools(rng, {3, 4})};
        case SampleKind::Broadcast: return {uniform(rng, {2, 3, 4}, -1, 1), bools(rng, {3, 1})};
        case SampleKind::Empty: return {uniform(rng, {0, 4}, -1, 1), bools(rng, {4})};
      }
      return {};
    };
    row.apply = single([](const Inputs& in) { return td::maskedFill(in[0], in[1], -1.5); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return zip(in[0], in[1], [](double x, double m) { return m != 0.0 ? -1.5 : x; });
    });
    row.differentiableInputs = {true, false};
    row.supportsBroadcast = true;
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "one_hot";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {integers(rng, kind == SampleKind::Empty ? Shape{0, 3} : Shape{2, 3}, 0, 4)};
    };
    row.apply = single([](const Inputs& in) { return td::oneHot(in[0], 5); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return expandLast(in[0], 5, [](double v, int64_t k) { return asIndex(v) == k ? 1.0 : 0.0; }, td::DType::Int64);
    });
    row.differentiableInputs = {false};
    t.push_back(row);
  }
  {
    // numClasses inferred as max(index) + 1; no empty form (the max of nothing), as PyTorch.
    OpInfo row;
    row.name = "one_hot_inferred_classes";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind != SampleKind::Standard) return {};
      std::vector<double> values;
      for (int i = 0; i < 6; ++i) values.push_back(static_cast<double>(rng.integer(0, 3)));
      values.push_back(3.0);  // max is 3: four classes
      return {makeTensor(values, {7}, td::DType::Int64)};
    };
    row.apply = single([](const Inputs& in) { return td::oneHot(in[0]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return expandLast(in[0], 4, [](double v, int64_t k) { return asIndex(v) == k ? 1.0 : 0.0; }, td::DType::Int64);
    });
    row.differentiableInputs = {false};
    row.supportsEmpty = false;
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "embedding";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, {5, 3}, -1, 1), integers(rng, kind == SampleKind::Empty ? Shape{0} : Shape{2, 3}, 0, 5)};
    };
    row.apply = single([](const Inputs& in) { return td::embedding(in[0], in[1]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      const RefTensor& weight = in[0];
      return expandLast(in[1], weight.shape[1], [&](double v, int64_t k) { return weight.at({asIndex(v), k}); },
                        td::DType::Float64);
    });
    row.differentiableInputs = {true, false};
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
