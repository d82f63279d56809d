/**
 * The Nexmark event model: people register, open auctions and bid on them. Field names follow
 * the Nexmark benchmark's schema (`person`, `auction`, `bid` tables). Times are epoch
 * milliseconds; prices are whole cents.
 */

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
  extra: string;
}

/** One event of the stream: exactly one of `person`, `auction` and `bid` is set, as `type` says. */
export type NexmarkEvent =
  | { type: 'person'; person: Person; auction?: undefined; bid?: undefined }
  | { type: 'auction'; auction: Auction; person?: undefined; bid?: undefined }
  | { type: 'bid'; bid: Bid; person?: undefined; auction?: undefined };

/** The event time of an event. */
export function eventTime(e: NexmarkEvent): number {
  return e.type === 'bid' ? e.bid.dateTime : e.type === 'auction' ? e.auction.dateTime : e.person.dateTime;
}
