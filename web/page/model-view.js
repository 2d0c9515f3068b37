// page/model-view.js: the trainer page's "Model, drawn" section: the chosen model's layers in
// order with their output shapes for the form's batch size and their parameters (as the
// lecture's `for layer in model.layers: print(layer.__class__.__name__, tuple(layer.out.shape))`,
// the core's list: mm.layers through the worker's config check), and a small SVG of its
// receptive field: the block_size input characters at the bottom, joined level by level by
// each FlattenConsecutive(n) (the flat MLP: one level joining all of them), or for the conv and
// gated forms the taps of each dilated causal Conv1d that the last position's output reads.
// makemore.py's models (mlp, bow, rnn) are drawn as their structure instead (web/page/model-families.js).
// Drawn before any training, and again whenever the form changes; an impossible
// configuration shows the core's message instead of the last drawing.
import { $, fmt } from './dom.js';
import { drawDiagram, familyDiagram } from './model-families.js';

/** @typedef {import('../../wasm/makemore.mjs').LayerInfo} LayerInfo */
/**
 * One level of the picture: its nodes, each covering the input positions lo..hi and joining
 * children (indices into the level below).
 * @typedef {{label: string, nodes: {lo: number, hi: number, children: number[]}[]}} Level
 */

const SVG = 'http://www.w3.org/2000/svg';
/** A level with more nodes than this is drawn as a band, not one circle per node. */
const MAX_NODES = 64;

/** @type {{svg: SVGSVGElement, draw: () => void, width: number}|null} the last picture, redrawn at a new width */
let drawn = null;
if (typeof ResizeObserver === 'function' && $('mv-tree'))
  new ResizeObserver(() => {
    scrollHint();
    const w = drawn?.svg.getBoundingClientRect().width;
    if (drawn && w && Math.abs(w - drawn.width) > 1) {
      drawn.width = w;
      drawn.draw();
    }
  }).observe($('mv-tree'));

/** The layer table, wider than the screen (a phone), says it scrolls sideways. */
function scrollHint() {
  const t = $('mv-layers');
  if (!t || !$('mv-scroll-hint')) return;
  const scrolls = t.scrollWidth > t.clientWidth + 1;
  $('mv-scroll-hint').hidden = !scrolls;
  if (scrolls) t.setAttribute('tabindex', '0'); // a keyboard scrolls it too
  else t.removeAttribute('tabindex');
}

/** @param {number[]} shape @returns {string} as Python prints a tuple: (32, 4, 48) */
export const shapeText = (shape) => `(${shape.join(', ')})`;

/** @param {LayerInfo} l @returns {string} the class name with what shapes it: FlattenConsecutive(2), Conv1d(2, dilation=4), Add(3, 7) */
export function layerLabel(l) {
  if (l.kind === 'FlattenConsecutive') return `FlattenConsecutive(${l.factor})`;
  if (l.kind === 'Conv1d') return `Conv1d(${l.kernel}, dilation=${l.dilation})`;
  if (l.kind === 'Add') return `Add(${l.inputs.join(', ')})`;
  return l.kind;
}

/**
 * The receptive field's levels, bottom (the inputs) to top (one output node).
 * @param {LayerInfo[]} layers @returns {{blockSize: number, levels: Level[], taps: boolean}}
 */
export function receptiveField(layers) {
  const blockSize = layers[0]?.shape[1] ?? 1;
  /** @type {Level[]} */
  const levels = [{ label: `${blockSize} input character${blockSize === 1 ? '' : 's'}`, nodes: [] }];
  for (let p = 0; p < blockSize; p++) levels[0].nodes.push({ lo: p, hi: p, children: [] });
  const convs = layers.filter((l) => l.kind === 'Conv1d');
  if (layers.some((l) => l.perPosition)) return { blockSize, levels: tapLevels(levels, convs, blockSize), taps: true };
  for (const f of layers.filter((l) => l.kind === 'FlattenConsecutive')) {
    const below = levels[levels.length - 1].nodes;
    /** @type {Level['nodes']} */
    const nodes = [];
    for (let g = 0; g + f.factor <= below.length; g += f.factor) {
      const children = Array.from({ length: f.factor }, (_, j) => g + j);
      nodes.push({ lo: below[g].lo, hi: below[g + f.factor - 1].hi, children });
    }
    levels.push({ label: `FlattenConsecutive(${f.factor})`, nodes });
  }
  return { blockSize, levels, taps: false };
}

