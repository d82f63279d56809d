/**
 * Deterministic word text for the WordCount benchmark.
 *
 * A seeded PRNG builds a vocabulary of VOCABULARY_SIZE distinct tokens (real
 * and made-up lowercase words, capitalised and ALL-CAPS forms, tokens with
 * punctuation attached, hyphenated compounds, numbers and non-ASCII words)
 * and draws from it with a Zipf-Mandelbrot distribution. Lines hold 5 to 15
 * tokens separated by a single space, occasionally by a tab or two spaces;
 * a few lines are blank. The only whitespace bytes are space, tab and
 * newline, and no token contains a whitespace byte, so a token is exactly
 * what `tr -s '[:space:]' '\n'` or awk's default field splitting yields.
 *
 * Only integer arithmetic and division feed the output, so the same size
 * gives the same bytes on every machine and Node version.
 */
import fs from 'node:fs';
import path from 'node:path';

const GENERATOR_VERSION = 1;
const SEED = 0x5eed_2024;
const VOCABULARY_SIZE = 50_000;
const ZIPF_OFFSET = 2.7;
const FLUSH_CHARS = 1 << 20;

const COMMON_WORDS = `the of and to a in is it you that he was for on are with as his they be at one
have this from or had by not word but what some we can out other were all there when up use your how
said an each she which do their time if will way about many then them would write like so these her
long make thing see him two has look more day could go come did my sound no most number who over know
water than call first people may down side been now find any new work part take get place made live
where after back little only round man year came show every good me give our under name very through
just form much great think say help low line before turn cause same mean differ move right boy old too
does tell sentence set three want air well also play small end put home read hand port large spell add
even land here must big high such follow act why ask men change went light kind off need house picture
try us again animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four thought let keep eye never last
door between city tree cross since hard start might story saw far sea draw left late run while press
close night real life few stop open seem together next white children begin got walk example ease paper
group always music those both mark often letter until mile river car feet care second book carry took
science eat room friend began idea fish mountain north once base hear horse cut sure watch color face
wood main enough plain girl usual young ready above ever red list though feel talk bird soon body dog
family direct pose leave song measure state product black short numeral class wind question happen
complete ship area half rock order fire south problem piece told knew pass farm top whole king size heard
best hour better true during hundred am remember step early hold west ground interest reach fast five
sing listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map science rule govern pull cold notice voice fall power
town fine certain fly unit lead cry dark machine note wait plan figure star box noun field rest correct
able pound done beauty drive stood contain front teach week final gave green oh quick develop sleep warm
free minute strong special mind behind clear tail produce fact street inch lot nothing course stay wheel
full force blue object decide surface deep moon island foot yet busy test record boat common gold
possible plane age dry wonder laugh thousand ago ran check game shape yes hot miss brought heat snow bed
bring sit perhaps fill east weight language among`.split(/\s+/);

const NON_ASCII_WORDS = `café naïve 日本 東京 日本語 straße über jalapeño résumé façade smörgåsbord Zürich
niño crème brûlée déjà coöperate Ελλάδα москва привет 中文 한국어 señor año élan fiancée piñata Ångström
Øresund łódź Kraków İstanbul naïveté œuvre € — … ¿qué? 😀 🚀 नमस्ते مرحبا שלום café, Café. «bonjour»
garçon Müller Ärger çà São über, smørrebrød`.split(/\s+/);

const ONSETS = `b c d f g h j k l m n p r s t v w z br ch cl cr dr fl gr pl pr sh sl sp st str th tr wh`.split(' ');
const VOWELS = `a e i o u a e i o ai ea ee ie oo ou`.split(' ');
const CODAS = ['', '', '', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'ng', 'st', 'ck', 'rt', 'sh'];
const SUFFIXES = ['', '', '', '', '', 'ing', 'ed', 'er', 'ly', 'ness', 's', 'tion', 'able', 'ist'];
const TRAILING_PUNCTUATION = [',', ',', ',', '.', '.', ';', ':', '!', '?', "'s", ')'];
const ACCENTS = { a: 'áàâä', e: 'éèêë', i: 'íîï', o: 'óôö', u: 'úûü', n: 'ñ', c: 'ç' };

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns `<dataDir>/words-<mb>mb.txt` (about mb * 10^6 bytes), generating it
 * unless a complete file from the same generator version is already there.
 * A JSON file beside it records the byte, token, distinct-token and line
 * counts; a file whose size does not match that record is regenerated.
 */
