// Cluster pages: overview, job lists, TaskManagers, the JobManager, and the log viewer.
import { get, getText, metrics } from './api.js';
import { bytes, card, count, duration, h, kv, link, stateBadge, table, time } from './dom.js';

const TERMINAL = ['FINISHED', 'CANCELED', 'FAILED'];

function taskCounts(tasks) {
  const shown = ['running', 'finished', 'canceled', 'failed', 'scheduled', 'deploying', 'initializing', 'canceling', 'created'];
  return h(
    'span',
    { class: 'tasks' },
    shown.filter((s) => tasks[s] > 0).map((s) => h('span', { class: `badge state-${s}`, title: s }, `${s} ${tasks[s]}`)),
  );
}

export function jobTable(jobs, testid) {
  if (jobs.length === 0) return h('p', { class: 'muted', 'data-testid': testid }, 'No jobs.');
  const rows = jobs
    .sort((a, b) => b['start-time'] - a['start-time'])
    .map((j) =>
      h(
        'tr',
        { 'data-job-id': j.jid },
        h('td', {}, link(`jobs/${j.jid}`, j.name)),
        h('td', {}, time(j['start-time'])),
        h('td', {}, duration(j.duration)),
        h('td', {}, time(j['end-time'])),
        h('td', {}, taskCounts(j.tasks)),
        h('td', {}, stateBadge(j.state)),
      ),
    );
  return table(['Job Name', 'Start Time', 'Duration', 'End Time', 'Tasks', 'Status'], rows, { 'data-testid': testid });
}

export async function overviewPage() {
  const [o, jobs] = await Promise.all([get('overview'), get('jobs/overview')]);
  return h(
    'section',
    { 'data-testid': 'overview' },
    h('h1', {}, 'Cluster Overview'),
    h(
      'div',
      { class: 'cards' },
      card('Task Managers', o.taskmanagers, 'overview-taskmanagers'),
      card('Total Slots', o['slots-total'], 'overview-slots-total'),
      card('Available Slots', o['slots-available'], 'overview-slots-available'),
      card('Running Jobs', o['jobs-running'], 'overview-jobs-running'),
      card('Finished Jobs', o['jobs-finished'], 'overview-jobs-finished'),
      card('Canceled Jobs', o['jobs-cancelled'], 'overview-jobs-cancelled'),
      card('Failed Jobs', o['jobs-failed'], 'overview-jobs-failed'),
    ),
    h('h2', {}, 'Running Jobs'),
    jobTable(
      jobs.jobs.filter((j) => !TERMINAL.includes(j.state)),
      'running-jobs',
    ),
    h('h2', {}, 'Completed Jobs'),
    jobTable(
      jobs.jobs.filter((j) => TERMINAL.includes(j.state)),
      'completed-jobs',
    ),
  );
}

export async function jobsPage(_ctx, which) {
  const jobs = (await get('jobs/overview')).jobs.filter((j) => TERMINAL.includes(j.state) === (which === 'completed'));
  return h('section', {}, h('h1', {}, which === 'completed' ? 'Completed Jobs' : 'Running Jobs'), jobTable(jobs, `${which}-jobs`));
}

const LAG = ['Status.EventLoop.Lag.Max', 'Status.EventLoop.SlotLag.Max', 'Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max'];

function lag(ms) {
  return typeof ms === 'number' && Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : '—';
}

