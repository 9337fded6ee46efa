package io.packetfs.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair, with an IPv4 address (/24) on each end, made with {@code ip} and
 * removed by {@link #close()} (deleting a namespace removes its end of the pair, and so the pair). Used by
 * {@code bench-transport} (fixed names) and {@code bench-path} (names unique to the run).
 *
 * <pre>
 *   namespace netnsA                     namespace netnsB
 *  +--------------------+               +--------------------+
 *  |  interfaceA        |  veth pair    |  interfaceB        |
 *  |  addressA/24       +---------------+  addressB/24       |
 *  +--------------------+               +--------------------+
 * </pre>
 */
final class Veth implements AutoCloseable {

    /** How long one {@code ip} or {@code tc} command may take before it is killed. */
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    final String netnsA;
    final String netnsB;
    final String interfaceA;
    final String interfaceB;
    final String addressA;
    final String addressB;
    private boolean closed;

    private Veth(String netnsA, String netnsB, String interfaceA, String interfaceB, String addressA,
                 String addressB) {
        this.netnsA = netnsA;
        this.netnsB = netnsB;
        this.interfaceA = interfaceA;
        this.interfaceB = interfaceB;
        this.addressA = addressA;
        this.addressB = addressB;
    }

    /**
     * Creates the namespaces (deleting leftovers of the same names first), the pair, the addresses, and brings both
     * ends and both loopbacks up; {@code mtu} 0 keeps the default. On failure everything made so far is removed.
     */
    static Veth create(String netnsA, String netnsB, String interfaceA, String interfaceB, String addressA,
                       String addressB, int mtu) throws IOException {
        Veth v = new Veth(netnsA, netnsB, interfaceA, interfaceB, addressA, addressB);
        v.deleteNamespaces();
        boolean success = false;
        try {
            run("ip", "netns", "add", netnsA);
            run("ip", "netns", "add", netnsB);
            run("ip", "link", "add", interfaceA, "netns", netnsA, "type", "veth", "peer", "name", interfaceB,
                    "netns", netnsB);
            run("ip", "-n", netnsA, "addr", "add", addressA + "/24", "dev", interfaceA);
            run("ip", "-n", netnsB, "addr", "add", addressB + "/24", "dev", interfaceB);
            if (mtu > 0) {
                run("ip", "-n", netnsA, "link", "set", interfaceA, "mtu", Integer.toString(mtu));
                run("ip", "-n", netnsB, "link", "set", interfaceB, "mtu", Integer.toString(mtu));
            }
            run("ip", "-n", netnsA, "link", "set", interfaceA, "up");
            run("ip", "-n", netnsB, "link", "set", interfaceB, "up");
            run("ip", "-n", netnsA, "link", "set", "lo", "up");
            run("ip", "-n", netnsB, "link", "set", "lo", "up");
            success = true;
            return v;
        } finally {
            if (!success) {
                v.close();
            }
        }
    }

    /** Runs {@code tc args...} in namespace A (where the sender's end is); returns its output. */
    String tcA(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netnsA, "tc"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Deletes both namespaces, ignoring the ones already gone. Idempotent; safe in a shutdown hook. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            deleteNamespaces();
        }
    }

    private void deleteNamespaces() {
        deleteNamespaces(netnsA, netnsB);
    }

    /** Deletes namespaces by name, ignoring the ones that do not exist (also for a pair not made yet). */
    static void deleteNamespaces(String... names) {
        for (String ns : names) {
            if (namespaceExists(ns)) {
                try {
                    run("ip", "netns", "delete", ns);
                } catch (IOException e) {
                    System.err.println("could not delete network namespace " + ns + ": " + e.getMessage());
                }
            }
        }
    }

    /** True if {@code ip netns list} shows {@code name}. */
    static boolean namespaceExists(String name) {
        try {
            for (String line : run("ip", "netns", "list").split("\n")) {
                // "name" or "name (id: 3)"
                if (line.trim().split("\\s+")[0].equals(name)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Why this machine cannot make namespaces, or null if it can: Linux, effective uid 0 (read from
     * {@code /proc/self/status}, not {@code user.name}), and iproute2's {@code ip} and {@code tc}.
     */
    static String unavailabilityReason() {
        String os = System.getProperty("os.name", "unknown");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "this is " + os;
        }
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String effective = line.trim().split("\\s+")[2];
                    if (!"0".equals(effective)) {
                        return "the effective uid is " + effective + ", not 0 (root)";
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot tell whether this runs as root: " + e;
        }
        try {
            run("ip", "-V");
            run("tc", "-V");
        } catch (IOException e) {
            return "iproute2's ip and tc are needed: " + e.getMessage();
        }
        return null;
    }

    static String run(String... cmd) throws IOException {
        return run(List.of(cmd));
    }

    /** Runs a command; fails with its output unless it exits with 0 within 30 s. */
    static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            }
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", cmd) + " did not finish within " + COMMAND_TIMEOUT_SECONDS
                        + " s");
            }
            String text = out.toString(StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + text.trim());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + " interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
