// page/model-families.js: "Model, drawn" for makemore.py's models (web/page/model-view.js shows the rest): a
// small picture of the family's structure made from the core's layer list (mm.layers), each row of it a group
// of the list's layers with their parameters:
//   - rnn (RNNCell, GRUCell, LSTMCell): the cell unrolled over the first positions of a word: the input
//     character (the start token first) -> wte -> the cell -> lm_head -> the next character, the hidden state
//     flowing from the learned `start` to each next position (h and c for an LSTM);
//   - bow: each position's wte + wpe, then x + CausalBoW(x) (position t averages positions 1..t), then
//     x + MLP(x) (c_fc, Tanh, c_proj), then lm_head;
//   - mlp: one prediction (the 4th character of a word): the block_size characters before it, the last first,
//     the start token and then blanks, each through wte, concatenated, then Linear, Tanh, Linear.
// familyDiagram is pure (no DOM: tests/model-view.test.mjs checks it against the core's lists); drawDiagram
// draws one into an SVG.
import { fmt } from './dom.js';

/** @typedef {import('../../wasm/makemore.mjs').LayerInfo} LayerInfo */
/**
 * A node of the picture at column x (0.., may be between columns) and row y (0: the bottom).
 * @typedef {{id: string, x: number, y: number, shape: 'circle'|'box'|'text', text?: string}} DNode
 */
/** An edge: state (an RNN's h from one position to the next), avg (CausalBoW's mean), else up. @typedef {{from: string, to: string, kind: 'up'|'state'|'avg'}} DEdge */
/**
 * A row: its label, the layers of the core's list it draws (indices), what they are (layerText) and their parameters.
 * @typedef {{label: string, layers: number[], detail: string, params: number}} DRow
 */
/**
 * @typedef {object} Diagram
 * @property {'rnn'|'bow'|'mlp'} family
 * @property {number} cols the columns
 * @property {DRow[]} rows bottom first: rows[0] the input characters (no layer)
 * @property {DNode[]} nodes
 * @property {DEdge[]} edges
 * @property {number} shown the positions drawn (rnn, bow), or the context's characters (mlp)
 * @property {number} blockSize
 * @property {string} caption
 */

/** The positions an unrolled picture draws at most. */
const SHOWN = { rnn: 4, bow: 5 };
/** An MLP's context drawn in full up to this many characters (else the first ones and an ellipsis). */
const MAX_CONTEXT = 24;

const SUB = '₀₁₂₃₄₅₆₇₈₉';
/** @param {number} i @returns {string} x with subscript i: x₁₂ */
export const xSub = (i) => `x${String(i).replace(/\d/g, (d) => SUB[Number(d)])}`;
/** @param {number} t position 1.. @returns {string} the character read at position t of a word: the start token, then x₁, x₂, ... */
export const inputAt = (t) => (t === 1 ? '.' : xSub(t - 1));
/** The blank token of makemore.py's MLP (before the start of a word). */
export const BLANK = '␣';

/** @param {LayerInfo[]} layers @returns {'rnn'|'bow'|'mlp'|null} the makemore.py family the list is (by its layers' kinds and names) */
export function familyOfLayers(layers) {
  if (layers.some((l) => /^(RNN|GRU|LSTM)Cell$/.test(l.kind))) return 'rnn';
  if (layers.some((l) => l.kind === 'CausalBoW')) return 'bow';
  const blockSize = layers[0]?.shape[1];
  if (layers[0]?.prefix === 'wte' && layers.some((l) => l.kind === 'FlattenConsecutive' && l.factor === blockSize)) return 'mlp';
  return null;
}

