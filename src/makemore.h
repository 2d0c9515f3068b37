// makemore.h: the public C API of makemore-wasm's core.
//
// The models of "makemore part 5: building a WaveNet": Embedding,
// FlattenConsecutive, Linear, BatchNorm1d (with the 3-D fix, or the lecture's
// pre-fix behaviour), Tanh, stacked like the lecture's Sequential, trained with
// SGD on a word list split exactly as the lecture splits it.
//
// Conventions: functions return MM_OK (0) or an error code and, when given an
// mm_err*, fill it with a message naming the problem. Nothing here prints,
// exits or aborts. Objects come in new/free pairs; free accepts NULL.
#ifndef MAKEMORE_H
#define MAKEMORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MM_OK = 0,
    MM_EINVAL = 1,     // a bad argument or an impossible configuration
    MM_ENOMEM = 2,     // allocation failed
    MM_EDATA = 3,      // a bad word list
    MM_ENONFINITE = 4, // a training step produced a non-finite loss or gradient
    MM_EFORMAT = 5,    // a bad model file
};

typedef struct {
    int code;
    char msg[256];
} mm_err;

// ---------------------------------------------------------------- limits
#define MM_MAX_VOCAB 1024    // distinct symbols, including the end token
#define MM_MAX_WORD_LEN 256  // code points in one word
#define MM_MAX_WORDS 4000000 // words in one list
#define MM_MAX_BLOCK 256     // context length
#define MM_MAX_WIDTH 8192    // n_embd, n_hidden
#define MM_MAX_BATCH 65536

// ---------------------------------------------------------------- data
// A word list: one word per line (UTF-8), trimmed, blank lines skipped.
// Tokens: 0 is the end-of-word token '.', 1.. are the sorted distinct code points.
typedef struct {
    int n_words;
    int n_tokens;        // sum of word lengths
    int max_len;         // longest word, in code points
    int vocab_size;      // distinct code points + 1
    uint16_t* tokens;    // (n_tokens,) the words' tokens, concatenated
    int* offsets;        // (n_words+1,) word i is tokens[offsets[i] : offsets[i+1]]
    uint32_t* codepoints;// (vocab_size,) code point of each token; [0] = '.' by display only
} mm_words;

// Parses a word list from memory. On success *out owns its arrays.
int mm_words_parse(mm_words* out, const char* text, size_t len, mm_err* err);
void mm_words_free(mm_words* w);
// Writes token t's UTF-8 text (1-4 bytes, NUL-terminated) into buf[5]; token 0 is ".".
int mm_token_utf8(const uint32_t* codepoints, int vocab_size, int t, char buf[5]);

// Python-compatible MT19937 (random.seed(int), random.shuffle).
typedef struct {
    uint32_t mt[624];
    int mti;
} mm_mt19937;
void mm_mt_seed(mm_mt19937* r, uint32_t seed); // like random.seed(seed) for 0 <= seed < 2^32
uint32_t mm_mt_u32(mm_mt19937* r);
uint32_t mm_mt_randbelow(mm_mt19937* r, uint32_t n); // like random._randbelow(n), n >= 1
void mm_mt_shuffle(mm_mt19937* r, int* idx, int n);  // like random.shuffle

// The lecture's dataset: contexts of block_size tokens padded with 0, target the next token.
typedef struct {
    int n, block_size;
    uint16_t* X; // (n, block_size)
    uint16_t* Y; // (n,)
} mm_dataset;

enum { MM_SPLIT_TRAIN = 0, MM_SPLIT_VAL = 1, MM_SPLIT_TEST = 2 };
typedef struct mm_word_index mm_word_index; // (data.c) a hash index of the split's words
typedef struct {
    mm_dataset split[3];
    // Which word went where: the words of split k are words[first .. first +
    // n_words[k]), first = n_words[0] + ... + n_words[k-1], each an index into
    // the parsed word list (0-based, file order), in the split's (shuffled) order.
    int n_words[3];
    int* words;
    mm_word_index* index; // for mm_splits_find
} mm_splits;

// random.seed(seed); n_shuffles x random.shuffle(words); 80/10/10 by words.
// The lecture uses seed 42 and one shuffle for block 3, a second one for block 8.
int mm_splits_build(mm_splits* out, const mm_words* w, int block_size, uint32_t seed, int n_shuffles, mm_err* err);
void mm_splits_free(mm_splits* s);
// The order alone: order (w->n_words,) gets the word indices in split order
// (train's, val's, test's) and n_words[3] the words in each split.
int mm_split_order(const mm_words* w, uint32_t seed, int n_shuffles, int* order, int n_words[3], mm_err* err);
// The word indices of split k (s->words + first, see above); *n gets n_words[k]. NULL for a bad k.
const int* mm_splits_words(const mm_splits* s, int split, int* n);
// Which split holds the word (len bytes of UTF-8, compared exactly as the
// parser stored it: no trimming): MM_SPLIT_TRAIN, MM_SPLIT_VAL or MM_SPLIT_TEST,
// -1 if none does. A word that a list repeats may be in several: then the first
// of train, val, test. A hash lookup, built once by mm_splits_build.
int mm_splits_find(const mm_splits* s, const char* word, size_t len);
// Split k's words as UTF-8 text, each followed by '\n', in split order:
// malloc'd into *out (NUL-terminated; the caller frees), its bytes in *len.
int mm_splits_text(const mm_splits* s, int split, char** out, size_t* len, mm_err* err);

