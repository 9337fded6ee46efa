package io.packetfs.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsMetricNames;
import io.packetfs.codec.PacketFsTier;

import java.util.HashMap;
import java.util.Map;

import static io.packetfs.codec.PacketFsMetricNames.BITS_PACKED;
import static io.packetfs.codec.PacketFsMetricNames.BITS_UNPACKED;
import static io.packetfs.codec.PacketFsMetricNames.CONGESTION_WINDOW;
import static io.packetfs.codec.PacketFsMetricNames.CRC_ERRORS;
import static io.packetfs.codec.PacketFsMetricNames.DROPS;
import static io.packetfs.codec.PacketFsMetricNames.FRAMES;
import static io.packetfs.codec.PacketFsMetricNames.FRAME_SIZE;
import static io.packetfs.codec.PacketFsMetricNames.LATENCY;
import static io.packetfs.codec.PacketFsMetricNames.LOSS_RATIO;
import static io.packetfs.codec.PacketFsMetricNames.NACKS;
import static io.packetfs.codec.PacketFsMetricNames.PACING_RATE;
import static io.packetfs.codec.PacketFsMetricNames.POOL_HITS;
import static io.packetfs.codec.PacketFsMetricNames.RETRANSMITS;
import static io.packetfs.codec.PacketFsMetricNames.RTT;
import static io.packetfs.codec.PacketFsMetricNames.SEQUENCE_ERRORS;
import static io.packetfs.codec.PacketFsMetricNames.SYNC_FRAMES;
import static io.packetfs.codec.PacketFsMetricNames.THROUGHPUT;
import static io.packetfs.codec.PacketFsMetricNames.WINDOW_ERRORS;
import static io.packetfs.codec.PacketFsMetricNames.WIRE_BYTES;

/**
 * The PacketFS meters in one {@link MeterRegistry}, shared by every channel of a process; each channel publishes into
 * them through its own {@link PacketFsMetricsHandler} ({@link #newHandler()}, or {@link PacketFsMeteredPipelines}).
 * All meters are registered up front, so a scrape shows each one (at zero) before any traffic. The meters' names are
 * {@link PacketFsMetricNames}; as a Prometheus registry renders them:
 *
 * <pre>
 *   packetfs_latency_seconds{operation="encode|decode",tier="0|1|2",quantile="0.5|0.95|0.99"}  summary (sampled)
 *   packetfs_throughput_pps{direction="tx|rx"}          gauge: frames per second since the previous reading
 *   packetfs_frames_total{direction="tx|rx"}            counter: frames on the wire
 *   packetfs_wire_bytes_total{direction="tx|rx"}        counter: bytes of those frames
 *   packetfs_frame_size_bytes{direction="tx|rx"}        summary (sampled)
 *   packetfs_bits_packed_total{tier="0|1|2"}            counter: reference bits packed into frames (tx)
 *   packetfs_bits_unpacked_total{tier="0|1|2"}          counter: reference bits decoded from frames (rx)
 *   packetfs_sync_frames_total                          counter: SYNC units sent and received
 *   packetfs_crc_errors_total                           counter: windows whose CRC16 did not match
 *   packetfs_window_errors_total{kind="missing|duplicate|overflow"}
 *   packetfs_sequence_errors_total{kind="missing|late"} counter: frame sequence gaps and late frames
 *   packetfs_drops_total{source="kernel|decoder|pool|duplicate|corrupt|foreign|invalid|window"}
 *   packetfs_nacks_total{direction="tx|rx"}, packetfs_retransmits_total
 *   packetfs_pool_hits_total{kind="copy|literal"}       counter: input bytes copied from the pool / literal
 * </pre>
 *
 * Tier labels are {@link PacketFsTier#index()}: 0 = L1 (8-bit), 1 = L2 (16-bit), 2 = L3 (32-bit). Latency and frame
 * size are sampled: one frame in {@link #sampleEvery()} per direction is measured (their {@code _count} counts the
 * measured frames; {@code packetfs_frames_total} counts all). Counters are published in batches, about every
 * {@link #publishIntervalMillis()} and when a channel closes; nothing is recorded per frame but a few primitive
 * fields. Thread-safe.
 */
public final class PacketFsMetrics {

