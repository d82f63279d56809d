import type { ApplicationStatus, RecoveredWorker, ResourceDriver, ResourceEventHandler, WorkerResourceSpec } from '@spindle/runtime';

/** A ResourceDriver that starts nothing and records what it was asked, for entrypoint tests. */
export class TestingResourceDriver implements ResourceDriver {
  started = false;
  closed = false;
  readonly requested: WorkerResourceSpec[] = [];
  deregistered: { status: ApplicationStatus; diagnostics: string } | undefined;
  handler: ResourceEventHandler | undefined;

  async start(handler: ResourceEventHandler): Promise<readonly RecoveredWorker[]> {
    this.started = true;
    this.handler = handler;
    return [];
  }

  async requestWorker(spec: WorkerResourceSpec): Promise<string> {
    this.requested.push(spec);
    return `worker-${this.requested.length}`;
  }

  async releaseWorker(): Promise<void> {}

  async deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    this.deregistered = { status, diagnostics };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