// How a trainer splits its word list: data settings, not the model's (a model
// file records them, see "the settings' schema" below).
typedef struct {
    uint32_t split_seed; // random.seed of the split (42)
    int split_shuffles;  // random.shuffle calls of the split (the lecture: 1 for block 3, 2 for block 8)
} mm_data_settings;
void mm_data_settings_default(mm_data_settings* d); // seed 42, one shuffle

// ---------------------------------------------------------------- model
// A model is of one family (src/families/: the lecture's MLP "examples", flat or
// hierarchical; "conv", the hierarchical model as dilated causal convolutions over
// whole words; "gated", gated residual blocks with skip connections; "bigram",
// makemore.py's table of logits). A configuration holds the settings every family
// may read as members and the family's own settings in cells (own[]), by the
// schema's rows (below, "the settings' schema"): set them by name.
typedef union {
    int32_t i;
    float f;
} mm_cell;
#define MM_OWN_CELLS 12

typedef struct {
    int vocab_size; // from the data
    int block_size; // context length
    int n_embd;     // embedding size
    int n_hidden;   // hidden width
    int n_consec;   // group (or kernel) size k: merging k positions a level; 0: a flat MLP
    int form;       // the family: mm_family_name(form)
    mm_cell own[MM_OWN_CELLS]; // the family's own settings (valid while form is that family)
} mm_config;

// The registered families: i-th name ("examples", "conv", "gated", "bigram"; NULL past
// the end), and the index of a name (-1: none).
const char* mm_family_name(int i);
int mm_family_find(const char* name);
// 1: the configuration's family trains as makemore.py does: batch_size counts whole words (all
// their positions; the loss their mean), and block_size must hold the longest word and its end.
int mm_config_word_batches(const mm_config* c);
// Every setting of family `form` (an index) at its default, vocab_size 0.
int mm_config_default(mm_config* cfg, int form, mm_err* err);
// A model setting by its schema name and text form ("bn_mode", "per-position"); setting
// "form" resets the family's own settings to its defaults.
int mm_config_set(mm_config* cfg, const char* name, const char* text, mm_err* err);

// Presets (each family's, src/families/): "mlp3", "mlp8", "wavenet22k-bnbug",
// "wavenet22k", "wavenet76k" (the lecture's), "wavenet76k-conv", "wavenet-gated",
// "bigram": the model's configuration and the data settings the preset splits with
// (cfg or data may be NULL). vocab_size is left 0; set it from the data.
int mm_preset(const char* name, mm_config* cfg, mm_data_settings* data, mm_err* err);
int mm_config_preset(mm_config* cfg, const char* name, mm_err* err); // mm_preset's configuration alone
const char* mm_preset_name(int i); // i-th preset name, NULL past the end
// Checks a configuration and returns its parameter count in *n_params.
int mm_config_check(const mm_config* cfg, long* n_params, mm_err* err);

typedef struct mm_model mm_model;
typedef struct mm_stats mm_stats; // a step's training diagnostics (below)

// Builds the model with its family's initialisation from a seeded generator (the lecture's).
// codepoints (cfg->vocab_size,) names the tokens for sampling (copied; may be NULL).
// max_batch bounds B in the calls below (evaluation runs in chunks of it).
mm_model* mm_model_new(const mm_config* cfg, const uint32_t* codepoints, uint64_t seed, int max_batch, mm_err* err);
void mm_model_free(mm_model* m);
const mm_config* mm_model_config(const mm_model* m);
const uint32_t* mm_model_codepoints(const mm_model* m); // (vocab_size,)
long mm_model_num_params(const mm_model* m);
float* mm_model_params(mm_model* m); // (n_params,) all parameters, in the lecture's order
float* mm_model_grads(mm_model* m);  // (n_params,) their gradients (see mm_model_forward_backward)
long mm_model_num_buffers(const mm_model* m);
float* mm_model_buffers(mm_model* m); // BatchNorm running means and variances

// Named tensors in the lecture's parameter order (index 0 .. n-1).
typedef struct {
    const char* name; // e.g. "layers.2.weight"
    int ndim;
    int shape[3];
    long offset; // into params (is_buffer 0) or buffers (is_buffer 1)
    long size;
    int is_buffer;
    int is_variance; // a BatchNorm running variance (its values must be >= 0)
} mm_tensor_info;
int mm_model_num_tensors(const mm_model* m);
const mm_tensor_info* mm_model_tensor(const mm_model* m, int i);