/** @param {LayerInfo[]} layers @param {LayerInfo} l @returns {number} the width of the layer l reads */
const widthIn = (layers, l) => {
  const i = l.inputs[0];
  return typeof i === 'number' ? /** @type {number} */ (layers[i].shape.at(-1)) : 0;
};
/** @param {LayerInfo[]} layers @param {LayerInfo} l @returns {string} what a layer is, briefly: Linear(64, 27), Embedding(27, 64) */
export function layerText(layers, l) {
  const out = /** @type {number} */ (l.shape.at(-1));
  const name = /^layers\.\d+$/.test(l.prefix) ? '' : `${moduleName(l.prefix)}: `; // makemore.py's modules by their name
  if (l.kind === 'Embedding') return `${name}Embedding(${l.params / out}, ${out})`;
  if (l.kind === 'Linear' || /Cell$/.test(l.kind)) return `${name}${l.kind}(${widthIn(layers, l)}, ${out})`;
  if (l.kind === 'FlattenConsecutive') return `FlattenConsecutive(${l.factor})`;
  return l.kind;
}

/** @param {LayerInfo} l @returns {string} a row's label of a layer: its module's name and kind (wte: Embedding), its sizes in the row's title */
const shortText = (l) => (/^layers\.\d+$/.test(l.prefix) ? l.kind : `${moduleName(l.prefix)}: ${l.kind}`);
/** @param {string} prefix @returns {string} a module's own name: c_fc of context_block.mlp.c_fc, but mlp.0 whole */
const moduleName = (prefix) => (/\.\d+$/.test(prefix) ? prefix : prefix.replace(/^.*\./, ''));

/** @param {LayerInfo[]} layers @param {string} label @param {number[]} idx @returns {DRow} */
const row = (layers, label, idx) => ({
  label, layers: idx, detail: idx.map((i) => (layers[i].kind === 'Add' ? '+' : layerText(layers, layers[i]))).join(', '),
  params: idx.reduce((s, i) => s + layers[i].params, 0),
});
/** @param {string} label @returns {DRow} a row of characters (no layer) */
const chars = (label) => ({ label, layers: [], detail: '', params: 0 });

/**
 * The family's picture, or null for a list that is not one of makemore.py's models (the receptive field then).
 * @param {LayerInfo[]} layers the core's list @returns {Diagram|null}
 */
export function familyDiagram(layers) {
  const family = familyOfLayers(layers);
  if (family === 'rnn') return recurrent(layers);
  if (family === 'bow') return bagOfWords(layers);
  if (family === 'mlp') return mlp(layers);
  return null;
}

/** @param {LayerInfo[]} layers @returns {Diagram} the cell unrolled over the first positions */
function recurrent(layers) {
  const blockSize = layers[0].shape[1];
  const c = layers.findIndex((l) => /Cell$/.test(l.kind));
  const cell = layers[c];
  const lstm = cell.kind === 'LSTMCell';
  const n = Math.min(SHOWN.rnn, blockSize);
  const rows = [
    chars('input characters'),
    ...layers.map((l, i) => row(layers, i === c ? `${shortText(l)}, start` : shortText(l), [i])),
  ];
  /** @type {DNode[]} */
  const nodes = [{ id: 'start', x: 0, y: 1 + c, shape: 'box', text: 'start' }];
  /** @type {DEdge[]} */
  const edges = [];
  for (let t = 1; t <= n; t++) {
    nodes.push({ id: `in${t}`, x: t, y: 0, shape: 'text', text: inputAt(t) });
    layers.forEach((l, i) => {
      nodes.push({ id: `L${i}p${t}`, x: t, y: i + 1, shape: i === c ? 'box' : 'circle', text: i === c ? cell.kind.replace(/Cell$/, '') : undefined });
      edges.push({ from: i === 0 ? `in${t}` : `L${i - 1}p${t}`, to: `L${i}p${t}`, kind: 'up' });
    });
    nodes.push({ id: `out${t}`, x: t, y: layers.length + 1, shape: 'text', text: xSub(t) });
    edges.push({ from: `L${layers.length - 1}p${t}`, to: `out${t}`, kind: 'up' });
    edges.push({ from: t === 1 ? 'start' : `L${c}p${t - 1}`, to: `L${c}p${t}`, kind: 'state' });
  }
  if (n < blockSize) {
    nodes.push({ id: 'more', x: n + 1, y: 1 + c, shape: 'text', text: `… ${blockSize}` });
    edges.push({ from: `L${c}p${n}`, to: 'more', kind: 'state' });
  }
  rows.push(chars('next character'));
  const state = lstm ? 'its hidden and cell states (h, c)' : 'its hidden state h';
  return {
    family: 'rnn', cols: n + 1 + (n < blockSize ? 1 : 0), rows, nodes, edges, shown: n, blockSize,
    caption: `The ${cell.kind} unrolled over the first ${n} of a word's ${blockSize} positions: each reads its character's embedding and ` +
      `${state} from the position before (the first from the learned start), and lm_head gives the next character; ` +
      'the loss is the mean over every position of the batch\'s words.',
  };
}

