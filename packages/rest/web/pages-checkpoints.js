// The Checkpoints tab of a job, as Flink's: counts, the latest checkpoints, the history, summary
// statistics and the configuration; a checkpoint's figures per vertex and per subtask.
// Routes: #/jobs/<id>/checkpoints, .../checkpoints/<checkpointId>, .../checkpoints/<checkpointId>/<vertexId>.
import { ApiError, get } from './api.js';
import { bytes, card, h, kv, link, table, time } from './dom.js';

/** A duration in milliseconds, as checkpoints take them. */
function ms(value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return '—';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
}

/** A table cell holding a figure: the raw value stays readable in `data-value`. */
function cell(field, value, text) {
  return h('td', { class: 'num', 'data-field': field, 'data-value': value }, text);
}

function checkpointType(c) {
  if (c.is_savepoint) return c.checkpoint_type === 'SYNC_SAVEPOINT' ? 'Savepoint (stop)' : 'Savepoint';
  return c.checkpoint_type === 'UNALIGNED_CHECKPOINT' ? 'Checkpoint (unaligned)' : 'Checkpoint';
}

function statusBadge(status) {
  return h('span', { class: `badge state-${status === 'COMPLETED' ? 'finished' : status === 'FAILED' ? 'failed' : 'running'}` }, status);
}

function counts(c) {
  return h(
    'div',
    { class: 'cards', 'data-testid': 'checkpoint-counts' },
    card('Triggered', c.total, 'checkpoints-total'),
    card('In Progress', c.in_progress, 'checkpoints-in_progress'),
    card('Completed', c.completed, 'checkpoints-completed'),
    card('Failed', c.failed, 'checkpoints-failed'),
    card('Restored', c.restored, 'checkpoints-restored'),
  );
}

function latestRow(label, jobId, c, testid) {
  if (!c) return h('tr', { 'data-testid': testid }, h('th', {}, label), h('td', { colspan: 5, class: 'muted' }, 'None'));
  const failed = c.status === 'FAILED';
  return h(
    'tr',
    { 'data-testid': testid, 'data-checkpoint-id': c.id },
    h('th', {}, label),
    h('td', {}, link(`jobs/${jobId}/checkpoints/${c.id}`, `#${c.id}`)),
    h('td', {}, failed ? `failed ${time(c.failure_timestamp)}` : `completed ${time(c.latest_ack_timestamp)}`),
    cell('end_to_end_duration', c.end_to_end_duration, ms(c.end_to_end_duration)),
    cell('checkpointed_size', c.checkpointed_size, bytes(c.checkpointed_size)),
    h('td', { class: 'path' }, failed ? (c.failure_message ?? '') : c.external_path),
  );
}

function latest(jobId, l) {
  const r = l.restored;
  const restored = r
    ? h(
        'tr',
        { 'data-testid': 'latest-restored', 'data-checkpoint-id': r.id },
        h('th', {}, 'Latest Restore'),
        h('td', {}, `#${r.id}`),
        h('td', {}, `restored ${time(r.restore_timestamp)}`),
        h('td', {}, r.is_savepoint ? 'from a savepoint' : 'from a checkpoint'),
        h('td', {}),
        h('td', { class: 'path' }, r.external_path),
      )
    : h('tr', { 'data-testid': 'latest-restored' }, h('th', {}, 'Latest Restore'), h('td', { colspan: 5, class: 'muted' }, 'None'));
  return table(
    ['', 'ID', 'When', 'End to End Duration', 'Checkpointed Data Size', 'Path / Cause'],
    [
      latestRow('Latest Completed Checkpoint', jobId, l.completed, 'latest-completed'),
      latestRow('Latest Failed Checkpoint', jobId, l.failed, 'latest-failed'),
      latestRow('Latest Savepoint', jobId, l.savepoint, 'latest-savepoint'),
      restored,
    ],
    { 'data-testid': 'checkpoint-latest' },
  );
}

function historyRows(jobId, history) {
  return history.map((c) =>
    h(
      'tr',
      { 'data-checkpoint-id': c.id },
      h('td', {}, link(`jobs/${jobId}/checkpoints/${c.id}`, `#${c.id}`)),
      h('td', { 'data-field': 'status' }, statusBadge(c.status)),
      h('td', {}, checkpointType(c)),
      cell('num_acknowledged_subtasks', c.num_acknowledged_subtasks, `${c.num_acknowledged_subtasks} / ${c.num_subtasks}`),
      h('td', { 'data-field': 'trigger_timestamp', 'data-value': c.trigger_timestamp }, time(c.trigger_timestamp)),
      h('td', {}, c.latest_ack_timestamp > 0 ? time(c.latest_ack_timestamp) : '—'),
      cell('end_to_end_duration', c.end_to_end_duration, ms(c.end_to_end_duration)),
      cell('checkpointed_size', c.checkpointed_size, bytes(c.checkpointed_size)),
      cell('state_size', c.state_size, bytes(c.state_size)),
      cell('processed_data', c.processed_data, `${bytes(c.processed_data)} (${bytes(c.persisted_data)})`),
    ),
  );
}

