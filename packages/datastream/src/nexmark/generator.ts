import { SpindleError } from '@spindle/core';
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';
import { SeededRandom } from './random.js';

/** How the Nexmark stream is made; every field has the benchmark's default. */
export interface NexmarkOptions {
  /** Events per second of event time (Nexmark's first event rate); 10 000 by default. */
  rate?: number;
  /** Seed of the random choices; the same seed gives the same events. 0 by default. */
  seed?: number;
  /** Event time of the first event, epoch ms; 2015-07-15T00:00:00Z by default, as in Nexmark. */
  baseTime?: number;
}

export const NEXMARK_BASE_TIME = 1_436_918_400_000;
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;

/** Of every 50 events, 1 is a person, 3 are auctions and 46 are bids. */
const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const PROPORTION_DENOMINATOR = 50;
const NUM_CATEGORIES = 5;
/** Bids go to a hot auction, and auctions and bids come from hot people, with odds 1 − 1/ratio. */
const HOT_AUCTION_RATIO = 2;
const HOT_SELLERS_RATIO = 4;
const HOT_BIDDERS_RATIO = 4;
/** The hot auction / seller / bidder is the first (bidders: second) of each batch of 100. */
const HOT_BATCH = 100;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const NUM_ACTIVE_PEOPLE = 1000;
/** Ids a little ahead of the last one made, so some bids and auctions name people and auctions not made yet. */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const AVG_PERSON_BYTES = 200;
const AVG_AUCTION_BYTES = 500;
const AVG_BID_BYTES = 100;
const MIN_STRING_LENGTH = 3;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

/** Random text is cut from pools made once per seed: lowercase letters, and words (letters with a space in 13). */
const POOL_LENGTH = 1 << 16;

/**
 * The Nexmark generator: event `id` (0, 1, 2, ...) is a person, an auction or a bid by its place in
 * each group of 50, with fields drawn from a random generator seeded by (seed, id) alone. Any
 * subtask can therefore make any event, and the stream is the same at every parallelism and on
 * every run. Event time advances by 1/rate seconds per event.
 */
export class NexmarkGenerator {
  readonly rate: number;
  readonly seed: number;
  readonly baseTime: number;
  private readonly interEventDelayUs: number;
  private readonly random = new SeededRandom();
  private readonly letters: string;
  private readonly words: string;

  constructor(options: NexmarkOptions = {}) {
    this.rate = options.rate ?? 10_000;
    this.seed = options.seed ?? 0;
    this.baseTime = options.baseTime ?? NEXMARK_BASE_TIME;
    if (!(Number.isFinite(this.rate) && this.rate > 0))
      throw invalid(`rate must be a positive number of events per second, not ${options.rate}`);
    if (!Number.isSafeInteger(this.seed)) throw invalid(`seed must be an integer, not ${options.seed}`);
    if (!Number.isSafeInteger(this.baseTime)) throw invalid(`baseTime must be epoch milliseconds, not ${options.baseTime}`);
    this.interEventDelayUs = 1_000_000 / this.rate;
    const pool = new SeededRandom().reset(this.seed, -1);
    this.letters = poolOf(pool, false);
    this.words = poolOf(pool, true);
  }

  /** The event time of event `id`. */
  timestampOf(id: number): number {
    return this.baseTime + Math.floor((id * this.interEventDelayUs) / 1000);
  }

