// Submitting a job bundle: upload, then run (or delete) uploaded bundles. Offered only when
// /config says web-submit.
import { del, get, postForm, postJson } from './api.js';
import { h, table, time } from './dom.js';

export async function submitPage(ctx) {
  if (!ctx.config.features['web-submit'])
    return h('p', { class: 'muted' }, 'Submitting jobs is disabled on this cluster (web.submit.enable: false).');
  const jars = (await get('jars')).files;
  const message = ctx.state.message
    ? h('p', { class: ctx.state.error ? 'error' : 'ok', 'data-testid': 'submit-message' }, ctx.state.message)
    : null;
  const say = (text, error = false) => {
    ctx.state.message = text;
    ctx.state.error = error;
    ctx.refresh();
  };
  const file = h('input', { type: 'file', accept: '.js,.mjs,.zip,.tgz,.jar', 'data-testid': 'bundle-file' });
  const upload = async () => {
    const chosen = file.files?.[0];
    if (!chosen) return say('Choose a bundle first.', true);
    const form = new FormData();
    form.append('jarfile', chosen, chosen.name);
    try {
      await postForm('jars/upload', form);
      say(`Uploaded ${chosen.name}.`);
    } catch (e) {
      say(`Upload failed: ${e.message}`, true);
    }
  };
  const rows = jars.map((j) => {
    const entry = h('input', { type: 'text', placeholder: 'main', size: 10, 'data-field': 'entry' });
    const args = h('input', { type: 'text', placeholder: '--n 100', size: 24, 'data-field': 'args' });
    const parallelism = h('input', { type: 'number', min: 1, placeholder: 'default', size: 6, 'data-field': 'parallelism' });
    const run = async () => {
      const body = { programArgs: args.value };
      if (entry.value) body.entryClass = entry.value;
      if (parallelism.value) body.parallelism = Number(parallelism.value);
      try {
        const { jobid } = await postJson(`jars/${encodeURIComponent(j.id)}/run`, body);
        ctx.state.message = undefined;
        location.hash = `#/jobs/${jobid}`;
      } catch (e) {
        say(`Run failed: ${e.message}`, true);
      }
    };
    const remove = async () => {
      await del(`jars/${encodeURIComponent(j.id)}`).catch((e) => say(`Delete failed: ${e.message}`, true));
      ctx.refresh();
    };
    return h(
      'tr',
      { 'data-jar-id': j.id },
      h('td', {}, j.name),
      h('td', {}, time(j.uploaded)),
      h('td', {}, entry),
      h('td', {}, args),
      h('td', {}, parallelism),
      h(
        'td',
        {},
        h('button', { type: 'button', 'data-testid': 'run-jar', onclick: run }, 'Submit'),
        ' ',
        h('button', { type: 'button', onclick: remove }, 'Delete'),
      ),
    );
  });
  return h(
    'section',
    { 'data-testid': 'submit' },
    h('h1', {}, 'Submit New Job'),
    h('p', {}, file, ' ', h('button', { type: 'button', 'data-testid': 'upload', onclick: upload }, 'Upload')),
    message,
    jars.length > 0
      ? table(['Bundle', 'Uploaded', 'Entry', 'Program Arguments', 'Parallelism', ''], rows, { 'data-testid': 'jars' })
      : h('p', { class: 'muted' }, 'No bundles uploaded.'),
  );
}
