// The dashboard: a hash router over pages that render from the REST API, re-rendered every
// `refresh-interval` (from /config) while the page is live and the tab visible.
import { get } from './api.js';
import { h, route } from './dom.js';
import { jobManagerPage, jobsPage, logPage, overviewPage, taskManagerPage, taskManagersPage, threadDumpPage } from './pages-cluster.js';
import { jobPage } from './pages-job.js';
import { submitPage } from './pages-submit.js';

/** Picks the page of a route: { key, render(ctx), live }. */
function resolve(parts) {
  const [first, second, third, fourth] = parts;
  switch (first) {
    case 'jobs':
      if (second === 'running' || second === 'completed')
        return { key: `jobs/${second}`, nav: `jobs/${second}`, render: (c) => jobsPage(c, second) };
      if (second) return { key: `job/${second}`, nav: 'jobs', render: (c) => jobPage(c, second, parts.slice(2)) };
      break;
    case 'taskmanagers':
      if (second && third === 'logs' && fourth)
        return { key: parts.join('/'), nav: 'taskmanagers', live: false, render: (c) => logPage(c, { taskManager: second, file: fourth }) };
      if (second && third === 'log')
        return { key: parts.join('/'), nav: 'taskmanagers', live: false, render: (c) => logPage(c, { taskManager: second }) };
      if (second && third === 'thread-dump')
        return { key: parts.join('/'), nav: 'taskmanagers', live: false, render: (c) => threadDumpPage(c, { taskManager: second }) };
      if (second) return { key: `tm/${second}`, nav: 'taskmanagers', render: (c) => taskManagerPage(c, second) };
      return { key: 'taskmanagers', nav: 'taskmanagers', render: taskManagersPage };
    case 'jobmanager':
      if (second === 'logs' && third)
        return { key: parts.join('/'), nav: 'jobmanager', live: false, render: (c) => logPage(c, { file: third }) };
      if (second === 'log') return { key: 'jobmanager/log', nav: 'jobmanager', live: false, render: (c) => logPage(c, {}) };
      if (second === 'thread-dump')
        return { key: 'jobmanager/thread-dump', nav: 'jobmanager', live: false, render: (c) => threadDumpPage(c, {}) };
      return { key: 'jobmanager', nav: 'jobmanager', render: jobManagerPage };
    case 'submit':
      return { key: 'submit', nav: 'submit', live: false, render: submitPage };
  }
  return { key: 'overview', nav: 'overview', render: overviewPage };
}

const app = {
  config: undefined,
  /** State a page keeps across its re-renders (selections, open panels), by page key. */
  states: new Map(),
  renders: 0,
  timer: undefined,
};

async function render(reason) {
  const page = resolve(route());
  const token = ++app.renders;
  const state = app.states.get(page.key) ?? {};
  app.states.set(page.key, state);
  const ctx = { config: app.config, state, refresh: () => render('action') };
  let content;
  try {
    content = await page.render(ctx);
  } catch (e) {
    content = h(
      'div',
      { class: 'error', 'data-testid': 'error' },
      h('h2', {}, 'Could not load this page'),
      h('p', {}, String(e.message ?? e)),
    );
  }
  if (token !== app.renders) return; // a newer render started meanwhile
  const view = document.getElementById('view');
  view.replaceChildren(content);
  view.dataset.page = page.key;
  view.dataset.renders = String(token);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === page.nav);
  document.getElementById('refresh-state').textContent = page.live === false ? '' : `updated ${new Date().toLocaleTimeString()}`;
  schedule(page, reason);
}

function schedule(page) {
  clearTimeout(app.timer);
  if (page.live === false) return;
  app.timer = setTimeout(() => {
    if (document.hidden) schedule(page);
    else void render('poll');
  }, app.config['refresh-interval']);
}

async function start() {
  app.config = await get('config');
  document.getElementById('version').textContent = `Version ${app.config['flink-version']}`;
  document.getElementById('nav-submit').hidden = !app.config.features['web-submit'];
  window.addEventListener('hashchange', () => void render('navigate'));
  await render('start');
}

start().catch((e) => {
  document.getElementById('view').replaceChildren(h('div', { class: 'error' }, `The dashboard could not start: ${e.message ?? e}`));
});
