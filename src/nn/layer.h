// layers.h: the layer types and the model made of them (internal to the core).
//
// A model is a list of layer instances. Each reads the outputs of earlier
// layers (in[], or the batch's tokens) and writes its own, so a layer may read
// any earlier output: a residual connection is an Add of two of them. Each layer
// type (src/layer_*.c, registered in layers.c) is one table entry: its shape rule, its parameters, buffers
// and activations, their names and initialisation, a forward and a backward.
//
// Sequence models (form conv and gated) work on rows instead: one row per
// position of the batch's words, each of shape (1, C), see model.c's row plan.
//
// Shapes per example are (T, C); T == 1 is the lecture's 2-D (B, C) after
// FlattenConsecutive squeezes the middle dimension. A batch of B examples of
// shape (T, C) is one contiguous (B, T, C) block, so FlattenConsecutive(n)
// moves no data: (B, T, C) read as (B, T/n, C*n) is the same memory (a view:
// its output and gradient are its input's).
//
// Memory: one arena each for parameters (then the BatchNorm buffers), their
// gradients, activations (then their gradients), and scratch. Offsets are laid
// out by the plan (model.c) before anything is allocated.
//
// Gradients: a layer's backward writes the gradients of its parameters and of
// its inputs. An output read by several layers gets the sum of their
// gradients: the plan marks the first reader to run backward, which writes;
// the later ones write to scratch, added in (so a plain chain pays nothing).
#ifndef MM_LAYERS_H
#define MM_LAYERS_H
#include <stdint.h>
#include "base/internal.h"
#include "makemore.h"
#include "kernels/ops.h"

#define MAX_LAYERS 128
#define MAX_TENSORS 256
#define IN_TOKENS (-1) // an input that is the batch's tokens X (B, block_size)

enum { L_EMBED, L_FLATTEN, L_LINEAR, L_BATCHNORM, L_TANH, L_ADD, L_CONV1D, L_GATE, L_RELU, L_N_TYPES };

typedef struct {
    int type;
    int in[2];                    // inputs: indices of earlier layers, or IN_TOKENS
    int acc[2];                   // backward: this input's gradient is added to a later reader's
    int T_in, C_in, T_out, C_out; // per-example shapes (of in[0], and of the output)
    int n;                        // FlattenConsecutive: factor; Embedding: tokens (vocabulary size); Conv1d: kernel size
    int dilation;                 // Conv1d
    int has_bias;                 // Linear, Conv1d
    int name_at;                  // its tensors are named layers.<index + name_at> (the conv form keeps the lecture's names)
    int pad_span;                 // BatchNorm of a sequence model: padding positions per word its input has (see model.c)
    int stat_T;                   // BatchNorm: positions with their own statistics (1, or T per-position;
                                  // made as 0 or 1 = per position, set by its shape rule)
    long w, b;                    // params offsets: weight/gamma, bias/beta (-1: none)
    long rm, rv;                  // buffers offsets: running mean, running var
    long out, xhat;               // activation offsets (per max_batch); xhat: Conv1d's gathered taps
    long bmean, bvar, binv;       // scratch offsets: batch mean, var, inverse std
} layer;

// Running sizes while the plan lays out memory (64-bit: nothing wraps on wasm32).
typedef struct {
    int64_t params, buffers, acts, scratch;
    int64_t max_weight; // the largest Linear weight: the A@B^T kernel's repack scratch
    int max_batch;      // examples; for a sequence model, rows (model.c)
} mm_layout;