// The model's layers in order (src/layer_list.c), as the lecture's
//   for layer in model.layers: print(layer.__class__.__name__, tuple(layer.out.shape))
// prints them, with their parameters. Shapes are for a batch of B examples: (B, T, C),
// or (B, C) when T is 1 (FlattenConsecutive squeezes it, and the Linear after it is 2-D).
// The conv and gated forms run on the positions of whole words: their layers report
// (B, block_size, C), every position of each example's context (the loss reads the last).
#define MM_LAYER_TOKENS (-1) // an input that is the batch's tokens
typedef struct {
    int index;            // its place in the list (model.layers[index])
    const char* kind;     // the lecture's class name: "Embedding", "FlattenConsecutive", "Linear", "BatchNorm1d", "Tanh",
                          // "Add", "Conv1d", "Gate", "ReLU"
    char prefix[32];      // its tensors' names start so: "layers.<n>" (n: index, or in the conv form the lecture's
                          // index), or its family's name for it ("logits": the bigram's table)
    int n_in;             // inputs read: 1, or 2 (Add)
    int in[4];            // earlier layers' indices, or MM_LAYER_TOKENS (Embedding)
    int ndim;             // 2 or 3
    int shape[3];         // its output for B examples
    int per_position;     // 1: a conv or gated form's layer, shape (B, block_size, C) over every position
    long n_params;        // its parameters (running statistics not counted), as in mm_model_num_params
    int kernel, dilation; // Conv1d (else 0)
    int factor;           // FlattenConsecutive: n consecutive positions joined (else 0)
} mm_layer_info;
int mm_model_num_layers(const mm_model* m);
// Layer i (0..num_layers-1) for a batch of B (1..MM_MAX_BATCH) examples into *out; allocates nothing.
int mm_model_layer(const mm_model* m, int i, int B, mm_layer_info* out, mm_err* err);
// The same for a configuration (vocab_size set) without making the model: its layers into
// out[0 .. cap-1] (out may be NULL with cap 0), their number in *n_layers (may exceed cap:
// then only cap are written). An impossible configuration is mm_config_check's error.
int mm_config_layers(const mm_config* cfg, int B, mm_layer_info* out, int cap, int* n_layers, mm_err* err);

// Gradients accumulate: a backward pass adds into the parameters' gradients, so a
// parameter read by several layers (or one batch run twice) gets the sum.
// mm_model_zero_grad clears them (every step does, once).
void mm_model_zero_grad(mm_model* m);
// Forward (training mode: batch statistics) and backward on one batch, the gradients
// added into grads. X (B, block_size) tokens, Y (B,) targets. Sets *loss. Does not update.
int mm_model_accumulate(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss, mm_err* err);
// mm_model_zero_grad, then mm_model_accumulate: grads holds this batch's gradient.
int mm_model_forward_backward(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss, mm_err* err);
// Logits of the last forward: (B, vocab_size).
const float* mm_model_logits(const mm_model* m);
// One step of plain SGD (the lecture's): zero-grad, forward, backward, p -= lr * grad,
// BatchNorm running stats updated (mm_model_train_step with an SGD optimizer).
// A non-finite loss or gradient returns MM_ENONFINITE with everything unchanged.
int mm_model_sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_err* err);
// Mean cross-entropy over a dataset in eval mode (running statistics).
int mm_model_eval(mm_model* m, const mm_dataset* d, float* loss, mm_err* err);
// The same in parts, so a caller can stay responsive: adds the losses of examples
// [start, start+count) to *total, in order. Parts covering 0..n in order give
// bitwise mm_model_eval's total; the mean is total / n.
int mm_model_eval_range(mm_model* m, const mm_dataset* d, int start, int count, double* total, mm_err* err);
// Eval-mode logits (B, vocab_size) for B contexts; returns a pointer valid until the next call.
const float* mm_model_eval_logits(mm_model* m, const uint16_t* X, int B, mm_err* err);

// The model as a model file (safetensors; see "model files and checkpoints"
// below). save allocates *out with malloc; the caller frees.
int mm_model_save(const mm_model* m, uint8_t** out, size_t* out_len, mm_err* err);
// Validates every field; a bad file returns NULL with MM_EFORMAT and a message.
// A checkpoint loads too (its training state is ignored).
mm_model* mm_model_load(const uint8_t* bytes, size_t len, int max_batch, mm_err* err);
// The same, made in another family (an index: mm_family_find): a hierarchical model's file
// loads as the conv family (the same tensors), and back. Tensors that do not match are an error.
mm_model* mm_model_load_form(const uint8_t* bytes, size_t len, int form, int max_batch, mm_err* err);

