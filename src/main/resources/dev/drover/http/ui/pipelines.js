// Pipelines: each with its queue (running / waiting / limit), its schedule and next due time,
// and Start, which opens a form for the variables its scripts read.

import {h, time, encode} from './dom.js';
import {api, jobEvents} from './api.js';
import {debounce} from './dom.js';

export async function pipelinesPage(view) {
  const list = h('div', {class: 'pipelines'});
  view.replaceChildren(h('h1', {}, 'Pipelines'), list);
  const open = new Set();
  const refresh = async () => {
    const {pipelines} = await api.pipelines();
    list.replaceChildren(...(pipelines.length ? pipelines.map(p => card(p, open))
        : [h('p', {class: 'muted'}, 'No pipelines are loaded.')]));
  };
  await refresh();
  // queue counts move as jobs start and end; an open form keeps what was typed
  const later = debounce(() => refresh().catch(() => {}), 500);
  const stop = jobEvents(e => {
    if (!e.task && !list.querySelector('form.start:not([hidden])')) later();
  });
  return stop;
}

function queueText(p) {
  const limit = p.queueLimit === null || p.queueLimit === undefined ? 'no limit'
      : `limit ${p.queueLimit}`;
  return `${p.runningJobs} running of ${p.concurrency} · ${p.waitingJobs} waiting (${limit}, `
      + `${p.queueStrategy})`;
}

function card(p, open) {
  const id = `p-${p.pipeline}`;
  const form = startForm(p);
  form.hidden = !open.has(p.pipeline);
  const toggle = h('button', {type: 'button', class: 'primary', 'aria-expanded':
      String(!form.hidden), 'aria-controls': `${id}-form`, 'data-start': p.pipeline,
  onclick: () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (form.hidden) open.delete(p.pipeline);
    else {
      open.add(p.pipeline);
      const first = form.querySelector('input');
      (first || form.querySelector('button')).focus();
    }
  }}, 'Start');
  form.id = `${id}-form`;
  return h('section', {class: 'card pipeline', id, 'aria-labelledby': `${id}-name`},
      h('div', {class: 'row'},
          h('h2', {id: `${id}-name`}, h('a', {href: `#/jobs?pipeline=${encode(p.pipeline)}`},
              p.pipeline)),
          toggle),
      h('dl', {class: 'facts'},
          h('dt', {}, 'Queue'), h('dd', {class: 'queue'}, queueText(p),
              p.schedulable ? '' : h('span', {class: 'badge st-error'}, 'full')),
          h('dt', {}, 'Tasks'), h('dd', {}, p.tasks.join(' · ')),
          p.schedule ? [h('dt', {}, 'Schedule'), h('dd', {class: 'schedule'},
              h('code', {}, p.schedule), ` (${p.timezone}) · next `, time(p.nextRun))] : null),
      form);
}

function startForm(p) {
  const fields = p.variables.map(v => {
    const fid = `v-${p.pipeline}-${v.name}`;
    return h('div', {class: 'field'},
        h('label', {for: fid}, v.name, v.required ? h('span', {class: 'req', title: 'required'},
            ' *') : null),
        h('input', {id: fid, name: v.name, value: v.defaultValue ?? '', required: v.required,
          autocomplete: 'off', 'data-default': v.defaultValue ?? null}),
        v.defaultValue !== null && v.defaultValue !== undefined
            ? h('small', {class: 'muted'}, `default: ${v.defaultValue}`) : null);
  });
  const message = h('p', {class: 'error', role: 'alert'});
  return h('form', {class: 'start', 'data-pipeline': p.pipeline, onsubmit: async e => {
    e.preventDefault();
    message.textContent = '';
    const variables = {};
    for (const input of e.target.querySelectorAll('input')) {
      // an untouched default is left to the template, which applies it anyway
      if (input.value === '' || input.value === input.dataset.default) continue;
      variables[input.name] = input.value;
    }
    try {
      const job = await api.schedule(p.pipeline, variables);
      location.hash = `#/jobs/${encode(job.id)}`;
    } catch (err) {
      message.textContent = err.message;
    }
  }},
  fields.length ? fields : h('p', {class: 'muted'}, 'Its scripts read no variables.'),
  message,
  h('button', {type: 'submit', class: 'primary'}, `Start ${p.pipeline}`));
}