struct mm_model {
    mm_config cfg;
    int n_layers;
    layer L[MAX_LAYERS];
    int n_tensors;
    mm_tensor_info tensors[MAX_TENSORS];
    char names[MAX_TENSORS][32];
    int max_batch;
    long n_params, n_buffers, n_acts, n_scratch;
    float* params;  // (n_params + n_buffers,) the parameters, then the BatchNorm running statistics
    float* buffers; // = params + n_params
    float* grads;   // (n_params,)
    float* acts;    // (2 n_acts,) layer outputs, BatchNorm xhat, logits; then their gradients
    float* dacts;   // = acts + n_acts
    float* scratch; // (n_scratch,) weight repack, batch statistics, gradient sums, the fused layer's tables
    long acc_at;    // scratch offset of the two gradient-sum buffers (acc_size floats each)
    long acc_size;
    int fuse_first; // the fast engine may fuse the Embedding with the layer after it: 1, layers 0-2 are Embedding,
                    // FlattenConsecutive, Linear; 2, layers 0-1 are Embedding, Conv1d (a sequence model)
    long fuse_at;   // scratch offset of its tables: P, G (n_group, V, H) each, then a (V, n_embd) temporary
    uint16_t* tap_tok; // fuse_first 2: (max_rows, kernel) the tokens each row's taps read
    long logits;    // offset in acts of the (B, V) logits = last layer's out
    uint32_t* codepoints; // (vocab_size,)
    int last_B;
    // sequence models (form conv, gated): the row plan of the current batch (model.c)
    int seq;              // 1: the layers run on rows
    int max_rows;         // 1 + max_batch * block_size
    int n_rows, n_pad;    // rows of the current batch; its words (segments that start with padding)
    uint16_t* row_tok;    // (max_rows,) each row's token
    int* row_pos;         // (max_rows,) its position in its word (-1: the shared padding row 0)
    int* ex_row;          // (max_batch,) the row of each example's logits
    long row_logits;      // offset in acts of the last layer's (rows, V) output; logits is then (B, V) per example
    struct mm_shared* shared; // the fast engine's shared nodes (shared.c), made by mm_model_set_engine; NULL: none
    int shared_on;        // the last forward pass ran on them (its backward does too)
    int no_share;         // 1: run every node (the statistics pass of a diagnostics step)
    mm_engine eng;        // its kernels and the pool they run on
    int profiling;
    double prof[MM_PROF_N]; // seconds per operation (mm_model_profile)
};

// What a layer's forward and backward read and write, set up by model.c.
typedef struct {
    const uint16_t* X;   // the batch's tokens (B, block_size); a sequence model: each row's (rows,)
    int B;               // examples, or rows
    const int* pos;      // a sequence model: each row's position in its word (-1: the padding row 0); else NULL
    int n_pad;           // a sequence model: words in the batch (the padding row stands for pad_span * n_pad positions)
    int training;        // forward: batch statistics (else running ones)
    const float* in[2];  // inputs (NULL: IN_TOKENS or none)
    float* out;
    const float* dout;   // backward: the output's gradient
    float* din[2];       // backward: where the inputs' gradients go (NULL: none wanted)
    const float* row_w;  // the fast engine's shared nodes (shared.c): each row stands for row_w[r] of the
                         // batch's nodes, n_nodes in all (BatchNorm counts it so); else NULL
    long n_nodes;
} layer_io;

typedef struct {
    const char* name;  // as the lecture's class: "Linear"
    int n_in;          // inputs read
    int is_view;       // output = input 0's memory (FlattenConsecutive): no forward or backward runs
    int reads_tokens;  // input 0 is the batch's tokens (IN_TOKENS: Embedding)
    // The output shape from the input shape(s); a bad combination is an error.
    int (*shape)(layer* l, const layer* in1, mm_err* err);
    // Offsets of its parameters, buffers, activations and scratch (NULL: none beyond its output).
    void (*place)(layer* l, mm_layout* s);
    // Names its tensors (mm_model_add_tensor), then initialises them as the lecture does (NULL: none).
    void (*init)(mm_model* m, int index, mm_rng* r);
    void (*forward)(mm_model* m, const layer* l, const layer_io* io);
    void (*backward)(mm_model* m, const layer* l, const layer_io* io);
    void (*after_step)(mm_model* m, const layer* l); // after an SGD update (BatchNorm's running statistics; NULL: nothing)
} layer_type;

