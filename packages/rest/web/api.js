// The REST API, always through URLs relative to the page, so that the dashboard works under a
// proxy prefix (YARN's /proxy/<applicationId>/).

export class ApiError extends Error {
  constructor(status, errors) {
    super(errors.join('; ') || `HTTP ${status}`);
    this.status = status;
  }
}

async function call(path, init = {}) {
  const r = await fetch(path.replace(/^\//, ''), { ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  const text = await r.text();
  let body;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!r.ok) throw new ApiError(r.status, Array.isArray(body?.errors) ? body.errors : [String(text).slice(0, 200)]);
  return body;
}

export const get = (path) => call(path);
export const patch = (path) => call(path, { method: 'PATCH' });
export const del = (path) => call(path, { method: 'DELETE' });
export const postJson = (path, body) =>
  call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
export const postForm = (path, form) => call(path, { method: 'POST', body: form });

/** A text resource (a log file). */
export async function getText(path) {
  const r = await fetch(path.replace(/^\//, ''));
  const text = await r.text();
  if (!r.ok) {
    let errors = [text];
    try {
      errors = JSON.parse(text).errors ?? errors;
    } catch {
      // not JSON
    }
    throw new ApiError(r.status, errors);
  }
  return text;
}

/** Metric values by id from a metric array answer. */
export async function metrics(path, ids) {
  const list = await get(`${path}?get=${ids.map(encodeURIComponent).join(',')}`);
  return Object.fromEntries(list.map((m) => [m.id, m.value !== undefined ? Number(m.value) : m]));
}
