package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;
import io.packetfs.transfer.PacketFsTransferUnits;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;
import io.packetfs.transport.VethPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reliable delivery end to end (docs/PROTOCOL.md section 9): file transfers through seeded loss, reordering,
 * duplication and corruption, over UDP loopback, through the relay command and over a veth pair; a peer killed in
 * the middle; third-party garbage during a transfer; a receiver held to a small heap. Every verdict is the SHA-256
 * check of the transfer itself and a byte comparison; nothing depends on how fast this machine is (waits are only
 * hang guards).
 */
class ReliableTransferTest {

    private static final long POOL_SIZE = 4L << 20;
    private static PacketFsPool pool;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(POOL_SIZE, 7, PacketFsPoolGeometry.DEFAULT);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    /** 1 MiB of edited pool slices and 512 KiB of random bytes: several hundred frames. */
    static byte[] sample(long seed) {
        byte[] data = new byte[(1 << 20) + (1 << 19)];
        Transfers.read(pool, 4321, data, 0, 1 << 20);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 1 << 20; i += 1 + random.nextInt(8000)) {
            data[i] ^= (byte) (1 + random.nextInt(255));
        }
        for (int i = 1 << 20; i < data.length; i++) {
            data[i] = (byte) random.nextInt(256);
        }
        return data;
    }

    static PacketFsImpairment.Settings harsh(long seed) {
        // 5 % corruption: with jumbo frames on loopback the sample is under 200 frames, and each run must see some
        return SimulateOption.parse("loss=0.05,reorder=0.1,duplicate=0.01,corrupt=0.05,seed=" + seed);
    }

    private TransferResult[] transfer(byte[] data, PacketFsImpairment.Settings senderSide,
                                      PacketFsImpairment.Settings receiverSide) throws Exception {
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(input, data);
        return Transfers.overLoopback(pool, pool, input, out, 20, true, false, senderSide, receiverSide);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void udpTransferThroughLossReorderingDuplicationAndCorruption(long seed) throws Exception {
        byte[] data = sample(seed);
        TransferResult[] r = transfer(data, harsh(seed + 1000), harsh(seed));
        TransferResult tx = r[0];
        TransferResult rx = r[1];
        System.out.println(tx.summary("send") + "\n" + rx.summary("recv"));
        assertTrue(rx.ok, rx.message + "\n" + rx.repair);
        assertTrue(tx.ok, tx.message + "\n" + tx.repair);
        assertEquals(-1, Files.mismatch(dir.resolve("in.bin"), dir.resolve("out.bin")), "received file differs");
        assertThat(tx.retransmitted).as(tx.repair).isPositive();
        assertThat(rx.corruptDropped + rx.invalidDropped).as(rx.repair).isPositive();
    }

    /**
     * A transfer that lasts three times its peer timeout completes: during a reliable transfer the receiver answers
     * only with STATUS and NACK frames, which stop in the reliability handler, and the sender used to count only
     * what reached it (it failed after --timeout with the receiver alive). The rate cap makes the transfer long
     * (3 MB at 1 MB/s), so no figure of this machine's speed matters.
     */
    @Test
    void aTransferLongerThanThePeerTimeoutCompletes() throws Exception {
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, 3_000_000, 77);
        int timeout = 1;
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(pool,
                    PacketFsEndpoint.udp("127.0.0.1", 0), out, false, timeout, true, null, ready));
            int port = ((InetSocketAddress) ready.get(20, TimeUnit.SECONDS).localAddress()).getPort();
            TransferResult tx = SendCommand.send(pool, PacketFsEndpoint.udp("127.0.0.1", port), input,
                    timeout, false, true, null, Transfers.parseRate("1M"));
            TransferResult r = rx.get(60, TimeUnit.SECONDS);
            assertTrue(tx.ok, tx.message + "\n" + tx.repair);
            assertTrue(r.ok, r.message + "\n" + r.repair);
            // the cap held it back: wire bytes (at least the file's 3 MB) at 1 MB/s, beyond the timeout
            assertThat(tx.seconds).as(tx.summary("send")).isGreaterThan(2.0 * timeout);
        } finally {
            exec.shutdownNow();
        }
        assertEquals(-1, Files.mismatch(input, out));
    }

    @Test
    void unreliableModeStopsOnTheFirstLossInsteadOfWritingABadFile() throws Exception {
        byte[] data = sample(9);
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(input, data);
        TransferResult[] both = Transfers.overLoopback(pool, pool, input, out, 5, false, false, null,
                SimulateOption.parse("loss=0.05,seed=3"));
        TransferResult tx = both[0];
        TransferResult r = both[1];
        assertFalse(r.ok);
        assertFalse(tx.ok);
        assertThat(r.message).containsAnyOf("MISSING_WINDOW", "WINDOW_OVERFLOW", "CRC_MISMATCH", "lost");
        assertFalse(Files.exists(out));
        assertThat(partFiles()).isEmpty();
    }

    @Test
    void relayCommandWithImpairmentsBetweenSendAndRecv() throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", "--seed", "5",
                poolFile.toString()));
        byte[] data = new byte[600_000];
        new SplittableRandom(5).nextBytes(data);
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(input, data);
        int recvPort = freeUdpPort();
        int relayPort = freeUdpPort();
        ExecutorService exec = Executors.newFixedThreadPool(2);
        RelayCommand relay = new RelayCommand();
        try {
            RecvCommand recv = new RecvCommand();
            Future<Integer> rx = exec.submit(() -> new CommandLine(recv).execute("--pool", poolFile.toString(),
                    "--udp", "127.0.0.1:" + recvPort, "--out", out.toString(), "--no-progress", "--timeout", "20"));
            recv.ready.get(20, TimeUnit.SECONDS);
            Future<Integer> relayed = exec.submit(() -> new CommandLine(relay).execute(
                    "--from", "udp:127.0.0.1:" + relayPort, "--to", "udp:127.0.0.1:" + recvPort,
                    "--loss", "0.05", "--reorder", "0.1", "--duplicate", "0.01", "--corrupt", "0.01", "--seed", "11"));
            relay.ready.get(20, TimeUnit.SECONDS);
            int status = PacketFsCli.newCommandLine().execute("send", "--pool", poolFile.toString(), "--udp",
                    "127.0.0.1:" + relayPort, "--no-progress", "--timeout", "20", input.toString());
            assertEquals(0, status);
            assertEquals(0, rx.get(60, TimeUnit.SECONDS));
            relay.stop();
            assertEquals(0, relayed.get(20, TimeUnit.SECONDS));
        } finally {
            relay.stop();
            exec.shutdownNow();
        }
        assertEquals(-1, Files.mismatch(input, out));
    }

    @Test
    void rawEthernetTransferThroughLossReorderingDuplicationAndCorruption() throws Exception {
        Assumptions.assumeTrue(VethPair.canRun(), VethPair::skipReason);
        try (VethPair veth = VethPair.create()) {
            byte[] data = sample(21);
            Path input = dir.resolve("in.bin");
            Path out = dir.resolve("out.bin");
            Files.write(input, data);
            ExecutorService exec = Executors.newSingleThreadExecutor();
            try {
                CompletableFuture<Channel> ready = new CompletableFuture<>();
                Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(pool,
                        PacketFsEndpoint.l2(veth.interfaceB(), null, veth.netnsB()), out, false, 20, true,
                        harsh(21), ready));
                ready.get(20, TimeUnit.SECONDS);
                TransferResult tx = SendCommand.send(pool,
                        PacketFsEndpoint.l2(veth.interfaceA(), null, veth.netnsA()), input, 20, false, true,
                        harsh(22));
                TransferResult r = rx.get(60, TimeUnit.SECONDS);
                assertTrue(r.ok, r.message + "\n" + r.repair);
                assertTrue(tx.ok, tx.message + "\n" + tx.repair);
                assertThat(tx.retransmitted).as(tx.repair).isPositive();
            } finally {
                exec.shutdownNow();
            }
            assertEquals(-1, Files.mismatch(input, out));
        }
    }

    /**
     * Through a real bottleneck: a tbf qdisc (100 Mbit/s, 64 KB queue) on the sender's end of a veth pair, send and
     * recv as separate processes in the two namespaces, as users run them. Congestion control must keep the queue
     * from overflowing over and over: the wire carries at most 1.1 times the file (counts, never time). Before
     * congestion control the same case sent 5.2 times the file and sometimes failed.
     */
    @Test
    void udpTransferThroughATbfBottleneckSendsLittleMoreThanTheFile() throws Exception {
        Assumptions.assumeTrue(VethPair.canRun(), VethPair::skipReason);
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", "--seed", "5",
                poolFile.toString()));
        int size = 8 << 20;
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, size, 61);
        try (VethPair veth = VethPair.create(true)) {
            run("ip", "netns", "exec", veth.netnsA(), "tc", "qdisc", "add", "dev", veth.interfaceA(), "root", "tbf",
                    "rate", "100mbit", "limit", "64kb", "burst", "16kb");
            String peer = VethPair.ADDRESS_B + ":9300";
            Process receiver = cliIn(veth.netnsB(), "recv", "--pool", poolFile.toString(), "--udp", peer, "--out",
                    out.toString(), "--no-progress", "--timeout", "30");
            Process sender = null;
            try {
                StringBuilder log = awaitLine(receiver, "recv: listening on");
                sender = cliIn(veth.netnsA(), "send", "--pool", poolFile.toString(), "--udp", peer,
                        "--no-progress", "--timeout", "30", input.toString());
                assertTrue(sender.waitFor(120, TimeUnit.SECONDS), "sender did not exit");
                assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "receiver did not exit");
                String sent = new String(sender.getInputStream().readAllBytes());
                log.append(new String(receiver.getInputStream().readAllBytes()));
                System.out.println(sent + log);
                assertEquals(0, sender.exitValue(), sent + log);
                assertEquals(0, receiver.exitValue(), sent + log);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "send: ([0-9,]+) bytes of file, ([0-9,]+) wire bytes").matcher(sent);
                assertTrue(m.find(), sent);
                long fileBytes = Long.parseLong(m.group(1).replace(",", ""));
                long wireBytes = Long.parseLong(m.group(2).replace(",", ""));
                assertEquals(size, fileBytes);
                assertThat(wireBytes).as(sent).isLessThanOrEqualTo((long) (1.1 * size));
            } finally {
                receiver.destroyForcibly();
                if (sender != null) {
                    sender.destroyForcibly();
                }
            }
        }
        assertEquals(-1, Files.mismatch(input, out));
    }

    @Test
    void garbageAndAnotherSessionsFramesDuringATransferAreCountedAndIgnored() throws Exception {
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, 8 << 20, 31);
        List<byte[]> junk = forgedFrames();
        ExecutorService exec = Executors.newFixedThreadPool(3);
        AtomicBoolean stop = new AtomicBoolean();
        try (DatagramSocket intruder = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(pool,
                    PacketFsEndpoint.udp("127.0.0.1", 0), out, false, 20, true, null, ready));
            int port = ((InetSocketAddress) ready.get(20, TimeUnit.SECONDS).localAddress()).getPort();
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            // garbage before the sender: no valid frame, so nothing to lock onto
            for (int i = 0; i < 3; i++) {
                intruder.send(new DatagramPacket(junk.get(i), junk.get(i).length, target));
            }
            Future<TransferResult> tx = exec.submit(() -> SendCommand.send(pool,
                    PacketFsEndpoint.udp("127.0.0.1", port), input, 20, false, true, null));
            // during the transfer: garbage, a frame of the unreliable mode and a valid frame of another session,
            // over and over, from a third address
            waitForPartialFile();
            Future<?> flood = exec.submit(() -> {
                int i = 0;
                while (!stop.get() && i < 20_000) {
                    byte[] j = junk.get(i++ % junk.size());
                    intruder.send(new DatagramPacket(j, j.length, target));
                    Thread.sleep(0, 200_000);
                }
                return null;
            });
            TransferResult r = rx.get(60, TimeUnit.SECONDS);
            stop.set(true);
            flood.get(20, TimeUnit.SECONDS);
            TransferResult sent = tx.get(60, TimeUnit.SECONDS);
            assertTrue(r.ok, r.summary("recv") + "\n" + sent.summary("send"));
            assertTrue(sent.ok, sent.summary("send"));
            // counted: before the session locked, by the reliability layer; after, by the adapter (other host)
            assertThat(r.invalidDropped).as(r.repair).isGreaterThanOrEqualTo(3);
            assertThat(r.foreignFrames).as(r.repair).isPositive();
        } finally {
            stop.set(true);
            exec.shutdownNow();
        }
        assertEquals(-1, Files.mismatch(input, out));
    }

    /** Garbage, a truncated header, an unreliable frame, and a valid reliable HELLO of another session. */
    private static List<byte[]> forgedFrames() {
        List<byte[]> junk = new ArrayList<>();
        junk.add(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
        junk.add(new byte[] {0x1C, 12, 0, 40, 0, 0, 0, 0});
        EmbeddedChannel plain = new EmbeddedChannel();
        PacketFsPipelines.addCodec(plain.pipeline(), Transfers.CONFIG);
        EmbeddedChannel reliable = new EmbeddedChannel();
        PacketFsPipelines.addReliableCodec(reliable.pipeline(), Transfers.CONFIG, PacketFsReliabilityConfig.DEFAULT);
        for (EmbeddedChannel ch : new EmbeddedChannel[] {plain, reliable}) {
            ch.writeAndFlush(PacketFsTransferUnits.hello(ch.alloc(), PacketFsTransferUnits.ROLE_SENDER, pool));
            for (Object f; (f = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) f;
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                junk.add(bytes);
            }
            ch.finishAndReleaseAll();
        }
        return junk;
    }

    @Test
    void aKilledSenderLeavesNoFileAndTheReceiverSaysWhy() throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", poolFile.toString()));
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, 64 << 20, 41);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        Process sender = null;
        try (PacketFsPool p = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT)) {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(p,
                    PacketFsEndpoint.udp("127.0.0.1", 0), out, false, 2, true, null, ready));
            int port = ((InetSocketAddress) ready.get(20, TimeUnit.SECONDS).localAddress()).getPort();
            // a slow sender (its acknowledgements arrive 30 ms late), killed once data has landed
            sender = cli("-Xmx256m", "send", "--pool", poolFile.toString(), "--udp", "127.0.0.1:" + port,
                    "--no-progress", "--simulate", "delay=30", input.toString());
            waitForPartialFile();
            assertTrue(sender.isAlive(), "the sender finished before it could be killed; use a larger file");
            sender.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            TransferResult r = rx.get(60, TimeUnit.SECONDS);
            assertFalse(r.ok);
            assertThat(r.message).contains("went silent for 2 s").contains("partial file was deleted");
            assertFalse(Files.exists(out));
            assertThat(partFiles()).isEmpty();
        } finally {
            if (sender != null) {
                sender.destroyForcibly();
            }
            exec.shutdownNow();
        }
    }

    @Test
    void aKilledReceiverFailsTheSenderWithinItsTimeoutAndNeverLeavesACompleteLookingFile() throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", poolFile.toString()));
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, 64 << 20, 43);
        int port = freeUdpPort();
        Process receiver = cli("-Xmx256m", "recv", "--pool", poolFile.toString(), "--udp", "127.0.0.1:" + port,
                "--out", out.toString(), "--no-progress", "--simulate", "delay=30");
        awaitLine(receiver, "recv: listening on");
        try (PacketFsPool p = PacketFsPool.open(poolFile, PacketFsPoolGeometry.DEFAULT)) {
            ExecutorService exec = Executors.newSingleThreadExecutor();
            try {
                Future<TransferResult> tx = exec.submit(() -> SendCommand.send(p,
                        PacketFsEndpoint.udp("127.0.0.1", port), input, 2, false, true, null));
                waitForPartialFile();
                receiver.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
                TransferResult r = tx.get(60, TimeUnit.SECONDS);
                assertFalse(r.ok);
                assertThat(r.message).contains("stopped answering for 2 s");
            } finally {
                exec.shutdownNow();
            }
        } finally {
            receiver.destroyForcibly();
        }
        // SIGKILL gives the receiver no chance to clean up: the data stays under a temporary ".part" name only
        assertFalse(Files.exists(out), "a killed receiver must never leave the output name");
        assertThat(partFiles()).allMatch(f -> f.getFileName().toString().startsWith(".out.bin."));
    }

    @Test
    void aReceiverWithA48MiBHeapTakesA96MiBFileThroughLoss() throws Exception {
        Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", poolFile.toString()));
        Path input = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        writeRandom(input, 96 << 20, 47);
        int port = freeUdpPort();
        Process receiver = cli("-Xmx48m", "recv", "--pool", poolFile.toString(), "--udp", "127.0.0.1:" + port,
                "--out", out.toString(), "--no-progress", "--timeout", "30",
                "--simulate", "loss=0.02,reorder=0.05,seed=5");
        StringBuilder log = awaitLine(receiver, "recv: listening on");
        // the sender runs in its own JVM too: this one tracks every buffer access (paranoid leak detection)
        Process sender = cli("-Xmx256m", "send", "--pool", poolFile.toString(), "--udp", "127.0.0.1:" + port,
                "--no-progress", "--timeout", "30", input.toString());
        try {
            assertTrue(receiver.waitFor(300, TimeUnit.SECONDS), "receiver did not exit");
            assertTrue(sender.waitFor(60, TimeUnit.SECONDS), "sender did not exit");
            log.append(new String(receiver.getInputStream().readAllBytes()));
            String sent = new String(sender.getInputStream().readAllBytes());
            System.out.println(log + sent);
            assertEquals(0, receiver.exitValue(), log + sent);
            assertEquals(0, sender.exitValue(), log + sent);
            assertThat(log).contains("verified");
        } finally {
            receiver.destroyForcibly();
            sender.destroyForcibly();
        }
        assertEquals(-1, Files.mismatch(input, out));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Starts {@code packetfs ARGS} in a new JVM with {@code heap} (for example -Xmx48m), output merged. */
    private static Process cli(String heap, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(heap);
        cmd.add("-XX:MaxDirectMemorySize=64m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PacketFsCli.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Starts {@code packetfs ARGS} in a new JVM inside network namespace {@code netns}, output merged. */
    private static Process cliIn(String netns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), PacketFsCli.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Runs a command to its end; fails the test, with its output, when it fails. */
    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + output);
    }

    /** Reads the process's output until a line starts with {@code prefix}; returns what it read. */
    private static StringBuilder awaitLine(Process p, String prefix) throws Exception {
        StringBuilder seen = new StringBuilder();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        for (String line; (line = in.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith(prefix)) {
                return seen;
            }
        }
        throw new AssertionError("the process ended before printing '" + prefix + "':\n" + seen);
    }

    private void waitForPartialFile() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a hang guard, not a timing check
        while (System.nanoTime() < deadline) {
            for (Path f : partFiles()) {
                if (Files.size(f) > 0) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no data arrived within 60 s");
    }

    private List<Path> partFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".part")).collect(
                    java.util.stream.Collectors.toList());
        }
    }

    private static void writeRandom(Path file, int size, long seed) throws Exception {
        byte[] block = new byte[1 << 20];
        SplittableRandom random = new SplittableRandom(seed);
        try (var out = Files.newOutputStream(file)) {
            for (int done = 0; done < size; done += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
