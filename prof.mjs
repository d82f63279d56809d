import { StreamExecutionEnvironment } from '@spindle/datastream';
import { configureLogging } from '@spindle/core';
configureLogging({ level: 'warn' });
const env = StreamExecutionEnvironment.createLocalEnvironment(1);
env.setRuntimeMode('BATCH');
env.readTextFile('bench-data/words-5mb.txt')
  .flatMap((line, out) => { for (const w of line.split(/\s+/)) if (w.length > 0) out.collect([w, 1]); })
  .keyBy((p) => p[0]).sum(1).map(([w, c]) => `${w} ${c}`).writeAsText('/tmp/wcprof');
const t = performance.now();
await env.execute('wc');
console.log('ms', performance.now() - t);
