// Pools: per kind and node, the supervisor's state and each worker with its pid, state, lease
// holder, restarts, uptime and its transitions; and the cluster's members and roles.

import {h, time, badge} from './dom.js';
import {api} from './api.js';

function uptime(iso) {
  // an ISO-8601 duration such as PT12.5S or PT1H2M3S
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso || '');
  if (!m) return iso || '—';
  const [hh, mm, ss] = [m[1] || 0, m[2] || 0, Math.floor(parseFloat(m[3] || 0))];
  return hh ? `${hh} h ${mm} min` : mm ? `${mm} min ${ss} s` : `${ss} s`;
}

function transitions(list) {
  if (!list || !list.length) return h('span', {class: 'muted'}, 'none');
  return h('ol', {class: 'transitions'}, list.slice(-12).map(t => h('li', {},
      time(t.at), ' ', h('strong', {}, `${t.from ?? "-"} → ${t.to}`), ' ',
      h('span', {class: 'muted'}, t.cause))));
}

function pool(p) {
  if (!p.status) {
    return h('section', {class: 'card'}, h('h2', {}, p.node),
        h('p', {class: 'error'}, p.error));
  }
  const st = p.status;
  const id = `pool-${st.kind}-${p.node}`.replace(/[^a-zA-Z0-9-]/g, '-');
  return h('section', {class: 'card pool', 'data-kind': st.kind, 'aria-labelledby': id},
      h('h2', {id}, `${st.kind} `, h('small', {class: 'muted'}, p.node)),
      h('dl', {class: 'facts'},
          h('dt', {}, 'State'), h('dd', {}, badge(st.state),
              st.error ? h('span', {class: 'error'}, ` ${st.error}`) : null),
          h('dt', {}, 'Workers'), h('dd', {}, `${st.idle} idle · ${st.busy} busy · target `
              + `${st.target} (min ${st.min}, warm ${st.warm}, max ${st.max}) · `
              + `${st.waitingRequests} waiting requests`)),
      h('div', {class: 'scroll'}, h('table', {class: 'workers'},
          h('thead', {}, h('tr', {}, ['Slot', 'Pid', 'State', 'Lease holder', 'Restarts',
            'Uptime', 'Last error', 'Transitions'].map(c => h('th', {scope: 'col'}, c)))),
          h('tbody', {}, st.workers.map(w => h('tr', {'data-slot': w.slot},
              h('td', {}, String(w.slot)),
              h('td', {class: 'pid'}, w.pid ? String(w.pid) : '—'),
              h('td', {}, w.state),
              h('td', {class: 'holder'}, w.leaseHolder || '—'),
              h('td', {}, String(w.restarts)),
              h('td', {}, uptime(w.uptime)),
              h('td', {class: 'error'}, w.lastError || ''),
              h('td', {}, h('details', {}, h('summary', {}, `${(w.transitions || []).length}`),
                  transitions(w.transitions)))))))),
      h('details', {}, h('summary', {}, 'Supervisor transitions'), transitions(st.transitions)));
}

export async function poolsPage(view) {
  const content = h('div');
  view.replaceChildren(h('h1', {}, 'Pools'), content);
  const refresh = async () => {
    const [{pools}, cluster] = await Promise.all([api.pools(), api.cluster()]);
    // keep open transition lists open across refreshes
    const open = new Set([...content.querySelectorAll('details[open]')]
        .map(d => d.closest('[data-slot]')?.dataset.slot + '@' + d.closest('.pool')?.dataset.kind));
    content.replaceChildren(
        ...(pools.length ? pools.map(pool) : [h('p', {class: 'muted'}, 'No pools.')]),
        h('h2', {}, 'Cluster'),
        h('p', {}, 'This node: ', h('code', {}, cluster.self), ' · leader: ',
            h('code', {}, cluster.leader || 'none')),
        h('div', {class: 'scroll'}, h('table', {class: 'members'},
            h('thead', {}, h('tr', {}, ['Member', 'Status', 'Roles', 'Reachable']
                .map(c => h('th', {scope: 'col'}, c)))),
            h('tbody', {}, cluster.members.map(m => h('tr', {},
                h('td', {}, h('code', {}, m.address)),
                h('td', {}, m.status),
                h('td', {}, m.roles.join(', ') || '—'),
                h('td', {}, m.reachable ? 'yes' : h('span', {class: 'error'}, 'no'))))))));
    for (const d of content.querySelectorAll('details')) {
      const key = d.closest('[data-slot]')?.dataset.slot + '@' + d.closest('.pool')?.dataset.kind;
      if (open.has(key)) d.open = true;
    }
  };
  await refresh();
  // worker states change without job events: a pool page refreshes every few seconds
  const timer = setInterval(() => refresh().catch(() => {}), 3000);
  return () => clearInterval(timer);
}
