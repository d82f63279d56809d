// A job: its graph with live figures, its vertices' subtasks, its failures and configuration.
// Tabs are a list: a further tab is one more entry.
import { get, patch } from './api.js';
import { drawGraph } from './dag.js';
import { checkpointsTab } from './pages-checkpoints.js';
import { bytes, count, duration, h, link, percent, stateBadge, table, time, watermark } from './dom.js';

const TERMINAL = ['FINISHED', 'CANCELED', 'FAILED', 'SUSPENDED'];

/** Busy and back-pressured ratios of each vertex: the highest of its subtasks' over the last seconds. */
async function vertexLoad(jobId, vertices) {
  const entries = await Promise.all(
    // A vertex whose subtasks all ended is neither busy nor back-pressured any more.
    vertices
      .filter((v) => !TERMINAL.includes(v.status))
      .map(async (v) => {
        const agg = await get(
          `jobs/${jobId}/vertices/${v.id}/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond&agg=max`,
        ).catch(() => []);
        const max = Object.fromEntries(agg.map((a) => [a.id, a.max]));
        const ratio = (ms) => (typeof ms === 'number' ? ms / 1000 : undefined);
        return [v.id, { busy: ratio(max.busyTimeMsPerSecond), backPressured: ratio(max.backPressuredTimeMsPerSecond) }];
      }),
  );
  return new Map(entries);
}

function vertexRows(job, load) {
  return job.vertices.map((v) => {
    const m = v.metrics;
    const l = load.get(v.id) ?? {};
    return h(
      'tr',
      { 'data-vertex-id': v.id },
      h('td', {}, link(`jobs/${job.jid}/subtasks/${v.id}`, v.name)),
      h('td', { class: 'num', 'data-field': 'parallelism' }, v.parallelism),
      h('td', { class: 'num', 'data-field': 'read-bytes' }, bytes(m['read-bytes'])),
      h('td', { class: 'num', 'data-field': 'read-records' }, count(m['read-records'])),
      h('td', { class: 'num', 'data-field': 'write-bytes' }, bytes(m['write-bytes'])),
      h('td', { class: 'num', 'data-field': 'write-records' }, count(m['write-records'])),
      h('td', { class: 'num' }, percent(l.busy)),
      h('td', { class: 'num' }, percent(l.backPressured)),
      h('td', {}, watermark(m.currentInputWatermark)),
      h('td', {}, duration(v.duration)),
      h('td', {}, stateBadge(v.status)),
    );
  });
}

async function overviewTab(ctx, job) {
  const load = await vertexLoad(job.jid, job.vertices);
  const select = (vertexId) => (location.hash = `#/jobs/${job.jid}/subtasks/${vertexId}`);
  return [
    h('div', { class: 'graph-box' }, drawGraph(job.plan, job.vertices, load, select)),
    table(
      [
        'Name',
        'Parallelism',
        'Bytes Received',
        'Records Received',
        'Bytes Sent',
        'Records Sent',
        'Busy (max)',
        'Backpressured (max)',
        'Low Watermark',
        'Duration',
        'Status',
      ],
      vertexRows(job, load),
      { 'data-testid': 'vertices' },
    ),
  ];
}

async function subtasksTab(ctx, job, [vertexId]) {
  const vertex = job.vertices.find((v) => v.id === vertexId) ?? job.vertices[0];
  if (!vertex) return h('p', { class: 'muted' }, 'The job has no vertices.');
  const base = `jobs/${job.jid}/vertices/${vertex.id}`;
  const [details, bp] = await Promise.all([get(base), get(`${base}/backpressure`)]);
  const ratios = new Map((bp.subtasks ?? []).map((s) => [s.subtask, s]));
  const picker = h(
    'select',
    { 'data-testid': 'vertex-picker', onchange: (e) => (location.hash = `#/jobs/${job.jid}/subtasks/${e.target.value}`) },
    job.vertices.map((v) => h('option', { value: v.id, selected: v.id === vertex.id }, v.name)),
  );
  const rows = details.subtasks.map((s) => {
    const r = ratios.get(s.subtask) ?? {};
    const tm = s['taskmanager-id'];
    return h(
      'tr',
      { 'data-subtask': s.subtask },
      h('td', { class: 'num' }, s.subtask),
      h('td', {}, stateBadge(s.status)),
      h('td', { class: 'num', 'data-field': 'attempt' }, s.attempt),
      h('td', { 'data-field': 'taskmanager-id' }, tm === '(unassigned)' ? tm : link(`taskmanagers/${encodeURIComponent(tm)}`, tm)),
      h('td', {}, s.host),
      h('td', {}, time(s['start-time'])),
      h('td', {}, duration(s.duration)),
      h('td', { class: 'num', 'data-field': 'read-records' }, count(s.metrics['read-records'])),
      h('td', { class: 'num', 'data-field': 'write-records' }, count(s.metrics['write-records'])),
      h('td', { class: 'num' }, bytes(s.metrics['read-bytes'])),
      h('td', { class: 'num' }, bytes(s.metrics['write-bytes'])),
      h('td', { class: 'num' }, percent(r.busyRatio)),
      h('td', { class: 'num' }, percent(r.ratio)),
    );
  });
  return [
    h('p', {}, 'Vertex: ', picker, ' ', h('span', { class: 'muted' }, `Back pressure: ${bp.backpressureLevel ?? 'not measured yet'}`)),
    table(
      [
        'Subtask',
        'Status',
        'Attempt',
        'Task Manager',
        'Host',
        'Start Time',
        'Duration',
        'Records Received',
        'Records Sent',
        'Bytes Received',
        'Bytes Sent',
        'Busy',
        'Backpressured',
      ],
      rows,
      { 'data-testid': 'subtasks', 'data-vertex-id': vertex.id },
    ),
  ];
}

