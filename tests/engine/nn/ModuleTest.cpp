// Module: tape scopes of calls (qualified names, outermost module, calls by non-owners,
// exceptions), parameter names, traversal, state dicts and the strict error, hooks,
// train/eval, zeroGrad and the printed tree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/NN.h"

namespace {

using tdtest::ObserverScope;
using tdtest::RecordingObserver;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace nn = td::nn;

/// encoder = Sequential(Linear(4, 8), ReLU, Linear(8, 3)); head = Linear(3, 2).
class Net : public nn::Module {
 public:
  Net() : Module("Net") {
    encoder = registerModule("encoder", nn::make<nn::Sequential>(nn::make<nn::Linear>(4, 8), nn::make<nn::ReLU>(),
                                                                 nn::make<nn::Linear>(8, 3)));
    head = registerModule("head", nn::make<nn::Linear>(3, 2));
  }
  std::shared_ptr<nn::Sequential> encoder;
  std::shared_ptr<nn::Linear> head;

 protected:
  td::Tensor forward(const td::Tensor& x) override { return td::tanh((*head)((*encoder)(x))); }
};

/// Calls a module it does not own (`other`), then its own child's child directly.
class Borrower : public nn::Module {
 public:
  explicit Borrower(nn::ModulePtr other) : Module("Borrower"), m_other(std::move(other)) {
    inner = registerModule("inner", nn::make<nn::Sequential>(nn::make<nn::Linear>(4, 4)));
  }
  std::shared_ptr<nn::Sequential> inner;

 protected:
  td::Tensor forward(const td::Tensor& x) override { return (*(*inner)[0])((*m_other)(x)); }

 private:
  nn::ModulePtr m_other;
};

class Thrower : public nn::Module {
 public:
  Thrower() : Module("Thrower") { fc = registerModule("fc", nn::make<nn::Linear>(2, 2)); }
  std::shared_ptr<nn::Linear> fc;

 protected:
  td::Tensor forward(const td::Tensor& x) override {
    (*fc)(x);
    throw std::runtime_error("boom");
  }
};

/// (op name, scope name) of each forward entry.
std::vector<std::pair<std::string, std::string>> scopes(const RecordingObserver& observer) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const td::TapeEntry& e : observer.forward) out.emplace_back(td::opName(e.op), td::Tape::scopeName(e.scope));
  return out;
}

std::set<std::string> scopeSet(const RecordingObserver& observer) {
  std::set<std::string> out;
  for (const td::TapeEntry& e : observer.forward) out.insert(td::Tape::scopeName(e.scope));
  return out;
}

std::vector<std::string> keys(const std::vector<std::pair<std::string, td::Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

// --- scopes ---------------------------------------------------------------------------

TEST(Module, CallPushesQualifiedScopes) {
  auto net = nn::make<Net>();
  td::Tensor x = td::randn({5, 4});
  RecordingObserver observer;
  ObserverScope attach(&observer);
  net->eval();
  (*net)(x);
  auto entries = scopes(observer);
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].second, "encoder.0");
  EXPECT_EQ(entries[1].second, "encoder.1");
  EXPECT_EQ(entries[2].second, "encoder.2");
  EXPECT_EQ(entries[3].second, "head");
  EXPECT_EQ(entries[4].second, "");  // Net's own tanh: the caller's scope
  EXPECT_EQ(td::Tape::currentScope(), 0u);

  // The same names on a second call (cached), and none are allocated anew.
  observer.clear();
  (*net)(x);
  EXPECT_EQ(scopes(observer), entries);
}

TEST(Module, OutermostKeepsTheCallersScope) {
  auto net = nn::make<Net>();
  RecordingObserver observer;
  ObserverScope attach(&observer);
  {
    td::ScopeGuard outer("experiment");
    (*net)(td::randn({2, 4}));
  }
  EXPECT_EQ(scopeSet(observer), (std::set<std::string>{"experiment", "encoder.0", "encoder.1", "encoder.2", "head"}));

  // A submodule called on its own is the outermost: names start from it.
  observer.clear();
  (*net->encoder)(td::randn({2, 4}));
  EXPECT_EQ(scopeSet(observer), (std::set<std::string>{"0", "1", "2"}));
  observer.clear();
  (*net->head)(td::randn({2, 3}));
  EXPECT_EQ(scopeSet(observer), (std::set<std::string>{""}));
}

/// One cell applied three times per forward, back to back (an unrolled recurrence).
class Unrolled : public nn::Module {
 public:
  Unrolled() : Module("Unrolled") { cell = registerModule("cell", nn::make<nn::Linear>(2, 2)); }
  std::shared_ptr<nn::Linear> cell;