    /**
     * Default of {@link #sampleEvery()}: one frame in 64 per direction is timed and measured. A timed frame costs about
     * 0.5-1 us (clock reads, the percentile histogram, the size summary; see MetricsBenchmark), so 1 in 64 keeps the
     * cost per frame near 10 ns, and still gives a busy link hundreds of samples a second for the quantiles.
     */
    public static final int DEFAULT_SAMPLE_EVERY = 64;
    /** Default of {@link #publishIntervalMillis()}. */
    public static final long DEFAULT_PUBLISH_INTERVAL_MILLIS = 1000;

    static final int ENCODE = 0;
    static final int DECODE = 1;
    static final int TX = 0;
    static final int RX = 1;
    static final String[] DIRECTIONS = {"tx", "rx"};
    private static final String[] OPERATIONS = {"encode", "decode"};
    private static final Map<String, String> DESCRIPTIONS = new HashMap<>();

    static {
        DESCRIPTIONS.put(FRAMES, "PacketFS frames on the wire");
        DESCRIPTIONS.put(WIRE_BYTES, "Bytes of PacketFS frames on the wire");
        DESCRIPTIONS.put(BITS_PACKED, "Reference bits packed into frames, by tier (0 = L1, 1 = L2, 2 = L3)");
        DESCRIPTIONS.put(BITS_UNPACKED, "Reference bits decoded from frames, by tier (0 = L1, 1 = L2, 2 = L3)");
        DESCRIPTIONS.put(SYNC_FRAMES, "SYNC units sent and received (one per closed window)");
        DESCRIPTIONS.put(CRC_ERRORS, "Windows whose CRC16 did not match their SYNC unit");
        DESCRIPTIONS.put(WINDOW_ERRORS,
                "Window sequence errors: missing windows, duplicate SYNCs, overflowing windows");
        DESCRIPTIONS.put(SEQUENCE_ERRORS, "Frames missing from the sequence, and frames that arrived late");
        DESCRIPTIONS.put(DROPS, "Frames or runs dropped, by where: kernel (socket buffer full), decoder (bad frame), "
                + "pool (reference outside the pool), duplicate, corrupt, foreign, invalid (not a reliable frame), "
                + "window (beyond the receive window)");
        DESCRIPTIONS.put(NACKS, "NACKs sent (tx) and received (rx)");
        DESCRIPTIONS.put(RETRANSMITS, "Frames sent again");
        DESCRIPTIONS.put(CONGESTION_WINDOW, "Bytes the congestion controller lets the sender have in flight");
        DESCRIPTIONS.put(PACING_RATE, "Wire bytes per second the sender's pacer lets out (0: unpaced)");
        DESCRIPTIONS.put(RTT, "The sender's smoothed round trip to the STATUS that reports a frame received");
        DESCRIPTIONS.put(LOSS_RATIO, "Frames the peer reported lost over frames sent for the first time");
        DESCRIPTIONS.put(POOL_HITS, "Input bytes the pool encoder found in the pool (kind copy, sent as COPY "
                + "references) or sent as literals (kind literal)");
    }

    private final MeterRegistry registry;
    private final java.util.concurrent.ConcurrentMap<String, Level> levels =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final int sampleEvery;
    private final long publishIntervalMillis;
    private final Timer[][] latency = new Timer[2][3];
    private final DistributionSummary[] frameSize = new DistributionSummary[2];
    private final Counter[] frames = new Counter[2];
    private final Rate[] rates = new Rate[2];

