package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolCopySink;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.codec.pool.PacketFsPoolWireMeter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The issue-4 table in one command: encode MB/s, decode MB/s and wire bytes / input bytes of the pool codec beside
 * zstd-jni with the pool as dictionary at levels 1 and 3 ({@link PoolZstd}), on the inputs of {@link PoolInputs}, in
 * one run, followed by the targets and whether each is met (computed from the figures above it). Run:
 * <pre>
 *   java -cp packetfs-benchmarks/target/packetfs-benchmarks-jmh.jar \
 *       io.packetfs.benchmarks.PoolWireReport [--plain] [POOL_MiB [SECONDS]]
 * </pre>
 * {@code --plain}: plain COPY units only (docs/PROTOCOL.md 8.7), as before coded units (8.8).
 * Timing: each operation is repeated for at least 1 s and 10 runs to warm up, then for {@code SECONDS} (default 2);
 * the figure is input
 * bytes processed / elapsed time (1 MB = 10^6 bytes), best of three equal slices of the measurement. PacketFS wire
 * bytes count frames (8-byte headers), COPY units and SYNC units of {@link PacketFsConfig#DEFAULT} as
 * {@link PacketFsPoolWireMeter} does; zstd's are its frame bytes. Decode includes the body checks. For rigorous
 * error bars and allocation figures use {@link PoolCodecBenchmark} with JMH.
 */
public final class PoolWireReport {

    private PoolWireReport() {
    }

    /** Prints the table. */
    public static void main(String[] args) {
        boolean coded = true;
        if (args.length > 0 && "--plain".equals(args[0])) {
            coded = false;
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        long poolBytes0 = args.length > 0 ? Long.parseLong(args[0]) << 20 : 16L << 20;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
        String[] scenarios = {"inPool", "edited1pct", "random", "edited:0.001", "edited:0.0001", "edited:0.03"};
        String[] labels = {"(a) in pool", "(b) 1% edited", "(c) random", "0.1% edited", "0.01% edited",
            "3% edited"};
        PacketFsPool pool = PacketFsPool.synthetic(poolBytes0, PoolInputs.POOL_SEED, PacketFsPoolGeometry.DEFAULT);
        long t0 = System.nanoTime();
        pool.anchors();
        double anchorSeconds = (System.nanoTime() - t0) / 1e9;
        byte[] poolBytes = new byte[(int) pool.size()];
        pool.getBytes(0, poolBytes);
        PacketFsPoolEncoder encoder = new PacketFsPoolEncoder(pool, PooledByteBufAllocator.DEFAULT,
                PacketFsPoolEncoder.DEFAULT_MAX_BODY, coded);
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        double[][] results = new double[scenarios.length][];
        System.out.printf("pool %d MiB synthetic (anchor table %d B, built in %.3f s); %s units; %d CPUs, load %s;"
                        + " %.1f s per figure%n", poolBytes0 >> 20, pool.anchors().memoryBytes(), anchorSeconds,
                coded ? "coded (8.8) or plain, whichever is smaller," : "plain (8.7)", Runtime.getRuntime().availableProcessors(), loadAverage(), seconds);
        System.out.println("input            bytes      | PacketFS enc MB/s  dec MB/s  wire ratio | zstd-1 comp MB/s"
                + "  dec MB/s  wire ratio | zstd-3 comp MB/s  dec MB/s  wire ratio");
        try (PoolZstd z1 = new PoolZstd(poolBytes, 1, false); PoolZstd z3 = new PoolZstd(poolBytes, 3, false)) {
            for (int s = 0; s < scenarios.length; s++) {
                byte[] in = PoolInputs.input(pool, scenarios[s]);
                results[s] = row(pool, encoder, decoder, z1, z3, in, seconds);
                double[] r = results[s];
                System.out.printf("%-15s %9d  | %17.0f %9.0f %11.6f | %16.0f %9.0f %11.6f | %16.0f %9.0f %11.6f%n",
                        labels[s], in.length, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
            }
        }
        System.out.println();
        System.out.println("targets (issue 4):");
        for (int s = 0; s < 2; s++) {
            double[] r = results[s];
            System.out.printf("  %s: wire %.6f < zstd-1 %.6f and zstd-3 %.6f: %s; encode %.0f MB/s >= 3 x zstd-1 %.0f"
                            + " = %.0f and 3 x zstd-3 %.0f = %.0f: %s%n", labels[s], r[2], r[5], r[8],
                    verdict(r[2] < r[5] && r[2] < r[8]), r[0], r[3], 3 * r[3], r[6], 3 * r[6],
                    verdict(r[0] >= 3 * r[3] && r[0] >= 3 * r[6]));
        }
        System.out.printf("  %s: expansion %.4f %% <= 2 %%: %s%n", labels[2], (results[2][2] - 1) * 100,
                verdict(results[2][2] <= 1.02));
        System.out.printf("  %s: decode %.0f MB/s >= 2,000: %s%n", labels[0], results[0][1],
                verdict(results[0][1] >= 2000));
        pool.close();
    }

    private static String verdict(boolean met) {
        return met ? "MET" : "NOT MET";
    }

    private static String loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format("%.2f", l);
    }

    /** {pfs enc, pfs dec, pfs wire, z1 comp, z1 dec, z1 wire, z3 comp, z3 dec, z3 wire}. */
    private static double[] row(PacketFsPool pool, PacketFsPoolEncoder encoder, PacketFsPoolDecoder decoder,
                                PoolZstd z1, PoolZstd z3, byte[] in, double seconds) {
        ByteBuf inBuf = Unpooled.directBuffer(in.length).writeBytes(in);
        ByteBuf out = Unpooled.directBuffer(in.length + 4096);
        List<PacketFsCopyUnit> units = new ArrayList<>();
        try {
            long wire = encodeAll(encoder, inBuf, units).wireBytes();
            decodeAll(decoder, units, out);
            if (!out.equals(inBuf)) {
                throw new IllegalStateException("the pool codec does not round-trip");
            }
            byte[] dst = new byte[in.length + in.length / 100 + 4096];
            byte[] plain = new byte[in.length];
            byte[] c1 = Arrays.copyOf(dst, z1.compress(in, dst));
            byte[] c3 = Arrays.copyOf(dst, z3.compress(in, dst));
            if (z1.decompress(c1, c1.length, plain) != in.length || !Arrays.equals(plain, in)
                    || z3.decompress(c3, c3.length, plain) != in.length || !Arrays.equals(plain, in)) {
                throw new IllegalStateException("zstd does not round-trip");
            }
            PacketFsPoolCopySink drop = PacketFsCopyUnit::release;
            double n = in.length;
            return new double[] {
                mbps(n, seconds, () -> {
                    encoder.encode(inBuf.duplicate(), drop);
                    encoder.finish(drop);
                }),
                mbps(n, seconds, () -> decodeAll(decoder, units, out)),
                (double) wire / n,
                mbps(n, seconds, () -> z1.compress(in, dst)),
                mbps(n, seconds, () -> z1.decompress(c1, c1.length, plain)),
                c1.length / n,
                mbps(n, seconds, () -> z3.compress(in, dst)),
                mbps(n, seconds, () -> z3.decompress(c3, c3.length, plain)),
                c3.length / n,
            };
        } finally {
            units.forEach(PacketFsCopyUnit::release);
            inBuf.release();
            out.release();
        }
    }

    /**
     * Encodes the readable bytes of {@code in} (not consumed) into {@code units} and returns the meter of their wire
     * bytes: frames, COPY and SYNC units of {@link PacketFsConfig#DEFAULT}.
     */
    static PacketFsPoolWireMeter encodeAll(PacketFsPoolEncoder encoder, ByteBuf in, List<PacketFsCopyUnit> units) {
        PacketFsPoolWireMeter meter = new PacketFsPoolWireMeter(PacketFsConfig.DEFAULT);
        PacketFsPoolCopySink keep = unit -> {
            meter.addCopy(unit.bodyLength());
            units.add(unit);
        };
        encoder.encode(in.duplicate(), keep);
        encoder.finish(keep);
        meter.closeWindow();
        return meter;
    }

    /** Decodes {@code units} in order into {@code out}, cleared first. */
    static void decodeAll(PacketFsPoolDecoder decoder, List<PacketFsCopyUnit> units, ByteBuf out) {
        out.clear();
        for (int i = 0, k = units.size(); i < k; i++) {
            decoder.decode(units.get(i), out);
        }
    }

    /** Input MB/s of {@code op}: warm up (1 s and 10 runs), then the best of three slices of {@code seconds} / 3. */
    private static double mbps(double bytesPerOp, double seconds, Runnable op) {
        long warm = System.nanoTime() + 1_000_000_000L;
        for (int runs = 0; runs < 10 || System.nanoTime() < warm; runs++) {
            op.run();
        }
        double best = 0;
        long slice = (long) (seconds / 3 * 1e9);
        for (int k = 0; k < 3; k++) {
            long start = System.nanoTime();
            long stop = start + slice;
            long ops = 0;
            long now;
            do {
                op.run();
                ops++;
                now = System.nanoTime();
            } while (now < stop);
            best = Math.max(best, ops * bytesPerOp / ((now - start) / 1e3));
        }
        return best;
    }
}
