package io.packetfs.examples;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code bench-path} reads from other programs' text: send's summary (as {@link TransferResult} prints it
 * today, and with fields appended), tcp-copy's line, tc's drop counter, the socket tables; and its overlap and
 * median arithmetic. Runs anywhere.
 */
class PathBenchTextTest {

    private static final byte[] IP = {10, (byte) 213, 25, 2};

    /** The summary as {@code send} prints it now, from the class that prints it. */
    private static String currentSummary() {
        Locale saved = Locale.getDefault();
        Locale.setDefault(Locale.US); // the children run with -Duser.language=en -Duser.country=US
        try {
            TransferResult r = new TransferResult();
            r.ok = true;
            r.message = "OK, receiver verified SHA-256";
            r.fileBytes = 12_582_912;
            r.wireBytes = 76_022_334;
            r.frames = 52_311;
            r.seconds = 7.4;
            r.repair = String.format("frames sent %,d, retransmitted %,d (%,d bytes, %,d timeouts); NACKs sent 0, "
                    + "received 1,017", 52_311, 39_287, 57_101_220, 3);
            return "some progress text\n" + r.summary("send") + "\n";
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void readsTheCurrentSendSummary() {
        PathBenchText.SendSummary s = PathBenchText.parseSend(currentSummary());
        assertNotNull(s, currentSummary());
        assertEquals(12_582_912, s.fileBytes);
        assertEquals(76_022_334, s.wireBytes);
        assertEquals(52_311, s.frames);
        assertEquals(7.40, s.seconds, 1e-9);
        assertEquals(52_311, s.framesSent);
        assertEquals(39_287, s.retransmitted);
    }

    @Test
    void fieldsAppendedToTheSummariesDoNotMoveWhatIsRead() {
        String text = "send: OK\n"
                + "send: 2,097,152 bytes of file, 2,135,928 wire bytes (ratio 1.0185, 1.0x fewer bytes on the wire), "
                + "1,451 frames, 2,459 frames/s, 3.6 MB/s of file, 0.59 s, cwnd 1,024 frames, pacing 12.5 MB/s, "
                + "srtt 0.012 s, RTT 0.41 ms\n"
                + "send: frames sent 1,451, retransmitted 12 (17,000 bytes, 0 timeouts); NACKs sent 0, received 3; "
                + "dropped: duplicate 0, corrupt 0, other session 0, invalid 0, beyond window 0, from other hosts 0, "
                + "cwnd 88, pacing rate 6.1 MB/s, RTT 2.3 ms\n";
        PathBenchText.SendSummary s = PathBenchText.parseSend(text);
        assertNotNull(s);
        assertEquals(2_097_152, s.fileBytes);
        assertEquals(2_135_928, s.wireBytes);
        assertEquals(1_451, s.frames);
        assertEquals(0.59, s.seconds, 1e-9, "the first number with the unit s alone, not srtt's");
        assertEquals(1_451, s.framesSent);
        assertEquals(12, s.retransmitted);
    }

    @Test
    void summaryWithoutRepairLineAndMissingSummaries() {
        PathBenchText.SendSummary s = PathBenchText.parseSend("send: OK\nsend: 10 bytes of file, 60 wire bytes "
                + "(ratio 6.0000, 0.2x fewer bytes on the wire), 1 frames, 3 frames/s, 0.0 MB/s of file, 12.25 s\n");
        assertNotNull(s);
        assertEquals(12.25, s.seconds, 1e-9);
        assertEquals(1, s.frames);
        assertEquals(-1, s.retransmitted, "unreliable delivery prints no repair line");
        assertNull(PathBenchText.parseSend(""));
        assertNull(PathBenchText.parseSend("send: pool mismatch: this receiver holds pool ab12\n"));
        assertNull(PathBenchText.parseSend("recv: 10 bytes of file, 60 wire bytes, 1 frames, 0.10 s\n"),
                "only send's lines");
        assertNull(PathBenchText.parseSend("send: 10 bytes of file, 60 wire bytes, 1 frames\n"), "no seconds");
    }

    @Test
    void tcpCopyLine() {
        assertArrayEquals(new double[] {2_097_152, 0.014},
                PathBenchText.parseTcpCopy("tcp-copy: 2097152 bytes, 0.014 s\n"), 1e-12);
        assertNull(PathBenchText.parseTcpCopy("tcp-copy: listening on /10.213.25.2:47101\n"));
    }

    @Test
    void rootQdiscDrops() {
        assertEquals(0, PathBenchText.parseRootDrops("qdisc noqueue 0: root refcnt 2 \n"
                + " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n backlog 0b 0p requeues 0\n"));
        String tbf = "qdisc tbf 8001: root refcnt 3 rate 100Mbit burst 12500b lat 4.24ms \n"
                + " Sent 2385220 bytes 1611 pkt (dropped 5077, overlimits 9123 requeues 0) \n"
                + " backlog 0b 0p requeues 0\n";
        assertEquals(5077, PathBenchText.parseRootDrops(tbf));
        String withChild = "qdisc bfifo 10: parent 8001:1 limit 64Kb\n"
                + " Sent 10 bytes 1 pkt (dropped 99, overlimits 0 requeues 0)\n" + tbf
                + "qdisc pfifo 20: parent 8001: limit 10p\n Sent 1 bytes 1 pkt (dropped 7, overlimits 0 requeues 0)\n";
        assertEquals(5077, PathBenchText.parseRootDrops(withChild), "the root's counter, not a child's");
        assertEquals(-1, PathBenchText.parseRootDrops("qdisc tbf 8001: root refcnt 3 rate 100Mbit\n"
                + "qdisc bfifo 10: parent 8001:1\n Sent 1 bytes 1 pkt (dropped 3, overlimits 0 requeues 0)\n"));
        assertEquals(-1, PathBenchText.parseRootDrops("Cannot find device \"pfp-a\"\n"));
    }

    @Test
    void socketTables() {
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
                + "inode ref pointer drops\n";
        // 10.213.25.2 is 0219D50A on a little-endian host; port 47100 is B7FC
        String udp = header + " 1187: 0219D50A:B7FC 00000000:0000 07 00000000:00000000 00:00000000 00000000     0  "
                + "      0 93551 2 0000000000000000 0\n";
        assertTrue(PathBenchText.hasSocket(udp, IP, 47100, null));
        assertFalse(PathBenchText.hasSocket(udp, IP, 47101, null), "other port");
        assertFalse(PathBenchText.hasSocket(udp, new byte[] {10, (byte) 213, 25, 1}, 47100, null), "other address");
        assertTrue(PathBenchText.hasSocket(udp.replace("0219D50A", "0AD51902"), IP, 47100, null), "big-endian host");
        String udp6 = "  sl  local_address                         remote_address                        st ...\n"
                + "  100: 0000000000000000FFFF00000219D50A:B7FC 00000000000000000000000000000000:0000 07 "
                + "00000000:00000000 00:00000000 00000000     0        0 93600 2 0000000000000000 0\n";
        assertTrue(PathBenchText.hasSocket(udp6, IP, 47100, null), "an IPv4-mapped IPv6 socket (Netty epoll)");
        String tcp = header + "   0: 0219D50A:B7FD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
                + "      0 123 1 00000000127488c6 100 0 0 10 0\n"
                + "   1: 0219D50A:B7FE 0119D50A:D431 01 00000000:00000000 00:00000000 00000000     0  "
                + "      0 124 1 00000000127488c6 100 0 0 10 0\n";
        assertTrue(PathBenchText.hasSocket(tcp, IP, 47101, "0A"));
        assertFalse(PathBenchText.hasSocket(tcp, IP, 47102, "0A"), "established, not listening");
        assertFalse(PathBenchText.hasSocket(header, IP, 47100, null));
    }

    @Test
    void overlapRunsFromTheCompetitorsFirstByteToItsLastGrowthOrTheCompleteFile() {
        long ms = 1_000_000;
        long[] t = {0, 100 * ms, 200 * ms, 300 * ms, 400 * ms, 500 * ms, 600 * ms, 700 * ms, 800 * ms};
        long[] pfs = {0, 1000, 2000, 2500, 3000, 3500, 4000, 4000, 4000}; // complete at 600 ms
        long[] tcp = {0, 0, 500, 1500, 2500, 3500, 4500, 5500, 6500};     // first bytes at 200 ms
        double[] o = PathBenchCommand.overlap(t, pfs, 4000, tcp);
        assertNotNull(o);
        assertEquals(0.4, o[0], 1e-9);
        assertEquals((4000 - 2000) / 0.4, o[1], 1e-6);
        assertEquals((4500 - 500) / 0.4, o[2], 1e-6);
        assertNull(PathBenchCommand.overlap(t, pfs, 4000, new long[9]), "the competitor never sent");
        long[] late = {0, 0, 0, 0, 0, 0, 0, 0, 100};
        assertNull(PathBenchCommand.overlap(t, pfs, 4000, late), "the competitor started after PacketFS ended");
        long[] shortly = {0, 0, 0, 0, 0, 100, 200, 300, 400};
        assertNull(PathBenchCommand.overlap(t, pfs, 4000, shortly), "one sample interval of overlap says nothing");
        long[] starved = {0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
        double[] s = PathBenchCommand.overlap(t, starved, 4000, tcp);
        assertNotNull(s, "a starved transfer that is not complete still overlaps");
        assertEquals(0.6, s[0], 1e-9);
        assertEquals(0, s[1], 1e-9, "and gets nothing");
    }

    @Test
    void medianOfTheRunsThatVerified() {
        List<PathBenchCommand.Run> runs = List.of(run(true, 1), run(true, 3), run(false, 100), run(true, 2));
        assertEquals(2, PathBenchCommand.median(runs, r -> r.seconds), 1e-12);
        assertEquals(2.5, PathBenchCommand.median(List.of(run(true, 2), run(true, 3)), r -> r.seconds), 1e-12);
        assertTrue(Double.isNaN(PathBenchCommand.median(List.of(run(false, 1)), r -> r.seconds)));
        assertEquals("FAIL 1/2: packetfs: why", PathBenchCommand.CaseResult.verdict(
                List.of(run(true, 1), run(false, 2)), null));
        assertEquals("OK", PathBenchCommand.CaseResult.verdict(List.of(run(true, 1)), null));
    }

    private static PathBenchCommand.Run run(boolean ok, double seconds) {
        PathBenchCommand.Run r = new PathBenchCommand.Run("packetfs");
        r.ok = ok;
        r.reason = ok ? null : "why";
        r.seconds = seconds;
        return r;
    }
}
