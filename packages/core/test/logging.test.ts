import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, getLogger, loggingEnvironment, resetLogging } from '../src/index.js';

describe('logging', () => {
  let lines: string[];

  beforeEach(() => {
    lines = [];
    resetLogging();
    configureLogging({ sink: (line) => lines.push(line), level: 'info' });
  });

  after(() => resetLogging());

  it('writes JSON lines with timestamp, level, logger, message and fields', () => {
    configureLogging({ format: 'json' });
    getLogger('jobmaster').info('Job switched state', { jobId: 'abc', attempt: 2 });
    expect(lines).to.have.length(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).to.include({ level: 'info', logger: 'jobmaster', msg: 'Job switched state', jobId: 'abc', attempt: 2 });
    expect(new Date(entry['ts'] as string).toISOString()).to.equal(entry['ts']);
    expect(Object.keys(entry).slice(0, 4)).to.deep.equal(['ts', 'level', 'logger', 'msg']);
  });

  it('renders errors with name, message and stack in JSON', () => {
    configureLogging({ format: 'json' });
    getLogger('task').error('Task failed', { error: new RangeError('out of range') });
    const entry = JSON.parse(lines[0]!) as { error: { name: string; message: string; stack: string } };
    expect(entry.error.name).to.equal('RangeError');
    expect(entry.error.message).to.equal('out of range');
    expect(entry.error.stack).to.contain('RangeError: out of range');
  });

  it('writes human lines with quoted values where needed', () => {
    configureLogging({ format: 'human' });
    getLogger('rm').warn('Slot request timed out', { slots: 3, reason: 'no resources left', error: new Error('lost') });
    expect(lines[0]).to.match(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}rm Slot request timed out slots=3 reason="no resources left" error=lost$/);
  });

  it('filters by level and follows later configuration', () => {
    const log = getLogger('x');
    log.debug('hidden');
    expect(log.isEnabled('debug')).to.equal(false);
    configureLogging({ level: 'debug' });
    log.debug('shown');
    expect(log.isEnabled('debug')).to.equal(true);
    configureLogging({ level: 'error' });
    log.warn('hidden too');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('DEBUG x shown');
  });

  it('gives child loggers the parent fields', () => {
    configureLogging({ format: 'json' });
    const child = getLogger('tm').child({ resourceId: 'tm-1' }).child({ slot: 0 });
    child.info('Offered slot', { jobId: 'j' });
    expect(JSON.parse(lines[0]!)).to.include({ resourceId: 'tm-1', slot: 0, jobId: 'j' });
  });

  it('does not let fields overwrite the reserved JSON keys', () => {
    configureLogging({ format: 'json' });
    getLogger('x').info('m', { msg: 'other', level: 'fake' });
    expect(JSON.parse(lines[0]!)).to.include({ msg: 'm', level: 'info', 'field.msg': 'other', 'field.level': 'fake' });
  });

  it('appends to a file, off the terminal unless asked, and tells threads started later how to log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spindle-log-'));
    try {
      const file = join(dir, 'client.log');
      resetLogging();
      configureLogging({ file, console: false, level: 'debug' });
      getLogger('tm').debug('slot offered', { slot: 1 });
      getLogger('tm').warn('could not report task state');
      expect(readFileSync(file, 'utf8')).to.match(/DEBUG tm slot offered slot=1\n.*WARN {2}tm could not report task state\n$/);
      expect(loggingEnvironment()).to.deep.equal({ SPINDLE_LOG_LEVEL: 'debug', SPINDLE_LOG_FILE: file, SPINDLE_LOG_CONSOLE: 'false' });
    } finally {
      resetLogging();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
