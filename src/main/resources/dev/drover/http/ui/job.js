// A job: its DAG coloured by status, the timeline of its attempts, each task's error, exit code,
// retries and what it waits for, and Cancel. Kept live by the server's event stream.

import {h, badge, time, duration, between, jobStatus, debounce, encode} from './dom.js';
import {api, jobEvents} from './api.js';
import {graph} from './graph.js';
import {gantt} from './gantt.js';

/** The status a task shows: a task that waits for its callback says so. */
export function taskStatus(task, timeline) {
  const t = timeline && timeline.tasks.find(x => x.name === task.name);
  if (t && t.waiting === 'callback') return 'waiting for callback';
  if (t && t.waiting === 'retry') return 'waiting for retry';
  return task.status;
}

export function retryText(t) {
  if (!t || !t.retries) return '—';
  const backoff = t.retryBackoff && t.retryBackoff !== 1 ? `, ×${t.retryBackoff} each` : '';
  return `${t.retries} × after ${duration((t.retryDelaySeconds || 0) * 1000)}${backoff}`;
}

export function waitingText(t) {
  if (!t || !t.waiting) return null;
  if (t.waiting === 'callback') {
    return h('span', {class: 'waiting'}, 'waiting for callback',
        t.due ? [', deadline ', time(t.due)] : ', no deadline');
  }
  return h('span', {class: 'waiting'}, 'next attempt due ', time(t.due));
}

/** A job's duration, to the millisecond from its attempts when it has any. */
function jobDuration(job, timeline) {
  const attempts = (timeline ? timeline.tasks : []).flatMap(t => t.attempts);
  if (!job.start || !attempts.length) return between(job.start, job.end);
  const first = Math.min(...attempts.map(a => Date.parse(a.start)));
  const last = job.end ? Math.max(...attempts.map(a => Date.parse(a.end || a.start)))
      : Date.now();
  return last - first;
}

export async function jobPage(view, id) {
  const heading = h('h1', {}, 'Job');
  const summary = h('div', {class: 'card'});
  const dag = h('div', {class: 'scroll dag-box'});
  const timelineBox = h('div', {class: 'scroll'});
  const tableBody = h('tbody');
  const message = h('p', {class: 'error', role: 'alert'});
  view.replaceChildren(heading, summary, message,
      h('h2', {}, 'Graph'), dag,
      h('h2', {}, 'Timeline'), timelineBox,
      h('h2', {}, 'Tasks'),
      h('div', {class: 'scroll'}, h('table', {class: 'tasks'},
          h('thead', {}, h('tr', {}, ['Task', 'Status', 'Attempts', 'Exit code', 'Error',
            'Retries', 'Waiting'].map(c => h('th', {scope: 'col'}, c)))),
          tableBody)));

  let job = null;
  let timeline = null;
  let cancelling = false;
  const render = () => {
    const st = jobStatus(job);
    heading.replaceChildren(`Job of ${job.pipeline} `, badge(st));
    const cancel = job.completed ? null : h('button', {type: 'button', class: 'danger',
      id: 'cancel', disabled: cancelling, onclick: async () => {
        cancelling = true;
        cancel.disabled = true;
        message.textContent = '';
        try {
          job = await api.cancel(id);
          render();
        } catch (e) {
          message.textContent = e.message;
        }
      }}, cancelling ? 'Canceling…' : 'Cancel job');
    const vars = Object.entries(job.variables || {});
    summary.replaceChildren(...[h('dl', {class: 'facts'},
        h('dt', {}, 'Id'), h('dd', {}, h('code', {}, job.id)),
        h('dt', {}, 'User'), h('dd', {}, job.user || '—'),
        h('dt', {}, 'Created'), h('dd', {}, time(job.created)),
        h('dt', {}, 'Started'), h('dd', {}, time(job.start)),
        h('dt', {}, 'Ended'), h('dd', {}, time(job.end)),
        h('dt', {}, 'Duration'), h('dd', {}, duration(jobDuration(job, timeline))),
        h('dt', {}, 'Variables'), h('dd', {}, vars.length
            ? vars.map(([k, v]) => h('code', {class: 'var'}, `${k}=${typeof v === 'string' ? v
                : JSON.stringify(v)}`))
            : '—'),
        job.lastError ? [h('dt', {}, 'Error'), h('dd', {class: 'error'}, job.lastError)] : null),
    cancel ? h('div', {class: 'actions'}, cancel) : null].filter(Boolean));
    const statusOf = t => taskStatus(t, timeline);
    dag.replaceChildren(graph(id, job.tasks, statusOf));
    drawTimeline();
    tableBody.replaceChildren(...job.tasks.map(t => {
      const tl = timeline && timeline.tasks.find(x => x.name === t.name);
      return h('tr', {'data-task': t.name},
          h('th', {scope: 'row'}, h('a', {href: `#/jobs/${encode(id)}/tasks/${encode(t.name)}`},
              t.name)),
          h('td', {}, badge(statusOf(t))),
          h('td', {}, tl ? String(tl.attempts.length) : '—'),
          h('td', {}, t.status === 'done' || t.status === 'error' ? String(t.exitCode) : '—'),
          h('td', {class: 'error'}, t.error || ''),
          h('td', {}, retryText(tl)),
          h('td', {}, waitingText(tl) || '—'));
    }));
  };
  const drawTimeline = () => {
    const chart = timeline && gantt(id, timeline.tasks);
    timelineBox.replaceChildren(chart || h('p', {class: 'muted'}, 'No attempt started yet.'));
  };
  const load = async () => {
    [job, timeline] = await Promise.all([api.job(id), api.timeline(id)]);
    render();
  };
  await load();

  const reload = debounce(() => load().catch(e => {
    message.textContent = e.message;
  }), 200);
  const stopEvents = jobEvents(e => {
    if (e.jobId === id) reload();
  }, reload);
  // running bars grow with the clock; now and then the whole job is read again, in case an
  // event went missing
  let ticks = 0;
  const ticker = setInterval(() => {
    if (job && !job.completed) {
      drawTimeline();
      if (++ticks % 5 === 0) reload();
    }
  }, 1000);
  return () => {
    stopEvents();
    clearInterval(ticker);
  };
}
