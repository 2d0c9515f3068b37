// model/model.h: a model inside the core (not part of the API): its layers, the
// arenas they live in, and the executor that runs them. The model's own files
// (src/model/) and the fast engine's passes (src/fast/), which run layers on
// other rows, include it; layer types (src/nn/) never do: they see layer_run.
//
// Memory: one allocation per kind of tensor, laid out by the plan (plan.c)
// before anything is allocated: parameters (then buffers: BatchNorm's running
// statistics), their gradients, activations (every layer's output and its own
// per-row tensors; then their gradients), state (per-layer fixed-size tensors
// kept from forward to backward), and one workspace that any layer or pass
// borrows for the length of a call.
#ifndef MM_MODEL_MODEL_H
#define MM_MODEL_MODEL_H
#include "makemore.h"
#include "model/access.h"
#include "model/profile.h"
#include "nn/layer.h"

struct mm_family;
struct mm_pass_set;

struct mm_model {
    mm_config cfg;
    const struct mm_family* family;
    int n_layers;
    layer L[MAX_LAYERS];
    int n_tensors;
    mm_tensor_info tensors[MAX_TENSORS];
    char names[MAX_TENSORS][40];
    int max_batch;
    long n_params, n_buffers, n_acts, n_state, n_work, n_tmp;
    float* params;  // (n_params + n_buffers,) the parameters, then the buffers
    float* buffers; // = params + n_params
    float* grads;   // (n_params,)
    float* acts;    // (2 n_acts,) outputs and per-row tensors, logits; then their gradients
    float* dacts;   // = acts + n_acts
    float* state;   // (n_state,) per-layer state (BatchNorm's batch statistics)
    float* work;    // (n_work,) the shared workspace
    float* tmp;     // (n_tmp,) gradients of outputs read by several layers, added in (din_tmp)
    long logits;    // offset in acts of the (B, V) logits (a sequence family: gathered from row_logits)
    uint32_t* codepoints; // (vocab_size,)
    // sequence families (model/rows.c): the row plan of the current batch
    int seq;             // 1: the layers run on rows, one per position of the batch's words
    int max_rows;        // 1 + max_batch * block_size
    int n_rows, n_pad;   // rows of the current batch; its words
    uint16_t* row_tok;   // (max_rows,) each row's token
    int* row_pos;        // (max_rows,) its position in its word (-1: the shared padding row 0)
    int* ex_row;         // (max_batch,) the row of each example's logits
    long row_logits;     // offset in acts of the last layer's (rows, V) output
    mm_engine eng;       // its kernels and the pool they run on
    struct mm_pass_set* passes; // the fast engine's passes chosen for it (fast/passes.c); NULL: none
    long forwards;       // forward passes run so far (a pass notes the one it ran in)
    int plain;           // 1: no pass that runs layers on rows of its own (a diagnostics step's statistics pass)
    int no_extend;       // 1: sampling runs the full pass of the context at every character (tests compare the two)
    mm_profile prof;
};

// ---------------------------------------------------------------- planning (plan.c)
// The configuration's model planned into m (a zeroed scratch model: nothing allocated),
// as mm_config_check plans it: its family's check and layers, shapes, every offset.
int mm_model_plan_config(mm_model* m, const mm_config* c, int max_batch, mm_err* err);
// The layers L[0..n_layers) already in m (m->cfg, family set), planned: shapes, declarations, offsets.
int mm_model_plan_layers(mm_model* m, int max_batch, mm_err* err);
// A model of the given layers (tests, and graphs beyond a family's): cfg gives vocab_size, block_size
// and the family (whether the layers run on rows); the same planning, arenas and initialisation.
mm_model* mm_model_new_layers(const mm_config* cfg, const layer* L, int n_layers, uint64_t seed, int max_batch, mm_err* err);
// Allocates a planned model's arenas and initialises its parameters from the seed
// (codepoints may be NULL: '.', 'a', ...); frees m and returns NULL on failure.
mm_model* mm_model_finish(mm_model* m, const uint32_t* codepoints, uint64_t seed, mm_err* err);

// ---------------------------------------------------------------- running layers (run.c)
// A layer's pointers for a batch of `rows` (its run as the model runs it): inputs,
// output, its tensors, the workspace; backward: dout and din (din_tmp: the temporary).
void mm_layer_run_init(mm_model* m, int i, long rows, int training, int backward, layer_run* r);
// Runs layer l's type's forward or backward on r, timed under its type's profile section.
void mm_layer_call(mm_model* m, const layer* l, layer_run* r, int backward);
// Runs layer i's forward / backward on r, timed under its type's profile section; a
// backward with din_tmp inputs adds their temporaries into the inputs' gradients.
void mm_layer_forward(mm_model* m, int i, layer_run* r);
void mm_layer_backward(mm_model* m, int i, layer_run* r);
// The rows of the layers' current batch: B examples, or a sequence family's rows.
long mm_model_rows(const mm_model* m, int B);
// The tokens the first layer reads: X (B, block) itself, or a sequence family's rows' tokens.
const uint16_t* mm_model_tokens(const mm_model* m, const uint16_t* X);

// ---------------------------------------------------------------- extending the rows (run.c)
// Sampling a sequence family one character at a time: each new character one row, every layer run
// on that row alone (a recurrent cell: one step), the rows before kept as they are. Eval mode.
// Whether every layer allows it (row-local or extends; no fast pass):
int mm_model_can_extend(const mm_model* m);
void mm_model_set_extend(mm_model* m, int on); // on (the default) unless a test turns it off
// The start row alone (row 0: token 0, before the word), run; its logits (V,): the first character's.
const float* mm_model_rows_start(mm_model* m, mm_err* err);
// A row of token tok after the last, run; its logits (V,): the next character's. At most block_size rows
// after the start (then, as the full pass slides its context, a caller runs the full pass).
const float* mm_model_extend(mm_model* m, int tok, mm_err* err);

// ---------------------------------------------------------------- the row plan (rows.c)
void mm_rows_plan(mm_model* m, const uint16_t* X, int B);
void mm_rows_gather_logits(mm_model* m, int B);     // each example's logits from its row's
void mm_rows_scatter_dlogits(mm_model* m, int B);   // the examples' logit gradients summed into their rows'

#endif
