// Optimizer updates on the CPU: ONE call updates every parameter of a model.
//
// Each parameter i is a flat buffer params[i] of sizes[i] floats with its gradient grads[i]
// and up to two slot buffers (slot_a[i], slot_b[i]) the optimizer owns. The update follows
// Keras 3's formulas (see optim.cpp for each). Params and slots are updated in place.
#pragma once
#include <cstdint>
#include <vector>

namespace tn {
namespace cpu {

enum class Optimizer : int {
  Sgd = 0,       // slots: none, or slot_a = velocity when momentum > 0
  Adam = 1,      // slot_a = m, slot_b = v
  AdamW = 2,     // as Adam, with decoupled weight decay
  RmsProp = 3,   // slot_a = mean square, slot_b = momentum buffer (when momentum > 0)
  Count = 4
};

struct OptimizerParams {
  double learning_rate = 0.01;
  double beta1 = 0.9;          // Adam/AdamW
  double beta2 = 0.999;        // Adam/AdamW
  double epsilon = 1e-7;       // Adam/AdamW/RMSprop
  double weight_decay = 0.0;   // AdamW
  double momentum = 0.0;       // SGD/RMSprop
  double rho = 0.9;            // RMSprop decay
  bool nesterov = false;       // SGD
  int64_t step = 1;            // 1-based step count, for Adam's bias correction
};

struct ParamSlice {
  float* param;
  const float* grad;
  float* slot_a;  // may be null when the optimizer needs no slot
  float* slot_b;
  int64_t size;
};

void optimizer_update(Optimizer kind, const OptimizerParams& hp, const std::vector<ParamSlice>& params);

}  // namespace cpu
}  // namespace tn
