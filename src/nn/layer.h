// nn/layer.h: what a layer type is (one file each in src/nn/, registered in registry.c).
//
// A layer reads the outputs of earlier layers (in[], or the batch's tokens) and
// writes its own. A type is a table entry: its shape rule, the tensors it owns
// (declared, not placed: the model lays them out), and a forward and a backward
// that see only pointers (layer_run), as llm.c's functions do. A type never sees
// the model.
//
// Shapes per example are (T, C); T == 1 is the lecture's 2-D (B, C). A batch of
// B examples of shape (T, C) is one contiguous (B, T, C) block, so
// FlattenConsecutive(n) moves no data (a view). A sequence family's layers run
// on rows instead, one per position of the batch's words (model/rows.c).
//
// Gradients: backward ADDS into its parameters' gradients (g[k] +=; one zero-grad
// per step clears them, so a parameter may be read by several layers: weight
// tying, one cell applied at every time step) and SETS its inputs' gradients
// (din[k] =). An output read by several layers gets the sum of their gradients:
// the executor gives the first reader in backward order the gradient itself and
// the others a temporary it then adds in (ggml's add_or_set), so a chain pays
// nothing and no step zeroes the activations' gradients.
#ifndef MM_NN_LAYER_H
#define MM_NN_LAYER_H
#include <stdint.h>
#include "base/internal.h"
#include "kernels/ops.h"

#define MAX_LAYERS 160
#define MAX_TENSORS 320
#define MAX_IN 4      // inputs one layer reads
#define MAX_OWN 8     // tensors of one kind (parameters, buffers, ...) one layer owns (a GRU cell: 7 parameters)
#define IN_TOKENS (-1) // an input that is the batch's tokens

enum { L_EMBED, L_FLATTEN, L_LINEAR, L_BATCHNORM, L_TANH, L_ADD, L_CONV1D, L_GATE, L_RELU, L_RNN, L_GRU, L_LSTM, L_BOW, L_N_TYPES };
// What an Embedding looks up: the tokens; makemore.py's MLP's context (the last token first, then the ones
// before it back to the start token, then the blank token n-1: its table has the vocabulary and the blank);
// a sequence family's rows' positions (makemore.py's wpe: position pos + 1, row 0 at 0).
enum { EMBED_TOKENS, EMBED_MLP_CONTEXT, EMBED_POSITIONS };

// A layer instance: what a family's builder sets (type, in[], and the type's own
// settings), what the shape rule sets (T/C), and where the plan put its tensors.
typedef struct {
    int type;
    int n_in;                     // inputs read (the type's n_in)
    int in[MAX_IN];               // earlier layers' indices, or IN_TOKENS
    int T_in, C_in, T_out, C_out; // per-example shapes (of in[0], and of the output)
    int n;                        // FlattenConsecutive: factor; Embedding: vocabulary; Conv1d: kernel size
    int dilation;                 // Conv1d
    int has_bias;                 // Linear, Conv1d
    int embed;                    // Embedding: what it looks up (EMBED_*)
    int torch;                    // Linear: torch's nn.Linear (weight (C_out, C_in), out = in @ W^T + b, weight and bias
                                  // ~ U(-1/sqrt(C_in), 1/sqrt(C_in))): makemore.py's models, so their files load into it
    int stat_T;                   // BatchNorm: positions with their own statistics (made 0, or 1 = per position)
    int pad_span;                 // BatchNorm in a sequence family: padding positions per word at its input
    float init_gain;              // its weight's initial values scaled (the lecture's last layer: 0.1); 0 = 1
    int init_zeros;               // its parameters start at zero, whatever its type declares (makemore.py's Bigram)
    char name[28];                // its tensors' prefix: "layers.3"; "" = layers.<index>
    int bare;                     // its one parameter is named by the prefix alone (an nn.Parameter: "logits")
    int share[MAX_OWN];           // parameter k is layer share[k]'s parameter k (weight tying), or -1: its own
    // set by the plan (model/plan.c): offsets into the model's arenas
    long p[MAX_OWN];              // parameters (and their gradients at the same offsets)
    long buf[MAX_OWN];            // buffers (BatchNorm's running statistics), in the buffer block
    long aux[MAX_OWN];            // per-row activations of its own (BatchNorm's xhat), and their gradients
    long stat[MAX_OWN];           // fixed-size state kept from forward to backward and after_step (batch mean, ...)
    int n_p, n_buf, n_aux, n_stat; // how many of each it declared (the executor's pointers to set)
    long out;                     // its output (a view: its input's), and the output's gradient
    int din_tmp[MAX_IN];          // backward: input k's gradient goes to a temporary, added in (a later reader wrote it)
} layer;

