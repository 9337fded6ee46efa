package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One PacketFS row of the {@code bench} table: the codec configuration and a seeded, cycled schedule of
 * <em>messages</em>. A message is what the sender hands to the pipeline in one go (one or more runs of references,
 * then the next message) and what the latency is measured on.
 *
 * <p>The seed's table names its rows "L1 64B refs", "L2 256B refs", "L3 1KB refs" and "Stress Test". Its prototype
 * measured frames of 64-byte payloads, so the sizes are read as the bytes of references carried per frame:
 * <ul>
 *   <li>L1: 64 L1 references (64 B) per message and per frame, a 74-byte frame;</li>
 *   <li>L2: 128 L2 references (256 B), a 266-byte frame;</li>
 *   <li>L3: 256 L3 references (1 KiB), a 1,034-byte frame;</li>
 *   <li>stress: every rule at once, as often as possible: windows of 64 references (a SYNC unit with its CRC16
 *       every 64 references, window ids wrapping after 4 M references), frames of at most 128 bytes, and messages
 *       of 1 to 6 runs of random tiers and 1 to 40 references each, so runs are split at frame and window
 *       boundaries and tiers switch inside frames.</li>
 * </ul>
 * Under the default pool geometry (PROTOCOL.md section 8) the L1, L2 and L3 messages stand for 64 B, 8 KiB and
 * 256 KiB of pool data.
 */
final class BenchWorkload {

    /** Frame header and one run header (PROTOCOL.md sections 3 and 4.1). */
    static final int FRAME_OVERHEAD = 8 + 2;

    /** The throughput phase flushes after this many messages (and whenever it runs out of credit). */
    static final int FLUSH_EVERY = 32;

    /** Messages in a schedule (a power of two; the schedule is cycled). */
    private static final int SCHEDULE = 256;
    private static final int STRESS_WINDOW_POW2 = 6;
    private static final int STRESS_MAX_FRAME = 128;
    private static final int STRESS_MAX_RUNS = 6;
    private static final int STRESS_MAX_RUN_REFS = 40;

    /** Row id: {@code L1}, {@code L2}, {@code L3} or {@code stress}. */
    final String id;
    /** The seed's wording plus what it means here. */
    final String label;
    final PacketFsConfig config;
    /** Per message: the tier of each run. */
    final PacketFsTier[][] tiers;
    /** Per message: the references of each run. */
    final int[][][] refs;
    /** Per message: references in all its runs. */
    final int[] messageRefs;

    private BenchWorkload(String id, String label, PacketFsConfig config, PacketFsTier[][] tiers, int[][][] refs) {
        this.id = id;
        this.label = label;
        this.config = config;
        this.tiers = tiers;
        this.refs = refs;
        this.messageRefs = new int[tiers.length];
        for (int m = 0; m < tiers.length; m++) {
            for (int[] run : refs[m]) {
                messageRefs[m] += run.length;
            }
        }
    }

    /** The row ids in table order. */
    static final List<String> IDS = List.of("L1", "L2", "L3", "stress");

    /** The row {@code id} (case-insensitive: L1, L2, L3, stress), its references drawn from {@code seed}. */
    static BenchWorkload of(String id, long seed) {
        switch (id.toLowerCase(Locale.ROOT)) {
            case "l1":
                return homogeneous("L1", "L1 64B refs", PacketFsTier.L1, 64, seed);
            case "l2":
                return homogeneous("L2", "L2 256B refs", PacketFsTier.L2, 128, seed);
            case "l3":
                return homogeneous("L3", "L3 1KB refs", PacketFsTier.L3, 256, seed);
            case "stress":
                return stress(seed);
            default:
                throw new IllegalArgumentException("unknown row '" + id + "': use " + String.join(", ", IDS));
        }
    }

