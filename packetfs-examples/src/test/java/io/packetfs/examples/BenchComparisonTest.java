package io.packetfs.examples;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.packetfs.examples.BenchComparison.Line;
import io.packetfs.examples.BenchComparison.Report;
import io.packetfs.examples.BenchComparison.Verdict;
import io.packetfs.examples.BenchResults.Figure;
import io.packetfs.examples.BenchResults.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The regression rule of {@code bench --baseline}, on made-up figures: nothing here measures anything, so no
 * assertion depends on the machine.
 */
class BenchComparisonTest {

    private static final double THRESHOLD = 5;

    @Test
    void tenPercentFewerFramesPerSecondIsARegression() {
        Line l = line(Figure.FPS, new double[] {100_000, 101_000, 99_000}, new double[] {90_000, 91_000, 89_500});
        assertThat(l.changePercent).isCloseTo(-10, within(0.01));
        assertThat(l.worsePercent).isCloseTo(10, within(0.01));
        assertThat(l.verdict).isEqualTo(Verdict.REGRESSION);
        assertThat(l.fails()).isTrue();
    }

    @Test
    void tenPercentLongerLatencyIsARegression() {
        Line l = line(Figure.LATENCY_P99, new double[] {50, 51, 49}, new double[] {55, 56, 54.5});
        assertThat(l.verdict).isEqualTo(Verdict.REGRESSION);
    }

    @Test
    void threePercentWorseIsOk() {
        assertThat(line(Figure.FPS, new double[] {100, 100, 100}, new double[] {97, 97, 97}).verdict)
                .isEqualTo(Verdict.OK);
        assertThat(line(Figure.LATENCY_P50, new double[] {20, 20, 20}, new double[] {20.6, 20.6, 20.6}).verdict)
                .isEqualTo(Verdict.OK);
    }

    @Test
    void worseButOverlappingRangesIsNoiseNotARegression() {
        // median 10 % lower, but the best repeat now beats the worst repeat of the baseline
        Line l = line(Figure.FPS, new double[] {80, 100, 120}, new double[] {70, 90, 110});
        assertThat(l.worsePercent).isCloseTo(10, within(0.01));
        assertThat(l.verdict).isEqualTo(Verdict.NOISY);
        assertThat(l.fails()).isFalse();
        Line lat = line(Figure.LATENCY_AVG, new double[] {10, 12, 14}, new double[] {13, 13.5, 20});
        assertThat(lat.verdict).isEqualTo(Verdict.NOISY);
    }

    @Test
    void betterIsReportedAndNeverFails() {
        Line l = line(Figure.FPS, new double[] {100, 100, 100}, new double[] {120, 121, 119});
        assertThat(l.verdict).isEqualTo(Verdict.BETTER);
        assertThat(line(Figure.LATENCY_P95, new double[] {30, 30, 30}, new double[] {20, 20, 20}).verdict)
                .isEqualTo(Verdict.BETTER);
    }

    @Test
    void withOneRepeatTheThresholdAloneDecides() {
        assertThat(line(Figure.FPS, new double[] {100}, new double[] {94}).verdict).isEqualTo(Verdict.REGRESSION);
        assertThat(line(Figure.FPS, new double[] {100}, new double[] {96}).verdict).isEqualTo(Verdict.OK);
    }

    @Test
    void theThresholdIsAnOption() {
        double[] base = {100, 100, 100};
        double[] now = {92, 92, 92};
        assertThat(new Line("L1", "L1", false, Figure.FPS, base, now, 10).verdict).isEqualTo(Verdict.OK);
        assertThat(new Line("L1", "L1", false, Figure.FPS, base, now, 5).verdict).isEqualTo(Verdict.REGRESSION);
    }

    @Test
    void aReferenceLineRegressesWithoutFailingTheRun() {
        BenchResults base = results(row("udp-L1", true, 100, 20, 0.9));
        BenchResults now = results(row("udp-L1", true, 80, 30, 0.9));
        Report r = BenchComparison.compare(base, now, THRESHOLD);
        assertThat(r.lines).extracting(l -> l.verdict).contains(Verdict.REGRESSION);
        assertThat(r.lines).noneMatch(Line::fails);
        assertThat(r.regressed()).isFalse();
    }

    @Test
    void anInjectedTenPercentSlowdownIsCaughtAndThreePercentIsNot() {
        BenchResults base = results(row("L1", false, 200_000, 25, 0.864), row("stress", false, 90_000, 40, 0.8),
                row("udp-L1", true, 300_000, 18, Double.NaN));
        Report ten = BenchComparison.compare(base, base.slowedDown(0.10), THRESHOLD);
        assertThat(ten.regressed()).isTrue();
        assertThat(failing(ten)).contains("L1 fps", "L1 latency_p50_us", "L1 latency_p99_us", "stress fps",
                "stress latency_avg_us").doesNotContain("L1 efficiency");
        Report three = BenchComparison.compare(base, base.slowedDown(0.03), THRESHOLD);
        assertThat(three.regressed()).isFalse();
        assertThat(three.count(Verdict.OK)).isEqualTo(three.lines.size());
        assertThat(BenchComparison.compare(base, base, THRESHOLD).regressed()).isFalse();
    }

