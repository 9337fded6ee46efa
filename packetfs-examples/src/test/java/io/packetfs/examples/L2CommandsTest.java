package io.packetfs.examples;

import io.packetfs.transport.VethPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The commands on raw Ethernet, between two namespaces joined by a veth pair that the test creates and removes:
 * echo over L2, and echo over UDP through a relay to an L2 echo-server. Linux and root only (skips elsewhere).
 */
class L2CommandsTest {

    private static VethPair veth;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(VethPair.canRun(), VethPair::skipReason);
        veth = VethPair.create();
    }

    @AfterAll
    static void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    @Test
    void echoOverRawEthernet() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            EchoServerCommand server = new EchoServerCommand();
            Future<Integer> done = pool.submit(() -> new CommandLine(server)
                    .execute("--l2", veth.interfaceB(), "--netns", veth.netnsB(), "--count", "200"));
            server.ready.get(20, TimeUnit.SECONDS);
            String out = run("echo", "--l2", veth.interfaceA(), "--netns", veth.netnsA(), "--count", "200",
                    "--size", "1400", "--inflight", "16");
            assertThat(out).contains("200/200 frames echoed identical, 0 missing, 0 differ").contains("echo OK");
            assertEquals(0, done.get(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void relayBetweenUdpAndRawEthernet() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0)) {
            port = s.getLocalPort();
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            EchoServerCommand server = new EchoServerCommand();
            RelayCommand relay = new RelayCommand();
            Future<Integer> serverDone = pool.submit(() -> new CommandLine(server)
                    .execute("--l2", veth.interfaceB(), "--netns", veth.netnsB(), "--count", "60"));
            Future<Integer> relayDone = pool.submit(() -> new CommandLine(relay)
                    .execute("--from", "udp:127.0.0.1:" + port,
                            "--to", "l2:" + veth.interfaceA() + ",netns=" + veth.netnsA(), "--count", "120"));
            server.ready.get(20, TimeUnit.SECONDS);
            relay.ready.get(20, TimeUnit.SECONDS);
            String out = run("echo", "--udp", "127.0.0.1:" + port, "--count", "60", "--size", "600",
                    "--inflight", "4");
            assertThat(out).contains("60/60 frames echoed identical").contains("echo OK");
            assertEquals(0, serverDone.get(20, TimeUnit.SECONDS));
            assertEquals(0, relayDone.get(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sendAndRecvAFileOverRawEthernet(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path poolFile = dir.resolve("pool.bin");
        assertEquals(0, PacketFsCli.newCommandLine().execute("pool", "create", "--size", "2M", poolFile.toString()));
        byte[] data = new byte[500_000];
        try (io.packetfs.codec.pool.PacketFsPool p = io.packetfs.codec.pool.PacketFsPool.open(poolFile,
                io.packetfs.codec.pool.PacketFsPoolGeometry.DEFAULT)) {
            Transfers.read(p, 1001, data, 0, data.length);
        }
        for (int i = 0; i < data.length; i += 5000) {
            data[i] ^= 0x5A; // edits
        }
        java.nio.file.Path input = dir.resolve("in.bin");
        java.nio.file.Path output = dir.resolve("out.bin");
        java.nio.file.Files.write(input, data);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            RecvCommand recv = new RecvCommand();
            Future<Integer> rx = pool.submit(() -> new CommandLine(recv).execute("--pool", poolFile.toString(),
                    "--l2", veth.interfaceB(), "--netns", veth.netnsB(), "--out", output.toString(),
                    "--no-progress"));
            recv.ready.get(20, TimeUnit.SECONDS);
            String out = run("send", "--pool", poolFile.toString(), "--l2", veth.interfaceA(), "--netns",
                    veth.netnsA(), "--no-progress", input.toString());
            assertThat(out).contains("receiver verified the file");
            assertEquals(0, rx.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(-1, java.nio.file.Files.mismatch(input, output));
    }

    private static synchronized String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = PacketFsCli.newCommandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        return out;
    }
}
