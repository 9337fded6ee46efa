package io.packetfs.examples;

import io.packetfs.examples.BenchResults.Better;
import io.packetfs.examples.BenchResults.Figure;
import io.packetfs.examples.BenchResults.Row;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares a {@code bench} run with a baseline run, figure by figure, with a guard against noise. A pure function of
 * the two results: it never measures anything, so it is tested on made-up figures.
 *
 * <p><b>The rule.</b> For each row and each compared figure (frames/s, efficiency, latency average, p50 and p99:
 * the seed's three columns and the tail; references/s and bits/s move with frames/s, and p95 sits between p50 and
 * p99, so they are shown but not compared, which keeps the number of chances for a false alarm down),
 * let "worse" be the change of the median in the bad direction (lower for frames/s and efficiency, higher for
 * latencies), as a percentage of the baseline's median. The figure
 * <ul>
 *   <li>REGRESSION: worse by more than the threshold (default 5 %) <em>and</em> the ranges of the repeats do not
 *       overlap: every repeat of this run is worse than every repeat of the baseline;</li>
 *   <li>worse, within noise: worse by more than the threshold, but the ranges overlap;</li>
 *   <li>better: better by more than the threshold;</li>
 *   <li>ok: otherwise.</li>
 * </ul>
 * A REGRESSION of a PacketFS row fails the run; the plain-UDP lines measure the machine, not PacketFS, so they are
 * compared and shown but never fail it (when they regress too, the machine is slower). With one repeat on either
 * side the ranges are points and the rule falls back to the threshold alone.
 */
final class BenchComparison {

    /** What became of one figure. */
    enum Verdict {
        OK("ok"),
        BETTER("better"),
        NOISY("worse, within noise"),
        REGRESSION("REGRESSION");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** One figure of one row, baseline against now. */
    static final class Line {
        final String rowId;
        final String label;
        final boolean reference;
        final Figure figure;
        final double baseMedian;
        final double baseMin;
        final double baseMax;
        final double nowMedian;
        final double nowMin;
        final double nowMax;
        /** (now - baseline) / baseline of the medians, in percent. */
        final double changePercent;
        /** The change in the bad direction, in percent (negative when better). */
        final double worsePercent;
        final Verdict verdict;

        Line(String rowId, String label, boolean reference, Figure figure, double[] base, double[] now,
             double thresholdPercent) {
            this.rowId = rowId;
            this.label = label;
            this.reference = reference;
            this.figure = figure;
            this.baseMedian = BenchResults.median(base);
            this.baseMin = BenchResults.min(base);
            this.baseMax = BenchResults.max(base);
            this.nowMedian = BenchResults.median(now);
            this.nowMin = BenchResults.min(now);
            this.nowMax = BenchResults.max(now);
            this.changePercent = (nowMedian - baseMedian) / Math.abs(baseMedian) * 100;
            boolean higherIsBetter = figure.better == Better.HIGHER;
            this.worsePercent = higherIsBetter ? -changePercent : changePercent;
            if (worsePercent > thresholdPercent) {
                boolean overlap = higherIsBetter ? nowMax >= baseMin : nowMin <= baseMax;
                verdict = overlap ? Verdict.NOISY : Verdict.REGRESSION;
            } else if (-worsePercent > thresholdPercent) {
                verdict = Verdict.BETTER;
            } else {
                verdict = Verdict.OK;
            }
        }

        /** A regression that fails the run (not on a reference line). */
        boolean fails() {
            return verdict == Verdict.REGRESSION && !reference;
        }
    }

    /** The comparison of two runs: one line per figure both have, and notes on rows only one has. */
    static final class Report {
        final List<Line> lines = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final double thresholdPercent;

        Report(double thresholdPercent) {
            this.thresholdPercent = thresholdPercent;
        }

        /** Whether any PacketFS figure regressed. */
        boolean regressed() {
            return lines.stream().anyMatch(Line::fails);
        }