    /** Meters in {@code registry} with the default sampling and publishing interval. */
    public PacketFsMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_SAMPLE_EVERY, DEFAULT_PUBLISH_INTERVAL_MILLIS);
    }

    /**
     * Meters in {@code registry}.
     *
     * @param sampleEvery           1 to measure latency and size of every frame, N for one frame in N (1..65536)
     * @param publishIntervalMillis how often each channel publishes its counters (1..3,600,000)
     */
    public PacketFsMetrics(MeterRegistry registry, int sampleEvery, long publishIntervalMillis) {
        this.registry = ObjectUtil.checkNotNull(registry, "registry");
        this.sampleEvery = ObjectUtil.checkInRange(sampleEvery, 1, 65536, "sampleEvery");
        this.publishIntervalMillis = ObjectUtil.checkInRange(publishIntervalMillis, 1, 3_600_000,
                "publishIntervalMillis");
        for (int op = 0; op < 2; op++) {
            for (PacketFsTier tier : PacketFsTier.values()) {
                latency[op][tier.index()] = Timer.builder(LATENCY)
                        .description("Time the frame codec spent on one frame (sampled), by the tier that carries "
                                + "most of its reference bits")
                        .tags("operation", OPERATIONS[op], "tier", Integer.toString(tier.index()))
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .percentilePrecision(2)
                        .register(registry);
            }
        }
        for (int d = 0; d < 2; d++) {
            String dir = DIRECTIONS[d];
            frames[d] = counter(FRAMES, "direction", dir);
            counter(WIRE_BYTES, "direction", dir);
            frameSize[d] = DistributionSummary.builder(FRAME_SIZE).baseUnit("bytes")
                    .description("Size of PacketFS frames on the wire (sampled)")
                    .tags("direction", dir).register(registry);
            Rate rate = new Rate(frames[d]);
            rates[d] = rate;
            Gauge.builder(THROUGHPUT, rate, Rate::perSecond)
                    .description("PacketFS frames per second since the previous reading of this gauge")
                    .tags("direction", dir).strongReference(true).register(registry);
            counter(NACKS, "direction", dir);
        }
        for (PacketFsTier tier : PacketFsTier.values()) {
            String t = Integer.toString(tier.index());
            counter(BITS_PACKED, "tier", t);
            counter(BITS_UNPACKED, "tier", t);
        }
        counter(POOL_HITS, "kind", "copy");
        counter(POOL_HITS, "kind", "literal");
        counter(SYNC_FRAMES);
        counter(CRC_ERRORS);
        counter(RETRANSMITS);
        for (String kind : new String[] {"missing", "duplicate", "overflow"}) {
            counter(WINDOW_ERRORS, "kind", kind);
        }
        for (String kind : new String[] {"missing", "late"}) {
            counter(SEQUENCE_ERRORS, "kind", kind);
        }
        for (String source : new String[] {"kernel", "decoder", "pool", "duplicate", "corrupt", "foreign", "invalid", "window"}) {
            counter(DROPS, "source", source);
        }
    }

    /** The registry. */
    public MeterRegistry registry() {
        return registry;
    }

    /** One frame in this many per direction has its latency and size measured. */
    public int sampleEvery() {
        return sampleEvery;
    }

    /** How often each channel publishes its counters, in milliseconds. */
    public long publishIntervalMillis() {
        return publishIntervalMillis;
    }

    /** A handler for one channel (see {@link PacketFsMetricsHandler} for where it goes). */
    public PacketFsMetricsHandler newHandler() {
        return new PacketFsMetricsHandler(this);
    }

    /**
     * The counter {@code name} with {@code tags} (key, value, ...), registered on first use; PacketFS names get their
     * description.
     */
    public Counter counter(String name, String... tags) {
        return Counter.builder(name).description(DESCRIPTIONS.get(name)).tags(tags).register(registry);
    }

    /**
     * The level behind the gauge {@code name} with {@code tags}, registered on first use (later calls with the same
     * name and tags return the same level).
     */
    Level level(String name, String... tags) {
        String key = name + java.util.Arrays.toString(tags);
        return levels.computeIfAbsent(key, k -> {
            Level l = new Level();
            io.micrometer.core.instrument.Gauge.builder(name, l, Level::get).description(DESCRIPTIONS.get(name))
                    .tags(tags).strongReference(true).register(registry);
            return l;
        });
    }

    /** A value a gauge shows: written by one event loop, read by scrapes. */
    static final class Level {
        private volatile double value;

        void set(double v) {
            value = v;
        }

        double get() {
            return value;
        }
    }

    Timer latency(int operation, int tier) {
        return latency[operation][tier];
    }

    DistributionSummary frameSize(int direction) {
        return frameSize[direction];
    }

    /** Frames per second of a counter between two readings (each scrape reads a gauge once). */
    private static final class Rate {
        private final Counter counter;
        private long lastNanos = System.nanoTime();
        private double lastCount;

        Rate(Counter counter) {
            this.counter = counter;
        }

        synchronized double perSecond() {
            long now = System.nanoTime();
            double count = counter.count();
            long elapsed = now - lastNanos;
            double rate = elapsed <= 0 ? 0 : (count - lastCount) * 1e9 / elapsed;
            lastNanos = now;
            lastCount = count;
            return rate;
        }
    }
}