    private static BenchWorkload homogeneous(String id, String label, PacketFsTier tier, int count, long seed) {
        // exactly one message per frame: a SYNC unit at a window boundary goes into a small frame of its own
        PacketFsConfig config = PacketFsConfig.builder().maxFrameLength(FRAME_OVERHEAD + count * tier.bytes()).build();
        SplittableRandom random = new SplittableRandom(seed);
        PacketFsTier[][] tiers = new PacketFsTier[SCHEDULE][];
        int[][][] refs = new int[SCHEDULE][][];
        for (int m = 0; m < SCHEDULE; m++) {
            tiers[m] = new PacketFsTier[] {tier};
            refs[m] = new int[][] {randomRefs(random, tier, count)};
        }
        return new BenchWorkload(id, label, config, tiers, refs);
    }

    private static BenchWorkload stress(long seed) {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(STRESS_WINDOW_POW2)
                .maxFrameLength(STRESS_MAX_FRAME).build();
        SplittableRandom random = new SplittableRandom(seed);
        PacketFsTier[] all = PacketFsTier.values();
        PacketFsTier[][] tiers = new PacketFsTier[SCHEDULE][];
        int[][][] refs = new int[SCHEDULE][][];
        for (int m = 0; m < SCHEDULE; m++) {
            int runs = 1 + random.nextInt(STRESS_MAX_RUNS);
            tiers[m] = new PacketFsTier[runs];
            refs[m] = new int[runs][];
            for (int r = 0; r < runs; r++) {
                tiers[m][r] = all[random.nextInt(all.length)];
                refs[m][r] = randomRefs(random, tiers[m][r], 1 + random.nextInt(STRESS_MAX_RUN_REFS));
            }
        }
        return new BenchWorkload("stress", "Stress Test", config, tiers, refs);
    }

    private static int[] randomRefs(SplittableRandom random, PacketFsTier tier, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = (int) (random.nextInt() & tier.maxRef());
        }
        return r;
    }

    /** Messages in the schedule (a power of two). */
    int messages() {
        return tiers.length;
    }

    /** One line on what a message is, for the table's notes. */
    String describe() {
        if (id.equals("stress")) {
            return String.format("stress: window_pow2 %d (SYNC+CRC16 every %d refs), frames <= %d B, messages of 1-%d "
                            + "runs of random tier and 1-%d refs", config.windowPow2(), config.windowSize(),
                    config.maxFrameLength(), STRESS_MAX_RUNS, STRESS_MAX_RUN_REFS);
        }
        PacketFsTier tier = tiers[0][0];
        return String.format("%s: %d %s refs (%d B) per frame, window_pow2 %d, CRC on", id, messageRefs[0], tier,
                messageRefs[0] * tier.bytes(), config.windowPow2());
    }

    /** Writes message {@code m} (modulo the schedule) to {@code sink}, one packed run at a time. */
    void write(int m, ByteBufAllocator alloc, RunSink sink) {
        int i = m & (tiers.length - 1);
        PacketFsTier[] t = tiers[i];
        int[][] r = refs[i];
        for (int k = 0; k < t.length; k++) {
            sink.accept(PacketFsRefs.pack(alloc, t[k], r[k], 0, r[k].length));
        }
    }

    /** Where {@link #write} puts each run. */
    interface RunSink {
        void accept(PacketFsRefs run);
    }

    /**
     * The frames this workload puts on the wire in the throughput phase, at least {@code minFrames} of them
     * (messages written in order through the real codec, a flush after every {@link #FLUSH_EVERY}), as unpooled
     * direct buffers: what the plain-UDP reference line sends. The caller releases them.
     */
    List<ByteBuf> frames(int minFrames) {
        EmbeddedChannel ch = new EmbeddedChannel();
        PacketFsPipelines.addCodec(ch.pipeline(), config);
        List<ByteBuf> out = new ArrayList<>();
        try {
            for (int m = 0; out.size() < minFrames; m++) {
                write(m, ch.alloc(), run -> ch.write(run));
                if ((m + 1) % FLUSH_EVERY == 0) {
                    ch.flush();
                }
                for (ByteBuf f = ch.readOutbound(); f != null; f = ch.readOutbound()) {
                    try {
                        out.add(Unpooled.directBuffer(f.readableBytes()).writeBytes(f));
                    } finally {
                        f.release();
                    }
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(ByteBuf::release);
            throw e;
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
