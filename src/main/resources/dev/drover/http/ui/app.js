// The Drover web UI: signs in, then routes #/pipelines, #/jobs, #/jobs/<id>,
// #/jobs/<id>/tasks/<task> and #/pools to their pages. Each page returns a function that stops
// what it started (live streams, timers) when another page is shown.

import {h} from './dom.js';
import {api, Unauthorized} from './api.js';
import {pipelinesPage} from './pipelines.js';
import {jobsPage} from './jobs.js';
import {jobPage} from './job.js';
import {taskPage} from './task.js';
import {poolsPage} from './pools.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
let stopPage = () => {};
let generation = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/pipelines';
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return {parts, query: new URLSearchParams(query || '')};
}

async function route() {
  stopPage();
  stopPage = () => {};
  const mine = ++generation;
  const {parts, query} = parseHash();
  const section = parts[0] || 'pipelines';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = h('div', {class: 'page'});
  main.replaceChildren(view);
  let stop;
  try {
    if (section === 'jobs' && parts.length >= 4 && parts[2] === 'tasks') {
      stop = await taskPage(view, parts[1], parts[3]);
    } else if (section === 'jobs' && parts.length >= 2) {
      stop = await jobPage(view, parts[1]);
    } else if (section === 'jobs') {
      stop = await jobsPage(view, query);
    } else if (section === 'pools') {
      stop = await poolsPage(view);
    } else {
      stop = await pipelinesPage(view);
    }
  } catch (e) {
    if (e instanceof Unauthorized) return;
    view.replaceChildren(h('p', {class: 'error', role: 'alert'}, e.message));
  }
  if (mine !== generation) {
    if (stop) stop();
    return;
  }
  stopPage = stop || (() => {});
}

function showSignIn(reason) {
  stopPage();
  stopPage = () => {};
  top.hidden = true;
  const input = h('textarea', {id: 'token', name: 'token', rows: 4, required: true,
    autocomplete: 'off', spellcheck: 'false', placeholder: 'eyJhbGciOiJIUzI1NiIs…'});
  const message = h('p', {class: 'error', role: 'alert', id: 'sign-in-error'},
      reason ? explain(reason) : '');
  const form = h('form', {class: 'card sign-in', id: 'sign-in', onsubmit: async e => {
    e.preventDefault();
    message.textContent = '';
    try {
      await api.signIn(input.value);
      history.replaceState(null, '', location.pathname + (location.hash || '#/pipelines'));
      await start();
    } catch (err) {
      message.textContent = explain(err.message);
    }
  }},
  h('h1', {}, 'Sign in to Drover'),
  h('label', {for: 'token'}, 'Token'),
  input,
  h('p', {class: 'muted'}, 'Paste a token of ', h('code', {}, 'drover token --sub NAME'),
      ', or open the one-time URL that ', h('code', {}, 'drover token --sub NAME --open'),
      ' prints.'),
  message,
  h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  main.replaceChildren(form);
  input.focus();
}

function explain(reason) {
  const r = String(reason).replace(/^Unauthorized: /, '');
  if (r === 'not signed in' || r === 'signed out') return '';
  if (r.startsWith('token expired')) return `Your session ended: ${r}. Sign in again.`;
  return r;
}

function signedIn(session) {
  top.hidden = false;
  document.getElementById('who').textContent = session.subject || 'signed in';
  route();
}

async function start() {
  if (location.hash.startsWith('#sign-in=')) {
    const token = decodeURIComponent(location.hash.slice('#sign-in='.length));
    // the one-time token leaves the address bar and the history at once
    history.replaceState(null, '', location.pathname + '#/pipelines');
    try {
      await api.signIn(token);
    } catch (e) {
      showSignIn(e.message);
      return;
    }
  }
  const session = await api.session();
  if (!session.signedIn) {
    showSignIn(session.reason);
    return;
  }
  signedIn(session);
}

window.addEventListener('hashchange', () => {
  if (!top.hidden) route();
  else if (location.hash.startsWith('#sign-in=')) start();
});
window.addEventListener('drover:unauthorized', e => showSignIn(e.detail));
document.getElementById('sign-out').addEventListener('click', async () => {
  await api.signOut();
  showSignIn('signed out');
});

start().catch(e => main.replaceChildren(h('p', {class: 'error', role: 'alert'}, e.message)));