// A tensor a type declares: its name after the layer's prefix, its shape, and its initialisation.
// randn; randn / sqrt(fan_in) (both times init_gain); torch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)); a causal
// mask (tril(ones(n, n)), makemore.py's CausalBoW buffer)
enum { INIT_ZEROS, INIT_ONES, INIT_NORMAL, INIT_FAN_IN, INIT_UNIFORM, INIT_TRIL };
typedef struct {
    const char* what;  // "weight", "bias", "gamma", "running_var", ...
    int ndim, shape[3];
    int64_t size;      // (64 bits: a size past 32 bits must be seen, and refused, where long is 32 bits: wasm32)
    int init;          // INIT_*
    int64_t fan_in;    // INIT_FAN_IN
    int is_variance;   // a buffer that must stay >= 0 (model files refuse a negative one)
    int top;           // named `what` alone, without the layer's prefix (makemore.py's RNN's `start`)
} tensor_decl;

// Everything a layer owns besides its output, declared by its type (sizes of aux in floats per row).
typedef struct {
    int n_params, n_buffers, n_aux, n_stats;
    tensor_decl param[MAX_OWN], buffer[MAX_OWN];
    int64_t aux_per_row[MAX_OWN];
    int64_t stat_size[MAX_OWN];
    int64_t work;         // floats of the shared workspace its forward or backward borrows (per call)
    int64_t work_per_row; // the same, per row of the batch
} layer_decl;

// What one call of a layer's forward or backward reads and writes.
typedef struct {
    const mm_engine* eng;  // kernels and the thread pool
    long rows;             // examples B (each (T, C)), or a sequence family's rows (each (1, C))
    const uint16_t* tok;   // the batch's tokens (Embedding): (rows, T_in)
    const int* pos;        // a sequence family: each row's position in its word (-1: the padding row 0); else NULL
    int n_pad;             // a sequence family: words in the batch (row 0 stands for pad_span * n_pad positions)
    const float* row_w;    // the fast engine's distinct nodes: each row stands for row_w[r] of n_nodes nodes; else NULL
    long n_nodes;
    int training;          // forward: batch statistics, else the running ones
    long from;             // forward of a type that extends: the rows before this are computed already
    const float* in[MAX_IN];
    float* out;
    const float* dout;     // backward: the output's gradient
    float* din[MAX_IN];    // backward: the inputs' gradients, set (NULL: not wanted)
    float* p[MAX_OWN];     // parameters
    float* g[MAX_OWN];     // their gradients: added into
    float* buf[MAX_OWN];
    float* aux[MAX_OWN];
    float* daux[MAX_OWN];
    float* stat[MAX_OWN];
    float* work;           // the shared workspace (decl.work + decl.work_per_row * rows floats)
} layer_run;

typedef struct {
    const char* name;   // as the lecture's class: "Linear"
    int n_in;           // inputs read
    int is_view;        // output = input 0's memory (FlattenConsecutive): no forward or backward runs
    int reads_tokens;   // input 0 is the batch's tokens (IN_TOKENS: Embedding)
    // A forward that extends a sequence family's rows (sampling one character at a time): row_local, each
    // output row reads only the same rows of its inputs (the executor runs it on the new rows alone); or
    // extends, its forward computes rows r->from.. only, reading the rows before as they are.
    int row_local, extends;
    int one_block;      // its parameters are read as one block in their declared order (GRU's three weights): none is shared
    // The output shape from the input shape(s) (in[k]: the layers it reads; NULL for tokens); bad ones are an error.
    int (*shape)(layer* l, const layer* const* in, mm_err* err);
    void (*declare)(const layer* l, layer_decl* d); // NULL: it owns nothing beyond its output
    void (*forward)(const layer* l, const layer_run* r);
    void (*backward)(const layer* l, const layer_run* r);
    void (*after_step)(const layer* l, const layer_run* r); // after an optimizer's update (BatchNorm's running statistics)
} layer_type;

