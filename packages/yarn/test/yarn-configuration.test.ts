import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseHadoopXml, yarnAddresses } from '../src/yarn-configuration.js';

describe('YARN addresses from yarn-site.xml', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-yarn-conf-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const site = (props: Record<string, string>): void =>
    fs.writeFileSync(
      path.join(dir, 'yarn-site.xml'),
      `<?xml version="1.0"?>\n<configuration>\n${Object.entries(props)
        .map(([k, v]) => `  <property>\n    <name>${k}</name>\n    <value>${v}</value>\n    <final>false</final>\n  </property>`)
        .join('\n')}\n</configuration>\n`,
    );

  it('reads explicit addresses from HADOOP_CONF_DIR', () => {
    site({ 'yarn.resourcemanager.scheduler.address': '127.0.0.1:39219', 'yarn.resourcemanager.webapp.address': '127.0.0.1:39697' });
    const a = yarnAddresses({ HADOOP_CONF_DIR: dir });
    expect(a.scheduler).to.deep.equal({ host: '127.0.0.1', port: 39219 });
    expect(a.webappUrl).to.equal('http://127.0.0.1:39697');
    expect(a.confDir).to.equal(dir);
  });

  it('derives the defaults from yarn.resourcemanager.hostname, YARN_CONF_DIR first', () => {
    site({ 'yarn.resourcemanager.hostname': 'rm.example' });
    const a = yarnAddresses({ YARN_CONF_DIR: dir, HADOOP_CONF_DIR: '/nonexistent' });
    expect(a.scheduler).to.deep.equal({ host: 'rm.example', port: 8030 });
    expect(a.webappUrl).to.equal('http://rm.example:8088');
  });

  it('reaches a wildcard-bound RM on loopback when nothing is configured', () => {
    const a = yarnAddresses({});
    expect(a.scheduler).to.deep.equal({ host: '127.0.0.1', port: 8030 });
    expect(a.webappUrl).to.equal('http://127.0.0.1:8088');
    expect(a.confDir).to.equal(undefined);
  });

  it('unescapes XML entities in values', () => {
    expect(parseHadoopXml('<property><name>a</name><value>x &amp; y &lt;z&gt;</value></property>').get('a')).to.equal('x & y <z>');
  });
});
