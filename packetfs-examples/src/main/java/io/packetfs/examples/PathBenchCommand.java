package io.packetfs.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.packetfs.codec.pool.PacketFsPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * {@code ./packetfs bench-path}: PacketFS file transfers beside a plain TCP copy of the same bytes over the same
 * path, in one run, each side a separate process started as a user would ({@code ip netns exec NS java ...
 * PacketFsCli recv|send}, {@code tcp-copy} for TCP).
 *
 * <pre>
 *   netns ...-a (sender)                              netns ...-b (receiver)
 *   send / tcp-copy --connect                         recv / tcp-copy --listen
 *   pfp-a 10.213.X.1 --[root qdisc: none | tbf]-->--  pfp-b 10.213.X.2
 * </pre>
 *
 * <p>Per case and run: the qdisc drop counter is read before and after; recv (or the TCP listener) starts first
 * and the sender only once the receiver's socket shows in {@code /proc/PID/net/*}; every process has a wall-clock
 * limit of {@code 20 s + 4 x (expected seconds) x (1 + busy)}, expected seconds being the file over the tbf rate
 * (50 MB/s without one), and is killed past it. PacketFS's time is the sender's own (HELLO to the receiver's
 * verdict, after SHA-256 and fsync); TCP's is the sending tcp-copy's (before connect to the receiver's 1-byte
 * answer after EOF and fsync). Every output is compared with its input by SHA-256.
 *
 * <p>{@code --competing-tcp} adds, per tbf case and round, a PacketFS transfer with a TCP flow through the same
 * qdisc: it starts 300 ms after the first file bytes reach the receiver and sends for {@code --competing-seconds}.
 * Both receivers write files, sampled every 50 ms; the overlap runs from the competitor's first byte to the
 * earlier of its last growth and PacketFS's complete file. Shares are goodput (file bytes) over the overlap.
 */
@Command(name = "bench-path", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"PacketFS send/recv beside a plain TCP copy of the same file over the same path:",
                "a veth pair between two network namespaces it creates (and removes), with",
                "optional tbf bottlenecks on the sender's end. Every side is a separate process",
                "(ip netns exec NS java ... recv|send|tcp-copy). Linux, root.",
                "",
                "Cases: clean-pool (the pool's first bytes), clean-random (random bytes) and",
                "tbf:RATE:QUEUE[:pool|:random] (tc rate and limit, e.g. tbf:100mbit:64kb;",
                "random bytes unless :pool). tbf burst: 1 ms of the rate, at least",
                "2 x (MTU + 14) bytes. A tbf case's file is what its rate carries in",
                "--tbf-seconds (whole MiB, at least 1 MiB), at most --size.",
                "",
                "Columns: goodput in MB/s (10^6 file bytes per second; PacketFS: the sender's",
                "time from HELLO to the receiver's verdict; TCP: from connect to the",
                "receiver's 1-byte answer after EOF and fsync), ratio = PacketFS / TCP,",
                "wire/file = PacketFS wire bytes per file byte, qdisc drops and retransmitted",
                "frames of the PacketFS runs. --repeat N: medians of N interleaved rounds.",
                "Exit status: 0 all transfers verified, 1 a transfer failed, 2 not root on Linux."})
final class PathBenchCommand implements Callable<Integer> {

    static final int PACKETFS_PORT = 47100;
    static final int TCP_PORT = 47101;
    static final int COMPETING_PORT = 47102;
    /** TCP LISTEN in /proc/net/tcp. */
    private static final String TCP_LISTEN = "0A";
    /** Goodput assumed without a bottleneck, for the processes' time limits only. */
    private static final double CLEAN_BYTES_PER_SECOND = 50e6;
    private static final long LISTEN_WAIT_MILLIS = 20_000;
    private static final long SAMPLE_MILLIS = 50;
    private static final long COMPETING_DELAY_MILLIS = 300;
    /** Sample intervals the two flows must overlap for their shares to be reported (4 x 50 ms). */
    static final int MIN_OVERLAP_SAMPLES = 4;
    private static final AtomicInteger INVOCATIONS = new AtomicInteger();

    @Option(names = "--cases", defaultValue = PathBenchCase.DEFAULT_CASES, paramLabel = "LIST",
            description = "Comma list of cases (default ${DEFAULT-VALUE}).")
    String cases;

