package io.packetfs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./packetfs bench-path} end to end on two tiny cases (root on Linux only): every transfer verified, the rows
 * and the JSON there, and the namespaces gone afterwards. Never asserts on speed.
 */
class PathBenchCommandTest {

    private static final Pattern NAMESPACES = Pattern.compile("bench-path: (pfs-path-\\S+-a)/\\S+ .*<-> "
            + "(pfs-path-\\S+-b)/");

    @Test
    void childrenGetTheJitOptionsButNotRecordingsOrLogs() {
        assertThat(PathBenchCommand.jvmOptions(java.util.List.of("-XX:FreqInlineSize=60", "-Xmx2g",
                "-XX:StartFlightRecording=filename=a.jfr", "-XX:+UnlockDiagnosticVMOptions", "-XX:LogFile=c.log",
                "-Dio.netty.leakDetection.level=paranoid", "-XX:HeapDumpPath=/tmp", "-javaagent:x.jar")))
                .containsExactly("-XX:FreqInlineSize=60", "-XX:+UnlockDiagnosticVMOptions");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void twoTinyCasesVerifyAndLeaveNothingBehind(@TempDir Path tmp) throws Exception {
        String why = Veth.unavailabilityReason();
        Assumptions.assumeTrue(why == null, () -> "bench-path needs root on Linux (network namespaces, veth, tc): "
                + why);
        Path json = tmp.resolve("bench-path.json");
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int status;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PacketFsCli.newCommandLine();
            cl.setErr(new PrintWriter(err, true));
            status = cl.execute("bench-path", "--cases", "clean-random,tbf:100mbit:64kb", "--size", "2M",
                    "--pool-size", "8M", "--repeat", "1", "--json", json.toString());
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err);
        assertThat(text).contains("PacketFS MB/s", "TCP MB/s", "ratio", "wire/file", "qdisc drops")
                .doesNotContain("FAIL");
        assertThat(rowOf(text, "clean-random")).contains("2 MiB").endsWith("OK");
        assertThat(rowOf(text, "tbf:100mbit:64kb")).contains("2 MiB").endsWith("OK");

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, root.get("cases").size());
        for (JsonNode c : root.get("cases")) {
            assertTrue(c.get("ok").asBoolean(), c.toString());
            assertEquals(2L << 20, c.get("fileBytes").asLong());
            assertEquals(2, c.get("runs").size(), "one PacketFS and one TCP run");
            for (JsonNode r : c.get("runs")) {
                assertTrue(r.get("ok").asBoolean(), r.toString());
                assertEquals(2L << 20, r.get("fileBytes").asLong(), r.toString());
                assertTrue(r.get("seconds").asDouble() > 0, r.toString());
            }
        }
        assertEquals(100_000_000L, root.get("cases").get(1).get("tbfRateBitsPerSecond").asLong());
        assertEquals(12_500L, root.get("cases").get(1).get("tbfBurstBytes").asLong());

        Matcher m = NAMESPACES.matcher(text);
        assertTrue(m.find(), text);
        String list = Veth.run("ip", "netns", "list");
        assertFalse(list.contains(m.group(1)), "namespace " + m.group(1) + " removed: " + list);
        assertFalse(list.contains(m.group(2)), "namespace " + m.group(2) + " removed: " + list);
    }

    private static String rowOf(String text, String spec) {
        for (String line : text.split("\n")) {
            if (line.startsWith(spec + " ")) {
                return line.trim();
            }
        }
        throw new AssertionError("no row " + spec + " in:\n" + text);
    }
}
