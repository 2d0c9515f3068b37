// families/rnn.c: makemore.py's RNN: an embedding (wte), a cell applied at every
// position from a learned start state (the RNN's `start`), and lm_head on each
// position's hidden state. The cell (cell_type) is makemore.py's RNNCell (Mikolov
// 2010) or GRUCell, or an LSTM (torch.nn.LSTMCell's equations and gate order, with a
// learned start for h and for c). Its layers run on rows, one per position of the
// batch's words (model/rows.c); batch_size counts words. Tensors named as
// makemore.py's (`start`, `wte.weight`, `cell.xh_to_h.weight`, `lm_head.weight`, ...).
#include <stddef.h>
#include "families/family.h"

enum { CELL_TYPE, N_OWN };
enum { CELL_RNN, CELL_GRU, CELL_LSTM };
static const char* const CELLS[] = {"rnn", "gru", "lstm", NULL};

static const mm_field FIELDS[] = {
    {"cell_type", "cellType", "--cell", "cell type", MM_GROUP_MODEL, MM_OWN_CELL(CELL_TYPE), MM_TYPE_ENUM, 0, 2, "rnn", MM_C_INT,
     MM_FIELD_OPTIONAL, "rnn family: the cell, rnn (tanh of a Linear of [x, h]), gru or lstm", CELLS, "rnn", 32},
};

static int check(const mm_config* c, mm_err* err) { return mm_check_whole_words(c, "makemore.py's RNN", err); }

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    static const int TYPES[] = {L_RNN, L_GRU, L_LSTM};
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    layer cell = mm_layer_make(TYPES[OWN_I(c, CELL_TYPE)], mm_build_named(b, e, "wte"), 0);
    cell.C_out = c->n_hidden;
    mm_build_torch_linear(b, mm_build_named(b, cell, "cell"), c->vocab_size, "lm_head");
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"rnn", "form rnn cell_type rnn " MM_MAKEMORE_PRESET,
     "makemore.py's RNN (Mikolov 2010): n_embd 64, n_embd2 64 (11,803 parameters on names.txt), AdamW"},
    {"gru", "form rnn cell_type gru " MM_MAKEMORE_PRESET,
     "makemore.py's GRU: n_embd 64, n_embd2 64 (28,315 parameters on names.txt), AdamW"},
    {"lstm", "form rnn cell_type lstm " MM_MAKEMORE_PRESET,
     "an LSTM (torch.nn.LSTMCell) in makemore.py's RNN frame: n_embd 64, n_embd2 64 (36,891 parameters on names.txt), AdamW"},
};

const mm_family mm_family_rnn = {
    .name = "rnn",
    .label = "RNN, GRU or LSTM (makemore.py)",
    .doc = "makemore.py's RNN: a cell (rnn, gru or lstm) over the word's positions from a learned start state, then lm_head",
    .fields = FIELDS,
    .n_fields = N_OWN,
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN,
    .sequence = 1,
    .words = 1,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = sizeof PRESETS / sizeof PRESETS[0],
};