// The registry (layers.c), indexed by layer.type; one layer_type per file src/layer_*.c.
extern const layer_type* const mm_layer_types[L_N_TYPES];
// The lecture's class name of a layer type ("Embedding", "FlattenConsecutive", "Linear", "BatchNorm1d", "Tanh",
// "Add", "Conv1d", "Gate", "ReLU": the registry's names); NULL for a type outside 0..L_N_TYPES-1.
const char* mm_layer_type_name(int type);
extern const layer_type mm_layer_embed, mm_layer_flatten, mm_layer_linear, mm_layer_batchnorm, mm_layer_tanh, mm_layer_add,
    mm_layer_conv1d, mm_layer_gate, mm_layer_relu;
// The shape rule of several types: output shape = input shape.
int mm_layer_same_shape(layer* l, const layer* in1, mm_err* err);

// A model of the given layers (model.c; tests, and models beyond the configuration's
// Sequential): the same planning, arenas and initialisation as mm_model_new. cfg
// gives vocab_size and block_size (the tokens' length); tokens are named '.', 'a', ...
// Set in each layer: type, in[], and what its type is made with (Embedding: n =
// vocabulary, C_out; Linear: C_out, has_bias; FlattenConsecutive: n; BatchNorm1d:
// stat_T 1 per position); w, b, rm, rv and xhat -1.
mm_model* mm_model_new_layers(const mm_config* cfg, const layer* L, int n_layers, uint64_t seed, int max_batch, mm_err* err);

// The configuration's layers planned into m (a zeroed scratch model: nothing allocated), as mm_config_check does (model.c).
int mm_model_plan(mm_model* m, const mm_config* c, int max_batch, mm_err* err);

// Adds tensor "layers.<index>.<what>" (model.c).
void mm_model_add_tensor(mm_model* m, int index, const char* what, int ndim, int d0, int d1, int d2, long offset,
                         int is_buffer, int is_variance);

// The row that tap j of a Conv1d's row r reads: its position minus (k-1-j) dilations, or
// the padding row 0 before the word's start (model.c's row plan).
static inline long mm_conv_tap_row(const layer* l, const int* pos, long r, int j) {
    int back = (l->n - 1 - j) * l->dilation;
    return pos[r] >= back ? r - back : 0;
}

// The fast engine's fused Embedding + first Linear or Conv1d (fused.c).
int mm_fused_first_used(const mm_model* m);
void mm_fused_first_fwd(mm_model* m, const uint16_t* X, int B);
void mm_fused_first_bwd(mm_model* m, const uint16_t* X, int B);
// The same on given rows: tok (rows, group size) the tokens each row's groups read (shared.c).
void mm_fused_first_fwd_rows(mm_model* m, const uint16_t* tok, long rows);
void mm_fused_first_bwd_rows(mm_model* m, const uint16_t* tok, long rows);
// The fast engine's shared nodes (shared.c): made for a model of the hierarchical form's layers
// with the fused first layer (NULL, *oom 0: not such a model; NULL, *oom 1: out of memory).
typedef struct mm_shared mm_shared;
mm_shared* mm_shared_new(const mm_model* m, int* oom);
void mm_shared_free(mm_shared* s);
int mm_shared_used(const mm_model* m);          // the next forward pass runs on them
int mm_shared_rows(const mm_model* m, int at);      // the last pass's distinct nodes at a level (-1: none)
void mm_shared_forward(mm_model* m, const uint16_t* X, int B, int training);
void mm_shared_backward(mm_model* m, int B);
// A weight (fan_in, C_out) and, with has_bias, a bias: their offsets (Linear, Conv1d; layers.c)
void mm_place_weight(layer* l, mm_layout* s, int64_t fan_in);
// Names them (layers.<i>.weight, .bias) and initialises the lecture's way: randn / sqrt(fan_in), zeros.
void mm_init_weight(mm_model* m, int i, long fan_in, mm_rng* r);
// db (C,) = column sums of dy (rows, C), in row order (layers.c)
void mm_bias_grad(float* db, const float* dy, long rows, int C);

#define PROF_T0 double t0_ = m->profiling ? mm_now_sec() : 0.0
#define PROF(what) do { if (m->profiling) { m->prof[what] += mm_now_sec() - t0_; t0_ = mm_now_sec(); } } while (0)

#endif