/**
 * The conv and gated forms: from the last position down, the positions each Conv1d(k, dilation d)
 * level reads (p, p - d, ..., p - (k-1) d); the inputs stay every position of the context.
 * @param {Level[]} levels the inputs' level @param {LayerInfo[]} convs in order @param {number} blockSize
 */
function tapLevels(levels, convs, blockSize) {
  /** @type {number[][]} positions per conv level, top first */
  const sets = [[blockSize - 1]];
  for (let c = convs.length - 1; c > 0; c--) {
    const { kernel: k, dilation: d } = convs[c];
    const below = new Set();
    for (const p of sets[0]) for (let j = 0; j < k; j++) if (p - j * d >= 0) below.add(p - j * d);
    sets.unshift([...below].sort((a, b) => a - b));
  }
  let index = new Map(levels[0].nodes.map((_, i) => [i, i])); // position -> node index at the level below
  convs.forEach((conv, c) => {
    const { kernel: k, dilation: d } = conv;
    const nodes = sets[c].map((p) => {
      const children = [];
      for (let j = k - 1; j >= 0; j--) if (index.has(p - j * d)) children.push(/** @type {number} */ (index.get(p - j * d)));
      const lo = Math.min(...children.map((i) => levels[levels.length - 1].nodes[i].lo));
      return { lo, hi: p, children };
    });
    index = new Map(sets[c].map((p, i) => [p, i]));
    levels.push({ label: `Conv1d(${k}, dilation=${d})`, nodes });
  });
  return levels;
}

/** @param {string} name @param {Record<string, string|number>} attrs @param {string} [text] */
function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

/**
 * Draws the levels into svg: circles (class mv-node, data-level), lines from each node to its
 * children, the level's name on the right; a level of more than MAX_NODES nodes as one band.
 * @param {SVGSVGElement} svg @param {{blockSize: number, levels: Level[], taps: boolean}} field
 */
export function drawField(svg, { blockSize, levels }) {
  // drawn at the width it is shown (one unit a CSS pixel: the 12 px labels stay 12 px), the level names on the right
  const W = Math.max(240, Math.round(svg.getBoundingClientRect().width) || 600);
  const plotW = W - Math.min(220, Math.round(W * 0.42)), pad = 14, top = 14, rowH = levels.length > 6 ? 36 : 46;
  const H = 2 * pad + top + 16 + (levels.length - 1) * rowH;
  const step = (plotW - 2 * pad) / blockSize;
  const r = Math.max(1.5, Math.min(7, step * 0.32));
  const x = (/** @type {{lo: number, hi: number}} */ n) => pad + ((n.lo + n.hi) / 2 + 0.5) * step;
  const y = (/** @type {number} */ lv) => H - pad - 16 - lv * rowH;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const edges = el('g', { class: 'mv-edges' });
  const nodes = el('g', { class: 'mv-nodes' });
  levels.forEach((level, lv) => {
    const band = level.nodes.length > MAX_NODES;
    if (band) nodes.append(el('rect', { class: 'mv-band', 'data-level': lv, 'data-count': level.nodes.length, x: pad, y: y(lv) - r, width: plotW - 2 * pad, height: 2 * r }));
    level.nodes.forEach((n) => {
      if (!band) nodes.append(el('circle', { class: lv === levels.length - 1 ? 'mv-node mv-out' : 'mv-node', 'data-level': lv, cx: x(n), cy: y(lv), r }));
      if (lv > 0 && levels[lv].nodes.length * n.children.length <= 4 * MAX_NODES)
        for (const c of n.children) edges.append(el('line', { x1: x(n), y1: y(lv), x2: x(levels[lv - 1].nodes[c]), y2: y(lv - 1) }));
    });
    nodes.append(el('text', { class: 'mv-level', x: plotW + 4, y: y(lv) + 4 }, `${level.label} · ${fmt(level.nodes.length)}`));
  });
  const out = levels[levels.length - 1].nodes[0];
  if (out) nodes.append(el('text', { class: 'mv-level', x: x(out), y: y(levels.length - 1) - r - 4, 'text-anchor': 'middle' }, 'output'));
  // the inputs' positions, oldest first: t-8 ... t-1 up to block 10, then 1 ... block (every one up to 24, else the ends)
  const every = blockSize <= 24 && step >= 26; // room for each position's label, else the ends
  for (let p = 0; p < blockSize; p++)
    if (every || p === 0 || p === blockSize - 1)
      nodes.append(el('text', { class: 'mv-pos', x: x({ lo: p, hi: p }), y: H - pad + 2, 'text-anchor': 'middle' }, blockSize <= 10 ? `t-${blockSize - p}` : String(p + 1)));
  svg.append(edges, nodes);
}

