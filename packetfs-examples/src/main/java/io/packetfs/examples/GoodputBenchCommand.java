package io.packetfs.examples;

import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.transport.PacketFsImpairment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./packetfs bench-goodput}: goodput of whole file transfers (send and recv in this process, UDP loopback,
 * reliable delivery) with seeded loss applied to what the receiver reads, beside the loss-free figure of the same
 * run. Goodput is file bytes over the sender's time from HELLO to the receiver's verdict (SHA-256 verified).
 */
@Command(name = "bench-goodput", mixinStandardHelpOptions = true,
        description = {"Goodput of a file transfer over UDP loopback at several loss rates (docs/PROTOCOL.md section 9),",
                "beside the loss-free figure of the same run; every transfer is verified byte for byte."})
final class GoodputBenchCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "256M", description = "File size (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--loss", defaultValue = "0,0.01,0.05", split = ",",
            description = "Loss rates applied to the frames the receiver reads (default ${DEFAULT-VALUE}).")
    List<Double> losses;

    @Option(names = "--reorder", defaultValue = "0",
            description = "Also reorder this share of frames (default ${DEFAULT-VALUE}).")
    double reorder;

    @Option(names = "--content", defaultValue = "random",
            description = "random (no byte in the pool: every frame carries literals, the most wire) or pool "
                    + "(a sample drawn from the pool with 0.01 %% edits, as the demo) (default ${DEFAULT-VALUE}).")
    String content;

    @Option(names = "--repeat", defaultValue = "3", description = "Rounds of one transfer per loss rate, "
            + "interleaved; each row shows its median (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the data and the loss (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        long bytes = Transfers.parseSize(size);
        if (bytes > Integer.MAX_VALUE || repeat < 1) {
            throw new IllegalArgumentException("--size at most 2G, --repeat at least 1");
        }
        Path dir = Files.createTempDirectory("packetfs-goodput");
        Path input = dir.resolve("in.bin");
        Path output = dir.resolve("out.bin");
        try (PacketFsPool pool = PacketFsPool.synthetic(64L << 20, seed, PacketFsPoolGeometry.DEFAULT)) {
            writeInput(pool, input, (int) bytes);
            System.out.printf("bench-goodput: %,d bytes of %s content, %d transfer(s) per loss rate after one warm-up "
                    + "transfer per loss rate, UDP loopback, %d cores, %s%n", bytes, content, repeat,
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
            System.out.printf("%-8s %12s %10s %12s %14s %9s %10s %8s %7s   %s%n", "loss", "goodput MB/s", "vs 0 loss",
                    "wire MB/s", "retransmitted", "timeouts", "NACKs", "seconds", "CPU s", "all runs (s)");
            // one untimed transfer per loss rate first: the JIT compiles the repair paths (NACK, reordering,
            // retransmission) only once they run, and on 2 cores its compiler threads would take a third of the
            // CPU from the first timed transfers with loss, but not from the loss-free ones warmed up before
            for (double loss : losses) {
                transfer(pool, input, output, loss, seed - 1);
                Files.deleteIfExists(output);
            }
            double lossFree = Double.NaN;
            boolean ok = true;
            // rounds of one transfer per loss rate, interleaved, so that a machine that speeds up or slows down
            // during the run moves every row alike; each row shows its median
            List<List<TransferResult[]>> runs = new ArrayList<>();
            for (int i = 0; i < losses.size(); i++) {
                runs.add(new ArrayList<>());
            }
            for (int round = 0; round < repeat; round++) {
                for (int i = 0; i < losses.size(); i++) {
                    double loss = losses.get(i);
                    TransferResult[] r = transfer(pool, input, output, loss, seed + round);
                    boolean identical = r[0].ok && r[1].ok && Files.mismatch(input, output) == -1;
                    if (!identical) {
                        System.out.println("bench-goodput: transfer at loss " + loss + " FAILED: " + r[0].message
                                + " / " + r[1].message);
                        ok = false;
                    }
                    Files.deleteIfExists(output);
                    runs.get(i).add(r);
                }
            }
            for (int i = 0; i < losses.size(); i++) {
                double loss = losses.get(i);
                List<TransferResult[]> row = runs.get(i);
                row.sort((a, b) -> Double.compare(a[0].seconds, b[0].seconds));
                TransferResult[] median = row.get(row.size() / 2);
                double goodput = bytes / median[0].seconds / 1e6;
                if (loss == 0) {
                    lossFree = goodput;
                }
                StringBuilder all = new StringBuilder();
                for (TransferResult[] r : row) {
                    all.append(String.format("%.2f ", r[0].seconds));
                }
                System.out.printf("%-8s %12.1f %10s %12.1f %,14d %,9d %,10d %8.2f %7.2f   %s%n",
                        String.format("%.1f%%", loss * 100), goodput,
                        Double.isNaN(lossFree) ? "-" : String.format("%.2f", goodput / lossFree),
                        median[0].wireBytes / median[0].seconds / 1e6, median[0].retransmitted, median[0].timeouts,
                        median[1].nacksSent, median[0].seconds, median[0].cpuSeconds, all.toString().trim());
            }
            return ok ? 0 : 1;
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(output);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * CPU time of the whole process (both peers, the JIT, the GC), or a negative number where the JVM does not tell:
     * beside the elapsed time it shows whether a transfer was short of CPU or waiting.
     */
    private static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
    }

    private void writeInput(PacketFsPool pool, Path input, int bytes) throws Exception {
        if ("pool".equals(content)) {
            Files.write(input, DemoCommand.sample(pool, bytes, 0.0001, seed));
            return;
        }
        if (!"random".equals(content)) {
            throw new IllegalArgumentException("--content is random or pool, not '" + content + "'");
        }
        // not the pool's own generator stream (the synthetic pool is drawn from the same seed)
        SplittableRandom random = new SplittableRandom(~seed * 0x9E3779B97F4A7C15L);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(input)) {
            for (int done = 0; done < bytes; done += block.length) {
                random.nextBytes(block);
                out.write(block, 0, Math.min(block.length, bytes - done));
            }
        }
    }

    private TransferResult[] transfer(PacketFsPool pool, Path input, Path output,
                                      double loss, long lossSeed) throws Exception {
        PacketFsImpairment.Settings impair = loss == 0 && reorder == 0 ? null
                : PacketFsImpairment.Settings.builder().loss(loss).reorder(reorder).seed(lossSeed)
                .direction(PacketFsImpairment.Direction.INBOUND).build();
        long cpuBefore = processCpuNanos();
        TransferResult[] both = Transfers.overLoopback(pool, pool, input, output, 30, true, false, null, impair);
        both[0].cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
        return both;
    }
}