    @Option(names = "--pool-size", defaultValue = "256M", paramLabel = "SIZE",
            description = "Size of the synthetic pool both sides hold (default ${DEFAULT-VALUE}).")
    String poolSize;

    @Option(names = "--size", defaultValue = "64M", paramLabel = "SIZE",
            description = "File size of the clean cases, and the most any tbf case sends (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--tbf-seconds", defaultValue = "3", paramLabel = "S",
            description = "A tbf case's file is what its rate carries in S seconds (default ${DEFAULT-VALUE}).")
    double tbfSeconds;

    @Option(names = "--mtu", defaultValue = "0", paramLabel = "N",
            description = "MTU of both veth ends (default: the kernel's, 1500).")
    int mtu;

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
            description = "Rounds per case, interleaved; the table shows medians (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--competing-tcp",
            description = "Per tbf case and round, one more PacketFS transfer with a TCP flow through the same "
                    + "bottleneck; prints each one's share of it.")
    boolean competingTcp;

    @Option(names = "--competing-seconds", defaultValue = "2", paramLabel = "S",
            description = "How long the competing TCP flow sends (default ${DEFAULT-VALUE}).")
    double competingSeconds;

    @Option(names = "--busy", defaultValue = "0", paramLabel = "N",
            description = "Run N busy-looping processes (sh) during all transfers (default ${DEFAULT-VALUE}).")
    int busy;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the pool and the random files (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every run's figures to FILE.")
    Path json;

    private long poolBytes;
    private long maxFileBytes;
    private String netnsA;
    private String netnsB;
    private String addressB;
    private byte[] addressBBytes;
    private volatile Veth veth;
    private Path dir;
    private Path poolFile;
    private int runSequence;
    private final Map<String, Path> inputs = new HashMap<>();
    private final Map<Path, byte[]> digests = new HashMap<>();
    private final Set<Child> children = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        List<PathBenchCase> list = PathBenchCase.parseList(cases);
        poolBytes = Transfers.parseSize(poolSize);
        maxFileBytes = Transfers.parseSize(size);
        if (poolBytes < 1 || maxFileBytes < 1 || repeat < 1 || busy < 0 || tbfSeconds <= 0 || competingSeconds <= 0
                || mtu < 0) {
            throw new IllegalArgumentException("--pool-size and --size at least 1 byte, --repeat at least 1, "
                    + "--busy at least 0, --tbf-seconds and --competing-seconds above 0, --mtu at least 0");
        }
        String why = Veth.unavailabilityReason();
        if (why != null) {
            System.err.println("bench-path: needs root on Linux, because it creates network namespaces, a veth pair "
                    + "and tbf qdiscs (ip netns, ip link, tc) and runs processes inside them: " + why);
            return 2;
        }
        long pid = ProcessHandle.current().pid();
        String prefix = "pfs-path-" + pid + "-" + INVOCATIONS.incrementAndGet();
        netnsA = prefix + "-a";
        netnsB = prefix + "-b";
        int subnet = (int) (pid % 250) + 1;
        addressB = "10.213." + subnet + ".2";
        addressBBytes = InetAddress.getByName(addressB).getAddress();
        Thread hook = new Thread(this::cleanUp, "bench-path-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            dir = Files.createTempDirectory("packetfs-bench-path");
            veth = Veth.create(netnsA, netnsB, "pfp-a", "pfp-b", "10.213." + subnet + ".1", addressB, mtu);
            return runAll(list);
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** Kills every process this command started, removes the namespaces and the temporary files. Idempotent. */
    private void cleanUp() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        for (Child c : children) {
            c.kill();
        }
        Veth v = veth;
        if (v != null) {
            v.close();
        } else if (netnsA != null) {
            Veth.deleteNamespaces(netnsA, netnsB); // interrupted while creating them
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private int runAll(List<PathBenchCase> list) throws Exception {
        int effectiveMtu = mtu > 0 ? mtu : 1500;
        System.out.printf("bench-path: %s/%s (sender, qdisc here) <-> %s/%s %s, MTU %d, pool %s, %d round(s), "
                        + "%d busy process(es), %d cores%n", netnsA, veth.interfaceA, netnsB, veth.interfaceB,
                addressB, effectiveMtu, bytesLabel(poolBytes), repeat, busy,
                Runtime.getRuntime().availableProcessors());
        poolFile = dir.resolve("pool.bin");
        PacketFsPool.writeSynthetic(poolFile, poolBytes, seed);
        try (PacketFsPool pool = Transfers.openPool(poolFile)) {
            Transfers.prepareSender(pool, poolFile); // cached next to the pool, so no send builds it
        }
        try (var made = Files.list(dir)) {
            for (Path p : (Iterable<Path>) made::iterator) {
                writeBack(p);
            }
        }
        List<Child> spinners = new ArrayList<>();
        for (int i = 0; i < busy; i++) {
            Child spinner = Child.start("busy-" + i, List.of("sh", "-c", "while :; do :; done"), null);
            spinners.add(spinner);
            children.add(spinner);
        }
        List<CaseResult> results = new ArrayList<>();
        System.out.printf("%-20s %9s %14s %9s %7s %9s %12s %8s  %s%n", "case", "file", "PacketFS MB/s", "TCP MB/s",
                "ratio", "wire/file", "qdisc drops", "retrans", "result");
        for (PathBenchCase c : list) {
            CaseResult r = runCase(c, effectiveMtu);
            results.add(r);
            printRow(r);
        }
        for (Child spinner : spinners) {
            spinner.kill();
            children.remove(spinner);
        }
        if (competingTcp) {
            printCompeting(results);
        }
        if (json != null) {
            writeJson(results, effectiveMtu);
        }
        return results.stream().allMatch(CaseResult::ok) ? 0 : 1;
    }

    // ---------------------------------------------------------------------------------------------------------
    // One case

    private CaseResult runCase(PathBenchCase c, int effectiveMtu) {
        CaseResult r = new CaseResult(c);
        try {
            r.fileBytes = c.fileBytes(maxFileBytes, poolBytes, tbfSeconds);
            r.burstBytes = c.isTbf() ? c.burstBytes(effectiveMtu) : 0;
            Path input = input(c.content, r.fileBytes);
            if (c.isTbf()) {
                veth.tcA(c.tcArgs(veth.interfaceA, effectiveMtu).toArray(new String[0]));
            } else {
                try {
                    veth.tcA("qdisc", "del", "dev", veth.interfaceA, "root");
                } catch (IOException noRootQdisc) {
                    // the default (noqueue) cannot be deleted: nothing to remove
                }
            }
            for (int round = 1; round <= repeat; round++) {
                r.packetFs.add(log(c, round, runPacketFs(c, input, false)));
                r.tcp.add(log(c, round, runTcp(c, input)));
                if (competingTcp && c.isTbf()) {
                    r.competing.add(log(c, round, runPacketFs(c, input, true)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.error = "interrupted";
        } catch (Exception e) {
            r.error = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return r;
    }

    private Run log(PathBenchCase c, int round, Run run) {
        System.err.printf("bench-path: %s round %d %s: %s%n", c.spec, round, run.kind,
                run.ok ? String.format("OK, %.1f MB/s", run.mbPerSecond()) : "FAIL: " + run.reason);
        return run;
    }

    /** A PacketFS transfer of {@code input}; with {@code competing}, a TCP flow shares the bottleneck for a while. */
    private Run runPacketFs(PathBenchCase c, Path input, boolean competing) throws Exception {
        Run run = new Run(competing ? "packetfs+competing-tcp" : "packetfs");
        long fileBytes = Files.size(input);
        long limit = limitMillis(c, fileBytes) + (competing ? (long) (competingSeconds * 1000) : 0);
        Path runDir = Files.createDirectory(dir.resolve("run-" + ++runSequence));
        Path outDir = Files.createDirectory(runDir.resolve("out"));
        Path out = outDir.resolve("copy.bin");
        Path sinkFile = runDir.resolve("competing.bin");
        List<Child> started = new ArrayList<>();
        try {
            long drops0 = drops();
            Child recv = child(started, runDir, "recv", netnsB, "recv", "--pool", poolFile.toString(), "--udp",
                    addressB + ":" + PACKETFS_PORT, "--out", out.toString(), "--no-progress");
            if (!awaitSocket(recv, PACKETFS_PORT, false)) {
                return run.fail("recv did not listen within " + LISTEN_WAIT_MILLIS / 1000 + " s" + recv.tail());
            }
            Child sink = null;
            if (competing) {
                sink = child(started, runDir, "competing-listen", netnsB, "tcp-copy", "--listen",
                        addressB + ":" + COMPETING_PORT, "--out", sinkFile.toString(), "--no-sync");
                if (!awaitSocket(sink, COMPETING_PORT, true)) {
                    return run.fail("the competing TCP listener did not listen" + sink.tail());
                }
            }
            long start = System.nanoTime();
            Child send = child(started, runDir, "send", netnsA, "send", "--pool", poolFile.toString(), "--udp",
                    addressB + ":" + PACKETFS_PORT, "--no-progress", input.toString());
            Child competitor = null;
            if (competing) {
                competitor = competeWith(run, send, fileBytes, outDir, sinkFile, runDir, started, start + limit * 1_000_000L);
            }
            boolean sendDone = send.await(Math.max(1, limit - (System.nanoTime() - start) / 1_000_000));
            boolean recvDone = recv.await(15_000);
            if (competitor != null) {
                competitor.await((long) (competingSeconds * 1000) + 15_000);
                sink.await(15_000);
            }
            run.drops = delta(drops0, drops());
            PathBenchText.SendSummary s = PathBenchText.parseSend(send.stdout());
            if (s != null) {
                run.fileBytes = s.fileBytes;
                run.seconds = s.seconds;
                run.wireBytes = s.wireBytes;
                run.framesSent = s.framesSent;
                run.retransmitted = s.retransmitted;
            }
            if (!sendDone) {
                return run.fail("send killed after " + limit / 1000 + " s" + send.tail());
            }
            if (!recvDone) {
                return run.fail("recv did not exit within 15 s of send" + recv.tail());
            }
            if (send.exitCode() != 0 || recv.exitCode() != 0) {
                return run.fail("send exited " + send.exitCode() + ", recv exited " + recv.exitCode()
                        + (send.exitCode() != 0 ? send.tail() : recv.tail()));
            }
            if (s == null) {
                return run.fail("no summary line in send's output" + send.tail());
            }
            return verify(run, input, out);
        } finally {
            cleanUp(started, runDir);
        }
    }

    /**
     * Samples both receivers' files while {@code send} runs, starts the competing TCP sender 300 ms after the first
     * PacketFS bytes arrive, and records the overlap in {@code run}. Returns the competing sender, or null if the
     * PacketFS transfer ended before it was due.
     */
    private Child competeWith(Run run, Child send, long fileBytes, Path outDir, Path sinkFile, Path runDir, List<Child> started,
                              long deadlineNanos) throws Exception {
        List<long[]> samples = new ArrayList<>();
        Child competitor = null;
        long firstBytes = 0;
        while (send.alive() && System.nanoTime() < deadlineNanos) {
            long now = System.nanoTime();
            long pfs = treeBytes(outDir);
            long tcp = Files.exists(sinkFile) ? Files.size(sinkFile) : 0;
            samples.add(new long[] {now, pfs, tcp});
            if (competitor == null && pfs > 0) {
                if (firstBytes == 0) {
                    firstBytes = now;
                } else if (now - firstBytes >= COMPETING_DELAY_MILLIS * 1_000_000) {
                    competitor = child(started, runDir, "competing-send", netnsA, "tcp-copy", "--connect",
                            addressB + ":" + COMPETING_PORT, "--seconds", Double.toString(competingSeconds));
                }
            }
            Thread.sleep(SAMPLE_MILLIS);
        }
        long[] t = new long[samples.size()];
        long[] pfs = new long[t.length];
        long[] tcp = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = samples.get(i)[0];
            pfs[i] = samples.get(i)[1];
            tcp[i] = samples.get(i)[2];
        }
        double[] o = overlap(t, pfs, fileBytes, tcp);
        if (o != null) {
            run.overlapSeconds = o[0];
            run.packetFsMbit = o[1] * 8 / 1e6;
            run.competingMbit = o[2] * 8 / 1e6;
        }
        return competitor;
    }

    /**
     * The overlap of two flows from samples of their received bytes at times {@code t} (ns): from the first sample
     * at which {@code b} has bytes to the earlier of the last sample at which {@code b} grew and the first at which
     * {@code a} is complete ({@code aTotal} bytes; a flow that stalls before it is complete was starved, and that
     * counts). Returns {seconds, a bytes/s, b bytes/s}, or null if they overlapped for fewer than
     * {@link #MIN_OVERLAP_SAMPLES} sample intervals (too short to say anything).
     */
    static double[] overlap(long[] t, long[] a, long aTotal, long[] b) {
        int start = -1;
        for (int i = 0; i < t.length && start < 0; i++) {
            if (b[i] > 0) {
                start = i;
            }
        }
        if (start < 0) {
            return null;
        }
        int aDone = t.length - 1;
        for (int i = t.length - 1; i >= 0 && a[i] >= aTotal; i--) {
            aDone = i;
        }
        int end = Math.min(lastGrowth(b, start), aDone);
        if (end - start < MIN_OVERLAP_SAMPLES) {
            return null;
        }
        double secs = (t[end] - t[start]) / 1e9;
        return new double[] {secs, (a[end] - a[start]) / secs, (b[end] - b[start]) / secs};
    }

    private static int lastGrowth(long[] v, int from) {
        int last = from;
        for (int i = from + 1; i < v.length; i++) {
            if (v[i] > v[i - 1]) {
                last = i;
            }
        }
        return last;
    }

    /** A plain TCP copy of {@code input} with tcp-copy on both sides. */
    private Run runTcp(PathBenchCase c, Path input) throws Exception {
        Run run = new Run("tcp");
        long limit = limitMillis(c, Files.size(input));
        Path runDir = Files.createDirectory(dir.resolve("run-" + ++runSequence));
        Path out = runDir.resolve("copy.bin");
        List<Child> started = new ArrayList<>();
        try {
            long drops0 = drops();
            Child listen = child(started, runDir, "tcp-listen", netnsB, "tcp-copy", "--listen",
                    addressB + ":" + TCP_PORT, "--out", out.toString(), "--timeout", Long.toString(limit / 1000));
            if (!awaitSocket(listen, TCP_PORT, true)) {
                return run.fail("tcp-copy --listen did not listen within " + LISTEN_WAIT_MILLIS / 1000 + " s"
                        + listen.tail());
            }
            Child send = child(started, runDir, "tcp-send", netnsA, "tcp-copy", "--connect",
                    addressB + ":" + TCP_PORT, input.toString());
            boolean sendDone = send.await(limit);
            boolean listenDone = listen.await(15_000);
            run.drops = delta(drops0, drops());
            if (!sendDone || !listenDone) {
                return run.fail((sendDone ? "tcp-copy --listen" : "tcp-copy --connect") + " killed after its limit"
                        + (sendDone ? listen.tail() : send.tail()));
            }
            if (send.exitCode() != 0 || listen.exitCode() != 0) {
                return run.fail("tcp-copy exited " + send.exitCode() + " (connect), " + listen.exitCode()
                        + " (listen)" + (send.exitCode() != 0 ? send.tail() : listen.tail()));
            }
            double[] figures = PathBenchText.parseTcpCopy(send.stdout());
            if (figures == null) {
                return run.fail("no summary line in tcp-copy's output" + send.tail());
            }
            run.fileBytes = (long) figures[0];
            run.seconds = figures[1];
            return verify(run, input, out);
        } finally {
            cleanUp(started, runDir);
        }
    }

    /** Kills a run's processes and deletes its directory. */
    private void cleanUp(List<Child> started, Path runDir) {
        for (Child ch : started) {
            ch.kill();
            children.remove(ch);
        }
        deleteTree(runDir);
    }

    private Run verify(Run run, Path input, Path out) throws IOException {
        if (!Files.isRegularFile(out)) {
            return run.fail("no output file");
        }
        if (!Arrays.equals(digests.get(input), sha256(out))) {
            return run.fail("output differs from the input (SHA-256), " + Files.size(out) + " of "
                    + Files.size(input) + " bytes");
        }
        run.ok = true;
        return run;
    }

    /** Process wall-clock limit: 20 s + 4 x expected seconds x (1 + busy). */
    private long limitMillis(PathBenchCase c, long fileBytes) {
        double rate = c.isTbf() ? c.rateBitsPerSecond / 8.0 : CLEAN_BYTES_PER_SECOND;
        return (long) ((20 + 4 * fileBytes / rate * (1 + busy)) * 1000);
    }

    private long drops() {
        try {
            return PathBenchText.parseRootDrops(veth.tcA("-s", "qdisc", "show", "dev", veth.interfaceA));
        } catch (IOException e) {
            return -1;
        }
    }

    private static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    /** Polls the process's socket tables until its socket is bound (UDP) or listening (TCP); false at the limit. */
    private boolean awaitSocket(Child c, int port, boolean tcp) throws InterruptedException {
        long deadline = System.nanoTime() + LISTEN_WAIT_MILLIS * 1_000_000;
        String[] tables = tcp ? new String[] {"tcp", "tcp6"} : new String[] {"udp", "udp6"};
        while (System.nanoTime() < deadline && c.alive()) {
            for (String table : tables) {
                try {
                    String text = Files.readString(Path.of("/proc", Long.toString(c.pid()), "net", table));
                    if (PathBenchText.hasSocket(text, addressBBytes, port, tcp ? TCP_LISTEN : null)) {
                        return true;
                    }
                } catch (IOException gone) {
                    // the process exited or the table does not exist (no IPv6)
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Starts {@code PacketFsCli args...} in {@code netns}, as {@code ip netns exec NS java -cp CP ...}. */
    private Child child(List<Child> started, Path runDir, String name, String netns, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the JIT options this JVM runs with (./packetfs gives -XX:FreqInlineSize), so that every side runs as
        // ./packetfs send and recv do
        cmd.addAll(jvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        // the summaries group digits with ',' whatever the machine's locale
        cmd.addAll(List.of("-Duser.language=en", "-Duser.country=US",
                "-cp", System.getProperty("java.class.path"), PacketFsCli.class.getName()));
        cmd.addAll(List.of(args));
        if (cleanedUp.get()) {
            throw new IOException("bench-path is shutting down");
        }
        Child c = Child.start(name, cmd, runDir);
        started.add(c);
        children.add(c);
        return c;
    }

    /** The {@code -XX:} options among a JVM's input arguments (not agents, heap dumps or flight recordings). */
    static List<String> jvmOptions(List<String> inputArguments) {
        List<String> out = new ArrayList<>();
        for (String a : inputArguments) {
            if (a.startsWith("-XX:") && !a.startsWith("-XX:StartFlightRecording")
                    && !a.startsWith("-XX:HeapDumpPath") && !a.startsWith("-XX:LogFile")) {
                out.add(a);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Files

    /** The input of {@code content} and {@code bytes}, made once and kept with its SHA-256. */
    private Path input(PathBenchCase.Content content, long bytes) throws IOException {
        String key = content.label + "-" + bytes;
        Path p = inputs.get(key);
        if (p == null) {
            p = dir.resolve("input-" + key + ".bin");
            if (content == PathBenchCase.Content.POOL) {
                try (FileChannel from = FileChannel.open(poolFile);
                     FileChannel to = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long done = 0;
                    while (done < bytes) {
                        done += from.transferTo(done, bytes - done, to);
                    }
                }
            } else {
                writeRandom(p, bytes, seed);
            }
            writeBack(p);
            inputs.put(key, p);
            digests.put(p, sha256(p));
        }
        return p;
    }

    /**
     * Writes a file the bench made to disk now (it stays in the page cache): otherwise the kernel writes back a
     * just-made 1 GiB pool in the middle of a later transfer, and whichever of PacketFS and TCP runs then pays.
     */
    private static void writeBack(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.force(true);
            }
        }
    }

    /** Seeded random bytes: the same seed gives the same file, and no 64-byte run of it is in a pool. */
    static void writeRandom(Path file, long bytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            long left = bytes;
            while (left > 0) {
                buf.clear();
                while (buf.remaining() >= Long.BYTES) {
                    buf.putLong(random.nextLong());
                }
                int n = (int) Math.min(left, buf.position());
                out.write(buf.array(), 0, n);
                left -= n;
            }
        }
    }

    static byte[] sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return sha.digest();
    }

    /** Bytes of all regular files below {@code root} (the receiver writes to a hidden temporary name first). */
    private static long treeBytes(Path root) {
        long total = 0;
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    total += Files.size(p);
                } catch (IOException renamedMeanwhile) {
                    // the temporary file became the output between list and size
                }
            }
        } catch (IOException e) {
            return total;
        }
        return total;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("bench-path: could not delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            System.err.println("bench-path: could not delete " + root + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Output

    private void printRow(CaseResult r) {
        double pfs = median(r.packetFs, Run::mbPerSecond);
        double tcp = median(r.tcp, Run::mbPerSecond);
        System.out.printf("%-20s %9s %14s %9s %7s %9s %12s %8s  %s%n", r.spec.spec,
                r.fileBytes > 0 ? bytesLabel(r.fileBytes) : "-", fixed(pfs, 1), fixed(tcp, 1),
                fixed(pfs / tcp, 2), fixed(median(r.packetFs, Run::wirePerFile), 3),
                fixed(median(r.packetFs, x -> x.drops < 0 ? Double.NaN : x.drops), 0),
                fixed(median(r.packetFs, x -> x.retransmitted < 0 ? Double.NaN : x.retransmitted), 0), r.verdict());
    }

    private void printCompeting(List<CaseResult> results) {
        System.out.printf("%nCompeting TCP: from %d ms after PacketFS's first bytes, for %.1f s; goodput of each "
                + "while both ran (medians)%n", COMPETING_DELAY_MILLIS, competingSeconds);
        System.out.printf("%-20s %10s %16s %11s %15s %8s  %s%n", "case", "overlap s", "PacketFS Mbit/s",
                "TCP Mbit/s", "PacketFS share", "of rate", "result");
        for (CaseResult r : results) {
            if (r.competing.isEmpty()) {
                continue;
            }
            double pfs = median(r.competing, x -> x.packetFsMbit);
            double tcp = median(r.competing, x -> x.competingMbit);
            long noOverlap = r.competing.stream().filter(x -> x.ok && x.overlapSeconds < 0).count();
            System.out.printf("%-20s %10s %16s %11s %15s %8s  %s%n", r.spec.spec,
                    fixed(median(r.competing, x -> x.overlapSeconds), 2), fixed(pfs, 1), fixed(tcp, 1),
                    Double.isNaN(pfs) ? "-" : String.format("%.0f%%", 100 * pfs / (pfs + tcp)),
                    Double.isNaN(pfs) ? "-" : String.format("%.0f%%", 100 * (pfs + tcp) * 1e6
                            / r.spec.rateBitsPerSecond),
                    CaseResult.verdict(r.competing, null) + (noOverlap > 0 ? " (" + noOverlap
                            + " run(s) overlapped < 0.2 s: use a larger file)" : ""));
        }
    }

    private void writeJson(List<CaseResult> results, int effectiveMtu) throws IOException {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("namespaces", List.of(netnsA, netnsB));
        top.put("mtu", effectiveMtu);
        top.put("poolBytes", poolBytes);
        top.put("repeat", repeat);
        top.put("busy", busy);
        top.put("cores", Runtime.getRuntime().availableProcessors());
        List<Object> list = new ArrayList<>();
        for (CaseResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", r.spec.spec);
            m.put("content", r.spec.content.label);
            m.put("fileBytes", r.fileBytes);
            m.put("tbfRateBitsPerSecond", r.spec.rateBitsPerSecond);
            m.put("tbfLimitBytes", r.spec.queueBytes);
            m.put("tbfBurstBytes", r.burstBytes);
            m.put("ok", r.ok());
            m.put("result", r.verdict());
            m.put("packetFsMBps", number(median(r.packetFs, Run::mbPerSecond)));
            m.put("tcpMBps", number(median(r.tcp, Run::mbPerSecond)));
            List<Object> runs = new ArrayList<>();
            for (List<Run> kind : List.of(r.packetFs, r.tcp, r.competing)) {
                for (Run x : kind) {
                    runs.add(x.toMap());
                }
            }
            m.put("runs", runs);
            list.add(m);
        }
        top.put("cases", list);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), top);
        System.out.println("bench-path: wrote " + json);
    }

    static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().filter(r -> r.ok).mapToDouble(f).filter(x -> !Double.isNaN(x) && x >= 0)
                .sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format("%,." + decimals + "f", v);
    }

    private static Object number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    static String bytesLabel(long bytes) {
        if (bytes >= 1L << 20) {
            return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : String.format("%.1f MiB", bytes / 1048576.0);
        }
        return bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " B";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Model

    /** The runs of one case. */
    static final class CaseResult {
        final PathBenchCase spec;
        long fileBytes;
        long burstBytes;
        /** Why the case could not run at all (qdisc, input), or null. */
        String error;
        final List<Run> packetFs = new ArrayList<>();
        final List<Run> tcp = new ArrayList<>();
        final List<Run> competing = new ArrayList<>();

        CaseResult(PathBenchCase spec) {
            this.spec = spec;
        }

        boolean ok() {
            return error == null && Stream.of(packetFs, tcp, competing).flatMap(List::stream).allMatch(r -> r.ok);
        }

        String verdict() {
            List<Run> all = new ArrayList<>(packetFs);
            all.addAll(tcp);
            return verdict(all, error);
        }

        /** OK, or FAIL with the count of failed runs and the first reason. */
        static String verdict(List<Run> runs, String error) {
            if (error != null) {
                return "FAIL: " + error;
            }
            List<Run> failed = runs.stream().filter(r -> !r.ok).collect(java.util.stream.Collectors.toList());
            if (failed.isEmpty()) {
                return "OK";
            }
            return "FAIL " + failed.size() + "/" + runs.size() + ": " + failed.get(0).kind + ": "
                    + failed.get(0).reason;
        }
    }

    /** One transfer; -1 for a figure that is not known. */
    static final class Run {
        final String kind;
        boolean ok;
        String reason;
        long fileBytes = -1;
        double seconds = -1;
        long wireBytes = -1;
        long framesSent = -1;
        long retransmitted = -1;
        long drops = -1;
        double overlapSeconds = -1;
        double packetFsMbit = Double.NaN;
        double competingMbit = Double.NaN;

        Run(String kind) {
            this.kind = kind;
        }

        Run fail(String why) {
            ok = false;
            reason = why;
            return this;
        }

        double mbPerSecond() {
            return fileBytes > 0 && seconds > 0 ? fileBytes / seconds / 1e6 : Double.NaN;
        }

        double wirePerFile() {
            return fileBytes > 0 && wireBytes >= 0 ? (double) wireBytes / fileBytes : Double.NaN;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind);
            m.put("ok", ok);
            m.put("reason", reason);
            m.put("fileBytes", fileBytes);
            m.put("seconds", seconds);
            m.put("MBps", number(mbPerSecond()));
            if (!kind.equals("tcp")) {
                m.put("wireBytes", wireBytes);
                m.put("framesSent", framesSent);
                m.put("retransmitted", retransmitted);
            }
            m.put("qdiscDrops", drops);
            if (kind.endsWith("competing-tcp")) {
                m.put("overlapSeconds", overlapSeconds);
                m.put("packetFsMbit", number(packetFsMbit));
                m.put("competingTcpMbit", number(competingMbit));
            }
            return m;
        }
    }

    /** A process this command started, its output in files (no pipe to fill), killed by {@link #kill()}. */
    static final class Child {
        final String name;
        private final Process process;
        private final Path stdout;
        private final Path stderr;

        private Child(String name, Process process, Path stdout, Path stderr) {
            this.name = name;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** Starts {@code cmd}; its output goes to {@code NAME.out} / {@code NAME.err} in {@code logDir}, or nowhere. */
        static Child start(String name, List<String> cmd, Path logDir) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                    "/dev/null")));
            Path out = null;
            Path err = null;
            if (logDir == null) {
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            } else {
                out = logDir.resolve(name + ".out");
                err = logDir.resolve(name + ".err");
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            }
            return new Child(name, pb.start(), out, err);
        }

        long pid() {
            return process.pid();
        }

        boolean alive() {
            return process.isAlive();
        }

        /** Waits up to {@code millis}; true if the process exited. */
        boolean await(long millis) throws InterruptedException {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        }

        int exitCode() {
            return process.isAlive() ? -1 : process.exitValue();
        }

        String stdout() {
            return read(stdout);
        }

        /** "; NAME said: ..." with the last lines of its stderr and stdout, for a failure's reason. */
        String tail() {
            String text = (read(stderr) + "\n" + read(stdout)).trim().replaceAll("\\s*\\n\\s*", " | ");
            if (text.isEmpty()) {
                return "";
            }
            return "; " + name + " said: " + (text.length() > 300 ? "..." + text.substring(text.length() - 300)
                    : text);
        }

        /** SIGTERM to the process and anything it started, then SIGKILL after 2 s. */
        void kill() {
            if (!process.isAlive()) {
                return;
            }
            List<ProcessHandle> descendants = process.descendants().collect(java.util.stream.Collectors.toList());
            process.destroy();
            descendants.forEach(ProcessHandle::destroy);
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    descendants.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        private static String read(Path p) {
            try {
                return p == null || !Files.exists(p) ? "" : Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }
}
