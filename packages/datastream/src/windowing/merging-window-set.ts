import type { ListState } from '@spindle/runtime/task';
import type { MergingWindowAssigner } from './assigners.js';
import { WINDOW_NAMESPACES, type Window } from './windows.js';

/**
 * Told how windows merged: `mergeResult` replaces `mergedWindows` (which may include the new
 * window); the state of `mergedStateWindows` is to be merged into `stateWindowResult`'s.
 */
export type MergeFunction = (
  mergeResult: Window,
  mergedWindows: readonly Window[],
  stateWindowResult: Window,
  mergedStateWindows: readonly Window[],
) => void;

/**
 * The in-flight windows of one key of a merging assigner (Flink's MergingWindowSet). Each window
 * maps to the window whose namespace holds its state: when windows merge, the result keeps the
 * state window of one of them and the others' state is merged into it, so no state is moved for
 * the window that grows. Kept in a list state of (window, state window) encodings in the default
 * namespace; `persist` writes it back after a change.
 */
export class MergingWindowSet {
  private readonly mapping = new Map<string, [Window, Window]>();
  private changed = false;

  constructor(
    private readonly assigner: MergingWindowAssigner<unknown, Window>,
    private readonly state: ListState<[string, string]>,
  ) {
    for (const [w, s] of state.get()) this.mapping.set(w, [WINDOW_NAMESPACES.decode(w), WINDOW_NAMESPACES.decode(s)]);
  }

  persist(): void {
    if (!this.changed) return;
    this.state.update([...this.mapping.entries()].map(([w, [, s]]) => [w, WINDOW_NAMESPACES.encode(s)]));
    this.changed = false;
  }

  /** The window holding `window`'s state; undefined when `window` is not in flight (merged away or purged). */
  getStateWindow(window: Window): Window | undefined {
    return this.mapping.get(WINDOW_NAMESPACES.encode(window))?.[1];
  }

  /** Forgets a window that was purged for good. */
  retireWindow(window: Window): void {
    if (this.mapping.delete(WINDOW_NAMESPACES.encode(window))) this.changed = true;
  }

  /**
   * Adds `newWindow`, merging it with the windows in flight as the assigner says; calls
   * `mergeFunction` for every merge before the set changes further. Returns the window that
   * `newWindow` ended up in (itself when nothing merged).
   */
  addWindow(newWindow: Window, mergeFunction: MergeFunction): Window {
    const windows = [...[...this.mapping.values()].map(([w]) => w), newWindow];
    const merges: [Window, Window[]][] = [];
    this.assigner.mergeWindows(windows, { merge: (toBeMerged, mergeResult) => merges.push([mergeResult, [...toBeMerged]]) });
    const newKey = WINDOW_NAMESPACES.encode(newWindow);
    let result = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, mergedWindows] of merges) {
      const keys = mergedWindows.map((w) => WINDOW_NAMESPACES.encode(w));
      if (keys.includes(newKey)) {
        mergedNewWindow = true;
        result = mergeResult;
      }
      const stateWindows: Window[] = [];
      for (const k of keys) {
        const entry = this.mapping.get(k);
        if (entry === undefined) continue;
        this.mapping.delete(k);
        stateWindows.push(entry[1]);
      }
      const [stateWindowResult, ...mergedStateWindows] = stateWindows;
      if (stateWindowResult === undefined) throw new Error('merged windows without a window in flight');
      this.mapping.set(WINDOW_NAMESPACES.encode(mergeResult), [mergeResult, stateWindowResult]);
      this.changed = true;
      mergeFunction(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
    }
    if (!mergedNewWindow) {
      this.mapping.set(newKey, [newWindow, newWindow]);
      this.changed = true;
    }
    return result;
  }
}
