package io.packetfs.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.packetfs.examples.BenchResults.Figure;
import io.packetfs.examples.BenchResults.Row;
import io.packetfs.transport.PacketFsTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./packetfs bench}: the seed's performance table (configuration | throughput | average latency |
 * efficiency) measured end to end through the real PacketFS pipeline over UDP loopback, with latency percentiles,
 * references/s and bits/s, a plain-UDP reference line for the same frames, JSON results and a baseline comparison
 * that exits {@link #EXIT_REGRESSION} when a figure regresses. What each row and each figure is: {@link
 * BenchWorkload}, {@link BenchTrial}; the regression rule: {@link BenchComparison}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The seed's performance table, measured end to end: references -> PacketFS pipeline "
                + "(bit-packing, SYNC inserter, tier encoder) -> UDP loopback -> tier decoder, CRC window checker, "
                + "window validator.",
                "",
                "Rows (the seed's wording; the size is the bytes of references carried in each frame):",
                "  L1 64B refs    64 L1 refs (8 bit) per frame: 74-byte frames",
                "  L2 256B refs   128 L2 refs (16 bit) per frame: 266-byte frames",
                "  L3 1KB refs    256 L3 refs (32 bit) per frame: 1,034-byte frames",
                "                 (and a 13-byte frame with the SYNC unit after every 65,536 refs)",
                "  Stress Test    every rule at once: a SYNC unit + CRC16 every 64 refs, frames <= 128 B,",
                "                 messages of 1-6 runs of random tiers (1-40 refs each): tier switches",
                "                 inside frames, runs split at frame and window boundaries",
                "  plain UDP      the same frames as plain UDP datagrams, no PacketFS handler (reference)",
                "",
                "Figures: throughput = frames/s decoded with up to --inflight messages in flight (credit window, "
                        + "no loss), refs/s and reference Mbit/s out of the validator; efficiency = reference bits / "
                        + "PacketFS frame bits (PROTOCOL.md 4.1); latency = from handing a message's refs to the "
                        + "pipeline (PacketFsRefs.pack + write) until its last ref leaves the validator, one message "
                        + "in flight (no queueing), HdrHistogram. Each figure is the median of --repeat runs; "
                        + "spread = (max - min) / median.",
                ""},
        footer = {"",
                "Regression rule (--baseline): a figure regresses when its median is worse than the baseline's by "
                        + "more than --threshold percent AND every repeat now is worse than every repeat of the "
                        + "baseline (the ranges do not overlap). Worse with overlapping ranges is 'within noise'. "
                        + "Plain-UDP lines are compared but never fail.",
                "Exit status: 0 done (no regression), 3 a PacketFS figure regressed against --baseline, "
                        + "1 the run failed (pipeline errors, lost frames, unreadable file, option out of range), "
                        + "2 unknown option or bad syntax."})
final class BenchCommand implements Callable<Integer> {

    /** Exit status when a figure regressed against the baseline. */
    static final int EXIT_REGRESSION = 3;

