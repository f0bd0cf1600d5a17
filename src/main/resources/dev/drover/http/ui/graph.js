// The DAG of a job drawn as a graph: tasks in layers from left to right (a task one layer right
// of its furthest dependency), ordered within a layer by where their dependencies sit, each a
// link to its task page, coloured by status.

import {s, encode} from './dom.js';

const W = 150;
const H = 44;
const GAP_X = 60;
const GAP_Y = 18;
const PAD = 10;

/** Layer and row of each task: {name: {layer, row}}. */
export function layout(tasks) {
  const byName = new Map(tasks.map(t => [t.name, t]));
  const layer = new Map();
  const depth = (name, seen = new Set()) => {
    if (layer.has(name)) return layer.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = (byName.get(name)?.dependsOn || []).filter(d => byName.has(d));
    const l = deps.length ? 1 + Math.max(...deps.map(d => depth(d, seen))) : 0;
    layer.set(name, l);
    return l;
  };
  tasks.forEach(t => depth(t.name));
  const last = Math.max(0, ...[...layer.values()]);
  if (byName.has('on_error')) layer.set('on_error', last + 1);
  const layers = [];
  for (const t of tasks) {
    const l = layer.get(t.name);
    (layers[l] ||= []).push(t.name);
  }
  const row = new Map();
  layers.forEach((names, l) => {
    if (l > 0) {
      // barycenter of the dependencies' rows keeps edges short and mostly uncrossed
      const center = n => {
        const deps = (byName.get(n)?.dependsOn || []).filter(d => row.has(d));
        return deps.length ? deps.reduce((a, d) => a + row.get(d), 0) / deps.length : 0;
      };
      names.sort((a, b) => center(a) - center(b));
    }
    names.forEach((n, i) => row.set(n, i));
  });
  const pos = {};
  for (const t of tasks) pos[t.name] = {layer: layer.get(t.name), row: row.get(t.name)};
  return {pos, layers: layers.length, rows: Math.max(1, ...layers.map(l => l?.length || 0))};
}

export function graph(jobId, tasks, statusOf) {
  const {pos, layers, rows} = layout(tasks);
  const width = PAD * 2 + layers * W + (layers - 1) * GAP_X;
  const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y;
  const x = n => PAD + pos[n].layer * (W + GAP_X);
  const y = n => PAD + pos[n].row * (H + GAP_Y);
  const edges = [];
  for (const t of tasks) {
    for (const d of t.dependsOn || []) {
      if (!pos[d]) continue;
      const x1 = x(d) + W;
      const y1 = y(d) + H / 2;
      const x2 = x(t.name);
      const y2 = y(t.name) + H / 2;
      const mid = (x1 + x2) / 2;
      edges.push(s('path', {class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
        'marker-end': 'url(#arrow)'}));
    }
  }
  const nodes = tasks.map(t => {
    const status = statusOf(t);
    return s('a', {href: `#/jobs/${encode(jobId)}/tasks/${encode(t.name)}`, class: 'node',
      'data-task': t.name, 'data-status': status, 'aria-label': `${t.name}: ${status}`},
    s('rect', {x: x(t.name), y: y(t.name), width: W, height: H, rx: 8,
      class: `st-${status.replace(/ /g, '-')}${t.name === 'on_error' ? ' on-error' : ''}`}),
    s('text', {x: x(t.name) + W / 2, y: y(t.name) + 19, 'text-anchor': 'middle', class: 'name'},
        clip(t.name)),
    s('text', {x: x(t.name) + W / 2, y: y(t.name) + 35, 'text-anchor': 'middle',
      class: 'status'}, status),
    s('title', {}, `${t.name}: ${status}`));
  });
  return s('svg', {class: 'dag', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'group', 'aria-label': 'Task graph'},
  s('defs', {}, s('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
  s('path', {d: 'M0,0 L10,5 L0,10 z', class: 'arrow'}))),
  edges, nodes);
}

function clip(name) {
  return name.length > 18 ? name.slice(0, 17) + '…' : name;
}
