package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code relay --loss ... --seed ...} over UDP loopback, in this JVM: the impairment is applied (the echo through it
 * misses frames and fails) and its counters are printed. The echo end is a plain UDP socket that returns every
 * datagram, so it needs no frame count; every wait is bounded.
 */
class RelayImpairmentTest {

    @Test
    void echoThroughALossyRelayReportsMissingFrames() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicBoolean running = new AtomicBoolean(true);
        try (DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            echo.setSoTimeout(100);
            Future<?> echoer = pool.submit(() -> {
                byte[] buf = new byte[9216];
                while (running.get()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        echo.receive(p);
                        echo.send(p);
                    } catch (SocketTimeoutException e) {
                        // look at the flag again
                    }
                }
                return null;
            });
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            int relayPort = freeUdpPort();
            RelayCommand relayCommand = new RelayCommand();
            Future<Integer> relay = pool.submit(() -> new CommandLine(relayCommand)
                    .execute("--from", "udp:127.0.0.1:" + relayPort, "--to", "udp:127.0.0.1:" + echo.getLocalPort(),
                            "--loss", "0.5", "--seed", "1"));
            relayCommand.ready.get(20, TimeUnit.SECONDS);
            int status = PacketFsCli.newCommandLine().execute("echo", "--udp", "127.0.0.1:" + relayPort,
                    "--count", "20", "--size", "200", "--timeout", "1");
            relayCommand.stop();
            assertEquals(0, relay.get(20, TimeUnit.SECONDS));
            running.set(false);
            echoer.get(20, TimeUnit.SECONDS);
            System.setOut(saved);
            String out = bytes.toString(StandardCharsets.UTF_8);

            assertEquals(1, status, out);
            Matcher echoed = Pattern.compile("(\\d+)/20 frames echoed identical, (\\d+) missing").matcher(out);
            assertTrue(echoed.find(), out);
            assertThat(Integer.parseInt(echoed.group(2))).as(out).isPositive();
            assertThat(Integer.parseInt(echoed.group(1))).as(out).isLessThan(20);
            assertThat(out).contains("relay: impairing frames received on each side: loss=0.5");
            Matcher counters = Pattern.compile("relay: impairment \\S+ -> \\S+: (\\d+) passed, (\\d+) dropped")
                    .matcher(out);
            assertTrue(counters.find(), out);
            assertThat(Integer.parseInt(counters.group(2))).as(out).isPositive();
            assertEquals(20, Integer.parseInt(counters.group(1)) + Integer.parseInt(counters.group(2)), out);
            assertThat(out).containsPattern("relay: impairment \\S+ <- \\S+: \\d+ passed, \\d+ dropped");
        } finally {
            System.setOut(saved);
            running.set(false);
            pool.shutdownNow();
        }
    }

    @Test
    void helpDocumentsTheImpairmentsAndBadProbabilitiesAreRefused() {
        StringWriter sw = new StringWriter();
        CommandLine cl = PacketFsCli.newCommandLine();
        cl.setOut(new PrintWriter(sw));
        assertEquals(0, cl.execute("relay", "--help"));
        assertThat(sw.toString()).contains("--loss=P").contains("--reorder=P").contains("--duplicate=P")
                .contains("--corrupt=P").contains("--delay=MS").contains("--seed=N").contains("0..1");

        StringWriter err = new StringWriter();
        CommandLine bad = PacketFsCli.newCommandLine();
        bad.setErr(new PrintWriter(err));
        assertThat(bad.execute("relay", "--from", "udp:127.0.0.1:1", "--to", "udp:127.0.0.1:2", "--loss", "5"))
                .isNotZero();
        assertThat(err.toString()).contains("loss probability 5.0 (expected 0..1)");
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }
}
