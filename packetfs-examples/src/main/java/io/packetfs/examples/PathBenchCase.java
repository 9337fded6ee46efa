package io.packetfs.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One case of {@code bench-path}: what the file holds and what bottleneck, if any, sits on the sender's veth.
 *
 * <pre>
 *   clean-pool                      a file entirely contained in the pool (its first bytes), no qdisc
 *   clean-random                    seeded random bytes (no run of them is in the pool), no qdisc
 *   tbf:RATE:QUEUE[:pool|:random]   random (default) or pool bytes through
 *                                   tc qdisc replace dev IF root tbf rate RATE burst B limit QUEUE
 * </pre>
 *
 * RATE takes tc's bit units ({@code 50mbit}, {@code 1gbit}, {@code 800kbit}, {@code 64000bit}: powers of 1000);
 * QUEUE takes tc's byte units ({@code 64kb}, {@code 1mb}, {@code 32k}, {@code 9000b}, {@code 9000}: powers of
 * 1024). Both are handed to tc as plain numbers ({@code 100000000bit}, {@code 65536}), so tc and this class cannot
 * read a unit differently. tc's {@code bps}-style units are bytes per second and are refused here, as a likely
 * slip for bits.
 */
final class PathBenchCase {

    /** What the file holds. */
    enum Content {
        /** The first bytes of the pool file: every frame is references. */
        POOL("pool"),
        /** Seeded random bytes: every frame carries literals. */
        RANDOM("random");

        final String label;

        Content(String label) {
            this.label = label;
        }
    }

    /** The cases run when {@code --cases} is not given. */
    static final String DEFAULT_CASES =
            "clean-pool,clean-random,tbf:1gbit:1mb,tbf:500mbit:256kb,tbf:100mbit:64kb,tbf:50mbit:32kb";

    /** Ethernet header bytes that ride on top of the MTU in a frame the qdisc sees. */
    static final int ETHERNET_HEADER_BYTES = 14;

