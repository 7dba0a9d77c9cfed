// See optim.h. All parameters are walked as one list of fixed-size blocks spread over the
// thread pool, so a model with many small tensors costs one hand-off, not one per tensor.
#include "cpu/optim.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace tn {
namespace cpu {
namespace {

constexpr int64_t kBlock = 8192;  // elements per work item

struct Block {
  int32_t param;
  int64_t begin, end;
};

// Keras 3 SGD: v = momentum * v - lr * g; p += v (nesterov: p += momentum * v - lr * g).
void sgd(const OptimizerParams& hp, const ParamSlice& s, int64_t b, int64_t e) {
  const float lr = float(hp.learning_rate), mu = float(hp.momentum);
  if (hp.momentum == 0.0) {
    for (int64_t i = b; i < e; ++i) s.param[i] -= lr * s.grad[i];
    return;
  }
  for (int64_t i = b; i < e; ++i) {
    const float v = mu * s.slot_a[i] - lr * s.grad[i];
    s.slot_a[i] = v;
    s.param[i] += hp.nesterov ? mu * v - lr * s.grad[i] : v;
  }
}

// Keras 3 Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
// AdamW first applies p -= lr * wd * p.
void adam(const OptimizerParams& hp, bool decoupled_decay, const ParamSlice& s, int64_t b, int64_t e) {
  const double t = double(hp.step);
  const float alpha = float(hp.learning_rate * std::sqrt(1.0 - std::pow(hp.beta2, t)) / (1.0 - std::pow(hp.beta1, t)));
  const float b1 = float(hp.beta1), b2 = float(hp.beta2), eps = float(hp.epsilon);
  const float decay = decoupled_decay ? float(hp.learning_rate * hp.weight_decay) : 0.f;
  for (int64_t i = b; i < e; ++i) {
    const float g = s.grad[i];
    const float m = b1 * s.slot_a[i] + (1.f - b1) * g;
    const float v = b2 * s.slot_b[i] + (1.f - b2) * g * g;
    s.slot_a[i] = m;
    s.slot_b[i] = v;
    float p = s.param[i];
    p -= decay * p;
    s.param[i] = p - alpha * m / (std::sqrt(v) + eps);
  }
}

// Keras 3 RMSprop (centered = false): ms = rho ms + (1-rho) g^2; step = lr g / sqrt(ms + eps);
// with momentum: buf = momentum * buf + step; p -= buf. Without: p -= step.
void rmsprop(const OptimizerParams& hp, const ParamSlice& s, int64_t b, int64_t e) {
  const float lr = float(hp.learning_rate), rho = float(hp.rho), eps = float(hp.epsilon), mu = float(hp.momentum);
  for (int64_t i = b; i < e; ++i) {
    const float g = s.grad[i];
    const float ms = rho * s.slot_a[i] + (1.f - rho) * g * g;
    s.slot_a[i] = ms;
    const float step = lr * g / std::sqrt(ms + eps);
    if (hp.momentum > 0.0) {
      const float buf = mu * s.slot_b[i] + step;
      s.slot_b[i] = buf;
      s.param[i] -= buf;
    } else {
      s.param[i] -= step;
    }
  }
}

}  // namespace

void optimizer_update(Optimizer kind, const OptimizerParams& hp, const std::vector<ParamSlice>& params) {
  TN_CHECK(int(kind) >= 0 && int(kind) < int(Optimizer::Count), "unknown optimizer code ", int(kind));
  TN_CHECK(hp.step >= 1, "optimizer step must be >= 1, got ", hp.step);
  const bool needs_a = kind != Optimizer::Sgd || hp.momentum > 0.0;
  const bool needs_b = kind == Optimizer::Adam || kind == Optimizer::AdamW ||
                       (kind == Optimizer::RmsProp && hp.momentum > 0.0);
  std::vector<Block> blocks;
  for (size_t p = 0; p < params.size(); ++p) {
    const ParamSlice& s = params[p];
    TN_CHECK(s.param && s.grad, "optimizer: parameter ", p, " has no buffer or gradient");
    TN_CHECK(!needs_a || s.slot_a, "optimizer: parameter ", p, " is missing its first slot");
    TN_CHECK(!needs_b || s.slot_b, "optimizer: parameter ", p, " is missing its second slot");
    for (int64_t b = 0; b < s.size; b += kBlock) blocks.push_back({int32_t(p), b, std::min(s.size, b + kBlock)});
  }
  auto run_block = [&](int64_t i) {
    const Block& blk = blocks[size_t(i)];
    const ParamSlice& s = params[size_t(blk.param)];
    switch (kind) {
      case Optimizer::Sgd: sgd(hp, s, blk.begin, blk.end); break;
      case Optimizer::Adam: adam(hp, false, s, blk.begin, blk.end); break;
      case Optimizer::AdamW: adam(hp, true, s, blk.begin, blk.end); break;
      case Optimizer::RmsProp: rmsprop(hp, s, blk.begin, blk.end); break;
      default: break;
    }
  };
  if (blocks.size() <= 2) {
    for (size_t i = 0; i < blocks.size(); ++i) run_block(int64_t(i));
  } else {
    parallel_chunks(int64_t(blocks.size()), run_block);
  }
}

}  // namespace cpu
}  // namespace tn