export async function taskManagersPage() {
  const tms = (await get('taskmanagers')).taskmanagers;
  const figures = await Promise.all(tms.map((t) => metrics(`taskmanagers/${encodeURIComponent(t.id)}/metrics`, LAG).catch(() => ({}))));
  const rows = tms.map((t, i) => {
    const m = figures[i];
    return h(
      'tr',
      { 'data-taskmanager-id': t.id },
      h('td', {}, link(`taskmanagers/${encodeURIComponent(t.id)}`, t.id)),
      h('td', {}, t.path),
      h('td', { class: 'num' }, t.dataPort),
      h('td', { class: 'num', 'data-field': 'slots' }, `${t.freeSlots} / ${t.slotsNumber}`),
      h('td', { class: 'num' }, `${bytes(m['Status.JVM.Memory.Heap.Used'])} / ${bytes(m['Status.JVM.Memory.Heap.Max'])}`),
      h('td', { class: 'num' }, lag(m['Status.EventLoop.Lag.Max'])),
      h('td', { class: 'num' }, lag(m['Status.EventLoop.SlotLag.Max'])),
      h('td', {}, time(t.timeSinceLastHeartbeat)),
    );
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Task Managers'),
    table(
      [
        'ID',
        'Address',
        'Data Port',
        'Free / All Slots',
        'Heap Used / Max',
        'Event-loop Lag (max)',
        'Slot Threads Lag (max)',
        'Last Heartbeat',
      ],
      rows,
      {
        'data-testid': 'taskmanagers',
      },
    ),
  );
}

function logList(logs, base, testid) {
  if (logs.length === 0) return h('p', { class: 'muted', 'data-testid': testid }, 'No log files.');
  const rows = logs.map((l) =>
    h(
      'tr',
      {},
      h('td', {}, link(`${base}/logs/${encodeURIComponent(l.name)}`, l.name)),
      h('td', { class: 'num' }, bytes(l.size)),
      h('td', {}, time(l.mtime)),
    ),
  );
  return table(['Log File', 'Size', 'Last Modified'], rows, { 'data-testid': testid });
}

export async function taskManagerPage(_ctx, id) {
  const path = `taskmanagers/${encodeURIComponent(id)}`;
  const [tm, m, logs] = await Promise.all([
    get(path),
    metrics(`${path}/metrics`, [
      'Status.EventLoop.Lag.Mean',
      'Status.EventLoop.Lag.Max',
      'Status.EventLoop.Lag.P99',
      'Status.EventLoop.SlotLag.Mean',
      'Status.EventLoop.SlotLag.Max',
      'Status.Process.Rss',
      'Status.JVM.CPU.Load',
    ]),
    get(`${path}/logs`).catch(() => ({ logs: [] })),
  ]);
  const mm = tm.metrics;
  const gc = mm.garbageCollectors.map((g) =>
    h('tr', {}, h('td', {}, g.name), h('td', { class: 'num' }, count(g.count)), h('td', { class: 'num' }, `${count(g.time)} ms`)),
  );
  const slots = tm.allocatedSlots.map((s) => h('tr', {}, h('td', {}, link(`jobs/${s.jobId}`, s.jobId))));
  const port = tm['spindle-prometheus-port'];
  return h(
    'section',
    { 'data-testid': 'taskmanager' },
    h('h1', {}, 'Task Manager ', h('code', {}, tm.id)),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        {},
        h('h2', {}, 'Overview'),
        kv(
          [
            ['Address', tm.path],
            ['Data port', tm.dataPort],
            ['Slots (free / all)', `${tm.freeSlots} / ${tm.slotsNumber}`],
            ['CPU cores', tm.hardware.cpuCores],
            ['Physical memory', bytes(tm.hardware.physicalMemory)],
            ['Free memory', bytes(tm.hardware.freeMemory)],
            ['CPU load', m['Status.JVM.CPU.Load'] === undefined ? '—' : `${Math.round(m['Status.JVM.CPU.Load'] * 100)}%`],
            ['Prometheus', port > 0 ? `port ${port} (/metrics)` : 'none'],
            ['Last heartbeat', time(tm.timeSinceLastHeartbeat)],
          ],
          'taskmanager-overview',
        ),
      ),
      h(
        'div',
        {},
        h('h2', {}, 'Memory'),
        kv(
          [
            ['Heap used / committed / max', `${bytes(mm.heapUsed)} / ${bytes(mm.heapCommitted)} / ${bytes(mm.heapMax)}`],
            ['Outside the heap', bytes(mm.nonHeapUsed)],
            ['Buffers (ArrayBuffers)', bytes(mm.directUsed)],
            ['Resident set', bytes(m['Status.Process.Rss'])],
          ],
          'taskmanager-memory',
        ),
        h('h2', {}, 'Event-loop Lag'),
        kv(
          [
            [
              'TaskManager thread (mean / p99 / max)',
              `${lag(m['Status.EventLoop.Lag.Mean'])} / ${lag(m['Status.EventLoop.Lag.P99'])} / ${lag(m['Status.EventLoop.Lag.Max'])}`,
            ],
            ['Slot threads (mean / max)', `${lag(m['Status.EventLoop.SlotLag.Mean'])} / ${lag(m['Status.EventLoop.SlotLag.Max'])}`],
          ],
          'taskmanager-lag',
        ),
      ),
    ),
    h('h2', {}, 'Garbage Collection'),
    gc.length > 0 ? table(['Collector', 'Count', 'Time'], gc) : h('p', { class: 'muted' }, 'No collections yet.'),
    h('h2', {}, 'Allocated Slots'),
    slots.length > 0 ? table(['Job'], slots, { 'data-testid': 'allocated-slots' }) : h('p', { class: 'muted' }, 'No slot is allocated.'),
    h('h2', {}, 'Logs'),
    h(
      'p',
      {},
      link(`taskmanagers/${encodeURIComponent(tm.id)}/log`, 'Log of this Task Manager'),
      ' · ',
      link(`taskmanagers/${encodeURIComponent(tm.id)}/thread-dump`, 'Thread Dump'),
      h('span', { class: 'muted' }, ' · the files of its log directory:'),
    ),
    logList(logs.logs, `taskmanagers/${encodeURIComponent(tm.id)}`, 'taskmanager-logs'),
  );
}

