import { expect } from 'chai';
import {
  ClusterOptions,
  Configuration,
  ConfigurationError,
  CoreOptions,
  MiniClusterOptions,
  TaskManagerOptions,
  allOptions,
  durationOption,
  enumOption,
  findOption,
  formatDuration,
  formatMemorySize,
  parseDuration,
  parseDynamicProperty,
  parseMemorySize,
  stringOption,
} from '../src/index.js';

describe('config options', () => {
  it('parses Flink duration syntax into milliseconds', () => {
    const cases: [string | number, number][] = [
      ['100 ms', 100],
      ['100ms', 100],
      ['10 s', 10_000],
      ['10s', 10_000],
      ['1 min', 60_000],
      ['2 h', 7_200_000],
      ['1 d', 86_400_000],
      ['250', 250],
      [250, 250],
      ['1.5 s', 1500],
      ['5 MIN', 300_000],
      ['-1', -1],
      ['3 seconds', 3000],
    ];
    for (const [raw, ms] of cases) expect(parseDuration(raw), String(raw)).to.equal(ms);
    for (const bad of ['', 'soon', '10 parsecs', '1 s 2', 'ms']) expect(() => parseDuration(bad), bad).to.throw(/is not a duration/);
    expect(formatDuration(300_000)).to.equal('5 min');
    expect(formatDuration(1500)).to.equal('1500 ms');
  });

  it('parses memory sizes with binary multiples', () => {
    const cases: [string, number][] = [
      ['32kb', 32_768],
      ['32 kb', 32_768],
      ['64m', 67_108_864],
      ['1g', 1_073_741_824],
      ['2 gb', 2_147_483_648],
      ['1024', 1024],
      ['7b', 7],
      ['1TB', 1_099_511_627_776],
      ['16K', 16_384],
    ];
    for (const [raw, bytes] of cases) expect(parseMemorySize(raw), raw).to.equal(bytes);
    for (const bad of ['', 'lots', '1.5gb', '-1kb', '10 xb']) expect(() => parseMemorySize(bad), bad).to.throw(/is not a memory size/);
    expect(formatMemorySize(32_768)).to.equal('32kb');
    expect(formatMemorySize(1000)).to.equal('1000b');
  });

  it('matches enums case-insensitively and returns the canonical value', () => {
    expect(CoreOptions.RUNTIME_MODE.parse('batch')).to.equal('BATCH');
    expect(CoreOptions.RUNTIME_MODE.parse('Automatic')).to.equal('AUTOMATIC');
    expect(() => CoreOptions.RUNTIME_MODE.parse('FAST')).to.throw('must be one of STREAMING, BATCH, AUTOMATIC');
    expect(CoreOptions.RUNTIME_MODE.values).to.deep.equal(['STREAMING', 'BATCH', 'AUTOMATIC']);
  });

  it('checks integer syntax and bounds', () => {
    expect(CoreOptions.DEFAULT_PARALLELISM.parse(' 4 ')).to.equal(4);
    expect(() => CoreOptions.DEFAULT_PARALLELISM.parse('abc')).to.throw('is not an integer');
    expect(() => CoreOptions.DEFAULT_PARALLELISM.parse('2.5')).to.throw('is not an integer');
    expect(() => CoreOptions.DEFAULT_PARALLELISM.parse('0')).to.throw('must be at least 1');
    expect(() => ClusterOptions.REST_PORT.parse('70000')).to.throw('must be at most 65535');
    expect(CoreOptions.BUFFER_TIMEOUT.parse('-1')).to.equal(-1);
    expect(() => CoreOptions.BUFFER_TIMEOUT.parse('-2')).to.throw('must be at least -1 ms');
    expect(() => TaskManagerOptions.SEGMENT_SIZE.parse('1kb')).to.throw('must be at least 4kb');
  });

  it('parses booleans strictly', () => {
    expect(CoreOptions.EXECUTION_ATTACHED.parse('FALSE')).to.equal(false);
    expect(() => CoreOptions.EXECUTION_ATTACHED.parse('yes')).to.throw('must be true or false');
  });

  it('has the documented keys and defaults', () => {
    expect(CoreOptions.DEFAULT_PARALLELISM).to.include({ key: 'parallelism.default', defaultValue: 1, type: 'int' });
    expect(CoreOptions.BUFFER_TIMEOUT.deprecatedKeys).to.deep.equal(['execution.buffer-timeout']);
    expect(TaskManagerOptions.SEGMENT_SIZE.defaultValue).to.equal(32_768);
    expect(ClusterOptions.SLOT_REQUEST_TIMEOUT.defaultValue).to.equal(300_000);
    expect(ClusterOptions.REST_BIND_ADDRESS.defaultValue).to.equal(undefined);
    expect(MiniClusterOptions.NUM_TASK_MANAGERS.key).to.equal('minicluster.number-of-taskmanagers');
    for (const option of allOptions().filter((o) => !o.key.startsWith('test.')))
      expect(option.description, option.key).to.match(/^[A-Z].{15,}\.$/);
  });

  it('finds options by key and by deprecated key, and rejects duplicate keys', () => {
    expect(findOption('parallelism.default')).to.equal(CoreOptions.DEFAULT_PARALLELISM);
    expect(findOption('local.number-taskmanager')).to.equal(MiniClusterOptions.NUM_TASK_MANAGERS);
    expect(findOption('no.such.key')).to.equal(undefined);
    expect(() => stringOption({ key: 'parallelism.default', description: 'Duplicate.' })).to.throw(/defined twice/);
  });

  it('lets packages define their own options', () => {
    const mode = enumOption({
      key: 'test.config-options.mode',
      values: ['ONE', 'TWO'] as const,
      default: 'ONE',
      description: 'A test option.',
    });
    const delay = durationOption({ key: 'test.config-options.delay', default: 5000, description: 'A test delay.' });
    const config = new Configuration({ 'test.config-options.mode': 'two' });
    expect(config.get(mode)).to.equal('TWO');
    expect(config.get(delay)).to.equal(5000);
  });
});