/** @param {LayerInfo[]} layers @returns {Diagram} each position's embeddings, the causal average, the MLP block */
function bagOfWords(layers) {
  const blockSize = layers[0].shape[1];
  const n = Math.min(SHOWN.bow, blockSize);
  /** @type {number[][]} the rows' layers: each ends at a residual Add (and the last layer) */
  const groups = [[]];
  layers.forEach((l, i) => {
    groups[groups.length - 1].push(i);
    if (l.kind === 'Add' && i < layers.length - 1) groups.push([]);
  });
  const rows = [chars('input characters'), ...groups.map((g) => {
    const label = g.includes(0) ? g.filter((i) => layers[i].kind === 'Embedding').map((i) => moduleName(layers[i].prefix)).join(' + ') // wte + wpe
      : g.some((i) => layers[i].kind === 'CausalBoW') ? 'x + CausalBoW(x)'
        : layers[g.at(-1) ?? 0].kind === 'Add' ? 'x + MLP(x)' : g.map((i) => shortText(layers[i])).join(', ');
    return row(layers, label, g);
  })];
  /** @type {DNode[]} */
  const nodes = [];
  /** @type {DEdge[]} */
  const edges = [];
  for (let t = 1; t <= n; t++) {
    nodes.push({ id: `in${t}`, x: t - 1, y: 0, shape: 'text', text: inputAt(t) });
    groups.forEach((g, r) => {
      const bow = g.some((i) => layers[i].kind === 'CausalBoW');
      nodes.push({ id: `r${r + 1}p${t}`, x: t - 1, y: r + 1, shape: 'circle', text: layers[g.at(-1) ?? 0].kind === 'Add' && r > 0 ? '+' : undefined });
      if (bow) for (let j = 1; j <= t; j++) edges.push({ from: `r${r}p${j}`, to: `r${r + 1}p${t}`, kind: j === t ? 'up' : 'avg' });
      else edges.push({ from: r === 0 ? `in${t}` : `r${r}p${t}`, to: `r${r + 1}p${t}`, kind: 'up' });
    });
    nodes.push({ id: `out${t}`, x: t - 1, y: groups.length + 1, shape: 'text', text: xSub(t) });
    edges.push({ from: `r${groups.length}p${t}`, to: `out${t}`, kind: 'up' });
  }
  if (n < blockSize) nodes.push({ id: 'more', x: n, y: 0, shape: 'text', text: `… ${blockSize}` });
  rows.push(chars('next character'));
  return {
    family: 'bow', cols: n + (n < blockSize ? 1 : 0), rows, nodes, edges, shown: n, blockSize,
    caption: `The first ${n} of a word's ${blockSize} positions: each adds its character's and its position's embeddings (wte + wpe), ` +
      'then the average of those of the positions up to it (CausalBoW; the lines from the left), then an MLP block, both added to ' +
      'what they read (residual, +), and lm_head gives the next character; the loss is the mean over every position of the batch\'s words.',
  };
}

