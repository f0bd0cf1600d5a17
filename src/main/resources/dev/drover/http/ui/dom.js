// Small DOM helpers: elements are built with createElement and textContent, never from HTML
// strings, so no text from the server is ever parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element: h('a', {href: '#/x'}, 'text', child, ...). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** The status of a job from its prunner fields. */
export function jobStatus(job) {
  if (!job.completed) return job.start ? 'running' : 'waiting';
  if (job.canceled) return 'canceled';
  return job.errored || job.lastError ? 'error' : 'done';
}

export function badge(status) {
  return h('span', {class: `badge st-${status.replace(/ /g, '-')}`}, status);
}

/** A time as the reader's local date and time, with the full ISO time as a tooltip. */
export function time(iso) {
  if (!iso) return h('span', {class: 'muted'}, '—');
  const d = new Date(iso);
  return h('time', {datetime: iso, title: d.toISOString()}, d.toLocaleString());
}

export function duration(ms) {
  if (ms === null || ms === undefined || isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function between(startIso, endIso) {
  if (!startIso) return null;
  return (endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso);
}

/** Calls fn at most once per `ms`, with the last arguments. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function encode(part) {
  return encodeURIComponent(part);
}