/**
 * Shows a configuration's layers and picture, or why it has none.
 * @param {{layers: LayerInfo[]|null, batch: number, problem: string|null, unreadable?: boolean}} r the worker's config
 *   check (CheckResult's layers, batch and layersProblem: the core's message), or a form that cannot be read (unreadable)
 */
export function showModel({ layers, batch, problem, unreadable = false }) {
  const body = $('mv-layers')?.querySelector('tbody');
  if (!body) return;
  const svg = /** @type {SVGSVGElement} */ ($('mv-tree'));
  $('mv-error').hidden = !problem && !!layers;
  $('mv-error').textContent = problem ? `${unreadable ? 'Not drawn' : 'Impossible model'}: ${problem}` : layers ? '' : 'No model to draw.';
  $('mv-content').hidden = !layers || !!problem;
  if (!layers || problem) {
    body.replaceChildren();
    svg.replaceChildren();
    $('mv-total').textContent = '–';
    return;
  }
  body.replaceChildren(...layers.map((l) => {
    const tr = document.createElement('tr');
    for (const [cls, text] of [['mv-i', String(l.index)], ['mv-kind', layerLabel(l)], ['mv-shape', shapeText(l.shape)], ['mv-params', l.params ? fmt(l.params) : '–']]) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    }
    tr.title = l.prefix;
    return tr;
  }));
  $('mv-total').textContent = fmt(layers.reduce((s, l) => s + l.params, 0));
  const diagram = familyDiagram(layers);
  const seq = layers.some((l) => l.perPosition);
  $('mv-caption').textContent = `Output shapes for a batch of ${fmt(batch)}${diagram?.family === 'mlp' ? ' examples' : diagram ? ' words' : ''}, as the lecture prints them ` +
    '(for layer in model.layers: print(layer.__class__.__name__, tuple(layer.out.shape))).' +
    (diagram?.family === 'mlp' ? ` makemore.py's MLP reads one example per position of a word (each character and its end): a step's batch of ${fmt(batch)} words trains on all of their positions, more examples than shown here.`
      : diagram ? ` makemore.py's ${diagram.family === 'bow' ? 'bag of words' : 'RNN'} runs on every position of whole words: each layer's shape is (words, block size, channels), the loss the mean over every position.`
        : seq ? ` This form runs on every position of whole words: each layer's shape is shown as (batch, block size, channels), the ${layers[0].shape[1]} positions of each example's context; the loss reads the last.` : '');
  if (diagram) {
    const draw = () => drawDiagram(svg, diagram);
    draw();
    drawn = { svg, draw, width: svg.getBoundingClientRect().width };
    scrollHint();
    svg.setAttribute('aria-label', `makemore.py's ${diagram.family}: ${diagram.rows.map((r) => r.label).join('; ')}`);
    $('mv-tree-caption').textContent = diagram.caption;
    return;
  }
  const field = receptiveField(layers);
  const draw = () => drawField(svg, field);
  draw();
  drawn = { svg, draw, width: svg.getBoundingClientRect().width };
  scrollHint();
  const convs = layers.filter((l) => l.kind === 'Conv1d');
  const flats = layers.filter((l) => l.kind === 'FlattenConsecutive');
  svg.setAttribute('aria-label', `Receptive field: ${field.levels.map((l) => l.nodes.length).join(', ')} nodes per level, inputs to output`);
  $('mv-tree-caption').textContent = field.taps
    ? `The ${field.blockSize} input characters that the last position's output reads, through the taps of ${convs.length} dilated causal convolution${convs.length === 1 ? '' : 's'} (${convs.map((c) => `kernel ${c.kernel}, dilation ${c.dilation}`).join('; ')}).`
    : flats.length === 1
      ? `The flat MLP joins all ${field.blockSize} input characters at once (FlattenConsecutive(${flats[0].factor})).`
      : `The ${field.blockSize} input characters joined ${flats[0]?.factor ?? ''} at a time by each FlattenConsecutive, level by level, into one output.`;
}