/** @param {LayerInfo[]} layers @returns {Diagram} one prediction: the context, last first, concatenated into the MLP */
function mlp(layers) {
  const blockSize = layers[0].shape[1];
  const f = layers.findIndex((l) => l.kind === 'FlattenConsecutive');
  const drawn = blockSize <= MAX_CONTEXT ? blockSize : MAX_CONTEXT - 1;
  const predict = 4; // the 4th character: x₃ x₂ x₁ . then blanks
  /** @param {number} k 0: the last character read @returns {string} */
  const ctx = (k) => (k < predict - 1 ? xSub(predict - 1 - k) : k === predict - 1 ? '.' : BLANK);
  /** @type {number[][]} the rows' layers: the embedding, the concatenation, each Linear with what follows it */
  const groups = [[0], [f]];
  for (let i = f + 1; i < layers.length; i++) {
    if (layers[i].kind === 'Linear') groups.push([i]);
    else groups[groups.length - 1].push(i);
  }
  const rows = [chars(`${blockSize} characters back, last first`),
    ...groups.map((g, r) => row(layers, r === 1 ? `concatenated: ${fmt(/** @type {number} */ (layers[f].shape.at(-1)))}` : g.map((i) => shortText(layers[i])).join(', '), g)),
    chars('next character')];
  /** @type {DNode[]} */
  const nodes = [];
  /** @type {DEdge[]} */
  const edges = [];
  const mid = (drawn - 1) / 2;
  for (let k = 0; k < drawn; k++) {
    nodes.push({ id: `in${k}`, x: k, y: 0, shape: 'text', text: ctx(k) });
    nodes.push({ id: `e${k}`, x: k, y: 1, shape: 'circle' });
    edges.push({ from: `in${k}`, to: `e${k}`, kind: 'up' }, { from: `e${k}`, to: 'r2', kind: 'up' });
  }
  if (drawn < blockSize) nodes.push({ id: 'more', x: drawn, y: 0, shape: 'text', text: `… ${blockSize}` });
  for (let r = 2; r <= groups.length; r++) {
    nodes.push({ id: `r${r}`, x: mid, y: r, shape: 'circle' });
    if (r > 2) edges.push({ from: `r${r - 1}`, to: `r${r}`, kind: 'up' });
  }
  nodes.push({ id: 'out', x: mid, y: groups.length + 1, shape: 'text', text: xSub(predict) });
  edges.push({ from: `r${groups.length}`, to: 'out', kind: 'up' });
  return {
    family: 'mlp', cols: drawn + (drawn < blockSize ? 1 : 0), rows, nodes, edges, shown: drawn, blockSize,
    caption: `One prediction, the 4th character of a word: the ${blockSize} characters before it, the last first, back to the start ` +
      `token (.) and blanks (${BLANK}) before it, each embedded (wte), concatenated into one vector of ${fmt(/** @type {number} */ (layers[f].shape.at(-1)))}, ` +
      'then Linear, Tanh, Linear. Every position of a word is one such example: a batch of words trains on all of them.',
  };
}

const SVG = 'http://www.w3.org/2000/svg';
/** @param {string} name @param {Record<string, string|number>} attrs @param {string} [text] */
function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

/**
 * Draws a diagram into svg at the width it is shown: nodes (class mv-node, data-id, data-row), edges (data-from,
 * data-to; class mv-state or mv-avg), each row's label and parameters on the right (class mv-level, data-row).
 * @param {SVGSVGElement} svg @param {Diagram} d
 */