function exceptionEntry(ctx, e, key) {
  const open = ctx.state.open ?? (ctx.state.open = new Set());
  const details = h(
    'details',
    { open: open.has(key), ontoggle: (ev) => (ev.target.open ? open.add(key) : open.delete(key)) },
    h(
      'summary',
      {},
      h('strong', {}, e.exceptionName),
      ' ',
      time(e.timestamp),
      e.taskName ? ` · ${e.taskName}` : '',
      e.location ? ` · ${e.location}` : '',
    ),
    h('pre', { class: 'stack' }, e.stacktrace),
  );
  return details;
}

async function exceptionsTab(ctx, job) {
  const ex = await get(`jobs/${job.jid}/exceptions`);
  const entries = ex.exceptionHistory.entries;
  if (entries.length === 0) return h('p', { class: 'muted', 'data-testid': 'exceptions' }, 'No failures.');
  return h(
    'div',
    { 'data-testid': 'exceptions' },
    entries.map((e, i) => [
      exceptionEntry(ctx, e, `r${i}`),
      e.concurrentExceptions.length > 0
        ? h(
            'div',
            { class: 'concurrent' },
            e.concurrentExceptions.map((c, j) => exceptionEntry(ctx, c, `r${i}c${j}`)),
          )
        : null,
    ]),
    ex.exceptionHistory.truncated ? h('p', { class: 'muted' }, 'Older failures are not kept.') : null,
  );
}

async function configurationTab(ctx, job) {
  const config = await get(`jobs/${job.jid}/config`);
  const ec = config['execution-config'];
  const user = Object.entries(ec['user-config']).sort(([a], [b]) => a.localeCompare(b));
  return h(
    'div',
    { 'data-testid': 'job-config' },
    table(
      ['Execution Mode', 'Restart Strategy', 'Job Parallelism', 'Object Reuse'],
      [
        h(
          'tr',
          {},
          h('td', {}, ec['execution-mode']),
          h('td', {}, ec['restart-strategy']),
          h('td', {}, ec['job-parallelism']),
          h('td', {}, String(ec['object-reuse-mode'])),
        ),
      ],
    ),
    h('h3', {}, 'Job Configuration'),
    user.length > 0
      ? table(
          ['Key', 'Value'],
          user.map(([k, v]) => h('tr', {}, h('td', {}, h('code', {}, k)), h('td', {}, v))),
        )
      : h('p', { class: 'muted' }, 'None set.'),
  );
}

/** The job page's tabs, in order; the first is the default. */
export const JOB_TABS = [
  { id: 'overview', title: 'Overview', render: overviewTab },
  { id: 'subtasks', title: 'Subtasks', render: subtasksTab },
  { id: 'exceptions', title: 'Exceptions', render: exceptionsTab },
  { id: 'checkpoints', title: 'Checkpoints', render: checkpointsTab },
  { id: 'configuration', title: 'Configuration', render: configurationTab },
];

function cancelControl(ctx, job) {
  if (!ctx.config.features['web-cancel'] || TERMINAL.includes(job.state) || job.state === 'CANCELLING') return null;
  if (!ctx.state.confirmCancel) {
    return h(
      'button',
      { type: 'button', class: 'danger', 'data-testid': 'cancel-job', onclick: () => ((ctx.state.confirmCancel = true), ctx.refresh()) },
      'Cancel Job',
    );
  }
  const cancel = async () => {
    ctx.state.confirmCancel = false;
    try {
      await patch(`jobs/${job.jid}?mode=cancel`);
    } catch (e) {
      ctx.state.message = `Cancellation failed: ${e.message}`;
    }
    ctx.refresh();
  };
  return h(
    'span',
    {},
    'Cancel this job? ',
    h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-cancel', onclick: cancel }, 'Yes, cancel'),
    ' ',
    h('button', { type: 'button', onclick: () => ((ctx.state.confirmCancel = false), ctx.refresh()) }, 'No'),
  );
}

export async function jobPage(ctx, jobId, rest) {
  const job = await get(`jobs/${jobId}`);
  const tab = JOB_TABS.find((t) => t.id === rest[0]) ?? JOB_TABS[0];
  const body = await tab.render(ctx, job, rest.slice(1));
  return h(
    'section',
    { 'data-testid': 'job', 'data-job-id': job.jid },
    h(
      'div',
      { class: 'job-head' },
      h('h1', {}, job.name, ' ', stateBadge(job.state)),
      h(
        'div',
        { class: 'muted' },
        `ID ${job.jid} · ${job['job-type']} · started ${time(job['start-time'])} · duration ${duration(job.duration)}`,
        job['end-time'] > 0 ? ` · ended ${time(job['end-time'])}` : '',
      ),
      h('div', {}, cancelControl(ctx, job), ctx.state.message ? h('span', { class: 'error' }, ctx.state.message) : null),
    ),
    h(
      'nav',
      { class: 'tabs' },
      JOB_TABS.map((t) => h('a', { href: `#/jobs/${job.jid}/${t.id}`, class: t === tab ? 'active' : '', 'data-tab': t.id }, t.title)),
    ),
    h('div', { class: 'tab-body', 'data-tab-body': tab.id }, body),
  );
}
