package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCrcException;
import io.packetfs.codec.PacketFsCrcWindowChecker;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsSyncValidator;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierDecoder;
import io.packetfs.codec.PacketFsTierEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./packetfs demo}: the codec end to end in one process, no network and no root. A seeded stream of
 * mixed-tier references goes through the sending pipeline (SYNC inserter, tier encoder) into frames, the frames go
 * through the receiving pipeline (tier decoder, CRC window checker, window validator), and every reference is
 * compared with what was sent. Then one reference byte of one frame is flipped in transit, and the demo shows
 * that the receiver reports the damaged window instead of passing it silently.
 */
@Command(name = "codec-demo", mixinStandardHelpOptions = true,
        description = {"Runs the PacketFS codec end to end in one process (no network, no root):",
                "encode a seeded stream of mixed-tier references into frames, decode and verify it,",
                "then corrupt one frame in transit and show the receiver catch it."})
final class CodecDemoCommand implements Callable<Integer> {

    @Option(names = "--refs", defaultValue = "2000000", description = "References to send (default ${DEFAULT-VALUE}).")
    long refs;

    @Option(names = "--window-pow2", defaultValue = "12",
            description = "Window size as a power of two (default ${DEFAULT-VALUE}: 4,096 refs).")
    int windowPow2;

    @Option(names = "--frame", defaultValue = "1500", description = "Largest frame in bytes (default ${DEFAULT-VALUE}).")
    int maxFrame;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-crc", description = "SYNC units without CRC16.")
    boolean noCrc;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (refs < 1 || refs > 1_000_000_000L) {
            throw new IllegalArgumentException("--refs " + refs + " is outside 1..1000000000");
        }
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(windowPow2).crcEnabled(!noCrc)
                .maxFrameLength(maxFrame).build();
        out.printf("PacketFS codec demo: %,d references, %s%n", refs, config);

        long start = System.nanoTime();
        Receiver rx = new Receiver(config, seed, refs);
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(config);
        PacketFsTierEncoder encoder = new PacketFsTierEncoder(config);
        EmbeddedChannel tx = new EmbeddedChannel(encoder, inserter);
        RefSource source = new RefSource(seed, refs);
        long wireBytes = 0;
        long sent = 0;
        long lastReport = 0;
        while (source.next()) {
            int n = source.count;
            tx.write(PacketFsRefs.pack(tx.alloc(), source.tier, source.batch, 0, n));
            sent += n;
            if (sent == refs) {
                tx.write(PacketFsCloseWindow.INSTANCE);
            }
            tx.flush();
            for (ByteBuf frame; (frame = tx.readOutbound()) != null; ) {
                wireBytes += frame.readableBytes();
                rx.channel.writeInbound(frame);
            }
            if (sent - lastReport >= refs / 10 && refs >= 1_000_000) {
                lastReport = sent;
                out.printf("  ... %3d%%  %,d refs%n", sent * 100 / refs, sent);
            }
        }
        tx.finishAndReleaseAll();
        double seconds = (System.nanoTime() - start) / 1e9;

        boolean ok = rx.mismatches == 0 && rx.received == sent && rx.errors.isEmpty()
                && rx.validator.windowsValid() == inserter.syncsEmitted();
        out.printf("%n  references sent / received   %,d / %,d (%s)%n", sent, rx.received,
                rx.mismatches == 0 && rx.received == sent ? "identical" : rx.mismatches + " differ");
        out.printf("  reference bytes / wire bytes %,d / %,d (%.2f%% of the wire is references)%n",
                rx.refBytes, wireBytes, 100.0 * rx.refBytes / wireBytes);
        out.printf("  frames                       %,d (avg %.0f bytes)%n", encoder.framesEncoded(),
                (double) wireBytes / encoder.framesEncoded());
        out.printf("  windows valid / sent         %,d / %,d, CRC errors %d%n", rx.validator.windowsValid(),
                inserter.syncsEmitted(), rx.checker.crcErrors());
        out.printf("  elapsed                      %.2f s (%,.0f refs/s through encode + decode + verify,"
                + " EmbeddedChannel)%n", seconds, sent / seconds);

