package io.packetfs.examples;

import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.codec.pool.PacketFsPoolAnchors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./packetfs demo}: the main job in one process with no root: a generated pool, a sample file drawn mostly
 * from the pool with edits, sent over the UDP tunnel on loopback from a sender to a receiver that holds the same
 * pool, verified byte for byte, and summarised.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Sends a sample file between a sender and a receiver in this process over UDP loopback,",
                "as references into a generated pool that both hold; verifies it and prints the summary."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--pool-size", defaultValue = "64M", description = "Generated pool size (default ${DEFAULT-VALUE}).")
    String poolSize;

    @Option(names = "--file-size", defaultValue = "32M",
            description = "Sample file size (default ${DEFAULT-VALUE}).")
    String fileSize;

    @Option(names = "--edit-rate", defaultValue = "0.0001",
            description = "Share of the sample's bytes changed or inserted after drawing it from the pool "
                    + "(default ${DEFAULT-VALUE}).")
    double editRate;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the pool and the sample (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @Mixin
    MetricsOptions metricsOptions;

    @Override
    @SuppressWarnings("try") // the resource is the metrics server, open while the command runs
    public Integer call() throws Exception {
        try (CliMetrics metrics = metricsOptions.start()) {
            return runDemo();
        }
    }

    private Integer runDemo() throws Exception {
        long poolBytes = Transfers.parseSize(poolSize);
        long sampleBytes = Transfers.parseSize(fileSize);
        if (sampleBytes > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("--file-size " + fileSize + " is too large for the demo (max 2G)");
        }
        Path dir = Files.createTempDirectory("packetfs-demo");
        Path input = dir.resolve("sample.bin");
        Path output = dir.resolve("received.bin");
        try (PacketFsPool pool = PacketFsPool.synthetic(poolBytes, seed, PacketFsPoolGeometry.DEFAULT)) {
            System.out.printf("demo: pool of %,d bytes from seed %d, fingerprint %s%n", pool.size(), seed,
                    pool.fingerprintHex().substring(0, 16) + "...");
            long t0 = System.nanoTime();
            PacketFsPoolAnchors anchors = pool.anchors();
            System.out.printf("demo: the sender's anchor table built in %.2f s (%,d anchors, %,d bytes)%n",
                    (System.nanoTime() - t0) / 1e9, anchors.anchors(), anchors.memoryBytes());
            byte[] sample = sample(pool, (int) sampleBytes, editRate, seed);
            Files.write(input, sample);
            System.out.printf("demo: sample file of %,d bytes: slices of the pool at unaligned offsets, "
                    + "%.2f%% of bytes edited or inserted%n", sample.length, editRate * 100);

            TransferResult[] both = Transfers.overLoopback(pool, pool, input, output, 10, true, !noProgress,
                    null, null);
            TransferResult tx = both[0];
            TransferResult r = both[1];
            System.out.println(tx.summary("send"));
            System.out.println(r.summary("recv"));
            boolean identical = r.ok && Files.mismatch(input, output) == -1;
            System.out.println(identical ? "demo OK: the received file is byte-identical to the sample"
                    : "demo FAILED: " + (r.ok ? "the files differ" : r.message));
            return identical && tx.ok ? 0 : 1;
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(output);
            Files.deleteIfExists(dir);
        }
    }

    /** Slices of the pool at random unaligned offsets, then random byte changes and short random insertions. */
    static byte[] sample(PacketFsPool pool, int size, double editRate, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5A5A5A5AL);
        byte[] out = new byte[size];
        int at = 0;
        byte[] buf = new byte[1 << 20];
        while (at < size) {
            int n = (int) Math.min(Math.min(size - at, 64 * 1024 + random.nextInt(1 << 20)), pool.size());
            long from = random.nextLong(Math.max(1, pool.size() - n));
            Transfers.read(pool, from, out, at, n);
            at += n;
        }
        int edits = (int) (size * editRate);
        for (int i = 0; i < edits; i++) {
            int pos = random.nextInt(size);
            if (random.nextInt(4) == 0 && pos + 16 < size) {
                // an insertion: shift the tail right by 1..16 random bytes (the end falls off)
                int len = 1 + random.nextInt(16);
                System.arraycopy(out, pos, out, pos + len, size - pos - len);
                for (int k = 0; k < len; k++) {
                    out[pos + k] = (byte) random.nextInt();
                }
            } else {
                out[pos] = (byte) random.nextInt();
            }
        }
        return out;
    }
}
