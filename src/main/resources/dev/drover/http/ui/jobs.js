// Jobs: filtered by pipeline and status and paged by the server (cursors in the URL hash, so a
// page can be bookmarked and Back works), the status of the visible rows kept live from the
// server's event stream.

import {h, badge, time, duration, between, jobStatus, debounce, encode} from './dom.js';
import {api, jobEvents} from './api.js';

const PAGE = 20;
const STATUSES = ['waiting', 'running', 'done', 'error', 'canceled'];

export async function jobsPage(view, query) {
  const pipeline = query.get('pipeline') || '';
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : '';
  const cursor = query.get('cursor') || '';
  const before = cursor ? '' : (query.get('before') || '');
  const ask = () => api.jobs({limit: PAGE, pipeline, status, cursor, before});
  const [{pipelines}, first] = await Promise.all([api.pipelines(), ask()]);

  // a change of filter starts again at the newest page
  const go = changes => {
    const q = new URLSearchParams(Object.entries({pipeline, status, ...changes})
        .filter(([, v]) => v));
    const text = q.toString();
    location.hash = `#/jobs${text ? '?' + text : ''}`;
  };
  const filters = h('form', {class: 'filters', onsubmit: e => e.preventDefault()},
      h('label', {for: 'f-pipeline'}, 'Pipeline'),
      h('select', {id: 'f-pipeline', onchange: e => go({pipeline: e.target.value})},
          h('option', {value: ''}, 'all'),
          pipelines.map(p => h('option', {value: p.pipeline, selected: p.pipeline === pipeline},
              p.pipeline))),
      h('label', {for: 'f-status'}, 'Status'),
      h('select', {id: 'f-status', onchange: e => go({status: e.target.value})},
          h('option', {value: ''}, 'all'),
          STATUSES.map(s => h('option', {value: s, selected: s === status}, s))));
  const body = h('tbody');
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages'});
  view.replaceChildren(h('h1', {}, 'Jobs'), filters,
      h('div', {class: 'scroll'}, h('table', {class: 'jobs'},
          h('thead', {}, h('tr', {}, ['Pipeline', 'Status', 'Created', 'Duration', 'User', 'Job']
              .map(c => h('th', {scope: 'col'}, c)))),
          body)),
      pager);

  // whether this is the newest page, where new jobs appear
  let newest = !first.prevCursor;
  const show = page => {
    newest = !page.prevCursor;
    body.replaceChildren(...(page.jobs.length ? page.jobs.map(row)
        : [h('tr', {}, h('td', {colspan: 6, class: 'muted'}, 'No jobs.'))]));
    pager.replaceChildren(
        h('button', {type: 'button', id: 'newer', disabled: !page.prevCursor, onclick: () =>
            go({before: page.prevCursor})}, '← Newer'),
        h('span', {}, page.prevCursor ? 'Older jobs' : 'Newest jobs'),
        h('button', {type: 'button', id: 'older', disabled: !page.nextCursor, onclick: () =>
            go({cursor: page.nextCursor})}, 'Older →'));
  };
  show(first);

  // the page is read again after a change that touches it: a visible job's, or any job's on the
  // newest page (where new jobs appear)
  const reload = debounce(async () => {
    try {
      show(await ask());
    } catch (e) {
      // the next event tries again
    }
  }, 300);
  return jobEvents(e => {
    if (e.task) return;
    const cell = body.querySelector(`tr[data-job="${CSS.escape(e.jobId)}"] .status`);
    if (cell) cell.replaceChildren(badge(e.status));
    if (cell || newest) reload();
  }, reload);
}

function row(job) {
  const st = jobStatus(job);
  return h('tr', {'data-job': job.id},
      h('td', {}, job.pipeline),
      h('td', {class: 'status'}, badge(st)),
      h('td', {}, time(job.created)),
      h('td', {}, duration(between(job.start, job.end))),
      h('td', {}, job.user || '—'),
      h('td', {}, h('a', {href: `#/jobs/${encode(job.id)}`}, job.id.slice(0, 8))));
}
