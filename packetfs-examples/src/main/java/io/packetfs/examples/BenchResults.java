package io.packetfs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of a {@code bench} run: the machine it ran on, its settings, and per row every figure of every
 * repeat, with median, min, max and spread. Written and read as JSON ({@link #FORMAT}), so a later run can compare
 * itself with this one ({@link BenchComparison}).
 */
final class BenchResults {

    /** The {@code format} field of the JSON file. */
    static final String FORMAT = "packetfs-bench/1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Which way is better for a figure. */
    enum Better {
        HIGHER, LOWER
    }

    /** The figures of a row; {@code compared} ones are checked against a baseline. */
    enum Figure {
        FPS("fps", "frames/s", Better.HIGHER, true, false),
        REFS_PER_SECOND("refs_per_s", "refs/s", Better.HIGHER, false, false),
        REF_BITS_PER_SECOND("ref_bits_per_s", "bit/s", Better.HIGHER, false, false),
        WIRE_BITS_PER_SECOND("wire_bits_per_s", "bit/s", Better.HIGHER, false, false),
        EFFICIENCY("efficiency", "ref bits / frame bits", Better.HIGHER, true, false),
        FRAME_BYTES("frame_bytes", "bytes", Better.LOWER, false, false),
        LATENCY_AVG("latency_avg_us", "us", Better.LOWER, true, true),
        LATENCY_P50("latency_p50_us", "us", Better.LOWER, true, true),
        LATENCY_P95("latency_p95_us", "us", Better.LOWER, false, true),
        LATENCY_P99("latency_p99_us", "us", Better.LOWER, true, true),
        LATENCY_MAX("latency_max_us", "us", Better.LOWER, false, true);

        final String key;
        final String unit;
        final Better better;
        final boolean compared;
        final boolean latency;

        Figure(String key, String unit, Better better, boolean compared, boolean latency) {
            this.key = key;
            this.unit = unit;
            this.better = better;
            this.compared = compared;
            this.latency = latency;
        }

        /** A throughput figure: it falls by the factor by which the code slows down. */
        boolean rate() {
            return this == FPS || this == REFS_PER_SECOND || this == REF_BITS_PER_SECOND
                    || this == WIRE_BITS_PER_SECOND;
        }

        static Figure byKey(String key) {
            for (Figure f : values()) {
                if (f.key.equals(key)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** One line of the table: every repeat's value of each figure. */
    static final class Row {
        final String id;
        final String label;
        /** A reference line (plain UDP): shown and compared, never a reason to fail. */
        final boolean reference;
        final String description;
        final Map<Figure, double[]> runs = new EnumMap<>(Figure.class);

        Row(String id, String label, boolean reference, String description) {
            this.id = id;
            this.label = label;
            this.reference = reference;
            this.description = description;
        }

        /** The repeats of {@code f} (empty if the row has none). */
        double[] runs(Figure f) {
            double[] r = runs.get(f);
            return r == null ? new double[0] : r;
        }

        double median(Figure f) {
            return BenchResults.median(runs(f));
        }

        /** (max - min) / median of the repeats, in percent (NaN without figures). */
        double spreadPercent(Figure f) {
            double[] r = runs(f);
            double m = BenchResults.median(r);
            return r.length == 0 || m == 0 ? Double.NaN : (max(r) - min(r)) / Math.abs(m) * 100;
        }
    }

    final ObjectNode machine;
    final ObjectNode settings;
    final List<Row> rows;

    BenchResults(ObjectNode machine, ObjectNode settings, List<Row> rows) {
        this.machine = machine;
        this.settings = settings;
        this.rows = rows;
    }

    /** The row with {@code id}, or null. */
    Row row(String id) {
        for (Row r : rows) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        return null;
    }

    /**
     * These results as if the code were {@code factor} slower (0.10: 10 %): rates divided by {@code 1 + factor},
     * latencies multiplied by it, sizes and efficiency unchanged. The test hook behind {@code --inject-slowdown}.
     */
    BenchResults slowedDown(double factor) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            Row s = new Row(r.id, r.label, r.reference, r.description);
            for (Map.Entry<Figure, double[]> e : r.runs.entrySet()) {
                double[] v = e.getValue().clone();
                for (int i = 0; i < v.length; i++) {
                    if (e.getKey().rate()) {
                        v[i] /= 1 + factor;
                    } else if (e.getKey().latency) {
                        v[i] *= 1 + factor;
                    }
                }
                s.runs.put(e.getKey(), v);
            }
            out.add(s);
        }
        ObjectNode settingsCopy = settings.deepCopy();
        settingsCopy.put("injected_slowdown", factor);
        return new BenchResults(machine, settingsCopy, out);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return v.length == 0 ? Double.NaN : m;
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return v.length == 0 ? Double.NaN : m;
    }

    /** The machine this process runs on: cores, JDK, OS, CPU model, memory, load average now. */
    static ObjectNode describeMachine() {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        String cpu = cpuModel();
        if (cpu != null) {
            m.put("cpu", cpu);
        }
        m.put("max_heap_mib", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("netty", io.netty.util.Version.identify().getOrDefault("netty-common",
                io.netty.util.Version.identify().values().iterator().next()).artifactVersion());
        ArrayNode load = m.putArray("load_average_at_start");
        for (double l : loadAverage()) {
            load.add(round(l, 2));
        }
        return m;
    }

    /** The 1, 5 and 15 minute load averages (only the first where /proc/loadavg is missing). */
    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()};
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no model name
        }
        return null;
    }

    /** One line about the machine, for the table's header. */
    static String machineLine(JsonNode m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.path("cores").asInt()).append(" cores");
        if (m.hasNonNull("cpu")) {
            sb.append(" (").append(m.get("cpu").asText()).append(')');
        }
        sb.append(", ").append(m.path("jdk").asText()).append(", ").append(m.path("os").asText());
        sb.append(", Netty ").append(m.path("netty").asText());
        sb.append(", load average ").append(loadText(m.path("load_average_at_start"))).append(" at start");
        if (m.has("load_average_at_end")) {
            sb.append(", ").append(loadText(m.get("load_average_at_end"))).append(" at end");
        }
        return sb.toString();
    }

    private static String loadText(JsonNode a) {
        List<String> parts = new ArrayList<>();
        a.forEach(x -> parts.add(String.format(Locale.ROOT, "%.2f", x.asDouble())));
        return String.join(" / ", parts);
    }

    /** Writes these results to {@code file} as JSON. */
    void write(Path file) throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("format", FORMAT);
        root.set("machine", machine);
        root.set("settings", settings);
        ArrayNode rs = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode o = rs.addObject();
            o.put("id", r.id);
            o.put("label", r.label);
            o.put("reference", r.reference);
            o.put("description", r.description);
            ObjectNode figures = o.putObject("figures");
            for (Map.Entry<Figure, double[]> e : r.runs.entrySet()) {
                Figure f = e.getKey();
                ObjectNode fo = figures.putObject(f.key);
                fo.put("unit", f.unit);
                fo.put("better", f.better.name().toLowerCase(Locale.ROOT));
                ArrayNode runs = fo.putArray("runs");
                for (double v : e.getValue()) {
                    addNumber(runs, v);
                }
                putNumber(fo, "median", r.median(f));
                putNumber(fo, "min", min(e.getValue()));
                putNumber(fo, "max", max(e.getValue()));
                putNumber(fo, "spread_pct", r.spreadPercent(f));
            }
        }
        Files.writeString(file, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }

    /** Reads results written by {@link #write}; says what is wrong with a file that is not one. */
    static BenchResults read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read bench results from " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IOException(file + " is not a bench result (expected \"format\": \"" + FORMAT
                    + "\"; write one with ./packetfs bench --json " + file + ")");
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode o : root.path("rows")) {
            Row r = new Row(o.path("id").asText(), o.path("label").asText(), o.path("reference").asBoolean(),
                    o.path("description").asText());
            o.path("figures").fields().forEachRemaining(e -> {
                Figure f = Figure.byKey(e.getKey());
                if (f != null) {
                    JsonNode runs = e.getValue().path("runs");
                    double[] v = new double[runs.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = runs.get(i).isNumber() ? runs.get(i).asDouble() : Double.NaN;
                    }
                    r.runs.put(f, v);
                }
            });
            rows.add(r);
        }
        JsonNode machine = root.path("machine");
        JsonNode settings = root.path("settings");
        return new BenchResults(machine.isObject() ? (ObjectNode) machine : JsonNodeFactory.instance.objectNode(),
                settings.isObject() ? (ObjectNode) settings : JsonNodeFactory.instance.objectNode(), rows);
    }

    private static void addNumber(ArrayNode a, double v) {
        if (Double.isFinite(v)) {
            a.add(round(v, 6));
        } else {
            a.addNull();
        }
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, round(v, 6));
        } else {
            o.putNull(key);
        }
    }

    /** {@code v} with {@code digits} significant digits after the point for small values, whole for large ones. */
    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.abs(v) >= 1e6 ? Math.rint(v) : Math.rint(v * scale) / scale;
    }
}