describe('Configuration', () => {
  it('returns defaults, parsed values and values under deprecated keys', () => {
    const config = new Configuration({ 'parallelism.default': '3', 'execution.buffer-timeout': '5 s' });
    expect(config.get(CoreOptions.DEFAULT_PARALLELISM)).to.equal(3);
    expect(config.get(CoreOptions.BUFFER_TIMEOUT)).to.equal(5000);
    expect(config.get(CoreOptions.RUNTIME_MODE)).to.equal('STREAMING');
    expect(config.getOptional(CoreOptions.RUNTIME_MODE)).to.equal(undefined);
    expect(config.get(CoreOptions.PIPELINE_NAME)).to.equal(undefined);
    expect(config.has(CoreOptions.BUFFER_TIMEOUT)).to.equal(true);
    expect(config.has('execution.buffer-timeout.interval')).to.equal(false);
  });

  it('throws a ConfigurationError naming key and value', () => {
    const config = new Configuration({ 'parallelism.default': 'many' });
    expect(() => config.get(CoreOptions.DEFAULT_PARALLELISM))
      .to.throw(ConfigurationError)
      .with.property('problems')
      .that.deep.equals(["parallelism.default: 'many' is not an integer"]);
  });

  it('sets typed values as strings that parse back', () => {
    const config = new Configuration()
      .set(CoreOptions.DEFAULT_PARALLELISM, 8)
      .set(TaskManagerOptions.SEGMENT_SIZE, 65_536)
      .set(ClusterOptions.HEARTBEAT_TIMEOUT, 120_000)
      .set(CoreOptions.RUNTIME_MODE, 'BATCH');
    expect(config.toMap()).to.deep.equal({
      'parallelism.default': '8',
      'taskmanager.memory.segment-size': '64kb',
      'heartbeat.timeout': '2 min',
      'execution.runtime-mode': 'BATCH',
    });
    const copy = new Configuration(config.toMap());
    expect(copy.get(TaskManagerOptions.SEGMENT_SIZE)).to.equal(65_536);
    expect(copy.get(ClusterOptions.HEARTBEAT_TIMEOUT)).to.equal(120_000);
  });

  it('set replaces a value given under a deprecated key', () => {
    const config = new Configuration({ 'execution.buffer-timeout': '5 s' }).set(CoreOptions.BUFFER_TIMEOUT, 10);
    expect(config.keys()).to.deep.equal(['execution.buffer-timeout.interval']);
    expect(config.get(CoreOptions.BUFFER_TIMEOUT)).to.equal(10);
  });

  it('clones, merges and removes', () => {
    const a = new Configuration({ x: '1', y: '2' });
    const b = a.clone().setString('y', '3').setString('z', '4');
    expect(a.getString('y')).to.equal('2');
    a.addAll(b);
    expect(a.toMap()).to.deep.equal({ x: '1', y: '3', z: '4' });
    expect(a.remove('x')).to.equal(true);
    expect(a.has('x')).to.equal(false);
  });

  it('splits dynamic properties', () => {
    expect(parseDynamicProperty('parallelism.default=4')).to.deep.equal(['parallelism.default', '4']);
    expect(parseDynamicProperty('-Dpipeline.name=a=b')).to.deep.equal(['pipeline.name', 'a=b']);
    expect(parseDynamicProperty('pipeline.name=')).to.deep.equal(['pipeline.name', '']);
    expect(() => parseDynamicProperty('novalue')).to.throw(ConfigurationError, "'novalue'");
    expect(() => parseDynamicProperty('=4')).to.throw(ConfigurationError, "'=4'");
  });
});