// ---------------------------------------------------------------- engines and threads
// Two engines: REPRODUCIBLE, the reference kernels (no fused multiply-add:
// bitwise the same numbers natively, in scalar wasm and in SIMD wasm; a new
// model's default), and FAST, which computes the same by other orders (the fast
// passes, dot products, a rational tanh) and fuses each multiply-add where it can
// (native FMA, wasm relaxed SIMD; strict SIMD multiplies then adds). Natively
// without FMA, and in the scalar wasm module, it is the reference. Either runs on a pool of threads: the kernels split their
// outputs, never their sums, so the numbers are bitwise the same for any
// thread count.
enum { MM_ENGINE_REPRODUCIBLE = 0, MM_ENGINE_FAST = 1 };
#define MM_MAX_THREADS 64

typedef struct mm_pool mm_pool;
// A pool of n_threads (1..MM_MAX_THREADS) threads, the caller's included.
// Natively its n_threads-1 helpers are pthreads started here. In wasm the JS
// loader starts them: Workers running the same module on its shared memory,
// each calling mm_pool_helper. A build without threads takes only 1.
mm_pool* mm_pool_new(int n_threads, mm_err* err);
int mm_pool_threads(const mm_pool* p); // 1 for NULL
int mm_threads_supported(void);        // whether this build can have more than 1
// wasm: helper index (1..n-1) runs the pool's tasks until mm_pool_stop.
void mm_pool_helper(mm_pool* p, int index);
int mm_pool_running(const mm_pool* p); // helpers inside mm_pool_helper now
// Whether the calling thread may sleep while it waits for a helper (default 1;
// wasm on a browser's main thread: 0, it cannot wait there, it spins).
void mm_pool_set_caller_sleeps(mm_pool* p, int can_sleep);
// Tells the helpers to return (natively: joins them). Free after they have.
void mm_pool_stop(mm_pool* p);
void mm_pool_free(mm_pool* p);

// The model's engine and the pool its kernels use (NULL: the calling thread
// only; the pool must outlive its use by the model). Not saved in model files.
int mm_model_set_engine(mm_model* m, int engine, mm_pool* pool, mm_err* err);
const char* mm_model_kernels(const mm_model* m); // "scalar", "simd", "fma", "relaxed-simd"

// Time per section of the training step, for the benchmarks' breakdown: the batch,
// the loss, each layer type's forward and backward, each fast pass's own work, the
// optimizer's update. mm_profile_count() sections, named by what they time.
int mm_profile_count(void);
const char* mm_profile_name(int i);  // e.g. "Linear", "cross-entropy", "AdamW"; NULL past the end
const char* mm_profile_phase(int i); // "data", "forward", "backward", "update"
// Copies the seconds accumulated so far into out[mm_profile_count()] (may be NULL),
// clears them, and turns profiling on or off (off costs nothing).
void mm_model_profile(mm_model* m, int enable, double* out);

// ---------------------------------------------------------------- random numbers
// A small seeded generator for init, batches and sampling (splitmix64: one 64-bit state).
typedef struct {
    uint64_t s;
} mm_rng;
void mm_rng_seed(mm_rng* r, uint64_t seed);
uint32_t mm_rng_u32(mm_rng* r);
float mm_rng_uniform(mm_rng* r); // [0, 1)
float mm_rng_normal(mm_rng* r);  // N(0, 1)

// ---------------------------------------------------------------- training
// The schedule and the optimizer. The optimizer is a choice ("sgd", the lecture's
// plain SGD; "adamw", torch.optim.AdamW) whose own settings are cells (own[]) by the
// schema's rows, like a family's: set them by name (mm_train_params_set).
typedef struct {
    int batch_size;   // 32
    long steps;       // 200000
    float lr;         // 0.1
    float lr_decayed; // 0.01
    long decay_step;  // 150000: lr_decayed from this step on
    uint64_t seed;    // init and batch generator seed
    int optimizer;    // mm_optimizer_name(optimizer): 0 "sgd"
    mm_cell own[MM_OWN_CELLS]; // the optimizer's own settings (AdamW: betas, eps, weight decay)
} mm_train_params;
void mm_train_params_default(mm_train_params* p);
// A training setting by its schema name and text form ("optimizer", "adamw"; "beta2", "0.99").
int mm_train_params_set(mm_train_params* p, const char* name, const char* text, mm_err* err);
// The training settings a preset runs with: the schema's defaults (the lecture's
// schedule and SGD) and the preset's own (the whole-word forms: batches of 256
// examples for the same examples; the bigram: makemore.py's AdamW).
int mm_preset_training(const char* name, mm_train_params* tp, mm_err* err);

// The registered optimizers: i-th name ("sgd", "adamw"; NULL past the end), index of a name (-1: none).
const char* mm_optimizer_name(int i);
int mm_optimizer_find(const char* name);