export function drawDiagram(svg, d) {
  const W = Math.max(240, Math.round(svg.getBoundingClientRect().width) || 600);
  const plotW = W - Math.min(200, Math.round(W * 0.4)), pad = 14, rowH = d.rows.length > 6 ? 36 : 42;
  const H = 2 * pad + (d.rows.length - 1) * rowH + 8;
  const step = (plotW - 2 * pad) / d.cols;
  const r = Math.max(2, Math.min(7, step * 0.3));
  const x = (/** @type {number} */ c) => pad + (c + 0.5) * step;
  const y = (/** @type {number} */ rw) => H - pad - 4 - rw * rowH;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const byId = new Map(d.nodes.map((n) => [n.id, n]));
  /** @param {DNode} n @returns {number} a box's width */
  const boxW = (n) => Math.min(step - 4, Math.max(24, 7.5 * (n.text?.length ?? 2) + 8));
  /** @param {DNode} n @param {number} dx @param {number} dy the line's direction @param {number} text a text's margin @returns {number} how far its border is from its centre */
  const reach = (n, dx, dy, text) => (n.shape === 'text' ? text : n.shape === 'circle' ? r
    : Math.min(Math.abs(dx) > 1e-9 ? boxW(n) / 2 / Math.abs(dx) : Infinity, Math.abs(dy) > 1e-9 ? 9 / Math.abs(dy) : Infinity));
  const arrow = el('marker', { id: 'mv-arrow', viewBox: '0 0 6 6', refX: 6, refY: 3, markerWidth: 7, markerHeight: 7, markerUnits: 'userSpaceOnUse', orient: 'auto' });
  arrow.append(el('path', { d: 'M0,0 L6,3 L0,6 z', class: 'mv-arrow' }));
  const defs = el('defs', {});
  defs.append(arrow);
  const edges = el('g', { class: 'mv-edges' });
  for (const e of d.edges) {
    const a = /** @type {DNode} */ (byId.get(e.from)), b = /** @type {DNode} */ (byId.get(e.to));
    let [x1, y1, x2, y2] = [x(a.x), y(a.y), x(b.x), y(b.y)];
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    // a character's line stops short of its text; a state's, of the box it enters
    // from the edge of a node to the edge of the next: a character's line stops short of its text
    const cut1 = reach(a, (x2 - x1) / len, (y2 - y1) / len, 8), cut2 = reach(b, (x2 - x1) / len, (y2 - y1) / len, e.kind === 'state' ? 16 : 10);
    [x1, y1, x2, y2] = [x1 + ((x2 - x1) * cut1) / len, y1 + ((y2 - y1) * cut1) / len, x2 - ((x2 - x1) * cut2) / len, y2 - ((y2 - y1) * cut2) / len];
    const line = el('line', { class: `mv-${e.kind}`, 'data-from': e.from, 'data-to': e.to, x1, y1, x2, y2 });
    if (e.kind === 'state') line.setAttribute('marker-end', 'url(#mv-arrow)');
    edges.append(line);
  }
  const nodes = el('g', { class: 'mv-nodes' });
  for (const n of d.nodes) {
    const at = { 'data-id': n.id, 'data-row': n.y };
    if (n.shape === 'circle') nodes.append(el('circle', { ...at, class: 'mv-node', cx: x(n.x), cy: y(n.y), r }));
    if (n.shape === 'box') {
      const w = boxW(n);
      nodes.append(el('rect', { ...at, class: 'mv-node mv-box', x: x(n.x) - w / 2, y: y(n.y) - 9, width: w, height: 18, rx: 4 }));
    }
    if (n.text && (n.shape !== 'box' || step >= 30))
      nodes.append(el('text', { ...(n.shape === 'text' ? at : {}), class: n.shape === 'text' ? 'mv-token' : 'mv-in-node', x: x(n.x), y: y(n.y) + 4,
        'text-anchor': 'middle', ...(n.shape === 'text' && n.y === 0 && step < 20 ? { style: 'font-size: 9px' } : {}) }, n.text));
  }
  d.rows.forEach((row, rw) => {
    const label = el('text', { class: 'mv-level', 'data-row': rw, x: plotW + 4, y: y(rw) + 4 }, row.params ? `${row.label} · ${fmt(row.params)}` : row.label);
    if (row.detail) label.append(el('title', {}, row.detail));
    nodes.append(label);
  });
  svg.append(defs, edges, nodes);
}