        long count(Verdict v) {
            return lines.stream().filter(l -> l.verdict == v).count();
        }
    }

    private BenchComparison() {
    }

    /** Compares {@code now} with {@code baseline} at {@code thresholdPercent} (5 means 5 %). */
    static Report compare(BenchResults baseline, BenchResults now, double thresholdPercent) {
        Report report = new Report(thresholdPercent);
        for (Row r : now.rows) {
            Row b = baseline.row(r.id);
            if (b == null) {
                report.notes.add(r.id + ": not in the baseline (new row), not compared");
                continue;
            }
            for (Figure f : Figure.values()) {
                if (!f.compared) {
                    continue;
                }
                double[] base = finite(b.runs(f));
                double[] cur = finite(r.runs(f));
                if (base.length == 0 || cur.length == 0 || BenchResults.median(base) == 0) {
                    continue;
                }
                report.lines.add(new Line(r.id, r.label, r.reference, f, base, cur, thresholdPercent));
            }
        }
        for (Row b : baseline.rows) {
            if (now.row(b.id) == null) {
                report.notes.add(b.id + ": in the baseline but not run now (see --rows / --no-udp), not compared");
            }
        }
        String bm = BenchResults.machineLine(baseline.machine);
        String nm = BenchResults.machineLine(now.machine);
        if (!sameMachine(baseline, now)) {
            report.notes.add("the baseline ran on another machine or JDK (" + bm + "); figures from different "
                    + "machines do not compare");
        }
        return report;
    }

    private static boolean sameMachine(BenchResults a, BenchResults b) {
        return a.machine.path("cores").asInt() == b.machine.path("cores").asInt()
                && a.machine.path("jdk").asText().equals(b.machine.path("jdk").asText())
                && a.machine.path("cpu").asText().equals(b.machine.path("cpu").asText());
    }

    private static double[] finite(double[] v) {
        return java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
    }

    /** Prints the comparison table and its summary. */
    static void print(Report report, PrintStream out) {
        out.printf(Locale.ROOT, "comparison with the baseline (medians; range = min..max of the repeats; REGRESSION "
                + "= worse by > %.1f %% and ranges apart):%n", report.thresholdPercent);
        String fmt = "%-12s %-15s %25s %25s %8s  %s%n";
        out.printf(Locale.ROOT, fmt, "row", "figure", "baseline (range)", "now (range)", "change", "verdict");
        for (Line l : report.lines) {
            out.printf(Locale.ROOT, fmt, l.rowId, l.figure.key, value(l.figure, l.baseMedian, l.baseMin, l.baseMax),
                    value(l.figure, l.nowMedian, l.nowMin, l.nowMax),
                    String.format(Locale.ROOT, "%+.1f%%", l.changePercent),
                    l.verdict.text + (l.reference && l.verdict == Verdict.REGRESSION
                            ? " (reference line: the machine, not counted)" : ""));
        }
        for (String n : report.notes) {
            out.println("note: " + n);
        }
        long failing = report.lines.stream().filter(Line::fails).count();
        out.printf(Locale.ROOT, "%d figure(s) compared: %d ok, %d better, %d worse within noise, %d regression(s)%s%n",
                report.lines.size(), report.count(Verdict.OK), report.count(Verdict.BETTER),
                report.count(Verdict.NOISY), report.count(Verdict.REGRESSION),
                failing > 0 ? " -> FAILED (" + failing + " PacketFS figure(s) regressed)" : " -> no regression");
    }

    private static String value(Figure f, double median, double min, double max) {
        if (f == Figure.FPS) {
            return String.format(Locale.ROOT, "%.0f (%.0f..%.0f)", median, min, max);
        }
        if (f == Figure.EFFICIENCY) {
            return String.format(Locale.ROOT, "%.2f%% (%.2f..%.2f)", median * 100, min * 100, max * 100);
        }
        return String.format(Locale.ROOT, "%.1f (%.1f..%.1f)", median, min, max);
    }
}