export async function jobManagerPage() {
  const [config, logs, m, env] = await Promise.all([
    get('jobmanager/config'),
    get('jobmanager/logs'),
    metrics('jobmanager/metrics', [
      'Status.JVM.Memory.Heap.Used',
      'Status.JVM.Memory.Heap.Max',
      'Status.EventLoop.Lag.Max',
      'Status.JVM.CPU.Load',
    ]),
    get('jobmanager/environment'),
  ]);
  return h(
    'section',
    { 'data-testid': 'jobmanager' },
    h('h1', {}, 'Job Manager'),
    kv(
      [
        ['Runtime', env.jvm.version],
        ['Architecture', env.jvm.arch],
        ['Heap used / max', `${bytes(m['Status.JVM.Memory.Heap.Used'])} / ${bytes(m['Status.JVM.Memory.Heap.Max'])}`],
        ['Event-loop lag (max)', lag(m['Status.EventLoop.Lag.Max'])],
      ],
      'jobmanager-status',
    ),
    h('h2', {}, 'Configuration'),
    table(
      ['Key', 'Value'],
      config.map((e) => h('tr', {}, h('td', {}, h('code', {}, e.key)), h('td', {}, e.value))),
      { 'data-testid': 'jobmanager-config' },
    ),
    h('h2', {}, 'Logs'),
    h(
      'p',
      {},
      link('jobmanager/log', 'Log of the Job Manager'),
      ' · ',
      link('jobmanager/thread-dump', 'Thread Dump'),
      h('span', { class: 'muted' }, ' · the files of its log directory:'),
    ),
    logList(logs.logs, 'jobmanager', 'jobmanager-logs'),
  );
}

/** A log file of the JobManager or of a TaskManager (its own log without `file`), loaded once, with a reload button. */
export async function logPage(ctx, { taskManager, file }) {
  const base = taskManager === undefined ? 'jobmanager' : `taskmanagers/${encodeURIComponent(taskManager)}`;
  const text = await getText(file === undefined ? `${base}/log` : `${base}/logs/${encodeURIComponent(file)}`);
  const back =
    taskManager === undefined
      ? link('jobmanager', '← Job Manager')
      : link(`taskmanagers/${encodeURIComponent(taskManager)}`, '← Task Manager');
  return h(
    'section',
    { class: 'log' },
    h('p', {}, back),
    h(
      'h1',
      {},
      'Log ',
      file === undefined ? null : h('code', {}, file),
      ' of ',
      taskManager === undefined ? 'the Job Manager' : h('code', {}, taskManager),
    ),
    h(
      'p',
      {},
      h('button', { type: 'button', onclick: () => ctx.refresh() }, 'Reload'),
      ' ',
      h('span', { class: 'muted' }, bytes(new Blob([text]).size)),
    ),
    h('pre', { class: 'log-text', 'data-testid': 'log-text' }, text),
  );
}

/** The threads of the JobManager or of a TaskManager and where each is, loaded once, with a reload button. */
export async function threadDumpPage(ctx, { taskManager }) {
  const base = taskManager === undefined ? 'jobmanager' : `taskmanagers/${encodeURIComponent(taskManager)}`;
  const dump = await get(`${base}/thread-dump`);
  const back = taskManager === undefined ? link('jobmanager', '← Job Manager') : link(base, '← Task Manager');
  return h(
    'section',
    { class: 'log', 'data-testid': 'thread-dump' },
    h('p', {}, back),
    h('h1', {}, 'Thread Dump of ', taskManager === undefined ? 'the Job Manager' : h('code', {}, taskManager)),
    h(
      'p',
      {},
      h('button', { type: 'button', onclick: () => ctx.refresh() }, 'Reload'),
      ' ',
      h('span', { class: 'muted' }, `${dump.threadInfos.length} threads`),
    ),
    dump.threadInfos.map((t) =>
      h('div', { 'data-thread': t.threadName }, h('h3', {}, t.threadName), h('pre', { class: 'log-text' }, t.stringifiedThreadInfo)),
    ),
  );
}