    /** The smallest file of a tbf case, whatever its rate. */
    static final long MIN_TBF_FILE_BYTES = 1L << 20;

    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)([kmgt]?)bit");
    private static final Pattern QUEUE = Pattern.compile("(\\d+(?:\\.\\d+)?)(?:([kmg])b?|b)?");

    /** The spec as written (lower case), which is also the case's label in the table. */
    final String spec;
    final Content content;
    /** tbf rate in bits per second, 0 for no qdisc. */
    final long rateBitsPerSecond;
    /** tbf limit: bytes that may wait in the queue; 0 for no qdisc. */
    final long queueBytes;

    private PathBenchCase(String spec, Content content, long rateBitsPerSecond, long queueBytes) {
        this.spec = spec;
        this.content = content;
        this.rateBitsPerSecond = rateBitsPerSecond;
        this.queueBytes = queueBytes;
    }

    boolean isTbf() {
        return rateBitsPerSecond > 0;
    }

    /** Parses one case spec; the message names the bad part and what is expected. */
    static PathBenchCase parse(String text) {
        String spec = text.trim().toLowerCase(Locale.ROOT);
        if (spec.equals("clean-pool")) {
            return new PathBenchCase(spec, Content.POOL, 0, 0);
        }
        if (spec.equals("clean-random")) {
            return new PathBenchCase(spec, Content.RANDOM, 0, 0);
        }
        if (spec.startsWith("tbf:")) {
            String[] parts = spec.split(":", -1);
            if (parts.length != 3 && parts.length != 4) {
                throw new IllegalArgumentException("case '" + text + "': expected tbf:RATE:QUEUE[:pool|:random], "
                        + "e.g. tbf:100mbit:64kb");
            }
            Content content = Content.RANDOM;
            if (parts.length == 4) {
                if (parts[3].equals("pool")) {
                    content = Content.POOL;
                } else if (!parts[3].equals("random")) {
                    throw new IllegalArgumentException("case '" + text + "': content '" + parts[3]
                            + "' is neither pool nor random");
                }
            }
            return new PathBenchCase(spec, content, parseRate(parts[1]), parseQueue(parts[2]));
        }
        throw new IllegalArgumentException("case '" + text + "' is none of clean-pool, clean-random, "
                + "tbf:RATE:QUEUE[:pool|:random]");
    }

    /** Parses a comma list of specs; duplicates are kept (they run twice). */
    static List<PathBenchCase> parseList(String commaList) {
        List<PathBenchCase> cases = new ArrayList<>();
        for (String s : commaList.split(",")) {
            if (!s.isBlank()) {
                cases.add(parse(s));
            }
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("--cases names no case");
        }
        return cases;
    }

    /** A tc rate in bits per second: {@code 100mbit} is 100,000,000. */
    static long parseRate(String text) {
        Matcher m = RATE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("rate '" + text + "': expected a number and bit, kbit, mbit, gbit "
                    + "or tbit, e.g. 100mbit (tc's bps units are bytes per second and are not accepted)");
        }
        long bits = Math.round(Double.parseDouble(m.group(1)) * power(m.group(2), 1000));
        if (bits < 8_000) {
            throw new IllegalArgumentException("rate '" + text + "' is below 8kbit");
        }
        return bits;
    }

    /** A tc size in bytes: {@code 64kb} and {@code 64k} are 65,536. */
    static long parseQueue(String text) {
        Matcher m = QUEUE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("queue '" + text + "': expected bytes with b, k(b), m(b) or g(b), "
                    + "e.g. 64kb");
        }
        long bytes = Math.round(Double.parseDouble(m.group(1)) * power(m.group(2), 1024));
        if (bytes < 1) {
            throw new IllegalArgumentException("queue '" + text + "' is empty");
        }
        return bytes;
    }

    private static long power(String prefix, long base) {
        if (prefix == null || prefix.isEmpty()) {
            return 1;
        }
        switch (prefix) {
            case "k":
                return base;
            case "m":
                return base * base;
            case "g":
                return base * base * base;
            default:
                return base * base * base * base;
        }
    }

    /**
     * The tbf bucket: one millisecond of the rate, but at least two full frames ({@code 2 * (mtu + 14)}) so that a
     * frame never waits for a bucket that cannot hold it. Linux tbf refills from a high-resolution timer, so a
     * millisecond of tokens is enough to reach the rate, and small enough that the bottleneck stays a bottleneck
     * (a bucket of the whole queue would let a queue's worth through at line rate).
     */
    long burstBytes(int mtu) {
        long perMillisecond = (rateBitsPerSecond / 8 + 999) / 1000;
        return Math.max(perMillisecond, 2L * (mtu + ETHERNET_HEADER_BYTES));
    }

    /**
     * The file size of this case: {@code size} for a clean case; for a tbf case what the rate carries in
     * {@code tbfSeconds} (rounded down to whole MiB, at least 1 MiB), but never more than {@code size}. A pool
     * case is also capped at the pool's size.
     */
    long fileBytes(long size, long poolSize, double tbfSeconds) {
        long bytes = size;
        if (isTbf()) {
            long carried = (long) (rateBitsPerSecond / 8.0 * tbfSeconds) & ~((1L << 20) - 1);
            bytes = Math.min(size, Math.max(MIN_TBF_FILE_BYTES, carried));
        }
        return content == Content.POOL ? Math.min(bytes, poolSize) : bytes;
    }

    /** The arguments of {@code tc} that install this case's qdisc on {@code dev}. */
    List<String> tcArgs(String dev, int mtu) {
        return List.of("qdisc", "replace", "dev", dev, "root", "tbf", "rate", rateBitsPerSecond + "bit",
                "burst", Long.toString(burstBytes(mtu)), "limit", Long.toString(queueBytes));
    }

    @Override
    public String toString() {
        return spec;
    }
}
