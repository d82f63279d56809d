import { expect } from 'chai';
import { Configuration, ManualScheduler } from '@spindle/core';
import type { TaskIOMetrics } from '@spindle/protocol';
import { operatorMetricGroups, processMetricValues, taskMetricValues } from '../src/metrics/metric-names.js';
import { prometheusName, renderPrometheus } from '../src/metrics/prometheus.js';
import { RateWindow } from '../src/metrics/rate-window.js';
import { RuntimeSampler } from '../src/metrics/runtime-sampler.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { ResourceManager } from '../src/resourcemanager/resource-manager.js';
import { LocalRpcService } from '../src/rpc/rpc-service.js';
import { InlineSlotHost } from '../src/taskexecutor/inline-slot-host.js';
import { TaskExecutor } from '../src/taskexecutor/task-executor.js';
import { TaskTimers } from '../src/tasks/task-timers.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('metrics at their source', () => {
  it('RateWindow: per-second rates over the window, from the oldest sample inside it', () => {
    let now = 0;
    const window = new RateWindow([0, 0], 5000, () => now);
    now = 1000;
    window.sample([100, 0]);
    now = 2000;
    expect(window.rates([300, 50])).to.deep.equal([150, 25]);
    for (let t = 3000; t <= 10_000; t += 1000) {
      now = t;
      window.sample([t, 7]);
    }
    // The window starts at the last sample at least 5 s old (t = 5000).
    now = 10_000;
    expect(window.rates([10_000, 7])).to.deep.equal([1000, 0]);
  });

  it('TaskTimers: an idle period counts while it lasts, and the three times cover the elapsed time', async () => {
    const timers = new TaskTimers();
    timers.beginIdle();
    await new Promise((r) => setTimeout(r, 60));
    const during = timers.accumulatedTimes();
    expect(during.accumulatedIdleTimeMs).to.be.at.least(50);
    timers.endIdle();
    timers.beginBackPressure();
    await new Promise((r) => setTimeout(r, 30));
    timers.endBackPressure();
    const after = timers.accumulatedTimes();
    expect(after.accumulatedBackPressuredTimeMs).to.be.at.least(25);
    expect(after.accumulatedIdleTimeMs).to.equal(Math.round(after.accumulatedIdleTimeMs));
    const rates = timers.timeRates();
    const sum = rates.busyTimeMsPerSecond + rates.idleTimeMsPerSecond + rates.backPressuredTimeMsPerSecond;
    expect(sum).to.be.within(950, 1050);
    expect(rates.idleTimeMsPerSecond).to.be.greaterThan(rates.backPressuredTimeMsPerSecond);
    timers.stop();
  });

  it("names a task's metrics as Flink does, and a process's status metrics with the slot threads' heaps", () => {
    const m: TaskIOMetrics = {
      numRecordsIn: 5,
      numRecordsOut: 4,
      numBytesIn: 50,
      numBytesOut: 40,
      numRecordsInPerSecond: 1,
      numRecordsOutPerSecond: 2,
      numBytesInPerSecond: 3,
      numBytesOutPerSecond: 4,
      busyTimeMsPerSecond: 600,
      backPressuredTimeMsPerSecond: 300,
      idleTimeMsPerSecond: 100,
      accumulatedBusyTimeMs: 6,
      accumulatedBackPressuredTimeMs: 3,
      accumulatedIdleTimeMs: 1,
      currentInputWatermark: '-9223372036854775808',
      currentOutputWatermark: '17',
    };
    expect(taskMetricValues(m)).to.include({
      numRecordsIn: 5,
      busyTimeMsPerSecond: 600,
      currentOutputWatermark: '17',
      accumulatedIdleTime: 1,
    });
    const withOperators = { ...m, operatorCounters: { 'Late Windows.numLateRecordsDropped': 7 } };
    expect(taskMetricValues(withOperators)).to.include({ 'Late Windows.numLateRecordsDropped': 7 });
    expect(taskMetricValues(withOperators, false)).to.not.have.property('Late Windows.numLateRecordsDropped');
    const groups = operatorMetricGroups(withOperators, ['taskmanager', 'job', 'task'], { subtask_index: '0' });
    expect(renderPrometheus(groups)).to.include(
      'spindle_taskmanager_job_task_operator_numLateRecordsDropped{subtask_index="0",operator_name="Late_Windows"} 7',
    );
    const sampler = new RuntimeSampler();
    try {
      const status = sampler.process();
      const slot = { ...status.main, heapUsed: 1000, eventLoopLagMaxMs: 42 };
      const values = processMetricValues(status, [slot]);
      expect(values['Status.JVM.Memory.Heap.Used']).to.equal(status.main.heapUsed + 1000);
      expect(values['Status.JVM.Threads.Count']).to.equal(2);
      expect(values['Status.EventLoop.SlotLag.Max']).to.equal(42);
      expect(values['Status.JVM.Memory.Heap.Max']).to.be.greaterThan(0);
    } finally {
      sampler.close();
    }
  });

  it("renders Prometheus' text format with Flink's reporter names and filtered label values", () => {
    expect(prometheusName('spindle', ['taskmanager', 'job', 'task'], 'numRecordsIn')).to.equal('spindle_taskmanager_job_task_numRecordsIn');
    expect(prometheusName('spindle', ['jobmanager'], 'Status.JVM.CPU.Load')).to.equal('spindle_jobmanager_Status_JVM_CPU_Load');
    const text = renderPrometheus([
      { scope: ['taskmanager', 'job', 'task'], labels: { job_name: 'Keyed sums', subtask_index: '0' }, values: { numRecordsIn: 3 } },
      { scope: ['taskmanager', 'job', 'task'], labels: { job_name: 'Keyed sums', subtask_index: '1' }, values: { numRecordsIn: 4 } },
      { scope: ['jobmanager'], labels: {}, values: { numRunningJobs: 1, wm: '-9223372036854775808' } },
    ]);
    expect(text).to.equal(
      [
        '# HELP spindle_taskmanager_job_task_numRecordsIn spindle_taskmanager_job_task_numRecordsIn (scope: spindle_taskmanager_job_task)',
        '# TYPE spindle_taskmanager_job_task_numRecordsIn gauge',
        'spindle_taskmanager_job_task_numRecordsIn{job_name="Keyed_sums",subtask_index="0"} 3',
        'spindle_taskmanager_job_task_numRecordsIn{job_name="Keyed_sums",subtask_index="1"} 4',
        '# HELP spindle_jobmanager_numRunningJobs spindle_jobmanager_numRunningJobs (scope: spindle_jobmanager)',
        '# TYPE spindle_jobmanager_numRunningJobs gauge',
        'spindle_jobmanager_numRunningJobs 1',
        '# HELP spindle_jobmanager_wm spindle_jobmanager_wm (scope: spindle_jobmanager)',
        '# TYPE spindle_jobmanager_wm gauge',
        'spindle_jobmanager_wm -9223372036854776000',
        '',
      ].join('\n'),
    );
    expect(
      renderPrometheus([{ scope: ['x'], labels: { l: 'a"b' }, values: { v: 1 } }], { prefix: 'p', filterLabelValueCharacters: false }),
    ).to.include('p_x_v{l="a\\"b"} 1');
  });

  it("carries a TaskManager's status to the ResourceManager with its heartbeat", async () => {
    const rpc = new LocalRpcService();
    const scheduler = new ManualScheduler();
    const config = new Configuration({ 'heartbeat.interval': '1000' });
    const rm = new ResourceManager('rm', rpc, config, scheduler);
    await rm.start();
    const te = new TaskExecutor(
      { resourceId: 'tm-1', address: 'te', numberOfSlots: 1, dataPort: -1, resourceManagerAddress: 'rm', metricsPort: 9999 },
      rpc,
      () => new InlineSlotHost(new PartitionManager(), () => undefined),
      config,
      scheduler,
    );
    try {
      await te.start();
      scheduler.advance(1000);
      await settle();
      const tm = (await rm.requestResourceOverview()).taskManagers[0]!;
      expect(tm.metricsPort).to.equal(9999);
      expect(tm.status?.main.heapUsed).to.be.greaterThan(0);
      expect(tm.status?.rss).to.be.greaterThan(0);
      expect((await te.collectMetrics()).tasks).to.deep.equal([]);
    } finally {
      await te.close();
      await rm.close();
    }
  });
});
