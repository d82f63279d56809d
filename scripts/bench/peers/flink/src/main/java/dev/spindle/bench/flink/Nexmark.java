package dev.spindle.bench.flink;

import dev.spindle.bench.flink.NexmarkEvents.Auction;
import dev.spindle.bench.flink.NexmarkEvents.Bid;
import dev.spindle.bench.flink.NexmarkEvents.Event;
import dev.spindle.bench.flink.NexmarkEvents.Person;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.CoGroupFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Nexmark queries on the DataStream API, over an events file of Spindle's format (see
 * {@link NexmarkEvents}), in STREAMING mode with event time: the file is read with FileSource and
 * TextLineInputFormat, each line parsed, and watermarks follow the events' dateTime
 * (forMonotonousTimestamps: the file is in time order).
 *
 * <pre>
 *   java -cp ... dev.spindle.bench.flink.Nexmark --query q5 --input events.txt --parallelism 1 \
 *       [--output dir]
 * </pre>
 *
 * Results are lines (the formats of scripts/bench/README.md, "Nexmark queries"), written to
 * `dir/part-<subtask>` with --output and dropped by a DiscardingSink without. Prints
 * `Job Runtime: n ms` from {@link JobExecutionResult#getNetRuntime()}.
 */
public final class Nexmark {
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
    private static final Duration TWO_SECONDS = Duration.ofSeconds(2);
    private static final Set<String> Q3_STATES = Set.of("OR", "ID", "CA");

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String query = args.required("query");
        String output = args.optional("output");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(args.intValue("parallelism"));
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);

        FileSource<String> source =
                FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(args.required("input")))
                        .build();
        DataStream<Event> events = env.fromSource(source, WatermarkStrategy.noWatermarks(), "Nexmark Events File")
                .map(NexmarkEvents::parse)
                .name("Parse Events")
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Event>forMonotonousTimestamps().withTimestampAssigner((e, ts) -> e.dateTime))
                .name("Event Time");

        DataStream<String> results =
                switch (query) {
                    case "q0" -> q0(events);
                    case "q1" -> q1(events);
                    case "q2" -> q2(events);
                    case "q3" -> q3(events);
                    case "q5" -> q5(events);
                    case "q7" -> q7(events);
                    case "q8" -> q8(events);
                    default -> throw new IllegalArgumentException(
                            "unknown query " + query + "; queries: q0, q1, q2, q3, q5, q7, q8");
                };
        if (output != null) results.sinkTo(new LineFileSink(output)).name("Results");
        else results.sinkTo(new DiscardingSink<>()).name("Discard");

        JobExecutionResult result = env.execute("Nexmark " + query.toUpperCase());
        System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    }

    private static DataStream<Bid> bids(DataStream<Event> events) {
        return events.filter(e -> e.bid != null).name("Bids").map(e -> e.bid).returns(Bid.class).name("Bid");
    }

    private static DataStream<Person> people(DataStream<Event> events) {
        return events.filter(e -> e.person != null).name("People").map(e -> e.person).returns(Person.class).name("Person");
    }

    private static DataStream<Auction> auctions(DataStream<Event> events) {
        return events.filter(e -> e.auction != null)
                .name("Auctions")
                .map(e -> e.auction)
                .returns(Auction.class)
                .name("Auction");
    }

    /** Pass-through: every bid. */
    static DataStream<String> q0(DataStream<Event> events) {
        return bids(events)
                .map(b -> b.auction + "," + b.bidder + "," + b.price + "," + b.dateTime + "," + b.extra)
                .name("Format");
    }

    /** Currency conversion: the price × 0.908, with 3 decimals. */
    static DataStream<String> q1(DataStream<Event> events) {
        return bids(events)
                .map(b -> b.auction + "," + b.bidder + "," + euros(b.price) + "," + b.dateTime)
                .name("To Euros");
    }

    /** price × 0.908 as a decimal with 3 places, exactly: price × 908 thousandths. */
    static String euros(long price) {
        long thousandths = price * 908;
        long fraction = thousandths % 1000;
        return thousandths / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** Selection: the bids on every 123rd auction. */
    static DataStream<String> q2(DataStream<Event> events) {
        return bids(events)
                .filter(b -> b.auction % 123 == 0)
                .name("Every 123rd Auction")
                .map(b -> b.auction + "," + b.price)
                .name("Format");
    }

    /** Local item suggestion: an incremental join of sellers in OR, ID, CA and their category-10 auctions. */
    static DataStream<String> q3(DataStream<Event> events) {
        DataStream<Person> sellers = people(events).filter(p -> Q3_STATES.contains(p.state)).name("Sellers in OR, ID, CA");
        DataStream<Auction> auctions = auctions(events).filter(a -> a.category == 10).name("Auctions in Category 10");
        return sellers.connect(auctions)
                .keyBy(p -> p.id, a -> a.seller)
                .process(new JoinSellers())
                .name("Join Sellers");
    }

    /** Keeps each seller for the auctions after it; an auction that comes first waits for its seller. */
    static final class JoinSellers extends KeyedCoProcessFunction<Long, Person, Auction, String> {
        private transient ValueState<Person> seller;
        private transient ListState<Long> waiting;

        @Override
        public void open(OpenContext context) {
            seller = getRuntimeContext().getState(new ValueStateDescriptor<>("seller", Person.class));
            waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("auctions-waiting", Long.class));
        }

        @Override
        public void processElement1(Person person, Context ctx, Collector<String> out) throws Exception {
            seller.update(person);
            for (Long auction : waiting.get()) out.collect(suggestion(person, auction));
            waiting.clear();
        }

        @Override
        public void processElement2(Auction auction, Context ctx, Collector<String> out) throws Exception {
            Person person = seller.value();
            if (person != null) out.collect(suggestion(person, auction.id));
            else waiting.add(auction.id);
        }

        private static String suggestion(Person p, long auction) {
            return p.name + "," + p.city + "," + p.state + "," + auction;
        }
    }

    /**
     * Hot items: bids counted per auction in 10 s windows sliding by 2 s; per window, the auctions
     * with the highest count. The counts of a window leave the window operator with the
     * timestamp windowEnd - 1, so once the watermark passes that, every count of the window is in.
     */
    static DataStream<String> q5(DataStream<Event> events) {
        return bids(events)
                .keyBy(b -> b.auction)
                .window(SlidingEventTimeWindows.of(TEN_SECONDS, TWO_SECONDS))
                .aggregate(new CountBids(), new WithWindowEnd())
                .name("Bids per Auction")
                .keyBy(c -> c.windowEnd)
                .process(new HottestAuctions())
                .name("Hottest Auctions");
    }

    /** An auction's bid count in the window ending at windowEnd. */
    public static class AuctionCount {
        public long auction;
        public long num;
        public long windowEnd;

        public AuctionCount() {}
    }

    static final class CountBids implements AggregateFunction<Bid, Long, Long> {
        @Override
        public Long createAccumulator() {
            return 0L;
        }

        @Override
        public Long add(Bid bid, Long count) {
            return count + 1;
        }

        @Override
        public Long getResult(Long count) {
            return count;
        }

        @Override
        public Long merge(Long a, Long b) {
            return a + b;
        }
    }

    static final class WithWindowEnd extends ProcessWindowFunction<Long, AuctionCount, Long, TimeWindow> {
        @Override
        public void process(Long auction, Context ctx, Iterable<Long> counts, Collector<AuctionCount> out) {
            AuctionCount result = new AuctionCount();
            result.auction = auction;
            result.num = counts.iterator().next();
            result.windowEnd = ctx.window().getEnd();
            out.collect(result);
        }
    }

    /** Keyed by window end: the highest count so far and its auctions, emitted when the window is complete. */
    static final class HottestAuctions extends KeyedProcessFunction<Long, AuctionCount, String> {
        private transient ValueState<Long> max;
        private transient ListState<Long> auctions;

        @Override
        public void open(OpenContext context) {
            max = getRuntimeContext().getState(new ValueStateDescriptor<>("max", Long.class));
            auctions = getRuntimeContext().getListState(new ListStateDescriptor<>("auctions", Long.class));
        }

        @Override
        public void processElement(AuctionCount count, Context ctx, Collector<String> out) throws Exception {
            Long highest = max.value();
            if (highest == null) ctx.timerService().registerEventTimeTimer(count.windowEnd - 1);
            if (highest == null || count.num > highest) {
                max.update(count.num);
                auctions.clear();
                auctions.add(count.auction);
            } else if (count.num == highest) {
                auctions.add(count.auction);
            }
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
            long num = max.value();
            long windowEnd = ctx.getCurrentKey();
            for (Long auction : auctions.get()) out.collect(auction + "," + num + "," + windowEnd);
            max.clear();
            auctions.clear();
        }
    }

    /** Highest bid: per 10 s tumbling window, the bids at the window's highest price. */
    static DataStream<String> q7(DataStream<Event> events) {
        return bids(events)
                .windowAll(TumblingEventTimeWindows.of(TEN_SECONDS))
                .aggregate(new HighestBids(), new TopBidsWithWindowEnd())
                .name("Highest Bids");
    }

    /** The highest price seen and the bids at that price. */
    public static class TopBids {
        public long max = Long.MIN_VALUE;
        public List<Bid> bids = new ArrayList<>();

        public TopBids() {}
    }

    static final class HighestBids implements AggregateFunction<Bid, TopBids, TopBids> {
        @Override
        public TopBids createAccumulator() {
            return new TopBids();
        }

        @Override
        public TopBids add(Bid bid, TopBids top) {
            if (bid.price > top.max) {
                top.max = bid.price;
                top.bids.clear();
            }
            if (bid.price == top.max) top.bids.add(bid);
            return top;
        }

        @Override
        public TopBids getResult(TopBids top) {
            return top;
        }

        @Override
        public TopBids merge(TopBids a, TopBids b) {
            if (b.max > a.max) return b;
            if (b.max == a.max) a.bids.addAll(b.bids);
            return a;
        }
    }

    static final class TopBidsWithWindowEnd extends ProcessAllWindowFunction<TopBids, String, TimeWindow> {
        @Override
        public void process(Context ctx, Iterable<TopBids> tops, Collector<String> out) {
            long windowEnd = ctx.window().getEnd();
            for (TopBids top : tops) {
                for (Bid b : top.bids) {
                    out.collect(b.auction + "," + b.bidder + "," + b.price + "," + b.dateTime + "," + b.extra + "," + windowEnd);
                }
            }
        }
    }

    /** Monitor new users: people who registered and opened an auction in the same 10 s tumbling window. */
    static DataStream<String> q8(DataStream<Event> events) {
        return people(events)
                .coGroup(auctions(events))
                .where(p -> p.id)
                .equalTo(a -> a.seller)
                .window(TumblingEventTimeWindows.of(TEN_SECONDS))
                .apply(new NewUsers())
                .name("New Users");
    }

    /** Per person id and window: each distinct name, when the person opened an auction in the window. */
    static final class NewUsers implements CoGroupFunction<Person, Auction, String> {
        @Override
        public void coGroup(Iterable<Person> people, Iterable<Auction> auctions, Collector<String> out) {
            if (!auctions.iterator().hasNext()) return;
            Set<String> seen = new LinkedHashSet<>();
            for (Person p : people) {
                long windowStart = TimeWindow.getWindowStartWithOffset(p.dateTime, 0, TEN_SECONDS.toMillis());
                String line = p.id + "," + p.name + "," + windowStart;
                if (seen.add(line)) out.collect(line);
            }
        }
    }
}
