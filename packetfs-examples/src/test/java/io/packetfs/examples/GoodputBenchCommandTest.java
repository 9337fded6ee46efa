package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ./packetfs bench-goodput} end to end on a file small enough for a test: every transfer verified, one row per
 * loss rate, the lossy row repaired. Only the presence and sign of the figures are checked, never their size.
 */
class GoodputBenchCommandTest {

    @Test
    void aTinyRunPrintsOneVerifiedRowPerLossRate() {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int status;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PacketFsCli.newCommandLine();
            cl.setErr(new PrintWriter(err, true));
            status = cl.execute("bench-goodput", "--size", "2M", "--repeat", "1", "--loss", "0,0.05");
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err);
        assertThat(text).contains("one warm-up transfer per loss rate", "goodput MB/s", "vs 0 loss", "CPU s")
                .doesNotContain("FAILED");
        String[] lossFree = row(text, "0.0%");
        String[] lossy = row(text, "5.0%");
        // loss, goodput, ratio, wire MB/s, retransmitted, timeouts, NACKs, seconds, CPU s, runs...
        assertThat(Double.parseDouble(lossFree[1])).isPositive();
        assertEquals("1.00", lossFree[2], "the loss-free row is its own reference");
        assertThat(Double.parseDouble(lossy[1])).isPositive();
        assertThat(Double.parseDouble(lossy[2])).isPositive();
        assertThat(Long.parseLong(lossy[4].replace(",", ""))).as("frames repaired at 5 %% loss").isPositive();
        assertThat(Long.parseLong(lossy[6].replace(",", ""))).as("NACKs at 5 %% loss").isPositive();
        assertThat(Double.parseDouble(lossy[8])).as("CPU seconds").isPositive();
    }

    private static String[] row(String text, String loss) {
        Optional<String[]> row = Arrays.stream(text.split("\n")).map(String::trim).map(l -> l.split("\\s+"))
                .filter(f -> f[0].equals(loss)).findFirst();
        assertThat(row).as("row " + loss + " in:\n" + text).isPresent();
        return row.get();
    }
}
