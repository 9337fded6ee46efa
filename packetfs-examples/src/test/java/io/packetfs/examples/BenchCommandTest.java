package io.packetfs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.packetfs.examples.BenchResults.Figure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ./packetfs bench} end to end: a tiny real run over UDP loopback, then the same results compared with
 * themselves, untouched and with an injected slowdown. The slowdown is applied to recorded figures, so the exit
 * status never depends on how fast the machine is; the real run's figures are only checked for being there.
 */
class BenchCommandTest {

    /** A run small enough for a test: two rows and their plain-UDP lines, one repeat, a fraction of a second each. */
    private static final String[] TINY = {"bench", "--repeat", "1", "--warmup", "0.05",
            "--seconds", "0.1", "--latency-samples", "50", "--inflight", "16"};

    @Test
    void aTinyRunPrintsTheTableWritesJsonAndCatchesAnInjectedTenPercentSlowdown(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("now.json");
        Result run = execute(concat(TINY, "--rows", "L1,stress", "--json", json.toString()));
        assertEquals(0, run.status, run.out + run.err);
        assertThat(run.out).contains("configuration", "throughput fps", "effic.", "p99 us", "L1 64B refs",
                "Stress Test", "plain UDP, L1 frames", "plain UDP, stress frames", "cores", "load average",
                "results written to");

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("format").asText()).isEqualTo(BenchResults.FORMAT);
        assertThat(root.path("machine").path("cores").asInt()).isPositive();
        assertThat(root.path("machine").path("jdk").asText()).isNotEmpty();
        assertThat(root.path("machine").path("load_average_at_start").size()).isPositive();
        assertThat(root.path("rows")).extracting(r -> r.path("id").asText())
                .containsExactly("L1", "stress", "udp-L1", "udp-stress");
        for (JsonNode row : root.path("rows")) {
            JsonNode fps = row.path("figures").path("fps");
            assertThat(fps.path("runs").size()).isEqualTo(1);
            assertThat(fps.path("median").asDouble()).isPositive();
            assertThat(row.path("figures").path("latency_p99_us").path("median").asDouble()).isPositive();
            assertThat(row.path("figures").has("spread_pct") || fps.has("spread_pct")).isTrue();
        }
        // measured from the frames counted in the window: at most 64 refs of 8 bits per 74-byte frame (a frame
        // with only a SYNC unit every 1,024 frames; the exact figures are BenchWorkloadTest's)
        BenchResults results = BenchResults.read(json);
        assertThat(results.row("L1").median(Figure.EFFICIENCY)).isPositive().isLessThanOrEqualTo(64.0 / 74 + 1e-6);
        assertThat(results.row("L1").median(Figure.FRAME_BYTES)).isBetween(13.0, 74.0);
        assertThat(results.row("stress").median(Figure.EFFICIENCY)).isPositive().isLessThan(1);
        assertThat(results.row("udp-L1").runs(Figure.EFFICIENCY)[0]).isNaN();

        String[] compare = {"bench", "--results", json.toString(), "--baseline", json.toString()};
        Result same = execute(compare);
        assertEquals(0, same.status, same.out + same.err);
        assertThat(same.out).contains("comparison with the baseline").contains(" 0 regression(s) -> no regression")
                .doesNotContain("  REGRESSION");

        Result ten = execute(concat(compare, "--inject-slowdown", "0.10"));
        assertEquals(BenchCommand.EXIT_REGRESSION, ten.status, ten.out + ten.err);
        assertThat(ten.out).contains("as if 10.0 % slower").contains("REGRESSION").contains("-> FAILED");

        Result three = execute(concat(compare, "--inject-slowdown", "0.03"));
        assertEquals(0, three.status, three.out + three.err);
        assertThat(three.out).contains("-> no regression");
    }

    @Test
    void aBaselineFromAnotherRunOfTheSameFiguresScaledTenPercentFasterFails(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("now.json");
        Result run = execute(concat(TINY, "--no-udp", "--rows", "L2", "--json", json.toString()));
        assertEquals(0, run.status, run.out + run.err);
        assertThat(run.out).contains("L2 256B refs").doesNotContain("plain UDP");
        // the baseline: the same figures, 10 % better (as if this run were the slowed-down one)
        Path faster = dir.resolve("faster.json");
        BenchResults.read(json).slowedDown(-1 + 1 / 1.10).write(faster);
        Result r = execute("bench", "--results", json.toString(), "--baseline", faster.toString());
        assertEquals(BenchCommand.EXIT_REGRESSION, r.status, r.out + r.err);
        assertThat(r.out).contains("L2").contains("fps").contains("REGRESSION");
    }

    @Test
    void helpNamesEveryOptionAndWhatTheRowsMean() {
        StringWriter sw = new StringWriter();
        CommandLine cl = PacketFsCli.newCommandLine();
        cl.setOut(new PrintWriter(sw));
        assertEquals(0, cl.execute("bench", "--help"));
        assertThat(sw.toString()).contains("--json", "--baseline", "--threshold", "--seconds", "--warmup", "--repeat",
                "--rows", "--[no-]udp", "--inflight", "--latency-samples", "--seed", "--results", "L1 64B refs",
                "64 L1 refs", "Stress Test", "plain UDP", "Exit status", "ranges do not overlap")
                .doesNotContain("--inject-slowdown");
    }

    @Test
    void badOptionsSayWhatIsWrong(@TempDir Path dir) {
        assertThat(execute("bench", "--repeat", "0").err).contains("--repeat 0 must be at least 1");
        assertThat(execute("bench", "--rows", "L4").err).contains("unknown row 'L4'").contains("L1, L2, L3, stress");
        Result missing = execute("bench", "--baseline", dir.resolve("nope.json").toString());
        assertThat(missing.status).isEqualTo(1);
        assertThat(missing.err).contains("cannot read bench results").contains("nope.json");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static final class Result {
        int status;
        String out;
        String err;
    }

    private static Result execute(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        Result r = new Result();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PacketFsCli.newCommandLine();
            cl.setErr(new PrintWriter(err, true));
            r.status = cl.execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err + errBytes.toString(StandardCharsets.UTF_8);
        return r;
    }
}
