// A task of a job: its status, error and exit code, its attempts, and its output: followed live
// while it runs, searchable, downloadable.

import {h, badge, time, duration, between, debounce, encode} from './dom.js';
import {api, follow, jobEvents} from './api.js';
import {taskStatus, retryText, waitingText} from './job.js';

const FINAL = new Set(['done', 'error', 'canceled', 'skipped']);

export async function taskPage(view, jobId, name) {
  const heading = h('h1', {});
  const facts = h('div', {class: 'card'});
  const attempts = h('tbody');
  const search = h('input', {type: 'search', id: 'log-search', placeholder: 'Search the output',
    'aria-label': 'Search the output'});
  const count = h('span', {class: 'muted', id: 'log-count'});
  const download = h('button', {type: 'button', id: 'log-download'}, 'Download');
  const followState = h('span', {class: 'muted', id: 'log-state'});
  const output = h('pre', {class: 'log', id: 'log', tabindex: 0, 'aria-label': 'Output',
    'aria-live': 'off'});
  view.replaceChildren(
      h('p', {}, h('a', {href: `#/jobs/${encode(jobId)}`}, '← Job')),
      heading, facts,
      h('h2', {}, 'Attempts'),
      h('div', {class: 'scroll'}, h('table', {class: 'attempts'},
          h('thead', {}, h('tr', {}, ['Attempt', 'Outcome', 'Started', 'Duration',
            'Waited for callback', 'Error', 'Retry due'].map(c => h('th', {scope: 'col'}, c)))),
          attempts)),
      h('h2', {}, 'Output'),
      h('div', {class: 'log-tools'}, search, count, download, followState),
      output);

  const lines = [];
  let url = null;
  const showLines = () => {
    const q = search.value.trim().toLowerCase();
    const shown = q ? lines.filter(l => l.line.toLowerCase().includes(q)) : lines;
    output.replaceChildren(...shown.map(l => h('span', {class: `line ${l.stream}`},
        l.line, '\n')));
    const n = lines.length;
    count.textContent = (q ? `${shown.length} of ` : '') + `${n} line${n === 1 ? '' : 's'}`;
  };
  const redraw = debounce(showLines, 50);
  search.addEventListener('input', redraw);
  download.addEventListener('click', () => {
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob(lines.map(l => l.line + '\n'), {type: 'text/plain'}));
    h('a', {href: url, download: `${jobId.slice(0, 8)}-${name}.log`}).click();
  });

  let task = null;
  const load = async () => {
    const [job, timeline] = await Promise.all([api.job(jobId), api.timeline(jobId)]);
    task = job.tasks.find(t => t.name === name);
    if (!task) throw new Error(`Job ${jobId} has no task ${name}`);
    const tl = timeline.tasks.find(t => t.name === name);
    heading.replaceChildren(`${name} `, badge(taskStatus(task, timeline)));
    facts.replaceChildren(h('dl', {class: 'facts'},
        h('dt', {}, 'Job'), h('dd', {}, h('a', {href: `#/jobs/${encode(jobId)}`},
            `${job.pipeline} ${jobId.slice(0, 8)}`)),
        h('dt', {}, 'Depends on'), h('dd', {}, (task.dependsOn || []).join(', ') || '—'),
        h('dt', {}, 'Pool'), h('dd', {}, tl ? tl.pool : '—'),
        h('dt', {}, 'Exit code'), h('dd', {id: 'exit-code'},
            FINAL.has(task.status) && task.status !== 'skipped' ? String(task.exitCode) : '—'),
        h('dt', {}, 'Error'), h('dd', {class: 'error', id: 'task-error'}, task.error || '—'),
        h('dt', {}, 'Timeout'), h('dd', {}, tl && tl.timeoutSeconds
            ? duration(tl.timeoutSeconds * 1000) : '—'),
        h('dt', {}, 'Retries'), h('dd', {}, retryText(tl)),
        h('dt', {}, 'Waiting'), h('dd', {id: 'task-waiting'}, waitingText(tl) || '—')));
    attempts.replaceChildren(...(tl && tl.attempts.length ? tl.attempts.map(a => h('tr', {},
        h('td', {}, String(a.attempt)),
        h('td', {}, badge(a.callbackWait && !a.end ? 'waiting for callback' : a.outcome)),
        h('td', {}, time(a.start)),
        h('td', {}, duration(between(a.start, a.callbackWait || a.end))),
        h('td', {}, a.callbackWait ? duration(between(a.callbackWait, a.end)) : '—'),
        h('td', {class: 'error'}, a.error || ''),
        h('td', {}, a.retryDue ? time(a.retryDue) : '—')))
        : [h('tr', {}, h('td', {colspan: 7, class: 'muted'}, 'Not started.'))]));
  };
  await load();

  let stopLogs = null;
  const startFollowing = () => {
    lines.length = 0;
    followState.textContent = 'following live';
    // each event is a piece of a stream's output (a JSON string), not a line: a line may
    // arrive in pieces, so what follows the last newline waits for the next piece
    const partial = {stdout: '', stderr: ''};
    const add = stream => data => {
      const text = partial[stream] + JSON.parse(data);
      const parts = text.split('\n');
      partial[stream] = parts.pop();
      for (const line of parts) lines.push({stream, line});
      redraw();
    };
    stopLogs = follow(`/api/v1/jobs/${encode(jobId)}/tasks/${encode(name)}/logs?follow=true`,
        {stdout: add('stdout'), stderr: add('stderr')}, () => {
          stopLogs = null;
          followState.textContent = '';
          readAll();
        });
  };
  const readAll = async () => {
    const logs = await api.logs(jobId, name);
    lines.length = 0;
    for (const [stream, text] of [['stdout', logs.stdout], ['stderr', logs.stderr]]) {
      for (const line of (text || '').split('\n')) {
        if (line !== '') lines.push({stream, line});
      }
    }
    showLines();
  };
  if (FINAL.has(task.status)) await readAll();
  else startFollowing();

  const reload = debounce(async () => {
    try {
      await load();
      if (FINAL.has(task.status) && stopLogs) {
        // the last lines are written before the task ends: a short grace, then the stream stops
        setTimeout(() => {
          if (stopLogs) {
            stopLogs();
            stopLogs = null;
            followState.textContent = '';
          }
        }, 1000);
      }
    } catch (e) {
      // shown at the next event
    }
  }, 200);
  const stopEvents = jobEvents(e => {
    if (e.jobId === jobId) reload();
  }, reload);
  return () => {
    stopEvents();
    if (stopLogs) stopLogs();
    if (url) URL.revokeObjectURL(url);
  };
}
