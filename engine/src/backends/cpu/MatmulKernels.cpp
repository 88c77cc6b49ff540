// CPU Matmul: a [..., M, K] @ b [..., K, N] -> out [..., M, N] (contiguous), the batch
// dims identical in a and b (possibly stride-0 expanded). float32/float64 go to BLAS,
// which reads row- or column-contiguous operands in place; int64 is a plain loop.
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Parallel.h"

namespace td {
namespace cpu::detail {

namespace {
blasint toBlasInt(int64_t v) {
  TD_CHECK(v <= INT_MAX, "matmul", "size ", v, " exceeds what BLAS accepts (", INT_MAX, ")");
  return static_cast<blasint>(v);
}

template <typename T>
void scaleOrZero(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}
}  // namespace

namespace {
/// Rows of C per BLAS call when a GEMM is split across the pool. OpenBLAS's AVX2/AVX-512
/// kernels round differently for a row slice than for the whole matrix, so the split
/// depends only on the problem's size, never on the thread count: each element of C comes
/// from the same call for any setNumThreads (tested bitwise). 1024 rows keeps the cost of
/// packing B once per chunk near 1%.
constexpr int64_t kGemmRowChunk = 1024;
constexpr int64_t kGemmSplitWork = int64_t(1) << 26;  // M*N*K above which a GEMM is split

template <typename T, typename Call>
void splitRows(bool transA, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, T* C, int64_t ldc,
               Call&& call) {
  if (M <= kGemmRowChunk || M * N * K < kGemmSplitWork) {
    call(M, A, C);
    return;
  }
  // BLAS itself runs single-threaded (see Parallel.cpp); the engine's pool runs the chunks.
  ::td::detail::parallelFor(0, M, kGemmRowChunk, [&](int64_t r0, int64_t r1) {
    call(r1 - r0, transA ? A + r0 : A + r0 * lda, C + r0 * ldc);
  });
}
}  // namespace

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scaleOrZero(M, N, beta, C, ldc);
  splitRows(transA, M, N, K, A, lda, C, ldc, [&](int64_t rows, const float* a, float* c) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                toBlasInt(rows), toBlasInt(N), toBlasInt(K), alpha, a, toBlasInt(lda), B, toBlasInt(ldb), beta, c,
                toBlasInt(ldc));
  });
}

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scaleOrZero(M, N, beta, C, ldc);
  splitRows(transA, M, N, K, A, lda, C, ldc, [&](int64_t rows, const double* a, double* c) {
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                toBlasInt(rows), toBlasInt(N), toBlasInt(K), alpha, a, toBlasInt(lda), B, toBlasInt(ldb), beta, c,
                toBlasInt(ldc));
  });
}

}  // namespace cpu::detail

namespace {

using cpu::detail::forEachElement;
using cpu::detail::strided;

/// How BLAS can read a rows x cols matrix with strides (rowStride, colStride) in place:
/// row-major (trans = false) or column-major, i.e. the transpose of a row-major one.
struct BlasLayout {
  bool usable = false;
  bool trans = false;
  int64_t ld = 0;
};

BlasLayout blasLayout(int64_t rows, int64_t cols, int64_t rowStride, int64_t colStride) {
  const int64_t minRowLd = std::max<int64_t>(1, cols);
  const int64_t minColLd = std::max<int64_t>(1, rows);
  if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride >= minRowLd))
    return {true, false, rows == 1 ? minRowLd : rowStride};
  if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride >= minColLd))
    return {true, true, cols == 1 ? minColLd : colStride};
  return {};
}

/// A matrix operand ready for BLAS: the data pointer and layout, copied to row-major
/// scratch when its strides are not BLAS-readable.
template <typename T>
struct BlasMatrix {
  const T* data;
  BlasLayout layout;
};