// An optimizer for a model: its kind and settings from tp (the schedule's learning
// rates are given to each step), its state (AdamW: the two moments and the step
// count) in its own allocation.
typedef struct mm_optimizer mm_optimizer;
mm_optimizer* mm_optimizer_new(const mm_model* m, const mm_train_params* tp, mm_err* err);
void mm_optimizer_free(mm_optimizer* o);
// Its state: tensors (AdamW: "exp_avg", "exp_avg_sq", each (n_params,), as torch names
// them) and the updates made so far. NULL past the end.
int mm_optimizer_num_state(const mm_optimizer* o);
const char* mm_optimizer_state_name(const mm_optimizer* o, int i);
float* mm_optimizer_state(mm_optimizer* o, int i);
long mm_optimizer_steps(const mm_optimizer* o);
void mm_optimizer_set_steps(mm_optimizer* o, long t);
// Whether its state is one its updates could have reached (every value finite; a running
// average of squares not negative), for state written from outside (a checkpoint).
int mm_optimizer_check_state(const mm_optimizer* o, mm_err* err);
// One training step: zero-grad, forward, backward, the optimizer's update with learning
// rate lr, then the layers' after-step work (BatchNorm's running statistics); with s (may
// be NULL), the diagnostics of the step too (see below). A non-finite loss, gradient or
// update returns MM_ENONFINITE with everything unchanged, the optimizer's state included.
int mm_model_train_step(mm_model* m, mm_optimizer* o, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss,
                        mm_stats* s, long step, mm_err* err);

typedef struct mm_trainer mm_trainer;
// Copies what it needs from words; cfg->vocab_size is taken from words. data
// says how the words are split (NULL: mm_data_settings_default).
mm_trainer* mm_trainer_new(const mm_words* words, const mm_config* cfg, const mm_data_settings* data, const mm_train_params* tp,
                           mm_err* err);
void mm_trainer_free(mm_trainer* t);
mm_model* mm_trainer_model(mm_trainer* t);
mm_optimizer* mm_trainer_optimizer(mm_trainer* t);
const mm_data_settings* mm_trainer_data(const mm_trainer* t); // its split's settings
const mm_splits* mm_trainer_splits(const mm_trainer* t);
long mm_trainer_step(const mm_trainer* t); // steps done
// Runs n steps (stops early at tp.steps); losses[i] gets step i's loss (may be NULL).
// Returns the steps run in *done. A non-finite step stops with MM_ENONFINITE and
// the model as it was before that step.
int mm_trainer_run(mm_trainer* t, long n, float* losses, long* done, mm_err* err);
int mm_trainer_eval(mm_trainer* t, int split, float* loss, mm_err* err);
int mm_trainer_eval_range(mm_trainer* t, int split, int start, int count, double* total, mm_err* err);
// Changes the schedule of a running trainer (total steps, learning rates, decay
// step); batch size and seed stay. Takes effect at the next step.
int mm_trainer_set_schedule(mm_trainer* t, long steps, float lr, float lr_decayed, long decay_step, mm_err* err);
// The trainer's engine and pool (see mm_model_set_engine).
int mm_trainer_set_engine(mm_trainer* t, int engine, mm_pool* pool, mm_err* err);