export function ensureWordsFile(dataDir, mb) {
  const file = path.join(dataDir, `words-${mb}mb.txt`);
  const metaFile = path.join(dataDir, `words-${mb}mb.json`);
  const targetBytes = Math.round(mb * 1e6);
  const existing = readMeta(metaFile);
  if (existing && isCurrent(existing, file, targetBytes)) return { file, ...existing, generated: false };

  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const started = process.hrtime.bigint();
  let stats;
  try {
    stats = writeWords(tmp, targetBytes);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  const meta = { version: GENERATOR_VERSION, seed: SEED, vocabulary: VOCABULARY_SIZE, targetBytes, ...stats };
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { file, ...meta, generated: true, seconds };
}

function readMeta(metaFile) {
  try {
    return JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch {
    return null;
  }
}

function isCurrent(meta, file, targetBytes) {
  if (meta.version !== GENERATOR_VERSION || meta.seed !== SEED || meta.targetBytes !== targetBytes) return false;
  try {
    return fs.statSync(file).size === meta.bytes;
  } catch {
    return false;
  }
}

/** Writes whole lines until at least targetBytes are written. */
function writeWords(file, targetBytes) {
  const random = mulberry32(SEED);
  const vocabulary = buildVocabulary(random);
  const sample = zipfSampler(vocabulary.length, random);
  const seen = new Uint8Array(vocabulary.length);
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let tokens = 0;
  let distinct = 0;
  let lines = 0;
  try {
    let chunk = '';
    while (bytes < targetBytes) {
      const count = 5 + Math.floor(random() * 11);
      let line = '';
      for (let i = 0; i < count; i++) {
        const index = sample();
        if (seen[index] === 0) {
          seen[index] = 1;
          distinct++;
        }
        line += i === 0 ? vocabulary[index] : separator(random) + vocabulary[index];
      }
      if (random() < 0.002) line += '\n';
      chunk += `${line}\n`;
      tokens += count;
      lines++;
      // A UTF-16 unit takes at most 3 UTF-8 bytes, so length * 4 over-estimates
      // the chunk; near the target every line is flushed and the file ends
      // within one line of it.
      if (chunk.length >= FLUSH_CHARS || bytes + chunk.length * 4 >= targetBytes) {
        bytes += fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, tokens, distinct, lines };
}

function separator(random) {
  const u = random();
  if (u < 0.015) return '\t';
  if (u < 0.03) return '  ';
  return ' ';
}

/** Draws vocabulary indexes with probability proportional to 1 / (index + ZIPF_OFFSET). */
function zipfSampler(size, random) {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    total += 1 / (i + ZIPF_OFFSET);
    cumulative[i] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] <= target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/**
 * Index order is frequency rank: common English words first, then their
 * capitalised forms, the fixed non-ASCII words spread over the next ranks,
 * and the generated tokens in the order they were made.
 */
function buildVocabulary(random) {
  const words = new Set(COMMON_WORDS);
  for (const word of COMMON_WORDS.slice(0, 40)) words.add(capitalise(word));
  const lowercase = [...words].filter((word) => word === word.toLowerCase());
  const nonAscii = NON_ASCII_WORDS.filter((word) => !words.has(word));
  const spread = Math.floor(2000 / nonAscii.length);
  let nextNonAscii = 0;
  while (words.size < VOCABULARY_SIZE) {
    if (nextNonAscii < nonAscii.length && words.size % spread === 0) {
      words.add(nonAscii[nextNonAscii++]);
      continue;
    }
    const token = makeToken(random, lowercase);
    if (token === token.toLowerCase() && /^[a-z]+$/.test(token) && !words.has(token)) lowercase.push(token);
    words.add(token);
  }
  return [...words];
}

function makeToken(random, lowercase) {
  const u = random();
  if (u < 0.7) return madeUpWord(random);
  // Variants of existing words lean towards frequent ones, like real text.
  const base = lowercase[Math.floor(random() * random() * lowercase.length)];
  if (u < 0.8) return capitalise(base);
  if (u < 0.9) return base + pick(random, TRAILING_PUNCTUATION);
  if (u < 0.92) return `"${base}"`;
  if (u < 0.94) return `${base}-${pick(random, lowercase)}`;
  if (u < 0.95) return base.toUpperCase();
  if (u < 0.97) return accented(random, base);
  if (u < 0.98) return String(Math.floor(random() * 3000));
  return `${Math.floor(random() * 100)}.${Math.floor(random() * 100)}`;
}

function madeUpWord(random) {
  const u = random();
  const syllables = u < 0.2 ? 1 : u < 0.65 ? 2 : u < 0.9 ? 3 : 4;
  let word = '';
  for (let i = 0; i < syllables; i++) {
    word += pick(random, ONSETS) + pick(random, VOWELS) + (i === syllables - 1 ? pick(random, CODAS) : '');
  }
  return word + pick(random, SUFFIXES);
}

function accented(random, word) {
  const positions = [...word].flatMap((char, i) => (char in ACCENTS ? [i] : []));
  if (positions.length === 0) return `${word}é`;
  const at = pick(random, positions);
  const chars = [...word];
  chars[at] = pick(random, [...ACCENTS[chars[at]]]);
  return chars.join('');
}

function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function pick(random, items) {
  return items[Math.floor(random() * items.length)];
}
