package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The echo, echo-server and relay commands over UDP loopback, in this JVM. Servers exit after a fixed frame count,
 * so nothing is left running; every wait is bounded.
 */
class EchoAndRelayCommandTest {

    @Test
    void echoThroughEchoServer() throws Exception {
        int port = freeUdpPort();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            EchoServerCommand serverCommand = new EchoServerCommand();
            Future<Integer> server = pool.submit(() -> new CommandLine(serverCommand)
                    .execute("--udp", "127.0.0.1:" + port, "--count", "300"));
            serverCommand.ready.get(20, TimeUnit.SECONDS);
            String out = run(() -> execute("echo", "--udp", "127.0.0.1:" + port,
                    "--count", "300", "--size", "200", "--inflight", "8"));
            assertThat(out).contains("300/300 frames echoed identical, 0 missing, 0 differ")
                    .contains("0 decode errors").contains("echo OK").contains("frames/s").contains("p99");
            assertEquals(0, server.get(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void echoThroughARelay() throws Exception {
        int serverPort = freeUdpPort();
        int relayPort = freeUdpPort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            EchoServerCommand serverCommand = new EchoServerCommand();
            RelayCommand relayCommand = new RelayCommand();
            Future<Integer> server = pool.submit(() -> new CommandLine(serverCommand)
                    .execute("--udp", "127.0.0.1:" + serverPort, "--count", "100"));
            Future<Integer> relay = pool.submit(() -> new CommandLine(relayCommand)
                    .execute("--from", "udp:127.0.0.1:" + relayPort, "--to", "udp:127.0.0.1:" + serverPort,
                            "--count", "200"));
            serverCommand.ready.get(20, TimeUnit.SECONDS);
            relayCommand.ready.get(20, TimeUnit.SECONDS);
            String out = run(() -> execute("echo", "--udp", "127.0.0.1:" + relayPort,
                    "--count", "100", "--size", "1400", "--inflight", "4"));
            assertThat(out).contains("100/100 frames echoed identical").contains("echo OK");
            assertEquals(0, server.get(20, TimeUnit.SECONDS));
            assertEquals(0, relay.get(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void echoWithNobodyListeningFailsClearly() throws Exception {
        int port = freeUdpPort();
        Result r = executeForResult("echo", "--udp", "127.0.0.1:" + port, "--count", "3", "--timeout", "1");
        assertThat(r.status).isEqualTo(1);
        assertThat(r.out).contains("0/3 frames echoed").contains("3 missing")
                .contains("never came back (is the echo-server running");
    }

    @Test
    void everyTransportCommandHasHelpAndRefusesBadInput() {
        for (String cmd : new String[] {"echo", "echo-server", "relay"}) {
            StringWriter sw = new StringWriter();
            CommandLine cl = PacketFsCli.newCommandLine();
            cl.setOut(new PrintWriter(sw));
            assertEquals(0, cl.execute(cmd, "--help"), cmd);
            assertThat(sw.toString()).contains("Usage: packetfs " + cmd);
        }
        StringWriter err = new StringWriter();
        CommandLine cl = PacketFsCli.newCommandLine();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("relay", "--from", "tcp:1:2", "--to", "udp:127.0.0.1:9")).isNotZero();
        assertThat(err.toString()).contains("is not a transport");
        err.getBuffer().setLength(0);
        assertThat(cl.execute("echo", "--udp", "127.0.0.1:9", "--l2", "eth0")).isNotZero();
        assertThat(err.toString()).contains("mutually exclusive");
    }

    private static String run(java.util.concurrent.Callable<Result> client) throws Exception {
        Result r = client.call();
        assertEquals(0, r.status, r.out);
        return r.out;
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    static final class Result {
        int status;
        String out;
    }

    private static Result execute(String... args) {
        return executeForResult(args);
    }

    private static synchronized Result executeForResult(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Result r = new Result();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.status = PacketFsCli.newCommandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
        r.out = bytes.toString(StandardCharsets.UTF_8);
        return r;
    }
}
