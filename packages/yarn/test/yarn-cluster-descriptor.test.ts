import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfiguration } from '@spindle/core';
import {
  YarnClusterDescriptor,
  YarnError,
  YarnOptions,
  readYarnPropertiesApplicationId,
  removeYarnProperties,
  shellQuote,
  writeYarnProperties,
  confFileText,
  type ApplicationReport,
  type ApplicationStaging,
  type LocalResource,
  type ApplicationSubmission,
  type ShippedFile,
  parseEnvJson,
  type RmApplications,
  logContents,
} from '../src/index.js';

/** An RM whose queue 'default' grants at most 4096 MB and whose application comes up RUNNING. */
class FakeRm implements RmApplications {
  readonly submitted: ApplicationSubmission[] = [];
  readonly killed: string[] = [];
  report: Partial<ApplicationReport> = {
    state: 'RUNNING',
    amRPCAddress: 'nm-host:41000',
    trackingUrl: 'http://rm:8088/proxy/application_1_0001/',
  };
  async queue(name: string) {
    if (name !== 'default') throw new YarnError('YARN_UNKNOWN_QUEUE', `YARN queue "${name}" does not exist`);
    return { queueName: 'default', queuePath: 'root.default', maximumAllocation: { memory: 4096, vCores: 4 } };
  }
  async newApplication() {
    return { applicationId: 'application_1_0001', maximumResourceCapability: { memory: 8192, vCores: 8 } };
  }
  async submitApplication(s: ApplicationSubmission) {
    this.submitted.push(s);
  }
  async application(id: string) {
    return { id, applicationTags: [], ...this.report } as ApplicationReport;
  }
  async killApplication(id: string) {
    this.killed.push(id);
    return 'KILLED' as const;
  }
  /** The AppMaster's log files, as its NodeManager serves them. */
  readonly amLogs = new Map<string, string>();
  async amContainerLogTail(_report: ApplicationReport, file: string, bytes = 4096) {
    return this.amLogs.get(file)?.slice(-bytes);
  }
}

/** Staging in memory: records what was staged and removed; `fail` makes staging throw. */
class FakeStaging implements ApplicationStaging {
  readonly staged = new Map<string, readonly string[]>();
  readonly removed: string[] = [];
  fail: Error | undefined;
  directory(applicationId: string) {
    return `hdfs://nn:8020/user/me/.spindle/${applicationId}`;
  }
  async stageConfiguration(dir: string, properties: readonly string[]): Promise<LocalResource> {
    if (this.fail !== undefined) throw this.fail;
    this.staged.set(dir, properties);
    return { url: `${dir}/spindle-conf.yaml`, type: 'FILE', visibility: 'APPLICATION', size: 42, timestamp: 1700000000000 };
  }
  async stageFile(dir: string, file: ShippedFile): Promise<LocalResource> {
    return {
      url: `${dir}/${path.basename(file.localFile)}`,
      type: file.type,
      visibility: 'APPLICATION',
      size: 7,
      timestamp: 1700000000001,
    };
  }
  async remove(dir: string) {
    this.removed.push(dir);
    this.staged.delete(dir);
  }
  /** Staging directories left by applications of earlier runs. */
  leftovers: string[] = [];
  async applications() {
    return this.leftovers;
  }
}

const launch = {
  command: ['/opt/node/bin/node', '/opt/spindle/bin/spindle.js', 'yarn-appmaster'],
  dynamicProperties: ['yarn.application.name=my app'],
  path: '/opt/node/bin:/usr/bin:/bin',
  stagedProperties: ['yarn.application.name=my app'],
};

function config(...props: string[]) {
  return loadConfiguration({ dynamicProperties: props }).config;
}

