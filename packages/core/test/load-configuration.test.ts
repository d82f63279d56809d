import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  CoreOptions,
  MiniClusterOptions,
  TaskManagerOptions,
  envVariableFor,
  loadConfiguration,
} from '../src/index.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigurationError);
    return (e as ConfigurationError).problems;
  }
  return expect.fail('expected a ConfigurationError');
}

describe('loadConfiguration', () => {
  let root: string;
  let confDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'spindle-conf-'));
    confDir = join(root, 'conf');
    mkdirSync(confDir);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const writeConf = (text: string) => writeFileSync(join(confDir, 'spindle-conf.yaml'), text);

  it('uses defaults when nothing is configured', () => {
    const { config, warnings, sources } = loadConfiguration({ env: {} });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(1);
    expect(config.keys()).to.deep.equal([]);
    expect(warnings).to.deep.equal([]);
    expect(sources).to.deep.equal({});
  });

  it('applies -D over environment over file over default', () => {
    writeConf('parallelism.default: 2\ntaskmanager.numberOfTaskSlots: 3\nheartbeat.interval: 1 s\n');
    const env = { SPINDLE_PARALLELISM_DEFAULT: '5', SPINDLE_TASKMANAGER_NUMBEROFTASKSLOTS: '6' };
    const { config, sources } = loadConfiguration({ confDir, env, dynamic: { 'parallelism.default': '9' } });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(9);
    expect(config.get(TaskManagerOptions.NUM_TASK_SLOTS)).to.equal(6);
    expect(config.getString('heartbeat.interval')).to.equal('1 s');
    expect(config.get(CoreOptions.RUNTIME_MODE)).to.equal('STREAMING');
    expect(sources).to.deep.equal({
      'parallelism.default': 'dynamic',
      'taskmanager.numberOfTaskSlots': 'environment',
      'heartbeat.interval': 'file',
    });
  });

  it('reads nested YAML like flat YAML', () => {
    writeConf('parallelism:\n  default: 4\nexecution:\n  runtime-mode: batch\n  buffer-timeout:\n    interval: 50 ms\n');
    const { config } = loadConfiguration({ confDir, env: {} });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(4);
    expect(config.get(CoreOptions.RUNTIME_MODE)).to.equal('BATCH');
    expect(config.get(CoreOptions.BUFFER_TIMEOUT)).to.equal(50);
  });

  it('finds the conf dir through SPINDLE_CONF_DIR', () => {
    writeConf('parallelism.default: 7\n');
    const { config } = loadConfiguration({ env: { SPINDLE_CONF_DIR: confDir } });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(7);
  });

  it('accepts a conf dir without a file but not a missing conf dir', () => {
    expect(loadConfiguration({ confDir, env: {} }).config.keys()).to.deep.equal([]);
    const missing = join(root, 'nope');
    expect(problemsOf(() => loadConfiguration({ env: { SPINDLE_CONF_DIR: missing } }))).to.deep.equal([
      `configuration directory '${missing}' does not exist`,
    ]);
  });

  it('reads SPINDLE_PROPERTIES, with per-option variables winning', () => {
    const env = {
      SPINDLE_PROPERTIES: 'parallelism.default: 3\n# comment\n\npipeline.name: my job: nightly\n',
      SPINDLE_PARALLELISM_DEFAULT: '4',
    };
    const { config } = loadConfiguration({ env });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(4);
    expect(config.get(CoreOptions.PIPELINE_NAME)).to.equal('my job: nightly');
    expect(envVariableFor('execution.buffer-timeout.interval')).to.equal('SPINDLE_EXECUTION_BUFFER_TIMEOUT_INTERVAL');
  });

  it('reports every problem at once', () => {
    writeConf('execution.runtime-mode: FAST\n');
    const problems = problemsOf(() =>
      loadConfiguration({
        confDir,
        env: { SPINDLE_HEARTBEAT_TIMEOUT: 'soon' },
        dynamic: { 'parallelism.default': 'abc', 'paralelism.default': '2' },
      }),
    );
    const file = join(confDir, 'spindle-conf.yaml');
    expect(problems).to.have.members([
      `execution.runtime-mode: 'FAST' (from ${file}) must be one of STREAMING, BATCH, AUTOMATIC`,
      "heartbeat.timeout: 'soon' (from SPINDLE_HEARTBEAT_TIMEOUT) is not a duration; expected a number with an optional unit (ms, s, min, h, d), e.g. '100 ms' or '10 s'",
      "parallelism.default: 'abc' (from -D) is not an integer",
      "unknown configuration key 'paralelism.default' (from -D); did you mean 'parallelism.default'?",
    ]);
    expect(problems).to.have.length(4);
  });

  it('lists all problems in the error message', () => {
    try {
      loadConfiguration({ env: {}, dynamic: { 'parallelism.default': '0', 'rest.port': 'http' } });
      expect.fail('expected a ConfigurationError');
    } catch (e) {
      expect((e as Error).message).to.equal(
        "Invalid configuration:\n  - parallelism.default: '0' (from -D) must be at least 1\n  - rest.port: 'http' (from -D) is not an integer",
      );
    }
  });

  it('warns about unknown keys from the file or environment, and from -D when not strict', () => {
    writeConf('custom.plugin.setting: 1\n');
    const loaded = loadConfiguration({
      confDir,
      env: { SPINDLE_PROPERTIES: 'rest.prot: 8082' },
      dynamic: { 'my.own.key': 'x' },
      strictDynamic: false,
    });
    expect(loaded.warnings).to.have.length(3);
    expect(loaded.warnings[1]).to.equal("unknown configuration key 'rest.prot' (from SPINDLE_PROPERTIES); did you mean 'rest.port'?");
    expect(loaded.config.getString('custom.plugin.setting')).to.equal('1');
  });

  it('reads deprecated keys with a warning naming the new key', () => {
    writeConf('local.number-taskmanager: 3\n');
    const loaded = loadConfiguration({ confDir, env: {}, dynamic: { 'execution.buffer-timeout': '-1' } });
    expect(loaded.config.get(MiniClusterOptions.NUM_TASK_MANAGERS)).to.equal(3);
    expect(loaded.config.get(CoreOptions.BUFFER_TIMEOUT)).to.equal(-1);
    expect(loaded.config.keys()).to.have.members(['minicluster.number-of-taskmanagers', 'execution.buffer-timeout.interval']);
    expect(loaded.warnings).to.have.length(2);
    expect(loaded.warnings[1]).to.equal(
      "configuration key 'execution.buffer-timeout' (from -D) is deprecated; use 'execution.buffer-timeout.interval' instead",
    );
  });

  it('lets a new key given with -D win over a deprecated key in the file', () => {
    writeConf('execution.buffer-timeout: 1 s\n');
    const { config } = loadConfiguration({ confDir, env: {}, dynamic: { 'execution.buffer-timeout.interval': '20 ms' } });
    expect(config.get(CoreOptions.BUFFER_TIMEOUT)).to.equal(20);
  });

  it('reports YAML syntax errors with file and line', () => {
    writeConf('parallelism.default: 2\nrest.port: [8081\n');
    const problems = problemsOf(() => loadConfiguration({ confDir, env: {} }));
    expect(problems[0]).to.match(
      new RegExp(`^${join(confDir, 'spindle-conf.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: invalid YAML`),
    );
  });

  it('rejects a YAML file that is not a map', () => {
    writeConf('- a\n- b\n');
    expect(problemsOf(() => loadConfiguration({ confDir, env: {} }))[0]).to.contain('expected a map');
  });
  it('keeps the unknown conf file keys in the error when another source has a bad value', () => {
    writeConf('paralelism.default: 2\n');
    try {
      loadConfiguration({ confDir, env: {}, dynamic: { 'parallelism.default': 'abc' } });
      expect.fail('expected a ConfigurationError');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigurationError);
      const file = join(confDir, 'spindle-conf.yaml');
      const unknown = `unknown configuration key 'paralelism.default' (from ${file}); did you mean 'parallelism.default'?`;
      expect((e as ConfigurationError).warnings).to.deep.equal([unknown]);
      expect((e as Error).message).to.include("parallelism.default: 'abc' (from -D) is not an integer");
      expect((e as Error).message).to.include(unknown);
    }
  });

  it('reports malformed -D properties together with the problems of every other source', () => {
    writeConf('parallelism.default: 2\nrest.port: [8081\n');
    const problems = problemsOf(() =>
      loadConfiguration({
        confDir,
        env: { SPINDLE_HEARTBEAT_TIMEOUT: 'soon' },
        dynamicProperties: ['taskmanager.numberOfTaskSlots', 'taskmanager.numberOfTaskSlots=0'],
      }),
    );
    expect(
      problems.some((p) => p.includes('invalid YAML')),
      problems.join('\n'),
    ).to.equal(true);
    expect(problems).to.include(
      "heartbeat.timeout: 'soon' (from SPINDLE_HEARTBEAT_TIMEOUT) is not a duration; expected a number with an optional unit (ms, s, min, h, d), e.g. '100 ms' or '10 s'",
    );
    expect(problems).to.include("invalid dynamic property 'taskmanager.numberOfTaskSlots': expected -D key=value");
    expect(problems).to.include("taskmanager.numberOfTaskSlots: '0' (from -D) must be at least 1");
  });

  it('labels values given by command-line flags with the flag', () => {
    const problems = problemsOf(() => loadConfiguration({ env: {}, flags: [{ key: 'parallelism.default', value: 'zero', flag: '-p' }] }));
    expect(problems).to.deep.equal(["parallelism.default: 'zero' (from -p) is not an integer"]);
  });

  it('warns about an invalid value that a source of higher precedence overrides', () => {
    writeConf('parallelism.default: many\n');
    const loaded = loadConfiguration({ confDir, env: {}, dynamic: { 'parallelism.default': '2' } });
    expect(loaded.config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(2);
    expect(loaded.warnings).to.deep.equal([
      `parallelism.default: 'many' (from ${join(confDir, 'spindle-conf.yaml')}) is not an integer (overridden by -D)`,
    ]);
  });

  it('warns about a SPINDLE_ variable that nearly names an option', () => {
    const loaded = loadConfiguration({ env: { SPINDLE_PARALELISM_DEFAULT: '4', SPINDLE_CONF_DIR_UNRELATED_TOOL: 'x' } });
    expect(loaded.warnings).to.deep.equal([
      'environment variable SPINDLE_PARALELISM_DEFAULT names no configuration key; did you mean SPINDLE_PARALLELISM_DEFAULT (parallelism.default)?',
    ]);
  });
});
