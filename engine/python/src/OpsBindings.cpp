// Functions under PyTorch's names (tapedeck.exp, tapedeck.cat, ...) and, where PyTorch
// has both, the same function as a Tensor method. Factories take PyTorch's keywords.
#include <algorithm>
#include <cmath>

#include "Bindings.h"
#include "Convert.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/core/CpuSetup.h"
#include "tapedeck/core/RandomState.h"

namespace td::python {
namespace {

/// Registers `f` as tapedeck.<name>(input, ...) and as Tensor.<name>(...); `extra` names
/// the arguments after the tensor.
template <typename F, typename... Extra>
void both(py::module_& m, py::class_<Tensor>& cls, const char* name, F f, const Extra&... extra) {
  if constexpr (sizeof...(Extra) == 0) {
    m.def(name, f);
  } else {
    m.def(name, f, py::arg("input"), extra...);
  }
  cls.def(name, f, extra...);
}

bool isIntLike(py::handle value) { return PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr()); }

/// The p-norm over `dims` (all when empty): p = 2, 1, inf, -inf or any other positive p.
Tensor pNorm(const Tensor& x, double p, const IntList& dims, bool keepdim, SourceLoc loc) {
  if (p == 1.0) return sum(abs(x, loc), dims, keepdim, loc);
  if (std::isinf(p)) return p > 0 ? amax(abs(x, loc), dims, keepdim, loc) : amin(abs(x, loc), dims, keepdim, loc);
  TD_CHECK(p > 0, "norm", "p must be positive or +-inf, got ", p);
  const Tensor powered = p == 2.0 ? sum(mul(x, x, loc), dims, keepdim, loc) : sum(pow(abs(x, loc), p, loc), dims, keepdim, loc);
  auto root = [&](const Tensor& t) { return p == 2.0 ? sqrt(t, loc) : pow(t, 1.0 / p, loc); };
  if (!GradMode::enabled() || !x.requiresGrad()) return root(powered);
  // At a zero norm the root's derivative is infinite, and the chain rule's 0 * inf makes the
  // gradient NaN (a weight-decay term on zero-initialised biases, at the first step). The
  // gradient there is 0, as PyTorch's subgradient: the root of a stand-in 1 where the sum is
  // 0, and 0 put back in its place. Same values; used only when a gradient can flow.
  const Tensor nonZero = ne(powered, 0.0, loc);  // (NaN too: a NaN norm stays NaN)
  return where(nonZero, root(where(nonZero, powered, 1.0, loc)), 0.0, loc);
}

/// clamp/clip as PyTorch takes them: bounds that are numbers (a float bound makes an
/// integer tensor's result float, as PyTorch's type promotion), tensors (element by
/// element), or None.
Tensor clampPython(const Tensor& x, py::handle min, py::handle max) {
  const SourceLoc loc = here();
  auto bound = [](py::handle value, const char* name) -> std::optional<double> {
    if (value.is_none() || py::isinstance<Tensor>(value)) return std::nullopt;
    const std::optional<double> number = asNumber(value);
    if (!number)
      throw py::type_error(std::string("clamp(") + name + "=...): expected a number, a tensor or None, got " +
                           std::string(py::str(value.get_type().attr("__name__"))));
    return number;
  };
  const std::optional<double> low = bound(min, "min"), high = bound(max, "max");
  const bool minTensor = py::isinstance<Tensor>(min), maxTensor = py::isinstance<Tensor>(max);
  if (!low && !high && !minTensor && !maxTensor)
    throw py::value_error("clamp: at least one of min and max must not be None");
  const bool floatBound = PyFloat_Check(min.ptr()) || PyFloat_Check(max.ptr());
  Tensor out = floatBound && !isFloating(x.dtype()) ? x.to(DType::Float32, loc) : x;
  if (!minTensor && !maxTensor) return clamp(out, low, high, loc);
  // The lower bound, then the upper one (where min > max, max wins, as in PyTorch).
  if (low) out = clamp(out, low, std::nullopt, loc);
  if (minTensor) out = maximum(out, py::cast<const Tensor&>(min), loc);
  if (high) out = clamp(out, std::nullopt, high, loc);
  if (maxTensor) out = minimum(out, py::cast<const Tensor&>(max), loc);
  return out;
}

/// (values, indices) as PyTorch's named tuple.
py::object valuesIndices(const char* name, const std::pair<Tensor, Tensor>& result) {
  static py::object type = py::module_::import("collections").attr("namedtuple")("values_indices", "values indices");
  (void)name;
  return type(result.first, result.second);
}

void bindFactories(py::module_& m) {
  m.def("tensor", [](py::handle data, std::optional<DType> dtype, py::handle device, bool requiresGrad) {
    Tensor t = tensorFromData(data, dtype, "tensor");
    if (requiresGrad) t.setRequiresGrad(true, here());
    (void)device;
    return t;
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);
  m.def("as_tensor", [](py::handle data, std::optional<DType> dtype) {
    if (py::isinstance<Tensor>(data)) {
      const Tensor& t = py::cast<const Tensor&>(data);
      return dtype && *dtype != t.dtype() ? t.to(*dtype, here()) : t;
    }
    return tensorFromData(data, dtype, "as_tensor");
  }, py::arg("data"), py::arg("dtype") = py::none());
  m.def("from_numpy", [](py::buffer array) { return shareBuffer(array, "from_numpy"); },
        "A tensor sharing the array's memory (float32/float64/int64/bool, non-negative strides); other arrays are "
        "copied, converted to the engine's dtypes");

#define TD_PY_SIZED_FACTORY(pyname, call)                                                                          \
  m.def(pyname, [](py::args size, std::optional<DType> dtype, py::handle device, bool requiresGrad) {                \
    const IntList shape = shapeFromArgs(size, pyname);                                                              \
    const TensorOptions options = factoryOptions(dtype, device, requiresGrad);                                      \
    return call;                                                                                                    \
  }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false)
  TD_PY_SIZED_FACTORY("zeros", zeros(shape, options, here()));
  TD_PY_SIZED_FACTORY("ones", ones(shape, options, here()));
  TD_PY_SIZED_FACTORY("empty", empty(shape, options, here()));
  TD_PY_SIZED_FACTORY("rand", rand(shape, options, here()));
  TD_PY_SIZED_FACTORY("randn", randn(shape, options, here()));
#undef TD_PY_SIZED_FACTORY

  m.def("full", [](py::handle size, py::handle fill, std::optional<DType> dtype, py::handle device, bool requiresGrad) {
    const std::optional<double> value = asNumber(fill);
    if (!value) throw py::type_error("full: fill_value must be a number");
    // PyTorch infers the dtype from the fill value: int64 for ints, bool for bools.
    const DType inferred = PyBool_Check(fill.ptr()) ? DType::Bool : PyLong_Check(fill.ptr()) ? DType::Int64 : DType::Float32;
    return full(intList(size, "full"), *value, factoryOptions(dtype, device, requiresGrad, inferred), here());
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);

#define TD_PY_LIKE_FACTORY(pyname, value)                                                                  \
  m.def(pyname, [](const Tensor& like, std::optional<DType> dtype, bool requiresGrad) {                    \
    return full(like.shape(), value, TensorOptions(dtype.value_or(like.dtype())).requiresGrad(requiresGrad), here()); \
  }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false)
  TD_PY_LIKE_FACTORY("zeros_like", 0.0);
  TD_PY_LIKE_FACTORY("ones_like", 1.0);
#undef TD_PY_LIKE_FACTORY
  m.def("full_like", [](const Tensor& like, double value, std::optional<DType> dtype, bool requiresGrad) {
    return full(like.shape(), value, TensorOptions(dtype.value_or(like.dtype())).requiresGrad(requiresGrad), here());
  }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false);
  m.def("rand_like", [](const Tensor& like) { return rand(like.shape(), like.dtype(), here()); });
  m.def("randn_like", [](const Tensor& like) { return randn(like.shape(), like.dtype(), here()); });

  m.def("arange", [](py::handle start, py::handle end, py::handle step, std::optional<DType> dtype, bool requiresGrad) {
    const double a = asNumber(start).value_or(0.0);
    const bool allInts = PyLong_Check(start.ptr()) && (end.is_none() || PyLong_Check(end.ptr())) && PyLong_Check(step.ptr());
    const TensorOptions options = TensorOptions(dtype.value_or(allInts ? DType::Int64 : DType::Float32)).requiresGrad(requiresGrad);
    if (end.is_none()) return arange(0.0, a, asNumber(step).value_or(1.0), options, here());
    return arange(a, asNumber(end).value_or(0.0), asNumber(step).value_or(1.0), options, here());
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false);
  m.def("linspace", [](double start, double end, int64_t steps, std::optional<DType> dtype, bool requiresGrad) {
    return linspace(start, end, steps, TensorOptions(dtype.value_or(DType::Float32)).requiresGrad(requiresGrad), here());
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, std::optional<DType> dtype, bool requiresGrad) {
    return eye(n, cols.value_or(-1), TensorOptions(dtype.value_or(DType::Float32)).requiresGrad(requiresGrad), here());
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false);
  m.def("randint", [](py::args args, std::optional<DType> dtype) {
    // randint(high, size) or randint(low, high, size)
    TD_CHECK(args.size() == 2 || args.size() == 3, "randint", "expected (high, size) or (low, high, size)");
    const int64_t low = args.size() == 3 ? py::cast<int64_t>(args[0]) : 0;
    const int64_t high = py::cast<int64_t>(args[args.size() - 2]);
    return randint(low, high, intList(args[args.size() - 1], "randint"), dtype.value_or(DType::Int64), here());
  }, py::kw_only(), py::arg("dtype") = py::none());
  m.def("manual_seed", [](uint64_t seed) { manualSeed(seed); }, py::arg("seed"));
  m.def("_rng_state", [] { return py::bytes(rngState()); });
  m.def("_set_rng_state", [](const py::bytes& state) { setRngState(std::string(state)); }, py::arg("state"));
  m.def("initial_seed", [] { return initialSeed(); });
  // The OpenBLAS kernels in use, and better ones for this CPU when it fell back to generic
  // ones (None otherwise): see tapedeck/core/CpuSetup.h.
  m.def("blas_core", [] { return std::string(blasCore()); });
  m.def("better_blas_core", []() -> std::optional<std::string> {
    const char* core = betterBlasCore();
    return core != nullptr ? std::optional<std::string>(core) : std::nullopt;
  });
  m.def("randperm", [](int64_t n, std::optional<DType> dtype) {
    // A permutation from the global generator: the order of n uniform draws.
    TD_CHECK(n >= 0, "randperm", "n must be non-negative, got ", n);
    const std::vector<double> keys = rand({n}, DType::Float64, here()).toVector();
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
    return fromVector(order, {n}).to(dtype.value_or(DType::Int64));
  }, py::arg("n"), py::kw_only(), py::arg("dtype") = py::none());
}

void bindElementwise(py::module_& m, py::class_<Tensor>& cls) {
#define TD_PY_UNARY(pyname, fn) both(m, cls, pyname, [](const Tensor& x) { return fn(x, here()); })
  TD_PY_UNARY("neg", neg);
  TD_PY_UNARY("negative", neg);
  TD_PY_UNARY("exp", exp);
  TD_PY_UNARY("log", log);
  TD_PY_UNARY("sqrt", sqrt);
  TD_PY_UNARY("rsqrt", rsqrt);
  TD_PY_UNARY("abs", abs);
  TD_PY_UNARY("sign", sign);
  TD_PY_UNARY("floor", floor);
  TD_PY_UNARY("ceil", ceil);
  TD_PY_UNARY("trunc", trunc);
  TD_PY_UNARY("fix", trunc);
  // round(x, decimals=d): x * 10^d rounded (half to even) and scaled back, as PyTorch.
  both(m, cls, "round", [](const Tensor& x, int64_t decimals) -> Tensor {
    if (decimals == 0) return round(x, here());
    TD_CHECK(isFloating(x.dtype()), "round", "decimals needs a floating tensor, got ", dtypeName(x.dtype()));
    const double scale = std::pow(10.0, static_cast<double>(decimals));
    return div(round(mul(x, scale, here()), here()), scale, here());
  }, py::kw_only(), py::arg("decimals") = 0);
  TD_PY_UNARY("sin", sin);
  TD_PY_UNARY("cos", cos);
  TD_PY_UNARY("tanh", tanh);
  TD_PY_UNARY("sigmoid", sigmoid);
  TD_PY_UNARY("relu", relu);
  TD_PY_UNARY("erf", erf);
  TD_PY_UNARY("log1p", log1p);
  TD_PY_UNARY("expm1", expm1);
  TD_PY_UNARY("tan", tan);
  TD_PY_UNARY("asin", asin);
  TD_PY_UNARY("acos", acos);
  TD_PY_UNARY("atan", atan);
  TD_PY_UNARY("sinh", sinh);
  TD_PY_UNARY("cosh", cosh);
  TD_PY_UNARY("asinh", asinh);
  TD_PY_UNARY("acosh", acosh);
  TD_PY_UNARY("atanh", atanh);
#undef TD_PY_UNARY

#define TD_PY_BINARY(pyname, fn)                                                                   \
  both(m, cls, pyname, [](const Tensor& a, py::handle b) -> Tensor {                               \
    if (const std::optional<double> n = asNumber(b)) return fn(a, *n, here());                     \
    return fn(a, py::cast<const Tensor&>(b), here());                                              \
  })
  both(m, cls, "atan2", [](const Tensor& y, py::handle x) -> Tensor {
    if (const std::optional<double> n = asNumber(x)) return atan2(y, fullLike(y, *n), here());
    return atan2(y, py::cast<const Tensor&>(x), here());
  });
  TD_PY_BINARY("sub", sub);
  TD_PY_BINARY("mul", mul);
  TD_PY_BINARY("remainder", remainder);
  TD_PY_BINARY("floor_divide", floorDivide);
  // div(a, b, rounding_mode=None | "trunc" | "floor"), as PyTorch: integers stay integers
  // under a rounding mode (their trunc is taken in float64: exact below 2^53).
  both(m, cls, "div", [](const Tensor& a, py::handle b, std::optional<std::string> mode) -> Tensor {
    const std::optional<double> n = asNumber(b);
    const Tensor t = n ? Tensor() : py::cast<Tensor>(b);
    if (mode == "floor") return n ? floorDivide(a, *n, here()) : floorDivide(a, t, here());
    TD_CHECK(!mode || mode == "trunc", "div", "rounding_mode must be None, 'trunc' or 'floor', got '", *mode, "'");
    const bool integers = mode && !isFloating(a.dtype()) && (n ? *n == std::floor(*n) : !isFloating(t.dtype()));
    const Tensor x = integers ? a.to(DType::Float64) : a;
    const Tensor q = n ? div(x, *n, here()) : div(x, integers ? t.to(DType::Float64) : t, here());
    if (!mode) return q;
    const Tensor whole = trunc(q, here());
    return integers ? whole.to(promoteTypes(a.dtype(), n ? DType::Int64 : t.dtype())) : whole;
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  both(m, cls, "pow", [](const Tensor& a, py::handle b) -> Tensor {
    if (std::optional<Tensor> whole = integerPower(a, b, here())) return *whole;
    if (const std::optional<double> n = asNumber(b)) return pow(a, *n, here());
    return pow(a, py::cast<const Tensor&>(b), here());
  });
  TD_PY_BINARY("eq", eq);
  TD_PY_BINARY("ne", ne);
  TD_PY_BINARY("lt", lt);
  TD_PY_BINARY("le", le);
  TD_PY_BINARY("gt", gt);
  TD_PY_BINARY("ge", ge);
#undef TD_PY_BINARY
  both(m, cls, "add", [](const Tensor& a, py::handle b, double alpha) -> Tensor {
    if (const std::optional<double> n = asNumber(b)) return add(a, alpha * *n, here());
    const Tensor& t = py::cast<const Tensor&>(b);
    return add(a, alpha == 1.0 ? t : mul(t, alpha, here()), here());
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  both(m, cls, "maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b, here()); });
  both(m, cls, "minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b, here()); });
  both(m, cls, "matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b, here()); });
  both(m, cls, "mm", [](const Tensor& a, const Tensor& b) { return matmul(a, b, here()); });
  both(m, cls, "bmm", [](const Tensor& a, const Tensor& b) { return matmul(a, b, here()); });
  both(m, cls, "clamp", clampPython, py::arg("min") = py::none(), py::arg("max") = py::none());
  both(m, cls, "clip", clampPython, py::arg("min") = py::none(), py::arg("max") = py::none());
  m.def("where", [](const Tensor& condition, const Tensor& a, py::handle b) -> Tensor {
    if (const std::optional<double> n = asNumber(b)) return where(condition, a, *n, here());
    return where(condition, a, py::cast<const Tensor&>(b), here());
  });
  both(m, cls, "masked_fill", [](const Tensor& x, const Tensor& mask, py::handle value) {
    // A 0-dim tensor value stays a tensor: the gradient reaches it (as PyTorch's).
    if (py::isinstance<Tensor>(value)) return maskedFill(x, mask, py::cast<const Tensor&>(value), here());
    const std::optional<double> number = asNumber(value);
    if (!number) {
      const py::handle type = py::type::of(value);
      const std::string module = py::str(type.attr("__module__")), name = py::str(type.attr("__qualname__"));
      TD_CHECK(false, "masked_fill", "the value must be a number or a 0-dim tensor, got ",
               module == "builtins" ? name : module + "." + name);
    }
    return maskedFill(x, mask, *number, here());
  });
}

void bindReductions(py::module_& m, py::class_<Tensor>& cls) {
#define TD_PY_REDUCTION(pyname, fn)                                                                   \
  both(m, cls, pyname, [](const Tensor& x, py::handle dim, bool keepdim) {                            \
    return fn(x, dimsOrAll(dim, pyname), keepdim, here());                                            \
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false)
  TD_PY_REDUCTION("sum", sum);
  TD_PY_REDUCTION("mean", mean);
  TD_PY_REDUCTION("amax", amax);
  TD_PY_REDUCTION("amin", amin);
#undef TD_PY_REDUCTION
  auto variance = [](const Tensor& x, py::handle dim, bool unbiased, bool keepdim, std::optional<int64_t> correction) {
    return var(x, dimsOrAll(dim, "var"), correction.value_or(unbiased ? 1 : 0), keepdim, here());
  };
  both(m, cls, "var", variance, py::arg("dim") = py::none(), py::arg("unbiased") = true, py::arg("keepdim") = false,
       py::kw_only(), py::arg("correction") = py::none());
  both(m, cls, "std", [](const Tensor& x, py::handle dim, bool unbiased, bool keepdim,
                         std::optional<int64_t> correction) {
    return stdDev(x, dimsOrAll(dim, "std"), correction.value_or(unbiased ? 1 : 0), keepdim, here());
  }, py::arg("dim") = py::none(), py::arg("unbiased") = true, py::arg("keepdim") = false, py::kw_only(),
       py::arg("correction") = py::none());
  both(m, cls, "max", [](const Tensor& x, py::handle dim, bool keepdim) -> py::object {
    if (dim.is_none()) return py::cast(max(x, here()));
    if (py::isinstance<Tensor>(dim)) return py::cast(maximum(x, py::cast<const Tensor&>(dim), here()));
    return valuesIndices("max", max(x, py::cast<int64_t>(dim), keepdim, here()));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "min", [](const Tensor& x, py::handle dim, bool keepdim) -> py::object {
    if (dim.is_none()) return py::cast(min(x, here()));
    if (py::isinstance<Tensor>(dim)) return py::cast(minimum(x, py::cast<const Tensor&>(dim), here()));
    return valuesIndices("min", min(x, py::cast<int64_t>(dim), keepdim, here()));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "argmax", [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
    return argmax(x, dim, keepdim, here());
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "argmin", [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
    return argmin(x, dim, keepdim, here());
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "logsumexp", [](const Tensor& x, py::handle dim, bool keepdim) {
    return logsumexp(x, intList(dim, "logsumexp"), keepdim, here());
  }, py::arg("dim"), py::arg("keepdim") = false);
  both(m, cls, "softmax", [](const Tensor& x, int64_t dim) { return softmax(x, dim, here()); }, py::arg("dim"));
  // sort(dim=-1, descending=False, stable=False): always stable here (PyTorch's order of
  // ties is unspecified unless stable=True, so this satisfies both).
  both(m, cls, "sort", [](const Tensor& x, int64_t dim, bool descending, bool) {
    return valuesIndices("sort", sort(x, dim, descending, here()));
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  both(m, cls, "argsort", [](const Tensor& x, int64_t dim, bool descending) {
    return argsort(x, dim, descending, here());
  }, py::arg("dim") = -1, py::arg("descending") = false);
  // topk(k, dim=-1, largest=True, sorted=True): the values come sorted either way.
  both(m, cls, "topk", [](const Tensor& x, int64_t k, int64_t dim, bool largest, bool) {
    return valuesIndices("topk", topk(x, k, dim, largest, here()));
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  // prod(dim=None, keepdim=False, *, dtype=None): one dim, as PyTorch 1.13's, or all of them.
  both(m, cls, "prod", [](const Tensor& x, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
    const Tensor in = dtype ? x.to(*dtype) : x;
    return dim ? prod(in, {*dim}, keepdim, here()) : prod(in, {}, false, here());
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  both(m, cls, "cumsum", [](const Tensor& x, int64_t dim, std::optional<DType> dtype) {
    return cumsum(dtype ? x.to(*dtype) : x, dim, here());
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  both(m, cls, "norm", [](const Tensor& x, py::handle p, py::handle dim, bool keepdim) {
    const double order = p.is_none() ? 2.0 : py::isinstance<py::str>(p) ? (std::string(py::str(p)) == "fro" ? 2.0 : -1.0)
                                                                         : py::cast<double>(p);
    TD_CHECK(order != -1.0, "norm", "unsupported norm type '", std::string(py::str(p)), "' (numbers, inf and 'fro' are)");
    return pNorm(x, order, dimsOrAll(dim, "norm"), keepdim, here());
  }, py::arg("p") = py::none(), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "logical_not", [](const Tensor& x) { return eq(x, 0.0, here()); });
  // Logic on truth values (non-zero is true), as bool tensors; not differentiable.
  both(m, cls, "logical_and", [](const Tensor& a, const Tensor& b) { return logicalAnd(a, b, here()); });
  both(m, cls, "logical_or", [](const Tensor& a, const Tensor& b) { return logicalOr(a, b, here()); });
  both(m, cls, "logical_xor", [](const Tensor& a, const Tensor& b) { return ne(ne(a, 0.0, here()), ne(b, 0.0, here()), here()); });
  both(m, cls, "any", [](const Tensor& x, py::handle dim, bool keepdim) {
    return gt(sum(ne(x, 0.0, here()).to(DType::Int64), dimsOrAll(dim, "any"), keepdim, here()), 0.0, here());
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "all", [](const Tensor& x, py::handle dim, bool keepdim) {
    return eq(sum(eq(x, 0.0, here()).to(DType::Int64), dimsOrAll(dim, "all"), keepdim, here()), 0.0, here());
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "isclose", [](const Tensor& a, const Tensor& b, double rtol, double atol) {
    return le(abs(sub(a, b, here()), here()), add(mul(abs(b, here()), rtol, here()), atol, here()), here());
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8);
  both(m, cls, "allclose", [](const Tensor& a, const Tensor& b, double rtol, double atol) {
    NoGradGuard noGrad;
    const Tensor close = le(abs(sub(a, b, here()), here()), add(mul(abs(b, here()), rtol, here()), atol, here()), here());
    return sum(eq(close, 0.0, here()).to(DType::Int64)).item() == 0.0;
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8);
  both(m, cls, "log_softmax", [](const Tensor& x, int64_t dim) { return logSoftmax(x, dim, here()); },
       py::arg("dim"));
}

void bindShapes(py::module_& m, py::class_<Tensor>& cls) {
  m.def("cat", [](const std::vector<Tensor>& tensors, int64_t dim) { return cat(tensors, dim, here()); },
        py::arg("tensors"), py::arg("dim") = 0);
  m.def("stack", [](const std::vector<Tensor>& tensors, int64_t dim) { return stack(tensors, dim, here()); },
        py::arg("tensors"), py::arg("dim") = 0);
  both(m, cls, "split", [](const Tensor& x, py::handle size, int64_t dim) -> std::vector<Tensor> {
    if (isIntLike(size)) return split(x, py::cast<int64_t>(size), dim, here());
    // A list of sizes: consecutive pieces along dim that must add up to its size.
    const IntList sizes = intList(size, "split");
    int64_t total = 0;
    for (int64_t s : sizes) total += s;
    TD_CHECK(total == x.size(dim), "split", "split sizes ", shapeString(sizes), " add up to ", total,
             ", but dimension ", dim, " has size ", x.size(dim));
    std::vector<Tensor> pieces;
    int64_t start = 0;
    for (int64_t s : sizes) {
      pieces.push_back(x.narrow(dim, start, s, here()));
      start += s;
    }
    return pieces;
  }, py::arg("split_size_or_sections"), py::arg("dim") = 0);
  both(m, cls, "chunk", [](const Tensor& x, int64_t chunks, int64_t dim) { return chunk(x, chunks, dim, here()); },
       py::arg("chunks"), py::arg("dim") = 0);
  both(m, cls, "index_select", [](const Tensor& x, int64_t dim, const Tensor& index) {
    return indexSelect(x, dim, index, here());
  }, py::arg("dim"), py::arg("index"));
  both(m, cls, "gather", [](const Tensor& x, int64_t dim, const Tensor& index) { return gather(x, dim, index, here()); },
       py::arg("dim"), py::arg("index"));
  both(m, cls, "scatter_add", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatterAdd(x, dim, index, src, here());
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  both(m, cls, "index_add", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    return indexAdd(x, dim, index, src, here());
  }, py::arg("dim"), py::arg("index"), py::arg("source"));
  m.def("reshape", [](const Tensor& x, py::handle shape) { return x.reshape(intList(shape, "reshape"), here()); });
  m.def("flatten", [](const Tensor& x, int64_t start, int64_t end) { return x.flatten(start, end, here()); },
        py::arg("input"), py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  m.def("squeeze", [](const Tensor& x, std::optional<int64_t> dim) { return x.squeeze(dim, here()); },
        py::arg("input"), py::arg("dim") = py::none());
  m.def("unsqueeze", [](const Tensor& x, int64_t dim) { return x.unsqueeze(dim, here()); });
  m.def("transpose", [](const Tensor& x, int64_t a, int64_t b) { return x.transpose(a, b, here()); });
  m.def("permute", [](const Tensor& x, py::handle dims) { return x.permute(intList(dims, "permute"), here()); });
  m.def("t", [](const Tensor& x) { return x.t(here()); });
  m.def("clone", [](const Tensor& x) { return x.clone(here()); });
  m.def("detach", [](const Tensor& x) { return x.detach(); });
  m.def("numel", [](const Tensor& x) { return x.numel(); });
  m.def("is_tensor", [](py::handle x) { return py::isinstance<Tensor>(x); });
}

void bindInPlace(py::class_<Tensor>& cls) {
  // Each writes into self (its version counter moves) and returns self, as PyTorch does.
  cls.def("add_", [](py::object self, py::handle other, double alpha) {
    Tensor& t = py::cast<Tensor&>(self);
    if (const std::optional<double> n = asNumber(other)) t.add_(alpha * *n, here());
    else t.add_(py::cast<const Tensor&>(other), alpha, here());
    return self;
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  cls.def("sub_", [](py::object self, py::handle other, double alpha) {
    Tensor& t = py::cast<Tensor&>(self);
    if (const std::optional<double> n = asNumber(other)) t.add_(-alpha * *n, here());
    else t.add_(py::cast<const Tensor&>(other), -alpha, here());
    return self;
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  cls.def("mul_", [](py::object self, py::handle other) {
    Tensor& t = py::cast<Tensor&>(self);
    if (const std::optional<double> n = asNumber(other)) t.mul_(*n, here());
    else t.mul_(py::cast<const Tensor&>(other), here());
    return self;
  });
  cls.def("div_", [](py::object self, py::handle other) {
    Tensor& t = py::cast<Tensor&>(self);
    if (const std::optional<double> n = asNumber(other)) t.div_(*n, here());
    else t.div_(py::cast<const Tensor&>(other), here());
    return self;
  });
  cls.def("zero_", [](py::object self) { py::cast<Tensor&>(self).zero_(here()); return self; });
  cls.def("fill_", [](py::object self, double value) { py::cast<Tensor&>(self).fill_(value, here()); return self; });
  cls.def("clamp_", [](py::object self, std::optional<double> min, std::optional<double> max) {
    py::cast<Tensor&>(self).clamp_(min, max, here());
    return self;
  }, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("relu_", [](py::object self) { py::cast<Tensor&>(self).relu_(here()); return self; });
  cls.def("copy_", [](py::object self, const Tensor& src) { py::cast<Tensor&>(self).copy_(src, here()); return self; });
}

}  // namespace

Tensor logicalAnd(const Tensor& a, const Tensor& b, SourceLoc loc) {
  return ne(mul(ne(a, 0.0, loc).to(DType::Float32), ne(b, 0.0, loc).to(DType::Float32), loc), 0.0, loc);
}

Tensor logicalOr(const Tensor& a, const Tensor& b, SourceLoc loc) {
  return ne(add(ne(a, 0.0, loc).to(DType::Float32), ne(b, 0.0, loc).to(DType::Float32), loc), 0.0, loc);
}

void bindOps(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  bindFactories(m);
  bindElementwise(m, cls);
  bindReductions(m, cls);
  bindShapes(m, cls);
  bindInPlace(cls);
  bindNnFunctions(m.def_submodule("_nn", "Functions behind tapedeck.nn.functional"));
}

}  // namespace td::python