// ---------------------------------------------------------------- training diagnostics (src/stats.c)
// The statistics of makemore part 3 ("activations, gradients, batchnorm"), at one
// training step: for every layer its output's mean, std (torch's unbiased .std()),
// for Tanh the fraction saturated (|t| > 0.97), a histogram like torch.histogram's
// default (MM_STATS_BINS bins over [min, max], the last bin closed), and the same
// of the output's gradient dloss/dout (the lecture's layer.out.grad); for every
// parameter tensor its data and grad mean and std, grad:data = std(grad) / std(p)
// and update:data = log10(std(lr * grad) / std(p)). As in the lecture's loop, the
// parameter statistics are taken right after p.data += -lr * p.grad: p is the
// updated value, grad the step's gradient. Sums in double. A value that does not
// exist (the std of one value, a saturation of a layer that is not Tanh, the
// log10 of 0) is NaN. See src/stats.c for what a sequence model's layer covers.
#define MM_STATS_BINS 100
typedef struct {
    long count;         // values
    double mean, std;   // std: unbiased (n - 1), NaN for fewer than 2 values
    double lo, hi;      // the histogram's range: the least and the largest value
    int32_t hist[MM_STATS_BINS];
} mm_value_stats;
typedef struct {
    int index;          // in the model's layer list
    const char* kind;   // the lecture's class name ("Tanh"), mm_layer_type_name
    char name[32];      // "layers.<n>": its tensors' prefix (the conv form keeps the lecture's indices), or its family's name
    int ndim, shape[3]; // its output at this step: (B, T, C), (B, C), or a sequence model's (rows, C)
    mm_value_stats out;
    double saturated;   // Tanh, RNNCell (its output is a tanh): the fraction of |out| > 0.97; NaN for the other kinds
    mm_value_stats grad;
    // A gated cell's gates: GRUCell z, r (sigmoid), hbar (tanh); LSTMCell i, f, o (sigmoid), g (tanh): the
    // fraction saturated, |tanh| > 0.97, or a sigmoid on the same scale, |2 sigmoid - 1| > 0.97 (below
    // 0.015 or above 0.985: sigmoid(x) = (1 + tanh(x/2)) / 2).
    int n_gates;
    struct {
        const char* name;
        double saturated;
    } gates[4];
} mm_layer_stats;
typedef struct {
    const char* name;   // "layers.2.weight"
    int ndim, shape[3];
    double data_mean, data_std, grad_mean, grad_std;
    double grad_to_data;   // grad_std / data_std
    double update_std;     // the std of the update made (AdamW's); NaN for SGD's, lr * grad_std
    double update_to_data; // log10(std of the update / data_std): SGD's is lr * grad_std, the lecture's
} mm_param_stats;
// Storage for one step's statistics of model m (its layers and tensors; allocated here, once).
mm_stats* mm_stats_new(const mm_model* m, mm_err* err);
void mm_stats_free(mm_stats* s);
long mm_stats_step(const mm_stats* s); // the step they belong to (-1: none computed yet)
float mm_stats_lr(const mm_stats* s);  // that step's learning rate
int mm_stats_num_layers(const mm_stats* s);
const mm_layer_stats* mm_stats_layer(const mm_stats* s, int i); // NULL outside 0..num_layers-1
int mm_stats_num_params(const mm_stats* s);
const mm_param_stats* mm_stats_param(const mm_stats* s, int i);
// The statistics as one JSON object {"step","lr","layers":[{"index","kind","name","shape","out":{"mean","std",
// "saturated","hist":{"lo","hi","counts"}},"grad":{"mean","std","hist"}}...],"params":[{"name","shape","dataMean",
// "dataStd","gradMean","gradStd","gradToData","updateToData"}...]} (NaN as null; numbers round-trip with %.17g).
// The text lives in s until the next call; NULL if none computed yet or out of memory (*len may be NULL).
const char* mm_stats_json(mm_stats* s, size_t* len);
// mm_model_sgd_step that also fills s (made for m) with this step's statistics,
// labelled step; the training result is bitwise mm_model_sgd_step's. A failed step leaves s as it was.
int mm_model_sgd_step_stats(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s, long step,
                            mm_err* err);
// A trainer's statistics every n steps (0: off, the default): at each step s with
// s % n == 0, counted from 0 (the first step is one). Storage is allocated at the
// first n > 0. mm_trainer_stats: the latest computed (mm_stats_step -1: none yet),
// NULL while never enabled.
int mm_trainer_set_stats_every(mm_trainer* t, long n, mm_err* err);
long mm_trainer_stats_every(const mm_trainer* t);
mm_stats* mm_trainer_stats(mm_trainer* t);

// ---------------------------------------------------------------- sampling
// How the next token is drawn: softmax(logits / temperature) (0: greedy, the
// most likely token), restricted to the top_k most likely tokens (0: all) and
// then to the smallest most-likely set holding at least top_p of that mass
// (1: all), renormalised. Equal probabilities rank by token order.
typedef struct {
    float temperature; // 1
    int top_k;         // 0
    float top_p;       // 1
} mm_sampling;
void mm_sampling_default(mm_sampling* s);

// Samples one word in eval mode until the end token (or max_len code points),
// starting from the UTF-8 prefix (may be ""), drawing as s says (NULL: the
// defaults). out receives the UTF-8 word including the prefix, NUL-terminated
// (no '.'). With the defaults, top_k >= vocab_size or top_p = 1 the draws are
// those of plain softmax sampling, bitwise.
int mm_sample(mm_model* m, mm_rng* rng, const mm_sampling* s, const char* prefix, int max_len,
              char* out, size_t out_cap, mm_err* err);

// The one rule for sampling seeds, used by every caller (the native CLI, the JS
// API and through it the Node CLI and the <name-generator> element): names drawn
// with seed S come from a generator seeded (mm_rng_seed) with
//   mm_sample_seed(S, stream) = (S ^ 0x9E3779B97F4A7C15) + stream * 0xD1B54A32D192ED03  (mod 2^64)
// stream 0 for one run of names (the CLI's `sample --seed S` and the names after
// `train --seed S`, the JS API's sample({seed: S})), stream k for the k-th of
// several batches drawn from one seed (the element's k-th batch, k = 0, 1, ...).
// Without a seed the JS API samples from the object's own generator, made once by
// the rule from a trainer's training seed (the names of `train --seed S`) or, for
// a loaded model, from 0 (those of `sample` without --seed), and continued from
// call to call.
uint64_t mm_sample_seed(uint64_t seed, uint64_t stream);