describe('YarnClusterDescriptor', () => {
  it('submits the AM with quoted -D options, the queue path, tags and attempts, and returns the REST address', async () => {
    const rm = new FakeRm();
    const staging = new FakeStaging();
    const session = await new YarnClusterDescriptor(config('yarn.tags=a, b', 'jobmanager.memory.process.size=768m'), rm, staging).deploy(
      launch,
    );
    expect(session).to.deep.equal({
      applicationId: 'application_1_0001',
      restUrl: 'http://nm-host:41000',
      trackingUrl: 'http://rm:8088/proxy/application_1_0001/',
    });
    const s = rm.submitted[0]!;
    expect(s).to.deep.include({ queue: 'root.default', tags: ['a', 'b'], maxAppAttempts: 1, resource: { memoryMb: 768, vcores: 1 } });
    const dir = 'hdfs://nn:8020/user/me/.spindle/application_1_0001';
    expect(s.amContainer.environment).to.deep.include({ PATH: launch.path, SPINDLE_CONF_DIR: '.', SPINDLE_YARN_STAGING_DIR: dir });
    expect(s.amContainer.localResources).to.deep.equal({
      'spindle-conf.yaml': {
        resource: `${dir}/spindle-conf.yaml`,
        type: 'FILE',
        visibility: 'APPLICATION',
        size: 42,
        timestamp: 1700000000000,
      },
    });
    expect(staging.staged.get(dir)).to.deep.equal(['yarn.application.name=my app']);
    expect(s.amContainer.commands).to.deep.equal([
      ...launch.command,
      "'-Dyarn.application.name=my app'",
      '-Dhigh-availability.cluster-id=application_1_0001',
      '1><LOG_DIR>/jobmanager.out',
      '2><LOG_DIR>/jobmanager.err',
    ]);
  });

  it('refuses a TaskManager above the maximum allocation before submitting anything', async () => {
    const rm = new FakeRm();
    const staging = new FakeStaging();
    const err = await new YarnClusterDescriptor(config('taskmanager.memory.process.size=5g'), rm, staging)
      .deploy(launch)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(YarnError);
    expect((err as YarnError).code).to.equal('YARN_RESOURCE_TOO_LARGE');
    expect((err as YarnError).message).to.match(/5120 MB, is above the maximum allocation of queue 'default': 4096 MB/);
    expect(rm.submitted).to.deep.equal([]);
    expect(staging.staged.size).to.equal(0);
  });

  it('submits nothing when staging fails, and removes what it staged', async () => {
    const rm = new FakeRm();
    const staging = new FakeStaging();
    staging.fail = new YarnError('YARN_STAGING', 'Cannot stage the application: permission denied', { userFacing: true });
    const err = await new YarnClusterDescriptor(config(), rm, staging).deploy(launch).catch((e: unknown) => e);
    expect((err as YarnError).code).to.equal('YARN_STAGING');
    expect(rm.submitted).to.deep.equal([]);
    expect(staging.removed).to.deep.equal(['hdfs://nn:8020/user/me/.spindle/application_1_0001']);
  });

  it('kills an application that ends during deployment and reports why', async () => {
    const rm = new FakeRm();
    rm.report = { state: 'FAILED', diagnostics: 'AM exited with 1' };
    const staging = new FakeStaging();
    const err = await new YarnClusterDescriptor(config(), rm, staging).deploy(launch).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/ended FAILED during deployment: AM exited with 1/);
    expect(rm.killed).to.deep.equal(['application_1_0001']);
    expect(staging.removed).to.deep.equal(['hdfs://nn:8020/user/me/.spindle/application_1_0001']);
    expect(staging.staged.size).to.equal(0);
  });

  it("shows the end of the AppMaster's jobmanager.err when the application fails during deployment", async () => {
    const rm = new FakeRm();
    rm.report = { state: 'FAILED', diagnostics: 'Exception from container-launch. Exit code: 1' };
    rm.amLogs.set('jobmanager.err', `${'x'.repeat(5000)}\nSpindle needs Node.js >= 20.6, but /opt/node18/bin/node is v18.20.4.\n`);
    const staging = new FakeStaging();
    const err = await new YarnClusterDescriptor(config(), rm, staging).deploy(launch).catch((e: unknown) => e);
    const message = (err as Error).message;
    expect(message).to.match(/ended FAILED during deployment: Exception from container-launch\. Exit code: 1/);
    expect(message).to.include("\nThe end of the AppMaster's jobmanager.err:\n");
    expect(message).to.match(/\nSpindle needs Node\.js >= 20\.6, but \/opt\/node18\/bin\/node is v18\.20\.4\.$/);
    expect(message.length, 'only the tail of a long log').to.be.below(2500);
    expect(staging.removed).to.deep.equal(['hdfs://nn:8020/user/me/.spindle/application_1_0001']);
  });

  it("takes a log file's text out of the NodeManager's framing", () => {
    const answer =
      'Container: container_1_0001_01_000001 on nm:40285\nLogAggregationType: LOCAL\n' +
      '====================================================================\nLogType:jobmanager.err\n' +
      'LogLastModifiedTime:Mon Nov 30 18:26:26 +0000 2026\nLogLength:12\nLogContents:\nline 1\nline 2\n' +
      'End of LogType:jobmanager.err.\n' +
      '*******************************************************************************\n\n';
    expect(logContents(answer)).to.equal('line 1\nline 2');
    expect(logContents('plain text\n')).to.equal('plain text\n');
  });

  it('ships files to the AppMaster and, when marked, to TaskManagers; sweeps staging directories of ended applications first', async () => {
    const rm = new FakeRm();
    const ended = new Map([
      ['application_1_0000', 'KILLED'],
      ['application_0_0007', 'RUNNING'],
    ]);
    const application = rm.application.bind(rm);
    rm.application = async (id: string) =>
      ended.has(id) ? ({ id, state: ended.get(id), applicationTags: [] } as unknown as ApplicationReport) : application(id);
    const staging = new FakeStaging();
    staging.leftovers = [...ended.keys()];
    const ship: ShippedFile[] = [
      { name: 'spindle-engine', localFile: '/cache/spindle-engine-abc.tar.gz', type: 'ARCHIVE', taskManagers: true },
      { name: 'job.mjs', localFile: '/tmp/x/job.mjs', type: 'FILE', taskManagers: false },
    ];
    await new YarnClusterDescriptor(config(), rm, staging).deploy({
      ...launch,
      ship,
      environment: { SPINDLE_YARN_CLUSTER_MODE: 'application' },
    });
    expect(staging.removed).to.deep.equal(['hdfs://nn:8020/user/me/.spindle/application_1_0000']);
    const am = rm.submitted[0]!.amContainer;
    const resources = am.localResources ?? {};
    const environment = am.environment ?? {};
    const dir = 'hdfs://nn:8020/user/me/.spindle/application_1_0001';
    expect(Object.keys(resources).sort()).to.deep.equal(['job.mjs', 'spindle-conf.yaml', 'spindle-engine']);
    expect(resources['spindle-engine']).to.deep.include({ resource: `${dir}/spindle-engine-abc.tar.gz`, type: 'ARCHIVE' });
    expect(environment['SPINDLE_YARN_CLUSTER_MODE']).to.equal('application');
    const forTaskManagers = parseEnvJson<Record<string, LocalResource>>(environment['SPINDLE_YARN_TM_RESOURCES'], {});
    expect(Object.keys(forTaskManagers).sort()).to.deep.equal(['spindle-conf.yaml', 'spindle-engine']);
    expect(environment['SPINDLE_YARN_TM_RESOURCES']).to.match(/^[A-Za-z0-9+/=]+$/);
  });

  it('writes the staged configuration as YAML that the configuration loader reads back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-staged-conf-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'spindle-conf.yaml'),
        confFileText(['yarn.application.name=a: "b" # c', 'taskmanager.numberOfTaskSlots=3']),
      );
      const loaded = loadConfiguration({ confDir: dir, env: {} }).config;
      expect(loaded.get(YarnOptions.APPLICATION_NAME)).to.equal('a: "b" # c');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('yarn-session helpers', () => {
  it('quotes command words for the NodeManager’s bash line only when needed', () => {
    expect(shellQuote('-Dtaskmanager.memory.process.size=1024m')).to.equal('-Dtaskmanager.memory.process.size=1024m');
    expect(shellQuote("it's $HOME")).to.equal(`'it'\\''s $HOME'`);
  });

  it('writes, reads and removes the properties file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-yarn-props-'));
    try {
      const c = config(`yarn.properties-file.location=${dir}`);
      const file = writeYarnProperties(c, 'application_1_0002');
      expect(path.basename(file)).to.equal(`.yarn-properties-${os.userInfo().username}`);
      expect(readYarnPropertiesApplicationId(c)).to.equal('application_1_0002');
      removeYarnProperties(c, 'application_1_0003');
      expect(fs.existsSync(file)).to.equal(true);
      removeYarnProperties(c, 'application_1_0002');
      expect(readYarnPropertiesApplicationId(c)).to.equal(undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