function history(jobId, entries) {
  if (entries.length === 0) return h('p', { class: 'muted', 'data-testid': 'checkpoint-history' }, 'No checkpoint has been triggered yet.');
  return table(
    [
      'ID',
      'Status',
      'Type',
      'Acknowledged',
      'Trigger Time',
      'Latest Acknowledgement',
      'End to End Duration',
      'Checkpointed Data Size',
      'Full Checkpoint Data Size',
      'Processed (Persisted) In-Flight Data',
    ],
    historyRows(jobId, entries),
    { 'data-testid': 'checkpoint-history' },
  );
}

function summary(s) {
  const row = (label, field, dto, fmt) =>
    h(
      'tr',
      { 'data-field': field },
      h('th', {}, label),
      ['min', 'avg', 'p50', 'p90', 'p99', 'max'].map((k) => cell(k, dto[k], fmt(dto[k]))),
    );
  return table(
    ['', 'Minimum', 'Average', 'Median', '90th percentile', '99th percentile', 'Maximum'],
    [
      row('End to End Duration', 'end_to_end_duration', s.end_to_end_duration, ms),
      row('Checkpointed Data Size', 'checkpointed_size', s.checkpointed_size, bytes),
      row('Full Checkpoint Data Size', 'state_size', s.state_size, bytes),
      row('Processed In-Flight Data', 'processed_data', s.processed_data, bytes),
      row('Persisted In-Flight Data', 'persisted_data', s.persisted_data, bytes),
    ],
    { 'data-testid': 'checkpoint-summary' },
  );
}

function configuration(c) {
  const interval = c.interval >= Number.MAX_SAFE_INTEGER ? 'Periodic checkpoints disabled' : ms(c.interval);
  return kv(
    [
      ['Checkpointing Mode', c.mode === 'exactly_once' ? 'Exactly Once' : 'At Least Once'],
      ['Checkpoint Storage', c.checkpoint_storage],
      ['State Backend', c.state_backend],
      ['Interval', interval],
      ['Timeout', ms(c.timeout)],
      ['Minimum Pause Between Checkpoints', ms(c.min_pause)],
      ['Maximum Concurrent Checkpoints', c.max_concurrent],
      ['Unaligned Checkpoints', c.unaligned_checkpoints ? 'Enabled' : 'Disabled'],
      [
        'Persist Checkpoints Externally',
        c.externalization.enabled
          ? c.externalization.delete_on_cancellation
            ? 'Enabled (delete on cancellation)'
            : 'Enabled (retain on cancellation)'
          : 'Disabled',
      ],
      ['Tolerable Failed Checkpoints', c.tolerable_failed_checkpoints],
      ['Checkpoints With Finished Tasks', c.checkpoints_after_tasks_finish ? 'Enabled' : 'Disabled'],
    ],
    'checkpoint-config',
  );
}

function vertexRows(jobId, checkpoint, vertices, selected) {
  return vertices
    .filter((v) => checkpoint.tasks[v.id])
    .map((v) => {
      const t = checkpoint.tasks[v.id];
      return h(
        'tr',
        { 'data-vertex-id': v.id, class: v.id === selected ? 'selected' : '' },
        h('td', {}, link(`jobs/${jobId}/checkpoints/${checkpoint.id}/${v.id}`, v.name)),
        cell('num_acknowledged_subtasks', t.num_acknowledged_subtasks, `${t.num_acknowledged_subtasks} / ${t.num_subtasks}`),
        h('td', {}, t.latest_ack_timestamp > 0 ? time(t.latest_ack_timestamp) : '—'),
        cell('end_to_end_duration', t.end_to_end_duration, ms(t.end_to_end_duration)),
        cell('checkpointed_size', t.checkpointed_size, bytes(t.checkpointed_size)),
        cell('state_size', t.state_size, bytes(t.state_size)),
        cell('processed_data', t.processed_data, `${bytes(t.processed_data)} (${bytes(t.persisted_data)})`),
      );
    });
}