        boolean caught = corruptionDrill(config, out);
        out.println();
        if (ok && caught) {
            out.println("demo OK: every reference arrived intact, and the corrupted frame was caught.");
            return 0;
        }
        out.println("demo FAILED: " + (ok ? "the corrupted frame went unnoticed" : "the clean run did not verify"));
        rx.errors.stream().limit(5).forEach(e -> out.println("  " + e.getMessage()));
        return 1;
    }

    /** Sends one window, flips one reference bit in transit, and checks the receiver reports the window. */
    private boolean corruptionDrill(PacketFsConfig config, PrintStream out) {
        out.printf("%nCorruption drill: one window, one reference bit flipped in transit%n");
        if (!config.crcEnabled()) {
            out.println("  skipped: CRC is off (--no-crc), so a corrupt reference cannot be detected at this layer");
            return true;
        }
        Receiver rx = new Receiver(config, seed, config.windowSize());
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(config), new PacketFsSyncInserter(config));
        int[] window = new SplittableRandom(seed).ints(config.windowSize()).toArray();
        tx.write(PacketFsRefs.pack(tx.alloc(), PacketFsTier.L3, window, 0, window.length));
        tx.flush();
        List<ByteBuf> frames = new ArrayList<>();
        for (ByteBuf f; (f = tx.readOutbound()) != null; ) {
            frames.add(f);
        }
        tx.finishAndReleaseAll();
        ByteBuf victim = frames.get(frames.size() / 2);
        int at = victim.readerIndex() + 8 + 2 + 5; // header, run header, then inside the references
        victim.setByte(at, victim.getByte(at) ^ 0x10);
        frames.forEach(rx.channel::writeInbound);
        rx.channel.finishAndReleaseAll();
        for (Throwable e : rx.errors) {
            if (e instanceof PacketFsCrcException) {
                out.println("  receiver reported: " + e.getMessage());
                return true;
            }
        }
        out.println("  the receiver did NOT report the corrupted window");
        return false;
    }

    /** The seeded stream of runs: the sender draws from one, the receiver replays another to compare. */
    private static final class RefSource {
        final SplittableRandom random;
        final int[] batch = new int[4096];
        long remaining;
        PacketFsTier tier;
        int count;

        RefSource(long seed, long total) {
            random = new SplittableRandom(seed);
            remaining = total;
        }

        /** Draws the next run into {@link #tier}, {@link #count}, {@link #batch}; false at the end. */
        boolean next() {
            if (remaining == 0) {
                return false;
            }
            int p = random.nextInt(10);
            tier = p < 2 ? PacketFsTier.L1 : p < 5 ? PacketFsTier.L2 : PacketFsTier.L3;
            count = (int) Math.min(remaining, 1 + random.nextInt(batch.length));
            for (int i = 0; i < count; i++) {
                batch[i] = (int) (random.nextLong() & tier.maxRef());
            }
            remaining -= count;
            return true;
        }
    }

    /** The receiving pipeline plus a tail that re-derives the sender's stream and compares. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final PacketFsCrcWindowChecker checker = new PacketFsCrcWindowChecker();
        final PacketFsSyncValidator validator;
        final EmbeddedChannel channel;
        final List<Throwable> errors = new ArrayList<>();
        long received;
        long refBytes;
        long mismatches;

        final RefSource expected;
        int expectedAt;
        int[] unpacked = new int[4096];

        Receiver(PacketFsConfig config, long seed, long total) {
            validator = new PacketFsSyncValidator(config);
            expected = new RefSource(seed, total);
            channel = new EmbeddedChannel(new PacketFsTierDecoder(config), checker, validator, this);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof PacketFsRefs) {
                    PacketFsRefs r = (PacketFsRefs) msg;
                    int n = r.count();
                    if (unpacked.length < n) {
                        unpacked = new int[n];
                    }
                    r.unpack(unpacked, 0);
                    for (int i = 0; i < n; i++) {
                        if (expectedAt == expected.count) {
                            if (!expected.next()) {
                                mismatches += n - i; // more references than were sent
                                break;
                            }
                            expectedAt = 0;
                        }
                        if (unpacked[i] != expected.batch[expectedAt++] || r.tier() != expected.tier) {
                            mismatches++;
                        }
                    }
                    received += n;
                    refBytes += r.content().readableBytes();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }
}