template <typename T>
BlasMatrix<T> prepare(const T* p, int64_t rows, int64_t cols, int64_t rowStride, int64_t colStride,
                      std::vector<T>& scratch) {
  const BlasLayout layout = blasLayout(rows, cols, rowStride, colStride);
  if (layout.usable) return {p, layout};
  scratch.resize(static_cast<std::size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) scratch[i * cols + j] = p[i * rowStride + j * colStride];
  return {scratch.data(), {true, false, std::max<int64_t>(1, cols)}};
}

/// Strides of the dims [0, count) merged into one dim, or false when they do not form
/// one uniformly strided run (size-1 dims are ignored). `merged` is 0 if all have size 1.
bool mergeDims(const IntList& shape, const IntList& strides, std::size_t count, int64_t& merged) {
  int64_t expected = -1;
  merged = 0;
  for (std::size_t d = count; d-- > 0;) {
    if (shape[d] == 1) continue;
    if (expected < 0) {
      merged = strides[d];
    } else if (strides[d] != expected) {
      return false;
    }
    expected = strides[d] * shape[d];
  }
  return true;
}

template <typename T>
void blasMatmul(const Tensor& a, const Tensor& b, const Tensor& out, int64_t M, int64_t K, int64_t N) {
  const std::size_t rank = static_cast<std::size_t>(a.dim());
  const IntList batchShape(a.shape().begin(), a.shape().end() - 2);
  const int64_t batch = cpu::detail::product(batchShape);
  const int64_t aRow = a.stride(-2), aCol = a.stride(-1), bRow = b.stride(-2), bCol = b.stride(-1);
  std::vector<T> aScratch, bScratch;

  // b shared by every batch (e.g. a weight expanded over [B, T]) and a's batch and row
  // dims one uniform run: one GEMM with B*M rows.
  bool bShared = true;
  for (std::size_t d = 0; d + 2 < rank; ++d) bShared = bShared && (b.shape()[d] == 1 || b.strides()[d] == 0);
  int64_t foldedRowStride = 0;
  if (batch > 1 && bShared && mergeDims(a.shape(), a.strides(), rank - 1, foldedRowStride)) {
    const int64_t rows = batch * M;
    const BlasLayout aLayout = blasLayout(rows, K, foldedRowStride, aCol);
    if (aLayout.usable && !aLayout.trans) {
      const auto bm = prepare(b.data<T>(), K, N, bRow, bCol, bScratch);
      cpu::detail::gemm(false, bm.layout.trans, rows, N, K, T(1), a.data<T>(), aLayout.ld, bm.data, bm.layout.ld, T(0),
                        out.data<T>(), N);
      return;
    }
  }

  IntList outBatchStrides = cpu::detail::rowMajorStrides(batchShape);
  for (int64_t& s : outBatchStrides) s *= M * N;
  forEachElement(
      batchShape,
      [&](const T& a0, const T& b0, T& o0) {
        const auto am = prepare(&a0, M, K, aRow, aCol, aScratch);
        const auto bm = prepare(&b0, K, N, bRow, bCol, bScratch);
        cpu::detail::gemm(am.layout.trans, bm.layout.trans, M, N, K, T(1), am.data, am.layout.ld, bm.data,
                          bm.layout.ld, T(0), &o0, N);
      },
      strided<const T>(a), strided<const T>(b), strided(out.data<T>(), outBatchStrides));
}