function subtaskRows(details) {
  return details.subtasks.map((s) =>
    s.status !== 'completed'
      ? h(
          'tr',
          { 'data-subtask': s.index },
          h('td', { class: 'num' }, s.index + 1),
          h('td', { colspan: 8, class: 'muted' }, 'pending or failed'),
        )
      : h(
          'tr',
          { 'data-subtask': s.index },
          h('td', { class: 'num' }, s.index + 1),
          h('td', {}, time(s.ack_timestamp)),
          cell('end_to_end_duration', s.end_to_end_duration, ms(s.end_to_end_duration)),
          cell('checkpointed_size', s.checkpointed_size, bytes(s.checkpointed_size)),
          cell('sync', s.checkpoint.sync, ms(s.checkpoint.sync)),
          cell('async', s.checkpoint.async, ms(s.checkpoint.async)),
          cell('alignment_duration', s.alignment.duration, ms(s.alignment.duration)),
          cell('processed', s.alignment.processed, `${bytes(s.alignment.processed)} (${bytes(s.alignment.persisted)})`),
          cell('start_delay', s.start_delay, ms(s.start_delay)),
        ),
  );
}

async function subtaskSection(base, vertex) {
  const details = await get(`${base}/subtasks/${vertex.id}`);
  return [
    h('h3', {}, `Subtasks of ${vertex.name}`),
    table(
      [
        'Subtask',
        'Acknowledged',
        'End to End Duration',
        'Checkpointed Data Size',
        'Sync Duration',
        'Async Duration',
        'Alignment Duration',
        'Processed (Persisted) Data',
        'Start Delay',
      ],
      subtaskRows(details),
      { 'data-testid': 'checkpoint-subtasks', 'data-vertex-id': vertex.id },
    ),
  ];
}

async function checkpointDetails(job, checkpointId, vertexId) {
  const base = `jobs/${job.jid}/checkpoints/details/${encodeURIComponent(checkpointId)}`;
  const c = await get(base);
  const vertex = job.vertices.find((v) => v.id === vertexId);
  return h(
    'div',
    { 'data-testid': 'checkpoint-details', 'data-checkpoint-id': c.id },
    h('p', {}, link(`jobs/${job.jid}/checkpoints`, '← All checkpoints')),
    h('h2', {}, `${checkpointType(c)} #${c.id} `, statusBadge(c.status)),
    kv(
      [
        ['Trigger Time', time(c.trigger_timestamp)],
        ['Acknowledged', `${c.num_acknowledged_subtasks} / ${c.num_subtasks}`],
        ['End to End Duration', ms(c.end_to_end_duration)],
        ['Checkpointed Data Size', bytes(c.checkpointed_size)],
        [c.status === 'FAILED' ? 'Failure' : 'Path', c.status === 'FAILED' ? (c.failure_message ?? '—') : (c.external_path ?? '—')],
      ],
      'checkpoint-summary-of-one',
    ),
    h('h3', {}, 'Operators'),
    table(
      [
        'Name',
        'Acknowledged',
        'Latest Acknowledgement',
        'End to End Duration',
        'Checkpointed Data Size',
        'Full Checkpoint Data Size',
        'Processed (Persisted) In-Flight Data',
      ],
      vertexRows(job.jid, c, job.vertices, vertexId),
      { 'data-testid': 'checkpoint-vertices' },
    ),
    vertex && c.tasks[vertex.id] ? await subtaskSection(base, vertex) : null,
  );
}

export async function checkpointsTab(_ctx, job, [checkpointId, vertexId]) {
  const base = `jobs/${job.jid}/checkpoints`;
  try {
    if (checkpointId) return await checkpointDetails(job, checkpointId, vertexId);
    const [stats, config] = await Promise.all([get(base), get(`${base}/config`)]);
    return h(
      'div',
      { 'data-testid': 'checkpoints' },
      counts(stats.counts),
      h('h3', {}, 'Latest'),
      latest(job.jid, stats.latest),
      h('h3', {}, 'History'),
      history(job.jid, stats.history),
      h('h3', {}, 'Summary (completed checkpoints)'),
      summary(stats.summary),
      h('h3', {}, 'Configuration'),
      configuration(config),
    );
  } catch (e) {
    if (e instanceof ApiError && e.status === 404)
      return h(
        'p',
        { class: 'muted', 'data-testid': 'checkpoints' },
        checkpointId ? `Checkpoint ${checkpointId}: ${e.message}` : e.message,
      );
    throw e;
  }
}
