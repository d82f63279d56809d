import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSystemError } from '@spindle/core';
import { HadoopConfiguration, hadoopUser, resolveNameNodes } from '../src/index.js';

function site(props: Record<string, string | { value: string; final: true }>): string {
  const entries = Object.entries(props).map(([name, v]) =>
    typeof v === 'string'
      ? `  <property><name>${name}</name><value>${v}</value></property>`
      : `  <property>\n    <name>${name}</name>\n    <value>${v.value}</value>\n    <final>true</final>\n  </property>`,
  );
  return `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<!-- test -->\n<configuration>\n${entries.join('\n')}\n</configuration>\n`;
}

function conf(props: Record<string, string>): HadoopConfiguration {
  return new HadoopConfiguration(props, { directory: '/etc/hadoop', foundThrough: 'HADOOP_CONF_DIR' });
}

function failureOf(run: () => unknown): FileSystemError {
  try {
    run();
  } catch (e) {
    expect(e).to.be.instanceOf(FileSystemError);
    return e as FileSystemError;
  }
  throw new Error('expected a failure');
}

describe('Hadoop configuration', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-hconf-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads core-site.xml then hdfs-site.xml, later files overriding all but final properties', () => {
    fs.writeFileSync(
      path.join(dir, 'core-site.xml'),
      site({ 'fs.defaultFS': 'hdfs://nn:8020', a: { value: 'core', final: true }, b: 'core' }),
    );
    fs.writeFileSync(path.join(dir, 'hdfs-site.xml'), site({ a: 'hdfs', b: 'hdfs', 'dfs.replication': ' 1 ' }));
    const c = HadoopConfiguration.fromDirectory(dir, 'HADOOP_CONF_DIR');
    expect(c.get('fs.defaultFS')).to.equal('hdfs://nn:8020');
    expect(c.get('a')).to.equal('core');
    expect(c.get('b')).to.equal('hdfs');
    expect(c.get('dfs.replication')).to.equal('1');
    expect(c.get('missing')).to.equal(undefined);
    expect(c.describeOrigin()).to.contain(dir).and.contain('HADOOP_CONF_DIR');
  });

  it('expands ${...} from other properties, the environment (with defaults) and user.name, leaving unknown variables', () => {
    const c = new HadoopConfiguration(
      {
        host: 'nn1',
        port: '${env.NN_PORT}',
        addr: '${host}:${port}',
        dflt: '${env.UNSET_VAR:-fallback}/${env.EMPTY_VAR:-e}/${env.EMPTY_VAR-kept}',
        who: '/user/${user.name}',
        loop: '${loop}',
        unknown: 'x${no.such.key}y',
      },
      {},
      { NN_PORT: '9000', EMPTY_VAR: '', HADOOP_USER_NAME: 'alice' },
    );
    expect(c.get('addr')).to.equal('nn1:9000');
    expect(c.get('dflt')).to.equal('fallback/e/');
    expect(c.get('who')).to.equal('/user/alice');
    expect(c.get('unknown')).to.equal('x${no.such.key}y');
    expect(c.get('loop')).to.equal('${loop}');
  });

  it('finds the directory through HADOOP_CONF_DIR, then YARN_CONF_DIR, then HADOOP_HOME/etc/hadoop', () => {
    fs.mkdirSync(path.join(dir, 'etc', 'hadoop'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc', 'hadoop', 'core-site.xml'), site({ where: 'home' }));
    fs.mkdirSync(path.join(dir, 'yarn'));
    fs.writeFileSync(path.join(dir, 'yarn', 'core-site.xml'), site({ where: 'yarn' }));
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(path.join(dir, 'conf', 'core-site.xml'), site({ where: 'conf' }));
    const home = { HADOOP_HOME: dir };
    expect(HadoopConfiguration.fromEnvironment(home).get('where')).to.equal('home');
    expect(HadoopConfiguration.fromEnvironment({ ...home, YARN_CONF_DIR: path.join(dir, 'yarn') }).get('where')).to.equal('yarn');
    const all = { ...home, YARN_CONF_DIR: path.join(dir, 'yarn'), HADOOP_CONF_DIR: path.join(dir, 'conf') };
    expect(HadoopConfiguration.fromEnvironment(all).get('where')).to.equal('conf');
    expect(HadoopConfiguration.fromEnvironment({}).describeOrigin()).to.contain('HADOOP_CONF_DIR');
  });

  it('names a file that is not valid XML', () => {
    fs.writeFileSync(path.join(dir, 'core-site.xml'), '<configuration><property><name>a</name></configuration>');
    expect(() => HadoopConfiguration.fromDirectory(dir)).to.throw(/core-site\.xml.*not valid XML/);
  });

  it('takes the user from HADOOP_USER_NAME, else the process user', () => {
    expect(hadoopUser({ HADOOP_USER_NAME: 'bob' })).to.equal('bob');
    expect(hadoopUser({})).to.equal(os.userInfo().username);
  });
});