// ================================================================ model files and checkpoints
// (issue 5; src/io.c, src/safetensors.c and the end of src/train.c)
//
// A model file is a safetensors file: u64 little-endian header length N, N bytes
// of JSON header (space-padded to a multiple of 8), then the float32 tensor data.
// Tensors are named as the lecture's PyTorch model names them ("layers.0.weight",
// "layers.3.gamma", "layers.3.running_mean", ..., "layers.K.bias"; the shapes of
// mm_model_tensor), dtype "F32". "__metadata__" (string -> string) holds
//   format "makemore-wasm/1"; vocab: a JSON array of the token strings, [0] = ".";
//   the model and data fields of the schema (below): vocab_size block_size n_embd
//   n_hidden n_consec n_flat_layers split_shuffles (decimal), bn_mode ("fixed" |
//   "per-position");
// and, in a checkpoint, its training and state fields and split_seed: step steps
//   batch_size lr lr_decayed decay_step seed batch_rng split_seed split_sizes
//   ("[n_train,n_val,n_test]") data_hash ("fnv1a64:<16 hex digits>" of the split's
//   targets). split_seed is a data setting but only checkpoints carry it (readers
//   before the schema take it for a state key): a plain file's split seed is 42.
// Keys are written in the fields' key order (that of the files before the schema, then the
// fields added since).
// Loading checks everything (framing, JSON, UTF-8, names, dtypes, shapes, offsets,
// finite values) and refuses a bad file with MM_EFORMAT and a message.
#define MM_FILE_FORMAT "makemore-wasm/1"
#define MM_MAX_FILE_HEADER (1 << 20) // bytes of JSON header

// Everything a trainer needs to continue exactly where it stopped (besides the model).
typedef struct {
    mm_train_params tp;  // schedule: batch_size, steps, lr, lr_decayed, decay_step, seed; the optimizer
    long step;           // steps done
    long optimizer_step; // the updates of an optimizer with state so far (AdamW's bias correction; SGD: 0)
    uint64_t batch_rng;  // the batch generator's state
    int split_sizes[3];  // examples in train, val, test (the split's settings: mm_trainer_data)
    uint64_t data_hash;  // FNV-1a 64 of the three splits' targets: the same words, the same split
} mm_train_state;

// The trainer's state (src/train.c).
void mm_trainer_get_state(const mm_trainer* t, mm_train_state* s);
// Sets step and batch generator from s, after checking that s's schedule, split
// sizes and data hash match the trainer's (src/train.c).
int mm_trainer_set_state(mm_trainer* t, const mm_train_state* s, mm_err* err);

// A model file with the data settings d (NULL: the defaults; a trainer's:
// mm_trainer_data) and a training state (s may be NULL: a plain model file).
// mm_model_save(m) is mm_model_save_state(m, NULL, NULL).
int mm_model_save_state(const mm_model* m, const mm_data_settings* d, const mm_train_state* s, uint8_t** out, size_t* out_len,
                        mm_err* err);
// Loads a model file; its data settings go to *d (may be NULL); *has_state (may
// be NULL) tells whether it carried a training state, which goes to *s (may be NULL).
mm_model* mm_model_load_state(const uint8_t* bytes, size_t len, int max_batch, mm_data_settings* d, mm_train_state* s, int* has_state,
                              mm_err* err);
// A checkpoint: the trainer's model, training state and optimizer state (tensors
// "optimizer.<name>": AdamW's "optimizer.exp_avg", "optimizer.exp_avg_sq").
int mm_checkpoint_save(const mm_trainer* t, uint8_t** out, size_t* out_len, mm_err* err);
// A trainer that continues a checkpoint on words (the same word list it was
// trained on: vocabulary, split and data hash are checked). Running it gives
// bitwise the losses the saved trainer would have given.
mm_trainer* mm_checkpoint_load(const uint8_t* bytes, size_t len, const mm_words* words, mm_err* err);
// ================================================================ end of model files and checkpoints

// ================================================================ the settings' schema (src/settings/)
// Every setting a user gives (the model's, the data's, the training's) and every
// field of a training state, described once: the common ones in src/settings/fields.c,
// a family's own with the family (src/families/), an optimizer's with it (src/train/): validation, the
// model file's metadata, the CLIs' flags and --help, the JS API (mm.schema) and
// the page's form all come from that list. A field's value as text is the model
// file's form of it: "8", "fixed", "0.100000001", "42", "[182473,22827,22846]",
// "fnv1a64:0123456789abcdef".
enum { MM_GROUP_MODEL, MM_GROUP_DATA, MM_GROUP_TRAINING, MM_GROUP_STATE, MM_N_GROUPS };
enum {
    MM_TYPE_INT,   // a whole number in min..max
    MM_TYPE_ENUM,  // one of values (the member holds its index)
    MM_TYPE_FLOAT, // a float32 in min..max
    MM_TYPE_U64,   // a whole number in 0..2^64-1
    MM_TYPE_INT3,  // three whole numbers in min..max, as "[a,b,c]"
    MM_TYPE_HASH,  // a 64-bit hash, as "fnv1a64:<16 hex digits>"
};
enum { MM_C_INT, MM_C_LONG, MM_C_U32, MM_C_U64, MM_C_FLOAT, MM_C_INT3 }; // the member's C type: int, long, uint32_t, uint64_t, float, int[3]
#define MM_FIELD_FROM_DATA 1 // set from the word list, not by users (vocab_size)
#define MM_FIELD_OPTIONAL 2  // added after the files began: a model file may lack it (then it is its default),
                             // and it is written only when not its default (files that do not use it stay as before)
