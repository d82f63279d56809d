package dev.spindle.bench.flink;

/**
 * Nexmark events as Spindle's events files hold them, one per line (Spindle's
 * `Nexmark.formatEvent`):
 *
 * <pre>
 *   P,id,name,emailAddress,creditCard,city,state,dateTime,extra
 *   A,id,itemName,description,initialBid,reserve,dateTime,expires,seller,category,extra
 *   B,auction,bidder,price,dateTime,extra
 * </pre>
 *
 * Times are epoch milliseconds, prices whole cents; no field holds a comma. The classes are Flink
 * POJOs (public fields, no-argument constructors), so Flink serializes them field by field.
 */
public final class NexmarkEvents {
    private NexmarkEvents() {}

    /** A new user. */
    public static class Person {
        public long id;
        public String name;
        public String emailAddress;
        public String creditCard;
        public String city;
        public String state;
        public long dateTime;
        public String extra;

        public Person() {}
    }

    /** An item put up for auction by `seller`. */
    public static class Auction {
        public long id;
        public String itemName;
        public String description;
        public long initialBid;
        public long reserve;
        public long dateTime;
        public long expires;
        public long seller;
        public long category;
        public String extra;

        public Auction() {}
    }

    /** A bid of `bidder` on `auction`. */
    public static class Bid {
        public long auction;
        public long bidder;
        public long price;
        public long dateTime;
        public String extra;

        public Bid() {}
    }

    /** One event: exactly one of person, auction and bid is set; dateTime is its event time. */
    public static class Event {
        public Person person;
        public Auction auction;
        public Bid bid;
        public long dateTime;

        public Event() {}
    }

    /** The event of one line; a malformed line throws an exception quoting it. */
    public static Event parse(String line) {
        String[] f = line.split(",", -1);
        Event event = new Event();
        String kind = f[0];
        if (kind.equals("B") && f.length == 6) {
            Bid b = new Bid();
            b.auction = Long.parseLong(f[1]);
            b.bidder = Long.parseLong(f[2]);
            b.price = Long.parseLong(f[3]);
            b.dateTime = Long.parseLong(f[4]);
            b.extra = f[5];
            event.bid = b;
            event.dateTime = b.dateTime;
        } else if (kind.equals("A") && f.length == 11) {
            Auction a = new Auction();
            a.id = Long.parseLong(f[1]);
            a.itemName = f[2];
            a.description = f[3];
            a.initialBid = Long.parseLong(f[4]);
            a.reserve = Long.parseLong(f[5]);
            a.dateTime = Long.parseLong(f[6]);
            a.expires = Long.parseLong(f[7]);
            a.seller = Long.parseLong(f[8]);
            a.category = Long.parseLong(f[9]);
            a.extra = f[10];
            event.auction = a;
            event.dateTime = a.dateTime;
        } else if (kind.equals("P") && f.length == 9) {
            Person p = new Person();
            p.id = Long.parseLong(f[1]);
            p.name = f[2];
            p.emailAddress = f[3];
            p.creditCard = f[4];
            p.city = f[5];
            p.state = f[6];
            p.dateTime = Long.parseLong(f[7]);
            p.extra = f[8];
            event.person = p;
            event.dateTime = p.dateTime;
        } else {
            String shown = line.length() > 120 ? line.substring(0, 120) + "..." : line;
            throw new IllegalArgumentException("malformed Nexmark event line: " + shown);
        }
        return event;
    }
}