describe('NameNode addresses', () => {
  it('resolves hdfs:/// through fs.defaultFS and its HTTP address', () => {
    const c = conf({ 'fs.defaultFS': 'hdfs://127.0.0.1:9000', 'dfs.namenode.http-address': '127.0.0.1:50070' });
    expect(resolveNameNodes('', c, 'hdfs:///x')).to.deep.include({
      fsUri: 'hdfs://127.0.0.1:9000',
      httpAddresses: ['http://127.0.0.1:50070'],
    });
    expect(resolveNameNodes('localhost:9000', c, 'hdfs://localhost:9000/x').httpAddresses).to.deep.equal(['http://127.0.0.1:50070']);
  });

  it('takes the RPC host for a wildcard HTTP host, and the default HTTP port for the default RPC port', () => {
    const c = conf({ 'fs.defaultFS': 'hdfs://nn.example:8020', 'dfs.namenode.http-address': '0.0.0.0:9871' });
    expect(resolveNameNodes('', c, 'hdfs:///x').httpAddresses).to.deep.equal(['http://nn.example:9871']);
    expect(resolveNameNodes('other.example:8020', conf({}), 'hdfs://other.example:8020/x').httpAddresses).to.deep.equal([
      'http://other.example:9870',
    ]);
    expect(resolveNameNodes('other.example', conf({}), 'hdfs://other.example/x').httpAddresses).to.deep.equal([
      'http://other.example:9870',
    ]);
  });

  it('finds the HTTP address of a NameNode named by its RPC address', () => {
    const c = conf({
      'dfs.namenode.rpc-address': 'a.example:8021',
      'dfs.namenode.http-address': 'a.example:1001',
      'dfs.nameservices': 'ns1',
      'dfs.ha.namenodes.ns1': 'nn1,nn2',
      'dfs.namenode.rpc-address.ns1.nn1': 'b.example:8020',
      'dfs.namenode.http-address.ns1.nn1': 'b.example:2002',
      'dfs.namenode.rpc-address.ns1.nn2': 'c.example:8020',
      'dfs.namenode.http-address.ns1.nn2': 'c.example:3003',
    });
    expect(resolveNameNodes('a.example:8021', c, 'p').httpAddresses).to.deep.equal(['http://a.example:1001']);
    expect(resolveNameNodes('c.example:8020', c, 'p').httpAddresses).to.deep.equal(['http://c.example:3003']);
  });

  it('lists the NameNodes of an HA nameservice in order', () => {
    const c = conf({
      'fs.defaultFS': 'hdfs://ns1',
      'dfs.nameservices': 'ns0, ns1',
      'dfs.ha.namenodes.ns1': 'nn1, nn2',
      'dfs.namenode.http-address.ns1.nn1': '127.0.0.1:9871',
      'dfs.namenode.http-address.ns1.nn2': '127.0.0.1:9872',
    });
    const expected = { fsUri: 'hdfs://ns1', nameservice: 'ns1', httpAddresses: ['http://127.0.0.1:9871', 'http://127.0.0.1:9872'] };
    expect(resolveNameNodes('ns1', c, 'hdfs://ns1/x')).to.deep.equal(expected);
    expect(resolveNameNodes('', c, 'hdfs:///x')).to.deep.equal(expected);
  });

  it('explains a missing fs.defaultFS, a non-HDFS fs.defaultFS and a nameservice without addresses, naming the path', () => {
    const none = failureOf(() => resolveNameNodes('', conf({}), 'hdfs:///data/in'));
    expect(none.kind).to.equal('unreachable');
    expect(none.message).to.contain('hdfs:///data/in').and.contain('fs.defaultFS').and.contain('HADOOP_CONF_DIR');
    const local = failureOf(() => resolveNameNodes('', conf({ 'fs.defaultFS': 'file:///' }), 'hdfs:///data/in'));
    expect(local.message).to.contain('file:///').and.contain('hdfs:///data/in');
    const ha = failureOf(() =>
      resolveNameNodes('ns1', conf({ 'dfs.nameservices': 'ns1', 'dfs.ha.namenodes.ns1': 'nn1,nn2' }), 'hdfs://ns1/x'),
    );
    expect(ha.message).to.contain('dfs.namenode.http-address.ns1.nn1').and.contain('hdfs://ns1/x');
  });

  it('refuses an RPC port no NameNode of the configuration has, listing the known ones', () => {
    const c = conf({ 'fs.defaultFS': 'hdfs://127.0.0.1:9000', 'dfs.namenode.http-address': '127.0.0.1:50070' });
    const e = failureOf(() => resolveNameNodes('127.0.0.1:9001', c, 'hdfs://127.0.0.1:9001/in'));
    expect(e.kind).to.equal('unreachable');
    expect(e.message).to.contain('hdfs://127.0.0.1:9001/in').and.contain('hdfs://127.0.0.1:9000').and.contain('port');
  });

  it('says how an unknown name without a port was understood', () => {
    const c = conf({ 'dfs.nameservices': 'ns1', 'dfs.ha.namenodes.ns1': 'nn1', 'dfs.namenode.http-address.ns1.nn1': 'h:1' });
    const r = resolveNameNodes('ns2', c, 'hdfs://ns2/x');
    expect(r.httpAddresses).to.deep.equal(['http://ns2:9870']);
    expect(r.hint).to.contain('not a nameservice').and.contain('ns1');
  });
});
