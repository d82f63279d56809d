/**
 * Command-line options of the benchmark runner:
 *
 *   [--only name[,name...]]... [--peers flink,spark | all | none] [--json file] [name-filter...]
 *
 * `--only` and bare words are the same filter: a benchmark runs when its name contains one of
 * them. parseOptions returns { filters, peers, json } or { error }.
 */
import { PEERS } from './peers.mjs';

export const USAGE =
  'usage: node scripts/bench/run.mjs [--only name[,name...]] [--peers flink,spark|all|none] [--json file] [name-filter...]';

export function parseOptions(argv) {
  const options = { filters: [], peers: [...PEERS], json: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!flag.startsWith('-')) {
      options.filters.push(flag);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') return { error: `${flag} needs a value` };
    if (flag === '--only') options.filters.push(...list(value));
    else if (flag === '--json') options.json = value;
    else if (flag === '--peers') {
      const peers = parsePeers(value);
      if (peers.error) return peers;
      options.peers = peers;
    } else return { error: `unknown option ${flag}` };
  }
  return options;
}

function parsePeers(value) {
  if (value === 'all') return [...PEERS];
  if (value === 'none') return [];
  const names = list(value);
  const unknown = names.filter((name) => !PEERS.includes(name));
  if (unknown.length > 0) return { error: `unknown peer ${unknown.join(', ')}; peers: ${PEERS.join(', ')}, all, none` };
  return names;
}

function list(value) {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