    @Test
    void slowedDownScalesRatesAndLatenciesOnly() {
        BenchResults base = results(row("L2", false, 110_000, 20, 0.95));
        Row s = base.slowedDown(0.10).row("L2");
        assertThat(s.median(Figure.FPS)).isCloseTo(100_000, within(0.01));
        assertThat(s.median(Figure.REFS_PER_SECOND)).isCloseTo(100_000 * 128.0, within(0.1));
        assertThat(s.median(Figure.LATENCY_P50)).isCloseTo(22, within(1e-9));
        assertThat(s.median(Figure.EFFICIENCY)).isEqualTo(0.95);
        assertThat(s.median(Figure.FRAME_BYTES)).isEqualTo(266);
    }

    @Test
    void rowsOnOnlyOneSideAreNotedNotCompared() {
        BenchResults base = results(row("L1", false, 100, 20, 0.9), row("L3", false, 100, 20, 0.99));
        BenchResults now = results(row("L1", false, 100, 20, 0.9), row("stress", false, 50, 30, 0.8));
        Report r = BenchComparison.compare(base, now, THRESHOLD);
        assertThat(r.lines).allMatch(l -> l.rowId.equals("L1"));
        assertThat(r.notes).anyMatch(n -> n.startsWith("stress: not in the baseline"))
                .anyMatch(n -> n.startsWith("L3: in the baseline but not run now"));
    }

    @Test
    void resultsSurviveJsonWithEveryRepeatAndMissingFiguresAsNull(@TempDir Path dir) throws Exception {
        Row a = row("L1", false, 100, 20, 0.9);
        a.runs.put(Figure.FPS, new double[] {100.5, 90.25, 120});
        Row u = row("udp-L1", true, 300, 10, Double.NaN);
        BenchResults r = results(a, u);
        Path file = dir.resolve("r.json");
        r.write(file);
        String text = Files.readString(file);
        assertThat(text).contains("\"format\" : \"packetfs-bench/1\"").contains("\"median\" : 100.5")
                .contains("\"spread_pct\"").contains("\"efficiency\"").contains("null");
        BenchResults back = BenchResults.read(file);
        assertThat(back.row("L1").runs(Figure.FPS)).containsExactly(100.5, 90.25, 120);
        assertThat(back.row("L1").spreadPercent(Figure.FPS)).isCloseTo(29.60, within(0.01));
        assertThat(back.row("udp-L1").reference).isTrue();
        assertThat(back.row("udp-L1").runs(Figure.EFFICIENCY)[0]).isNaN();
        assertThat(back.machine.path("cores").asInt()).isEqualTo(2);
    }

    @Test
    void aFileThatIsNotABenchResultSaysSo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.json");
        Files.writeString(file, "{\"hello\": 1}");
        assertThatThrownBy(() -> BenchResults.read(file)).hasMessageContaining("is not a bench result")
                .hasMessageContaining("--json");
        Files.writeString(file, "not json");
        assertThatThrownBy(() -> BenchResults.read(file)).hasMessageContaining("cannot read bench results");
    }

    private static Line line(Figure f, double[] base, double[] now) {
        return new Line("L1", "L1 64B refs", false, f, base, now, THRESHOLD);
    }

    private static List<String> failing(Report r) {
        List<String> out = new ArrayList<>();
        for (Line l : r.lines) {
            if (l.fails()) {
                out.add(l.rowId + " " + l.figure.key);
            }
        }
        return out;
    }

    /** A row whose three repeats are {@code fps}, 1 % above and 1 % below; latencies likewise around {@code p50}. */
    private static Row row(String id, boolean reference, double fps, double p50, double efficiency) {
        Row r = new Row(id, id, reference, "made up");
        r.runs.put(Figure.FPS, spread(fps));
        r.runs.put(Figure.REFS_PER_SECOND, spread(fps * 128));
        r.runs.put(Figure.EFFICIENCY, new double[] {efficiency, efficiency, efficiency});
        r.runs.put(Figure.FRAME_BYTES, new double[] {266, 266, 266});
        r.runs.put(Figure.LATENCY_AVG, spread(p50 * 1.2));
        r.runs.put(Figure.LATENCY_P50, spread(p50));
        r.runs.put(Figure.LATENCY_P95, spread(p50 * 2));
        r.runs.put(Figure.LATENCY_P99, spread(p50 * 3));
        return r;
    }

    private static double[] spread(double v) {
        return new double[] {v, v * 1.01, v * 0.99};
    }

    private static BenchResults results(Row... rows) {
        ObjectNode machine = JsonNodeFactory.instance.objectNode().put("cores", 2).put("jdk", "test").put("os", "test");
        machine.putArray("load_average_at_start").add(0.5);
        return new BenchResults(machine, JsonNodeFactory.instance.objectNode().put("repeat", 3), List.of(rows));
    }
}