    /** Frames captured per row for its plain-UDP line (L1: one SYNC unit every 1,024 frames). */
    private static final int UDP_FRAMES = 1024;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the results to FILE as JSON: machine (cores, JDK, OS, load average), settings, and "
                    + "per row every figure with each repeat's value, median, min, max and spread.")
    Path json;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "Compare with earlier results (a --json file of an earlier run), print a comparison table "
                    + "and exit " + EXIT_REGRESSION + " if a PacketFS figure regressed (rule below).")
    Path baseline;

    @Option(names = "--threshold", paramLabel = "PCT", defaultValue = "5",
            description = "Regression threshold in percent of the baseline's median (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "0.7",
            description = "Measured seconds of the throughput phase, per row and repeat (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "0.2",
            description = "Warm-up seconds before each measurement, not counted (default ${DEFAULT-VALUE}); the "
                    + "run also starts with one untimed pass over every row, so the JIT has compiled the pipeline "
                    + "before the first repeat.")
    double warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "5",
            description = "Runs of the whole table; each figure is the median of the N runs, and the comparison "
                    + "uses their range as its noise guard (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--rows", paramLabel = "ROW", split = ",", defaultValue = "L1,L2,L3,stress",
            description = "Rows to run, of L1, L2, L3, stress (default ${DEFAULT-VALUE}).")
    List<String> rowIds;

    @Option(names = "--udp", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Add a plain-UDP line for the same frames of each row (default on; --no-udp skips them).")
    boolean udp;

    @Option(names = "--inflight", paramLabel = "N", defaultValue = "256",
            description = "Throughput phase: messages sent but not yet decoded, at most (default ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--latency-samples", paramLabel = "N", defaultValue = "1000",
            description = "Latency phase: messages timed one at a time, per row and repeat, after N/10 untimed "
                    + "warm-up messages (default ${DEFAULT-VALUE}).")
    int latencySamples;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the random references and of the stress schedule (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--results", paramLabel = "FILE",
            description = "Do not run: print (and compare with --baseline) the results in FILE, written earlier "
                    + "by --json.")
    Path results;

    /** Test hook: scales this run's figures as if the code were F slower (0.10: 10 %) before they are compared. */
    @Option(names = "--inject-slowdown", paramLabel = "F", hidden = true, defaultValue = "0")
    double injectSlowdown;

    @Override
    public Integer call() throws Exception {
        validate();
        BenchResults base = baseline != null ? BenchResults.read(baseline) : null;
        BenchResults now = results != null ? BenchResults.read(results) : run();
        if (injectSlowdown != 0) {
            now = now.slowedDown(injectSlowdown);
            System.out.printf(Locale.ROOT, "bench: figures scaled as if %.1f %% slower (--inject-slowdown)%n",
                    injectSlowdown * 100);
        }
        printTable(now, System.out);
        if (json != null) {
            now.write(json);
            System.out.println("bench: results written to " + json);
        }
        if (base == null) {
            return 0;
        }
        System.out.println();
        BenchComparison.Report report = BenchComparison.compare(base, now, threshold);
        BenchComparison.print(report, System.out);
        return report.regressed() ? EXIT_REGRESSION : 0;
    }

    private void validate() {
        check(threshold > 0, "--threshold " + threshold + " must be above 0 (percent)");
        check(seconds > 0, "--seconds " + seconds + " must be above 0");
        check(warmup >= 0, "--warmup " + warmup + " must be 0 or more");
        check(repeat >= 1, "--repeat " + repeat + " must be at least 1");
        check(inflight >= 1 && inflight <= 4096, "--inflight " + inflight + " is outside 1..4096");
        check(latencySamples >= 1, "--latency-samples " + latencySamples + " must be at least 1");
        check(injectSlowdown > -1, "--inject-slowdown " + injectSlowdown + " must be above -1");
        check(!rowIds.isEmpty(), "--rows names no row: use some of " + String.join(",", BenchWorkload.IDS));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private BenchResults run() throws Exception {
        List<BenchWorkload> workloads = new ArrayList<>();
        for (String id : rowIds) {
            BenchWorkload w = BenchWorkload.of(id.trim(), seed);
            if (workloads.stream().noneMatch(x -> x.id.equals(w.id))) {
                workloads.add(w); // a row named twice runs once
            }
        }
        ObjectNode machine = BenchResults.describeMachine();
        ObjectNode settings = settings();
        int latencyWarmup = Math.max(10, latencySamples / 10);
        BenchTrial.Settings s = new BenchTrial.Settings(warmup, seconds, inflight, latencySamples, latencyWarmup);
        Map<String, List<BenchTrial.Sample>> samples = new LinkedHashMap<>();
        Map<String, List<ByteBuf>> frames = new LinkedHashMap<>();
        EventLoopGroup txGroup = PacketFsTransports.newEventLoopGroup(1);
        EventLoopGroup rxGroup = PacketFsTransports.newEventLoopGroup(1);
        long start = System.nanoTime();
        try {
            if (udp) {
                for (BenchWorkload w : workloads) {
                    frames.put(w.id, w.frames(UDP_FRAMES));
                }
            }
            System.err.printf(Locale.ROOT, "bench: %d row(s)%s x %d repeat(s), %.1f s warm-up + %.1f s each, "
                            + "UDP loopback ...%n", workloads.size(), udp ? " + plain UDP" : "", repeat, warmup,
                    seconds);
            // one untimed pass first: the JIT compiles the pipeline here, not in the first repeat
            BenchTrial.Settings pass = new BenchTrial.Settings(warmup, Math.min(0.5, seconds), inflight,
                    Math.min(200, latencySamples), 10);
            for (BenchWorkload w : workloads) {
                BenchTrial.runPacketFs(w, pass, txGroup, rxGroup);
                if (udp) {
                    BenchTrial.runPlainUdp(frames.get(w.id), pass, txGroup, rxGroup);
                }
            }
            System.err.println("bench: warm-up pass done");
            // repeats outside, rows inside: a drift of the machine's load spreads over every row
            for (int r = 0; r < repeat; r++) {
                for (BenchWorkload w : workloads) {
                    samples.computeIfAbsent(w.id, k -> new ArrayList<>())
                            .add(BenchTrial.runPacketFs(w, s, txGroup, rxGroup));
                    if (udp) {
                        samples.computeIfAbsent("udp-" + w.id, k -> new ArrayList<>())
                                .add(BenchTrial.runPlainUdp(frames.get(w.id), s, txGroup, rxGroup));
                    }
                }
                System.err.printf(Locale.ROOT, "bench: repeat %d/%d done%n", r + 1, repeat);
            }
        } finally {
            frames.values().forEach(l -> l.forEach(ByteBuf::release));
            txGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            rxGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        settings.put("elapsed_s", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        ArrayNode loadEnd = machine.putArray("load_average_at_end");
        for (double l : BenchResults.loadAverage()) {
            loadEnd.add(l);
        }
        List<Row> rows = new ArrayList<>();
        for (BenchWorkload w : workloads) {
            rows.add(row(w.id, w.label, false, w.describe(), samples.get(w.id)));
        }
        if (udp) {
            for (BenchWorkload w : workloads) {
                rows.add(row("udp-" + w.id, "plain UDP, " + w.id + " frames", true,
                        "the frames of row " + w.id + " as plain UDP datagrams, no PacketFS handler",
                        samples.get("udp-" + w.id)));
            }
        }
        return new BenchResults(machine, settings, rows);
    }

    private ObjectNode settings() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("started", Instant.now().toString());
        o.put("transport", "UDP loopback 127.0.0.1, sender and receiver on two Netty event loops, one JVM");
        o.put("repeat", repeat);
        o.put("warmup_s", warmup);
        o.put("seconds", seconds);
        o.put("inflight", inflight);
        o.put("flush_every", BenchWorkload.FLUSH_EVERY);
        o.put("latency_samples", latencySamples);
        o.put("seed", seed);
        o.put("latency", "one message in flight: PacketFsRefs.pack + write on the sender's loop -> last reference "
                + "out of the SYNC validator on the receiver's loop");
        o.put("efficiency", "reference bits / PacketFS frame bits (UDP/IP headers not counted)");
        return o;
    }

    private static Row row(String id, String label, boolean reference, String description,
                           List<BenchTrial.Sample> samples) {
        Row r = new Row(id, label, reference, description);
        int n = samples.size();
        for (Figure f : Figure.values()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = value(samples.get(i), f);
            }
            r.runs.put(f, v);
        }
        return r;
    }

    private static double value(BenchTrial.Sample s, Figure f) {
        switch (f) {
            case FPS:
                return s.fps;
            case REFS_PER_SECOND:
                return s.refsPerSecond;
            case REF_BITS_PER_SECOND:
                return s.refBitsPerSecond;
            case WIRE_BITS_PER_SECOND:
                return s.wireBitsPerSecond;
            case EFFICIENCY:
                return s.efficiency;
            case FRAME_BYTES:
                return s.frameBytes;
            case LATENCY_AVG:
                return s.latencyAvgMicros;
            case LATENCY_P50:
                return s.latencyP50Micros;
            case LATENCY_P95:
                return s.latencyP95Micros;
            case LATENCY_P99:
                return s.latencyP99Micros;
            default:
                return s.latencyMaxMicros;
        }
    }

    /** The table: medians of the repeats, the spread of frames/s and of p50. */
    static void printTable(BenchResults r, PrintStream out) {
        out.println("bench: " + BenchResults.machineLine(r.machine));
        out.printf(Locale.ROOT, "bench: %s; medians of %s run(s), spread = (max - min) / median%n",
                r.settings.path("transport").asText("UDP loopback"), r.settings.path("repeat").asText("?"));
        String fmt = "%-22s %7s %13s %6s %9s %8s %8s %8s %6s %8s %8s %8s %8s%n";
        out.printf(Locale.ROOT, fmt, "configuration", "frame B", "throughput fps", "spread", "refs/s", "ref Mb/s",
                "wire Mb/s", "effic.", "vs UDP", "avg us", "p50 us", "p95 us", "p99 us");
        for (Row row : r.rows) {
            Row plain = row.reference ? null : r.row("udp-" + row.id);
            double fps = row.median(Figure.FPS);
            String vsUdp = plain == null || !Double.isFinite(plain.median(Figure.FPS)) ? "-"
                    : String.format(Locale.ROOT, "%.0f%%", 100 * fps / plain.median(Figure.FPS));
            out.printf(Locale.ROOT, fmt, row.label,
                    num("%.0f", row.median(Figure.FRAME_BYTES)),
                    num("%,.0f", fps),
                    num("%.1f%%", row.spreadPercent(Figure.FPS)),
                    refsPerSecond(row.median(Figure.REFS_PER_SECOND)),
                    num("%.1f", row.median(Figure.REF_BITS_PER_SECOND) / 1e6),
                    num("%.1f", row.median(Figure.WIRE_BITS_PER_SECOND) / 1e6),
                    num("%.1f%%", row.median(Figure.EFFICIENCY) * 100),
                    vsUdp,
                    num("%.1f", row.median(Figure.LATENCY_AVG)),
                    num("%.1f", row.median(Figure.LATENCY_P50)),
                    num("%.1f", row.median(Figure.LATENCY_P95)),
                    num("%.1f", row.median(Figure.LATENCY_P99)));
        }
        for (Row row : r.rows) {
            if (!row.reference) {
                out.println("  " + row.description);
            }
        }
    }

    private static String refsPerSecond(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2f M", v / 1e6) : String.format(Locale.ROOT, "%.0f k", v / 1e3);
    }

    private static String num(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "-";
    }
}