void integerMatmul(const Tensor& a, const Tensor& b, const Tensor& out, int64_t M, int64_t K, int64_t N) {
  const IntList batchShape(a.shape().begin(), a.shape().end() - 2);
  const int64_t aRow = a.stride(-2), aCol = a.stride(-1), bRow = b.stride(-2), bCol = b.stride(-1);
  IntList outBatchStrides = cpu::detail::rowMajorStrides(batchShape);
  for (int64_t& s : outBatchStrides) s *= M * N;
  forEachElement(
      batchShape,
      [&](const int64_t& a0, const int64_t& b0, int64_t& o0) {
        const int64_t* pa = &a0;
        const int64_t* pb = &b0;
        int64_t* po = &o0;
        for (int64_t i = 0; i < M * N; ++i) po[i] = 0;
        // Wrapping arithmetic (unsigned) instead of signed overflow.
        for (int64_t i = 0; i < M; ++i)
          for (int64_t k = 0; k < K; ++k) {
            const auto x = static_cast<uint64_t>(pa[i * aRow + k * aCol]);
            for (int64_t j = 0; j < N; ++j)
              po[i * N + j] = static_cast<int64_t>(static_cast<uint64_t>(po[i * N + j]) +
                                                   x * static_cast<uint64_t>(pb[k * bRow + j * bCol]));
          }
      },
      strided<const int64_t>(a), strided<const int64_t>(b), strided(out.data<int64_t>(), outBatchStrides));
}

void matmulKernel(const KernelContext& ctx) {
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  const Tensor& out = ctx.out();
  TD_ASSERT(a.dim() >= 2 && a.dim() == b.dim() && out.dim() == a.dim(), "matmul: expected equal ranks >= 2");
  TD_ASSERT(a.dtype() == b.dtype() && out.dtype() == a.dtype(), "matmul: dtypes differ");
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  TD_ASSERT(b.size(-2) == K && out.size(-2) == M && out.size(-1) == N, "matmul: shapes do not match");
  for (int64_t d = 0; d + 2 < a.dim(); ++d)
    TD_ASSERT(a.size(d) == b.size(d) && a.size(d) == out.size(d), "matmul: batch dims differ");
  if (out.numel() == 0) return;
  if (K == 0) {  // a and b are empty: there is no element to point the batch loop at
    std::memset(out.rawData(), 0, static_cast<std::size_t>(out.numel()) * elementSize(out.dtype()));
    return;
  }

  switch (a.dtype()) {
    case DType::Float32: return blasMatmul<float>(a, b, out, M, K, N);
    case DType::Float64: return blasMatmul<double>(a, b, out, M, K, N);
    case DType::Int64: return integerMatmul(a, b, out, M, K, N);
    default: break;
  }
  TD_CHECK(false, "matmul", "unsupported dtype ", dtypeName(a.dtype()));
}

}  // namespace

/// out [M, N] = x [M, K] @ w[N, K]ᵀ (+ bias [N] on every row); x's leading dims are M.
template <typename T>
void linearTyped(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& w = ctx.in(1);
  Tensor& out = ctx.out();
  const int64_t K = w.shape()[1], N = w.shape()[0];
  const int64_t M = K == 0 ? out.numel() / std::max<int64_t>(N, 1) : x.numel() / K;
  std::vector<T> xScratch, wScratch;
  const T* xd = cpu::detail::contiguousData(x, xScratch);
  // A transposed weight (w = vᵀ of a contiguous v) is handed to BLAS as is.
  bool wTransposed = w.dim() == 2 && w.stride(0) == 1 && w.stride(1) == N;
  const T* wd = wTransposed ? w.data<T>() : cpu::detail::contiguousData(w, wScratch);
  T* o = out.data<T>();
  T beta = T(0);
  if (ctx.numInputs > 2) {
    std::vector<T> bScratch;
    const T* b = cpu::detail::contiguousData(ctx.in(2), bScratch);
    for (int64_t i = 0; i < M; ++i) std::copy(b, b + N, o + i * N);
    beta = T(1);
  }
  if (wTransposed)
    cpu::detail::gemm(false, false, M, N, K, T(1), xd, K, wd, N, beta, o, N);
  else
    cpu::detail::gemm(false, true, M, N, K, T(1), xd, K, wd, K, beta, o, N);
}

void linearKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "linear", [&] { linearTyped<scalar_t>(ctx); });
}

TD_REGISTER_KERNEL(CPU, Matmul, matmulKernel);
TD_REGISTER_KERNEL(CPU, Linear, linearKernel);

}  // namespace td
