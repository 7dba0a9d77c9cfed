// Scaled-dot-product attention on the CPU: the fused kernels (streaming softmax over key
// blocks, O(T·d) memory per head) and the plain O(T^2) reference they are tested against.
//
// Note [Attention layout]
// q, k, v and out are (B, T, H, D): batch, time, head, head dim. That is what Keras'
// MultiHeadAttention projections produce (EinsumDense "abc,cde->abde": the query/key/value
// kernels are (d_model, H, D)) and what its output projection ("abcd,cde->abe") consumes, so
// a layer passes its projections in and takes the result out without a transpose. A head's
// rows are strided (H*D floats apart), which the block products read in place (sgemm's lda).
// (B, H, T, D) would need two transposes per layer and buys nothing here.
//
// Note [Streaming softmax]
// For each block of queries, the keys are visited in blocks of kKeyBlock. Per query row we keep
// the running max m and sum l of exp(s - m) and the unnormalized output o; a new block with
// max m' rescales both by exp(m - m') (flash attention's recurrence). At the end out = o / l
// and lse = m + log(l) is saved, so the backward recomputes each block's weights exactly as
// P = exp(s - lse) without storing the (Tq, Tk) matrix. Masked scores are -inf (weight 0); a
// query whose every key is masked keeps m = -inf and l = 0 and gets out = 0, lse = -inf and
// zero gradients (Keras' additive -1e9 mask would give it the mean of v instead; 0 is what a
// fully padded query should contribute, and is never NaN).
//
// Masks: causal is top-left aligned (query i sees keys j <= i), as Keras' use_causal_mask and
// torch's is_causal; the optional mask (Mb, Mq, Mk) broadcasts to (B, Tq, Tk), nonzero =
// attend (bool, or float32 as Keras casts it). Dropout on the weights is not part of the fused
// op (MultiHeadAttention's dropout needs the (Tq, Tk) weights; a layer with dropout > 0 uses
// the unfused path).
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

struct AttentionDims {
  int64_t B, Tq, Tk, H, D, Dv;
};

// Where the optional mask is: element (b, i, j) is at data[b*sb + i*sq + j*sk] (strides 0 on
// broadcast axes); data == nullptr means no mask.
struct AttentionMask {
  const void* data = nullptr;
  bool is_bool = true;  // uint8 (bool) or float32
  int64_t sb = 0, sq = 0, sk = 0;
};

// out = softmax(scale * q k^T + mask) v; lse (B, H, Tq) saved for the backward.
// out: (B, Tq, H, Dv) q: (B, Tq, H, D) k: (B, Tk, H, D) v: (B, Tk, H, Dv) lse: (B, H, Tq).
// Threads over batch x heads x query blocks. out and lse are written.
void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                       const AttentionMask& mask, float scale, bool causal, float* out, float* lse);

// dq, dk, dv (shapes of q, k, v; all WRITTEN) from dout (B, Tq, H, Dv) and the saved q, k, v,
// out, lse. Threads over batch x heads x key blocks (dk, dv rows are owned by one task; dq is
// summed over key chunks in private buffers when there are fewer heads than threads).
void attention_backward(const AttentionDims& d, const float* dout, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const AttentionMask& mask, float scale, bool causal,
                        float* dq, float* dk, float* dv);

// The softmax weights (B, H, Tq, Tk) of the fused forward, recomputed from its lse (written).
void attention_scores(const AttentionDims& d, const float* q, const float* k, const float* lse,
                      const AttentionMask& mask, float scale, bool causal, float* scores);

// The plain reference: scores (B, H, Tq, Tk) and out (B, Tq, H, Dv), one query row at a time
// in double. O(T^2) memory; for tests.
void attention_reference(const AttentionDims& d, const float* q, const float* k, const float* v,
                         const AttentionMask& mask, float scale, bool causal, float* out, float* scores);

}  // namespace cpu
}  // namespace tn
