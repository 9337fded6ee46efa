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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pool coder on real version pairs beside the tools a user would otherwise pick, in one round per pair: each
 * NEW file is sent with its OLD file as the pool, and the same NEW is delta-coded against the same OLD by rsync
 * (its delta algorithm against a local daemon, {@code --no-whole-file --stats}: bytes sent plus received),
 * {@code zstd --patch-from --long=31} at -3 and -19, and {@code xdelta3 -e -s}. Every output is decoded and
 * compared with NEW byte for byte; a mismatch stops the report. Run:
 * <pre>
 *   java -cp packetfs-benchmarks/target/packetfs-benchmarks-jmh.jar \
 *       io.packetfs.benchmarks.PoolDeltaReport [--packetfs-only] [--plain] OLD NEW [OLD NEW ...]
 * </pre>
 * {@code packetfs-benchmarks/scripts/delta-pairs.sh DIR} makes the pairs the README's table was measured on (npm
 * tarballs of TypeScript and esbuild releases, a SQLite database before and after a workload).
 * {@code --packetfs-only} skips the tools (their columns print 0), for quick rounds while working on the coder;
 * {@code --plain} makes PacketFS send plain COPY units only (docs/PROTOCOL.md 8.7, no entropy coding).
 * PacketFS wire bytes count frames (8-byte headers), COPY units and SYNC units of {@link PacketFsConfig#DEFAULT}
 * with {@link PacketFsPoolEncoder#DEFAULT_MAX_BODY}-byte bodies, as {@link PacketFsPoolWireMeter} does; its encode
 * and decode speeds are NEW bytes / time in this JVM, warmed up, the pool's anchor table built once before (its
 * build time is printed). The tools' times are their whole processes (start, reading OLD, building their match
 * structures, writing the output), so the encode comparison is PacketFS warm against each tool's whole run,
 * the way a user meets each: the pool's tables are cached next to the pool, a tool's are rebuilt every run.
 */
public final class PoolDeltaReport {

    private static final Pattern RSYNC_SENT = Pattern.compile("Total bytes sent: ([0-9,]+)");
    private static final Pattern RSYNC_RECEIVED = Pattern.compile("Total bytes received: ([0-9,]+)");

    private PoolDeltaReport() {
    }

    /** Whether PacketFS may send coded units (docs/PROTOCOL.md 8.8); {@code --plain} sends plain ones only. */
    private static boolean coded = true;