// The registry (registry.c), indexed by layer.type.
extern const layer_type* const mm_layer_types[L_N_TYPES];
extern const layer_type mm_layer_embed, mm_layer_flatten, mm_layer_linear, mm_layer_batchnorm, mm_layer_tanh, mm_layer_add,
    mm_layer_conv1d, mm_layer_gate, mm_layer_relu, mm_layer_rnn, mm_layer_gru, mm_layer_lstm, mm_layer_bow;
// The lecture's class name of a layer type; NULL outside 0..L_N_TYPES-1.
const char* mm_layer_type_name(int type);
// A new layer of the type: every offset unset, no sharing, inputs in0, in1 (IN_TOKENS or earlier layers) (registry.c).
layer mm_layer_make(int type, int in0, int in1);
// The declarations of a layer (zeroed first; a type without declare owns nothing).
void mm_layer_declare(const layer* l, layer_decl* d);

// What the types share (layers.c):
int mm_shape_same(layer* l, const layer* const* in, mm_err* err); // output shape = input shape
// A weight (fan_in, C_out) and, with has_bias, a zero bias (C_out,): Linear, Conv1d.
void mm_declare_weight(const layer* l, layer_decl* d, int64_t fan_in);
// y (rows, C) += b (C,) on every row.
void mm_bias_add(float* y, const float* b, long rows, int C);
// db (C,) += column sums of dy (rows, C), in row order.
void mm_bias_grad_add(float* db, const float* dy, long rows, int C);

// makemore.py's MLP's context (EMBED_MLP_CONTEXT): the table row position k (0..T-1) of a context x (T,)
// reads: the k-th token from the end, back to the start token (the padding's last 0), then the blank.
static inline int mm_mlp_context_token(const uint16_t* x, int T, int k, int blank) {
    int z = 0;
    while (z < T && x[z] == 0) z++; // padding; the last of it is the start token
    int j = T - 1 - k;
    return j >= z - 1 ? x[j] : blank;
}

// A Conv1d's input gradient dx (dx_rows, C_in) from its taps' gradient dtaps (rows, n*C_in): each
// tap's back to the row it read, in row then tap order (conv1d.c; the fast tables' fill).
void mm_conv_taps_back(const layer* l, const int* pos, const float* dtaps, long rows, float* dx, long dx_rows);
// The row that tap j of a Conv1d's row r reads: its position minus (k-1-j) dilations, or
// the padding row 0 before the word's start (model/rows.c).
static inline long mm_conv_tap_row(const layer* l, const int* pos, long r, int j) {
    int back = (l->n - 1 - j) * l->dilation;
    return pos[r] >= back ? r - back : 0;
}

// ---------------------------------------------------------------- recurrent cells (recurrent.c)
// The time steps of a sequence family's rows: step 0 is row 0 (every word's start), step s the
// rows at position s-1; order lists the rows step by step, step s from first[s] to first[s+1].
typedef struct {
    int* order;
    int* first;
    int n_steps;
} mm_steps;
// n floats of a workspace, from *at on.
static inline float* mm_take(float** at, int64_t n) { float* p = *at; *at += n; return p; }
// Plans s in ints (mm_steps_ints(rows) of them).
void mm_steps_plan(mm_steps* s, const int* pos, long rows, int* ints);
// The same over rows from..rows-1 only (a forward that extends the rows: the rows before are done).
void mm_steps_plan_from(mm_steps* s, const int* pos, long from, long rows, int* ints);
int64_t mm_steps_ints(long rows);
// The row before row r in its word (its previous position), 0 for a first position, -1 for row 0.
static inline long mm_step_prev(const int* pos, long r) { return r == 0 ? -1 : pos[r] == 0 ? 0 : r - 1; }
// Copies, for each row of the step in order, C floats of src's row (prev: of the row before it;
// -1: start) into dst's rows of stride ld.
void mm_steps_gather(const mm_steps* s, int step, float* dst, int ld, const float* src, int C, const float* start, const int* pos,
                     int prev);
// A torch Linear's weight W (rows, E + H) of [x, h] as its x columns Wx (rows, E) and h columns Wh (rows, H),
// so the x part of every row is one matmul before the steps and a step multiplies h alone; and back: the
// gradients' columns added into G (rows, E + H).
void mm_split_columns(const float* W, int rows, int E, int H, float* Wx, float* Wh);
void mm_add_columns(float* G, int rows, int E, int H, const float* dWx, const float* dWh);
// A cell's shape rule: rows (1, C_in) in, (1, C_out) out (C_out: its hidden size).
int mm_cell_shape(layer* l, const layer* const* in, mm_err* err);

#endif