#define MM_FIELD_CHECKPOINT 4 // a model or data field written with the training state only (plain files: its default)
#define MM_FIELD_SELECTOR 8   // chooses whose own settings its group's cells hold (form: a family; optimizer: an
                              // optimizer); setting it resets them to the chosen one's defaults
typedef struct {
    const char* name;  // snake_case: the model file's metadata key, e.g. "block_size"
    const char* js;    // camelCase: the JS API's, e.g. "blockSize"
    const char* flag;  // the command lines' option, e.g. "--block" (NULL: none)
    const char* label; // a short name, for messages and forms: "block size"
    int group;         // MM_GROUP_*
    size_t offset;     // where it lives: offsetof into its group's struct (mm_config,
                       //   mm_data_settings, mm_train_params, mm_train_state)
    int type;          // MM_TYPE_*
    double min, max;   // limits (MM_TYPE_INT, MM_TYPE_INT3, MM_TYPE_FLOAT)
    const char* def;   // the default, as text (NULL: none: from the data, or a state)
    int ctype;         // the member's C type: MM_C_*
    int flags;         // MM_FIELD_*
    const char* doc;   // one line of documentation
    const char* const* values; // MM_TYPE_ENUM: the names, NULL-terminated (the member holds the index)
    const char* owner; // NULL: a setting of everyone's; else the family's (group model) or the optimizer's
                       // (group training) own setting, in a cell of own[] (offset), valid while it is chosen
    int key;           // its place among a model file's metadata keys (the files written before keep their
                       // order and bytes: a new field takes a number after every other's)
} mm_field;
int mm_num_fields(void);
const mm_field* mm_field_at(int i);          // i-th field, in the model file's key order; NULL past the end
const mm_field* mm_field_find(const char* key); // by name, JS name or flag; NULL if none

// Where each group's values are (NULL: a group this record has not).
typedef struct {
    mm_config* model;
    mm_data_settings* data;
    mm_train_params* training;
    mm_train_state* state;
} mm_record;
// Whether field f is one of r's settings now: of a group r has, and a common one (for the
// model, one its family reads) or the own setting of the family or optimizer r has chosen.
int mm_field_applies(const mm_field* f, const mm_record* r);
// For a family's or optimizer's own setting f: chooses its owner in r (its group's selector: form,
// optimizer), whose own settings start at their defaults. Nothing for a common setting.
void mm_record_choose_owner(const mm_record* r, const mm_field* f);
// Every field of r's groups set to its default (state fields and vocab_size: 0).
void mm_record_default(const mm_record* r);
// Field f of r as text (see above) into out (cap bytes, NUL-terminated); fails if r has not f's group.
int mm_field_format(const mm_field* f, const mm_record* r, char* out, size_t cap, mm_err* err);
// Sets field f of r from its text: refuses bad syntax and what the member cannot
// hold (the limits are mm_field_check's), with a message naming the field.
int mm_field_parse(const mm_field* f, const mm_record* r, const char* text, mm_err* err);
// What field f takes, for messages and help: "a whole number in 1..256", "fixed or per-position", ...
void mm_field_expects(const mm_field* f, char* out, size_t cap);
// Whether field f of r is within its limits; the message names the field ("block size 0 is outside 1..256").
int mm_field_check(const mm_field* f, const mm_record* r, mm_err* err);
// Every field of r's groups within its limits (then the cross-field rules of
// mm_config_validate); the model's structural rules are mm_config_check's.
int mm_record_check(const mm_record* r, mm_err* err);
// {"name":"text",...} of r's fields of the groups in group_mask (bit 1 << MM_GROUP_*):
// malloc'd, NUL-terminated (the caller frees); NULL if out of memory.
char* mm_record_json(const mm_record* r, int group_mask);
// Sets the fields an object of that form names (len bytes of JSON; the others
// stay): an unknown name, a field of a group r has not or bad text is refused.
// *groups_seen (may be NULL) gets the bits of the groups it named.
int mm_record_from_json(const mm_record* r, const char* json, size_t len, int* groups_seen, mm_err* err);
// The schema as JSON: {"format":..., "groups":[...], "types":[...], "fields":[{name, js, flag,
// label, doc, group, type, min, max, default, values, fromData, optional}...],
// "presets":[{name, model:{...}, data:{...}}...]} (values as text). malloc'd; NULL if out of memory.
char* mm_schema_json(void);

// ---------------------------------------------------------------- math
// Deterministic float math from + - * / only, so every build rounds alike.
float mm_expf(float x);
float mm_logf(float x);
float mm_tanhf(float x);

#ifdef __cplusplus
}
#endif
#endif