 protected:
  td::Tensor forward(const td::Tensor& x) override {
    td::Tensor h = x;
    for (int step = 0; step < 3; ++step) h = (*cell)(h);
    return h;
  }
};

TEST(Module, EachCallOfASubmoduleIsOneScopeCallAndTheOutermostIsNone) {
  auto net = nn::make<Unrolled>();
  RecordingObserver observer;
  ObserverScope attach(&observer);
  (*net)(td::randn({1, 2}));
  (*net)(td::randn({1, 2}));
  ASSERT_EQ(observer.forward.size(), 6u);
  // Every entry is the first of a call of the cell, the first of the second forward too:
  // the outermost module keeps the caller's path and is no call that could hide it.
  const td::ScopeId cell = td::Tape::intern("cell");
  for (const td::TapeEntry& e : observer.forward) {
    EXPECT_EQ(e.scope, cell);
    EXPECT_EQ(e.enteredScope, cell);
  }

  // Called inside a scope of its caller, the outermost module is part of the caller's call.
  td::ScopeGuard experiment("experiment");
  const td::ScopeId path = td::Tape::currentScope();
  const uint64_t outer = td::Tape::scopeCallOf(path);
  ASSERT_NE(outer, 0u);
  uint64_t seen = 0;
  net->registerForwardPreHook([&](nn::Module&, const td::Tensor&) { seen = td::Tape::scopeCallOf(path); });
  (*net)(td::randn({1, 2}));
  EXPECT_EQ(seen, outer);
}

TEST(Module, CallsByNonOwnersUseTheOutermostPathOrTheTypeName) {
  auto stranger = nn::make<nn::Linear>(4, 4);
  auto borrower = nn::make<Borrower>(stranger);
  RecordingObserver observer;
  ObserverScope attach(&observer);
  (*borrower)(td::randn({2, 4}));
  auto entries = scopes(observer);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].second, "Linear");   // not in borrower's tree
  EXPECT_EQ(entries[1].second, "inner.0");  // its grandchild, called directly
}

TEST(Module, ScopesFollowRegistrationChanges) {
  auto fc = nn::make<nn::Linear>(2, 2);
  RecordingObserver observer;
  ObserverScope attach(&observer);
  (*fc)(td::randn({1, 2}));
  auto seq = nn::make<nn::Sequential>();
  seq->push_back(nn::make<nn::ReLU>()).push_back(fc);
  (*seq)(td::randn({1, 2}));
  EXPECT_EQ(scopes(observer).back().second, "1");
  EXPECT_EQ(fc->weight().name(), "1.weight");
}

TEST(Module, ExceptionInForwardPopsTheCall) {
  auto thrower = nn::make<Thrower>();
  EXPECT_THROW((*thrower)(td::randn({1, 2})), std::runtime_error);
  EXPECT_EQ(td::Tape::currentScope(), 0u);
  // The call stack is empty again: fc called alone is the outermost.
  RecordingObserver observer;
  ObserverScope attach(&observer);
  (*thrower->fc)(td::randn({1, 2}));
  EXPECT_EQ(scopeSet(observer), (std::set<std::string>{""}));
}

TEST(Module, LossModulesNameThemselves) {
  auto net = nn::make<Net>();
  nn::MSELoss loss;
  RecordingObserver observer;
  ObserverScope attach(&observer);
  td::ScopeGuard outer("step");
  loss((*net)(td::randn({2, 4})), td::zeros({2, 2}));
  EXPECT_EQ(td::Tape::scopeName(observer.forward.back().scope).rfind("step", 0), 0u);
}

// --- names and traversal ----------------------------------------------------------------

TEST(Module, ParametersAreNamedLeavesRequiringGrad) {
  auto fc = nn::make<nn::Linear>(3, 2);
  EXPECT_EQ(fc->weight().name(), "weight");
  EXPECT_TRUE(fc->weight().requiresGrad());
  EXPECT_TRUE(fc->weight().isLeaf());

  auto net = nn::make<Net>();
  EXPECT_EQ(net->encoder->at<nn::Linear>(2)->weight().name(), "encoder.2.weight");
  EXPECT_EQ(net->head->bias().name(), "head.bias");
  EXPECT_THAT(keys(net->namedParameters()),
              ElementsAre("encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "head.weight",
                          "head.bias"));
  EXPECT_TRUE(net->namedParameters(false).empty());
  EXPECT_EQ(net->parameters().size(), 6u);
  EXPECT_EQ(net->parameterCount(), 4 * 8 + 8 + 8 * 3 + 3 + 3 * 2 + 2);

  // Moving a subtree under a new parent renames its tensors.
  class Outer : public nn::Module {
   public:
    explicit Outer(nn::ModulePtr model) : Module("Outer") { registerModule("model", std::move(model)); }
  };
  Outer outer(net);
  EXPECT_EQ(net->head->bias().name(), "model.head.bias");
  EXPECT_EQ(outer.namedParameters().front().first, "model.encoder.0.weight");
}