    /** Prints one row per pair and the targets. */
    public static void main(String[] args) throws Exception {
        boolean tools = true;
        while (args.length > 0 && args[0].startsWith("--")) {
            if ("--packetfs-only".equals(args[0])) {
                tools = false;
            } else if ("--plain".equals(args[0])) {
                coded = false;
            } else {
                System.err.println("unknown option " + args[0]);
                System.exit(2);
            }
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        if (args.length < 2 || args.length % 2 != 0) {
            System.err.println("usage: PoolDeltaReport OLD NEW [OLD NEW ...] (each NEW is sent with OLD as the pool)");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("pool-delta");
        try {
            System.out.printf("%d CPUs; every output decoded and compared with NEW; bytes on the wire or in the delta;"
                    + " times: PacketFS in-JVM warm, tools whole process%n",
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("%-28s %11s | %10s %8s %8s | %10s %6s | %10s %6s | %10s %6s | %10s %6s%n", "pair (new)",
                    "bytes", "PacketFS", "enc MB/s", "dec MB/s", "rsync", "s", "zstd -3", "s", "zstd -19", "s",
                    "xdelta3", "s");
            List<String> verdicts = new ArrayList<>();
            for (int i = 0; i < args.length; i += 2) {
                Path old = Paths.get(args[i]).toAbsolutePath();
                Path nu = Paths.get(args[i + 1]).toAbsolutePath();
                Row r = row(old, nu, work, tools);
                System.out.printf("%-28s %,11d | %,10d %8.0f %8.0f | %,10d %6.2f | %,10d %6.2f | %,10d %6.2f"
                                + " | %,10d %6.2f%n", shorten(nu.getFileName().toString(), 28), r.size, r.pfsWire,
                        r.pfsEncMbps, r.pfsDecMbps, r.rsync, r.rsyncSeconds, r.zstd3, r.zstd3Seconds, r.zstd19,
                        r.zstd19Seconds, r.xdelta, r.xdeltaSeconds);
                System.out.printf("%-28s anchor table %,d B built in %.3f s; %,d commands, %,d literal bytes;"
                        + " %,d of %,d units coded%n", "", r.anchorBytes, r.anchorSeconds, r.commands, r.literals,
                        r.codedUnits, r.units);
                if (!tools) {
                    continue;
                }
                double zstd3Mbps = r.size / 1e6 / r.zstd3Seconds;
                verdicts.add(String.format("  %s: wire %,d < zstd -19 %,d: %s; < xdelta3 %,d: %s; encode %.0f MB/s >="
                                + " zstd -3 %.0f MB/s: %s", nu.getFileName(), r.pfsWire, r.zstd19,
                        verdict(r.pfsWire < r.zstd19), r.xdelta, verdict(r.pfsWire < r.xdelta), r.pfsEncMbps,
                        zstd3Mbps, verdict(r.pfsEncMbps >= zstd3Mbps)));
            }
            System.out.println();
            System.out.println("targets (issue 14):");
            verdicts.forEach(System.out::println);
        } finally {
            deleteTree(work);
        }
    }

    private static final class Row {
        long size;
        long pfsWire;
        double pfsEncMbps;
        double pfsDecMbps;
        long anchorBytes;
        double anchorSeconds;
        long commands;
        long literals;
        long units;
        long codedUnits;
        long rsync;
        double rsyncSeconds;
        long zstd3;
        double zstd3Seconds;
        long zstd19;
        double zstd19Seconds;
        long xdelta;
        double xdeltaSeconds;
    }

    private static Row row(Path old, Path nu, Path work, boolean tools) throws Exception {
        Row r = new Row();
        byte[] in = Files.readAllBytes(nu);
        r.size = in.length;
        packetFs(old, in, r);
        if (!tools) {
            return r;
        }
        rsync(old, nu, in, work, r);
        long[] z3 = zstd(old, nu, in, work, 3);
        r.zstd3 = z3[0];
        r.zstd3Seconds = z3[1] / 1e9;
        long[] z19 = zstd(old, nu, in, work, 19);
        r.zstd19 = z19[0];
        r.zstd19Seconds = z19[1] / 1e9;
        Path delta = work.resolve("new.vcdiff");
        Path out = work.resolve("new.xdelta3");
        long t0 = System.nanoTime();
        run(work, "xdelta3", "-e", "-f", "-s", old.toString(), nu.toString(), delta.toString());
        r.xdeltaSeconds = (System.nanoTime() - t0) / 1e9;
        run(work, "xdelta3", "-d", "-f", "-s", old.toString(), delta.toString(), out.toString());
        same(out, in, "xdelta3");
        r.xdelta = Files.size(delta);
        return r;
    }

    private static void packetFs(Path old, byte[] in, Row r) throws IOException {
        try (PacketFsPool pool = PacketFsPool.open(old, PacketFsPoolGeometry.DEFAULT)) {
            long t0 = System.nanoTime();
            r.anchorBytes = pool.anchors().memoryBytes();
            r.anchorSeconds = (System.nanoTime() - t0) / 1e9;
            PacketFsPoolEncoder encoder = new PacketFsPoolEncoder(pool, PooledByteBufAllocator.DEFAULT,
                    PacketFsPoolEncoder.DEFAULT_MAX_BODY, coded);
            PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
            ByteBuf inBuf = Unpooled.directBuffer(in.length).writeBytes(in);
            ByteBuf out = Unpooled.directBuffer(in.length);
            List<PacketFsCopyUnit> units = new ArrayList<>();
            try {
                r.pfsWire = PoolWireReport.encodeAll(encoder, inBuf, units).wireBytes();
                r.commands = encoder.commandsOut();
                r.units = encoder.unitsOut();
                r.codedUnits = encoder.codedUnitsOut();
                r.literals = encoder.literalBytes();
                PoolWireReport.decodeAll(decoder, units, out);
                if (!out.equals(inBuf)) {
                    throw new IllegalStateException("PacketFS: the decoded file differs from " + in.length
                            + " bytes of NEW");
                }
                PacketFsPoolCopySink drop = PacketFsCopyUnit::release;
                r.pfsEncMbps = mbps(in.length, () -> {
                    encoder.encode(inBuf.duplicate(), drop);
                    encoder.finish(drop);
                });
                r.pfsDecMbps = mbps(in.length, () -> PoolWireReport.decodeAll(decoder, units, out));
            } finally {
                units.forEach(PacketFsCopyUnit::release);
                inBuf.release();
                out.release();
            }
        }
    }

    /** Warm up for 1 s (at least 3 runs), then the best of 5 runs, in MB/s of input. */
    private static double mbps(long bytes, Runnable op) {
        long warm = System.nanoTime() + 1_000_000_000L;
        for (int runs = 0; runs < 3 || System.nanoTime() < warm; runs++) {
            op.run();
        }
        long best = Long.MAX_VALUE;
        for (int k = 0; k < 5; k++) {
            long t0 = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return bytes / (best / 1e3);
    }

    /** rsync's delta transfer of NEW onto a copy of OLD held by a daemon on loopback. */
    private static void rsync(Path old, Path nu, byte[] in, Path work, Row r) throws Exception {
        Path module = Files.createDirectories(work.resolve("rsync-module"));
        Path target = module.resolve("target");
        Files.copy(old, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int port = freePort();
        Path conf = work.resolve("rsyncd.conf");
        Files.writeString(conf, "use chroot = no\npid file = " + work.resolve("rsyncd.pid") + "\n[m]\npath = "
                + module + "\nread only = no\nuid = root\ngid = root\n");
        Process daemon = new ProcessBuilder("rsync", "--daemon", "--no-detach", "--address=127.0.0.1",
                "--port=" + port, "--config=" + conf).redirectErrorStream(true)
                .redirectOutput(work.resolve("rsyncd.log").toFile()).start();
        try {
            String url = "rsync://127.0.0.1:" + port + "/m/target";
            String stats = null;
            long t0 = 0;
            for (int attempt = 0; attempt < 50 && stats == null; attempt++) {
                t0 = System.nanoTime();
                try {
                    stats = run(work, "rsync", "--no-whole-file", "--stats", nu.toString(), url);
                } catch (IllegalStateException notYet) {
                    if (attempt == 49) {
                        throw notYet;
                    }
                    Thread.sleep(100);
                }
            }
            r.rsyncSeconds = (System.nanoTime() - t0) / 1e9;
            r.rsync = number(RSYNC_SENT, stats) + number(RSYNC_RECEIVED, stats);
            same(target, in, "rsync");
        } finally {
            daemon.destroy();
            daemon.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** {delta bytes, encode nanoseconds}. */
    private static long[] zstd(Path old, Path nu, byte[] in, Path work, int level) throws Exception {
        Path delta = work.resolve("new.zst");
        Path out = work.resolve("new.unzst");
        long t0 = System.nanoTime();
        run(work, "zstd", "-q", "-f", "-" + level, "--long=31", "--patch-from=" + old, nu.toString(), "-o",
                delta.toString());
        long nanos = System.nanoTime() - t0;
        run(work, "zstd", "-q", "-f", "-d", "--long=31", "--patch-from=" + old, delta.toString(), "-o",
                out.toString());
        same(out, in, "zstd -" + level);
        return new long[] {Files.size(delta), nanos};
    }

    private static void same(Path out, byte[] in, String tool) throws IOException {
        if (!Arrays.equals(Files.readAllBytes(out), in)) {
            throw new IllegalStateException(tool + ": the decoded file differs from NEW");
        }
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip()
                    + " (is " + command[0] + " installed? apt-get install rsync zstd xdelta3)");
        }
        return output;
    }

    private static long number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("rsync --stats printed no '" + p.pattern() + "': " + text);
        }
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String shorten(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 2) + "..";
    }

    private static String verdict(boolean met) {
        return met ? "MET" : "NOT MET";
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
