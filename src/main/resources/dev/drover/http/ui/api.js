// The calls the UI makes: JSON over fetch with the jwt cookie (same origin), and live streams
// over EventSource. A 401 means the session ended: the app shows the sign-in page.

export class Unauthorized extends Error {}

async function request(method, path, body) {
  const init = {method, credentials: 'same-origin', headers: {Accept: 'application/json'}};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (response.status === 401) {
    window.dispatchEvent(new CustomEvent('drover:unauthorized', {detail: json && json.error}));
    throw new Unauthorized(json && json.error || 'Unauthorized');
  }
  if (!response.ok) {
    throw new Error(json && json.error || `${method} ${path} answered ${response.status}`);
  }
  return json;
}

export const api = {
  session: () => request('GET', '/api/v1/session'),
  signIn: async token => {
    const session = await request('POST', '/api/v1/session', {token});
    if (!session.signedIn) throw new Error(session.reason);
    return session;
  },
  signOut: () => request('DELETE', '/api/v1/session'),
  pipelines: () => request('GET', '/api/v1/pipelines'),
  /** A page of jobs: `query` may hold limit, cursor (older), before (newer), pipeline, status. */
  jobs: (query = {}) => {
    const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
    const text = q.toString();
    return request('GET', `/api/v1/jobs${text ? '?' + text : ''}`);
  },
  job: id => request('GET', `/api/v1/jobs/${encodeURIComponent(id)}`),
  timeline: id => request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/timeline`),
  schedule: (pipeline, variables) => request('POST', '/api/v1/jobs', {pipeline, variables}),
  cancel: id => request('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`, {}),
  logs: (id, task) => request('GET',
      `/api/v1/jobs/${encodeURIComponent(id)}/tasks/${encodeURIComponent(task)}/logs`),
  pools: () => request('GET', '/api/v1/pools'),
  cluster: () => request('GET', '/api/v1/cluster'),
};

/**
 * Follows a stream of Server-Sent Events: `handlers` maps event names to functions of the
 * event's data. Returns a function that closes it. `onEnd` is called once the stream broke or
 * ended, instead of letting EventSource reconnect (which would replay a task's log twice).
 */
export function follow(path, handlers, onEnd) {
  const source = new EventSource(path, {withCredentials: true});
  for (const [name, fn] of Object.entries(handlers)) {
    source.addEventListener(name, e => fn(e.data));
  }
  let closed = false;
  source.addEventListener('error', () => {
    if (closed) return;
    closed = true;
    source.close();
    if (onEnd) onEnd();
  });
  return () => {
    closed = true;
    source.close();
  };
}

/**
 * The job and task state changes of the whole server, as parsed JSON. A broken stream is opened
 * again after a pause; `onResync`, if given, is then called, since changes may have been missed.
 */
export function jobEvents(onEvent, onResync) {
  const parse = data => onEvent(JSON.parse(data));
  let stop = null;
  let timer = null;
  let stopped = false;
  const open = () => {
    stop = follow('/api/v1/events', {job: parse, task: parse}, () => {
      if (stopped) return;
      timer = setTimeout(() => {
        if (stopped) return;
        open();
        if (onResync) onResync();
      }, 2000);
    });
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (stop) stop();
  };
}