TEST(Module, NamedModulesAsPyTorch) {
  auto net = nn::make<Net>();
  std::vector<std::string> names;
  for (const auto& [name, module] : net->namedModules()) names.push_back(name + ":" + module->typeName());
  EXPECT_THAT(names, ElementsAre(":Net", "encoder:Sequential", "encoder.0:Linear", "encoder.1:ReLU",
                                 "encoder.2:Linear", "head:Linear"));
  EXPECT_EQ(net->namedModules().front().second.get(), net.get());
  std::vector<std::string> children;
  for (const auto& [name, module] : net->namedChildren()) children.push_back(name);
  EXPECT_THAT(children, ElementsAre("encoder", "head"));
  EXPECT_EQ(net->head->parent(), net.get());
  EXPECT_EQ(net->head->name(), "head");
}

TEST(Module, SharedModuleIsListedOnce) {
  auto shared = nn::make<nn::Linear>(2, 2);
  auto seq = nn::make<nn::Sequential>(shared, nn::make<nn::ReLU>(), shared);
  EXPECT_EQ(seq->parameters().size(), 2u);
  EXPECT_EQ(seq->namedModules().size(), 3u);  // "", "0", "1"
  EXPECT_EQ(shared->weight().name(), "0.weight");
}

TEST(Module, BuffersAreNamedAndNotParameters) {
  auto seq = nn::make<nn::Sequential>(nn::make<nn::Linear>(2, 3), nn::make<nn::BatchNorm1d>(3));
  EXPECT_THAT(keys(seq->namedBuffers()), ElementsAre("1.running_mean", "1.running_var", "1.num_batches_tracked"));
  EXPECT_EQ(seq->at<nn::BatchNorm1d>(1)->runningMean().name(), "1.running_mean");
  EXPECT_EQ(seq->parameters().size(), 4u);
}

// --- state dicts -------------------------------------------------------------------------

