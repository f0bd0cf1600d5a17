// A timeline (Gantt chart) of a job's attempts: a row per task, a bar per attempt from its start
// to its end, the wait for a callback and the delay before a retry drawn after it.

import {s, encode, duration} from './dom.js';

const ROW = 26;
const LABEL = 130;
const WIDTH = 900;
const PAD = 6;

export function gantt(jobId, tasks, now = Date.now()) {
  const times = [];
  for (const t of tasks) {
    for (const a of t.attempts) {
      times.push(Date.parse(a.start));
      times.push(a.end ? Date.parse(a.end) : now);
      if (a.retryDue) times.push(Date.parse(a.retryDue));
    }
  }
  if (!times.length) return null;
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1000, ...times);
  const span = t1 - t0;
  const scale = (WIDTH - LABEL - PAD * 2) / span;
  const x = ms => LABEL + PAD + (ms - t0) * scale;
  const rows = tasks.filter(t => t.attempts.length);
  const height = PAD * 2 + rows.length * ROW + 18;
  const children = [];
  // five ticks of elapsed time
  for (let i = 0; i <= 4; i++) {
    const at = t0 + span * i / 4;
    children.push(s('line', {class: 'tick', x1: x(at), x2: x(at), y1: PAD,
      y2: height - 18}));
    children.push(s('text', {class: 'tick-label', x: x(at), y: height - 4,
      'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle'},
    i === 0 ? new Date(t0).toLocaleTimeString() : `+${duration(at - t0)}`));
  }
  rows.forEach((t, i) => {
    const y = PAD + i * ROW;
    children.push(s('a', {href: `#/jobs/${encode(jobId)}/tasks/${encode(t.name)}`,
      class: 'gantt-label'}, s('text', {x: 4, y: y + 17}, t.name)));
    for (const a of t.attempts) {
      const start = Date.parse(a.start);
      const scriptEnd = a.callbackWait ? Date.parse(a.callbackWait)
          : a.end ? Date.parse(a.end) : now;
      // the script of a task that then waited for its callback succeeded
      const outcome = a.callbackWait ? 'done' : a.outcome;
      children.push(s('rect', {class: `bar st-${outcome.replace(/ /g, '-')}`, x: x(start),
        y: y + 4, width: Math.max(2, (scriptEnd - start) * scale), height: ROW - 8, rx: 3},
      s('title', {}, `${t.name} attempt ${a.attempt}: ${a.outcome}, `
          + `${duration(scriptEnd - start)}${a.error ? ' — ' + a.error : ''}`)));
      if (a.callbackWait) {
        const end = a.end ? Date.parse(a.end) : now;
        children.push(s('rect', {class: 'bar callback', x: x(scriptEnd), y: y + 7,
          width: Math.max(2, (end - scriptEnd) * scale), height: ROW - 14, rx: 3},
        s('title', {}, `waiting for callback ${duration(end - scriptEnd)}`)));
      }
      if (a.retryDue && a.end) {
        const from = Date.parse(a.end);
        const to = Date.parse(a.retryDue);
        children.push(s('rect', {class: 'bar retry-wait', x: x(from), y: y + 10,
          width: Math.max(2, (to - from) * scale), height: ROW - 20},
        s('title', {}, `retry ${a.attempt + 1} after ${duration(to - from)}`)));
      }
    }
  });
  return s('svg', {class: 'gantt', viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height,
    role: 'group', 'aria-label': 'Timeline of attempts'}, children);
}
