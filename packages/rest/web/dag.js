// The job graph as an SVG: vertices in layers by their longest distance from a source, ordered
// within a layer by the mean position of their inputs (a few barycenter sweeps), edges as
// curves from an output side to an input side.
import { count, bytes, percent, svg, watermark } from './dom.js';

const NODE_W = 260;
const NODE_H = 118;
const GAP_X = 90;
const GAP_Y = 36;
const PAD = 20;

/** Layers of vertex ids: a vertex sits one layer after the deepest of its inputs. */
export function layers(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const visit = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0; // a cycle cannot occur in a job graph; stay finite anyway
    seen.add(id);
    const inputs = (byId.get(id)?.inputs ?? []).filter((i) => byId.has(i.id));
    const d = inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map((i) => visit(i.id, seen)));
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) visit(n.id);
  const out = [];
  for (const n of nodes) (out[depth.get(n.id)] ??= []).push(n.id);
  return out.map((layer) => layer ?? []);
}

/** Orders each layer by the mean index of each vertex's neighbours in the layer before (then after). */
function order(layered, nodes) {
  const inputsOf = new Map(nodes.map((n) => [n.id, n.inputs.map((i) => i.id)]));
  const outputsOf = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const i of n.inputs) outputsOf.get(i.id)?.push(n.id);
  const sweep = (from, to, neighbours) => {
    const pos = new Map(layered[from].map((id, i) => [id, i]));
    const score = (id) => {
      const ns = neighbours.get(id).filter((x) => pos.has(x));
      return ns.length === 0 ? Infinity : ns.reduce((a, x) => a + pos.get(x), 0) / ns.length;
    };
    layered[to] = [...layered[to]].sort((a, b) => {
      const d = score(a) - score(b);
      return Number.isNaN(d) ? 0 : d;
    });
  };
  for (let round = 0; round < 3; round++) {
    for (let l = 1; l < layered.length; l++) sweep(l - 1, l, inputsOf);
    for (let l = layered.length - 2; l >= 0; l--) sweep(l + 1, l, outputsOf);
  }
  return layered;
}

/** Positions: x by layer, y by order, each layer centred on the tallest. */
export function layout(nodes) {
  const layered = order(layers(nodes), nodes);
  const tallest = Math.max(1, ...layered.map((l) => l.length));
  const height = tallest * NODE_H + (tallest - 1) * GAP_Y + 2 * PAD;
  const pos = new Map();
  layered.forEach((layer, l) => {
    const span = layer.length * NODE_H + (layer.length - 1) * GAP_Y;
    const top = (height - span) / 2;
    layer.forEach((id, i) => pos.set(id, { x: PAD + l * (NODE_W + GAP_X), y: top + i * (NODE_H + GAP_Y) }));
  });
  const width = 2 * PAD + layered.length * NODE_W + Math.max(0, layered.length - 1) * GAP_X;
  return { pos, width, height };
}

function truncate(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Draws the plan's nodes with the figures of each vertex: `vertices` from /jobs/:jobid, `load`
 * maps a vertex id to { busy, backPressured } ratios. `onSelect(id)` is called on a click.
 */
export function drawGraph(plan, vertices, load, onSelect) {
  const byId = new Map(vertices.map((v) => [v.id, v]));
  const { pos, width, height } = layout(plan.nodes);
  const root = svg('svg', { class: 'dag', width, height, viewBox: `0 0 ${width} ${height}`, 'data-testid': 'job-graph' });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }),
      ),
    ),
  );
  for (const n of plan.nodes) {
    for (const input of n.inputs) {
      const a = pos.get(input.id);
      const b = pos.get(n.id);
      if (!a || !b) continue;
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x;
      const y2 = b.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      root.append(
        svg('path', { class: 'edge', d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, 'marker-end': 'url(#arrow)' }),
      );
      root.append(svg('text', { class: 'edge-label', x: mid, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' }, input.ship_strategy));
    }
  }
  for (const n of plan.nodes) {
    const v = byId.get(n.id);
    const p = pos.get(n.id);
    if (!v || !p) continue;
    const m = v.metrics;
    const l = load.get(v.id) ?? {};
    const g = svg('g', {
      class: `node state-${v.status.toLowerCase()}`,
      transform: `translate(${p.x},${p.y})`,
      'data-vertex-id': v.id,
      tabindex: 0,
    });
    g.addEventListener('click', () => onSelect(v.id));
    g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }), svg('title', {}, v.name));
    const line = (y, cls, text, field, value) =>
      svg('text', { x: 10, y, class: cls, ...(field ? { 'data-field': field, 'data-value': value } : {}) }, text);
    g.append(
      line(18, 'name', truncate(v.name, 34)),
      line(36, 'meta', `Parallelism ${v.parallelism} · ${v.status}`, 'status', v.status),
      line(54, 'fig', `In: ${count(m['read-records'])} records · ${bytes(m['read-bytes'])}`, 'read-records', m['read-records']),
      line(70, 'fig', `Out: ${count(m['write-records'])} records · ${bytes(m['write-bytes'])}`, 'write-records', m['write-records']),
      line(88, 'fig', `Busy ${percent(l.busy)} · Backpressured ${percent(l.backPressured)}`, 'busy', l.busy ?? ''),
      line(106, 'fig wm', `Watermark: ${watermark(m.currentInputWatermark, true)}`, 'watermark', m.currentInputWatermark),
    );
    root.append(g);
  }
  return root;
}