  event(id: number): NexmarkEvent {
    if (!Number.isSafeInteger(id) || id < 0) throw invalid(`event id must be a non-negative integer, not ${id}`);
    const rnd = this.random.reset(this.seed, id);
    const timestamp = this.timestampOf(id);
    const offset = id % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) return { type: 'person', person: this.person(id, rnd, timestamp) };
    if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) return { type: 'auction', auction: this.auction(id, rnd, timestamp) };
    return { type: 'bid', bid: this.bid(id, rnd, timestamp) };
  }

  private person(id: number, rnd: SeededRandom, dateTime: number): Person {
    const name = `${FIRST_NAMES[rnd.nextInt(FIRST_NAMES.length)]} ${LAST_NAMES[rnd.nextInt(LAST_NAMES.length)]}`;
    const emailAddress = `${this.nextString(rnd, 7)}@${this.nextString(rnd, 5)}.com`;
    const creditCard = [0, 1, 2, 3].map(() => String(rnd.nextInt(10000)).padStart(4, '0')).join(' ');
    const city = US_CITIES[rnd.nextInt(US_CITIES.length)]!;
    const state = US_STATES[rnd.nextInt(US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.nextExtra(rnd, size, AVG_PERSON_BYTES);
    return { id: lastPersonId(id) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime, extra };
  }

  private auction(id: number, rnd: SeededRandom, dateTime: number): Auction {
    const seller =
      (rnd.nextInt(HOT_SELLERS_RATIO) > 0 ? Math.floor(lastPersonId(id) / HOT_BATCH) * HOT_BATCH : nextPersonId(id, rnd)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rnd.nextInt(NUM_CATEGORIES);
    const initialBid = nextPrice(rnd);
    const expires = dateTime + this.nextAuctionLengthMs(id, rnd, dateTime);
    const itemName = this.nextString(rnd, 20);
    const description = this.nextString(rnd, 100);
    const reserve = initialBid + nextPrice(rnd);
    const extra = this.nextExtra(rnd, 8 + itemName.length + description.length + 40, AVG_AUCTION_BYTES);
    return {
      id: lastAuctionId(id) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller,
      category,
      extra,
    };
  }

  private bid(id: number, rnd: SeededRandom, dateTime: number): Bid {
    const auction =
      (rnd.nextInt(HOT_AUCTION_RATIO) > 0 ? Math.floor(lastAuctionId(id) / HOT_BATCH) * HOT_BATCH : nextAuctionId(id, rnd)) +
      FIRST_AUCTION_ID;
    const bidder =
      (rnd.nextInt(HOT_BIDDERS_RATIO) > 0 ? Math.floor(lastPersonId(id) / HOT_BATCH) * HOT_BATCH + 1 : nextPersonId(id, rnd)) +
      FIRST_PERSON_ID;
    const price = nextPrice(rnd);
    const extra = this.nextExtra(rnd, 32, AVG_BID_BYTES);
    return { auction, bidder, price, dateTime, extra };
  }

  /** An auction lasts on average until about NUM_IN_FLIGHT_AUCTIONS more auctions have opened. */
  private nextAuctionLengthMs(id: number, rnd: SeededRandom, timestamp: number): number {
    const eventsForAuctions = Math.floor((NUM_IN_FLIGHT_AUCTIONS * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION);
    const horizonMs = this.timestampOf(id + eventsForAuctions) - timestamp;
    return 1 + rnd.nextLong(Math.max(horizonMs * 2, 1));
  }

  /** Words of MIN_STRING_LENGTH up to maxLength - 1 characters, trimmed. */
  private nextString(rnd: SeededRandom, maxLength: number): string {
    const length = MIN_STRING_LENGTH + rnd.nextInt(maxLength - MIN_STRING_LENGTH);
    const start = rnd.nextInt(POOL_LENGTH - length);
    return this.words.slice(start, start + length).trim();
  }

  /** Letters that bring an event of `size` bytes to `average` bytes, ±20%. */
  private nextExtra(rnd: SeededRandom, size: number, average: number): string {
    if (size > average) return '';
    const wanted = average - size;
    const delta = Math.round(wanted * 0.2);
    const length = wanted - delta + (delta === 0 ? 0 : rnd.nextInt(2 * delta));
    const start = rnd.nextInt(POOL_LENGTH - length);
    return this.letters.slice(start, start + length);
  }
}

/** The id (from 0) of the last person made at or before event `id`. */
export function lastPersonId(id: number): number {
  const epoch = Math.floor(id / PROPORTION_DENOMINATOR);
  const offset = Math.min(id % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

/** The id (from 0) of the last auction made at or before event `id`. */
export function lastAuctionId(id: number): number {
  let epoch = Math.floor(id / PROPORTION_DENOMINATOR);
  let offset = id % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** One of the active people, or a few ids ahead. */
function nextPersonId(id: number, rnd: SeededRandom): number {
  const people = lastPersonId(id) + 1;
  const active = Math.min(people, NUM_ACTIVE_PEOPLE);
  return people - active + rnd.nextLong(active + PERSON_ID_LEAD);
}

/** One of the auctions likely still open, or a few ids ahead. */
function nextAuctionId(id: number, rnd: SeededRandom): number {
  const max = lastAuctionId(id);
  const min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
  return min + rnd.nextLong(max - min + 1 + AUCTION_ID_LEAD);
}

/** Prices from $1 to $1M, log-uniform, in cents. */
function nextPrice(rnd: SeededRandom): number {
  return Math.round(Math.pow(10, rnd.nextDouble() * 6) * 100);
}

function poolOf(rnd: SeededRandom, withSpaces: boolean): string {
  const codes = new Uint8Array(POOL_LENGTH);
  for (let i = 0; i < POOL_LENGTH; i++) codes[i] = withSpaces && rnd.nextInt(13) === 0 ? 32 : 97 + rnd.nextInt(26);
  return Buffer.from(codes).toString('latin1');
}

function invalid(message: string): SpindleError {
  return new SpindleError(`Nexmark: ${message}`, { code: 'INVALID_ARGUMENT', userFacing: true });
}