TEST(Module, StateDictRoundTrip) {
  td::manualSeed(1);
  auto a = nn::make<nn::Sequential>(nn::make<nn::Linear>(4, 3), nn::make<nn::BatchNorm1d>(3));
  auto b = nn::make<nn::Sequential>(nn::make<nn::Linear>(4, 3), nn::make<nn::BatchNorm1d>(3));
  (*a)(td::randn({6, 4}));  // moves a's running statistics
  nn::StateDict state = a->stateDict();
  EXPECT_THAT(keys(state), ElementsAre("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                       "1.num_batches_tracked"));
  EXPECT_FALSE(state[0].second.requiresGrad());
  EXPECT_NE(state[0].second.storage().data(), a->at<nn::Linear>(0)->weight().storage().data());  // a copy

  uint64_t version = b->at<nn::Linear>(0)->weight().version();
  b->loadStateDict(state);
  EXPECT_GT(b->at<nn::Linear>(0)->weight().version(), version);
  EXPECT_TRUE(b->at<nn::Linear>(0)->weight().requiresGrad());
  for (std::size_t i = 0; i < state.size(); ++i)
    EXPECT_EQ(b->stateDict()[i].second.toVector(), state[i].second.toVector()) << state[i].first;
  a->eval();
  b->eval();
  td::Tensor x = td::randn({2, 4});
  EXPECT_EQ((*a)(x).toVector(), (*b)(x).toVector());
}

TEST(Module, StrictLoadListsEveryProblemAndChangesNothing) {
  auto net = nn::make<Net>();
  nn::StateDict state = net->stateDict();
  std::vector<double> before = net->encoder->at<nn::Linear>(0)->weight().toVector();
  // Drop head.bias, add an unknown key, change a shape and a dtype; perturb a good key.
  state.erase(state.begin() + 5);
  state.emplace_back("head.extra", td::zeros({1}));
  state[2].second = td::zeros({3, 9});
  state[3].second = td::zeros({3}, td::DType::Float64);
  state[0].second = td::zeros({8, 4});
  try {
    net->loadStateDict(state);
    FAIL() << "expected td::Error";
  } catch (const td::Error& e) {
    std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("missing keys: \"head.bias\""));
    EXPECT_THAT(message, HasSubstr("unexpected keys: \"head.extra\""));
    EXPECT_THAT(message, HasSubstr("size mismatch for \"encoder.2.weight\": copying a tensor of shape [3, 9] into one "
                                   "of shape [3, 8]"));
    EXPECT_THAT(message, HasSubstr("dtype mismatch for \"encoder.2.bias\""));
    EXPECT_THAT(message, Not(HasSubstr("encoder.0.weight")));
  }
  EXPECT_EQ(net->encoder->at<nn::Linear>(0)->weight().toVector(), before);

  // Not strict: missing and unexpected keys are allowed, mismatches are not.
  nn::StateDict partial{{"encoder.0.weight", td::zeros({8, 4})}, {"nonsense", td::ones({2})}};
  net->loadStateDict(partial, false);
  EXPECT_EQ(net->encoder->at<nn::Linear>(0)->weight().toVector(), std::vector<double>(32, 0.0));
  EXPECT_THROW(net->loadStateDict({{"head.bias", td::zeros({5})}}, false), td::Error);
}

// --- hooks, modes, gradients, printing ------------------------------------------------------

TEST(Module, HooksRunAroundForwardAndCanBeRemoved) {
  auto fc = nn::make<nn::Linear>(2, 2);
  int preCalls = 0, postCalls = 0;
  int pre = fc->registerForwardPreHook([&](nn::Module& m, const td::Tensor& input) {
    EXPECT_EQ(&m, fc.get());
    EXPECT_EQ(input.shape(), (td::IntList{1, 2}));
    ++preCalls;
  });
  int post = fc->registerForwardHook([&](nn::Module&, const td::Tensor&, const td::Tensor& output) {
    ++postCalls;
    return td::mul(output, 0.0);
  });
  EXPECT_NE(pre, post);
  td::Tensor y = (*fc)(td::ones({1, 2}));
  EXPECT_EQ(preCalls, 1);
  EXPECT_EQ(postCalls, 1);
  EXPECT_EQ(y.toVector(), (std::vector<double>{0.0, 0.0}));

  int keep = fc->registerForwardHook([](nn::Module&, const td::Tensor&, const td::Tensor&) { return td::Tensor(); });
  y = (*fc)(td::ones({1, 2}));
  EXPECT_EQ(y.toVector(), (std::vector<double>{0.0, 0.0}));  // undefined keeps the (zeroed) output
  fc->removeHook(pre);
  fc->removeHook(post);
  fc->removeHook(keep);
  y = (*fc)(td::ones({1, 2}));
  EXPECT_EQ(preCalls, 2);
  EXPECT_EQ(postCalls, 2);
  EXPECT_NE(y.toVector(), (std::vector<double>{0.0, 0.0}));
}

TEST(Module, TrainAndEvalPropagate) {
  auto net = nn::make<nn::Sequential>(nn::make<nn::Linear>(2, 2), nn::make<nn::Dropout>(0.5));
  EXPECT_TRUE(net->isTraining());
  net->eval();
  EXPECT_FALSE(net->isTraining());
  EXPECT_FALSE((*net)[1]->isTraining());
  net->train();
  EXPECT_TRUE((*net)[1]->isTraining());
}

TEST(Module, ZeroGradClearsGradients) {
  auto net = nn::make<Net>();
  td::sum((*net)(td::randn({3, 4}))).backward();
  for (const td::Tensor& p : net->parameters()) EXPECT_TRUE(p.grad().defined()) << p.name();
  net->zeroGrad();
  for (const td::Tensor& p : net->parameters()) EXPECT_FALSE(p.grad().defined()) << p.name();
}

TEST(Module, ForwardOfAModuleWithoutOneThrows) {
  nn::ModuleList list(nn::make<nn::ReLU>());
  EXPECT_THROW(list(td::ones({1})), td::Error);
}

TEST(Module, ToStringAsPyTorch) {
  auto net = nn::make<Net>();
  EXPECT_EQ(net->toString(),
            "Net(\n"
            "  (encoder): Sequential(\n"
            "    (0): Linear(in_features=4, out_features=8, bias=True)\n"
            "    (1): ReLU()\n"
            "    (2): Linear(in_features=8, out_features=3, bias=True)\n"
            "  )\n"
            "  (head): Linear(in_features=3, out_features=2, bias=True)\n"
            ")");
  EXPECT_EQ(nn::Linear(2, 3, false).toString(), "Linear(in_features=2, out_features=3, bias=False)");
}

}  // namespace
