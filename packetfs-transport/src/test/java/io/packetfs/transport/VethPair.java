package io.packetfs.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture: two network namespaces joined by a veth pair, made with {@code ip} and removed by {@link #close()}
 * (and by a shutdown hook if a test run dies before that). Interface {@link #interfaceA()} lives in namespace
 * {@link #netnsA()}, {@link #interfaceB()} in {@link #netnsB()}; both are up, optionally with 10.77.0.1/24 and
 * 10.77.0.2/24 for UDP. Names are unique per JVM and fixture ({@code pfs-t-<pid>-<n>-a}), so runs never collide.
 *
 * <p>Needs Linux, root and iproute2: use {@link #canRun()} with JUnit's assumptions, {@link #skipReason()} saying
 * why a test was skipped.
 */
public final class VethPair implements AutoCloseable {

    /** Address of end A when created with addresses. */
    public static final String ADDRESS_A = "10.77.0.1";
    /** Address of end B when created with addresses. */
    public static final String ADDRESS_B = "10.77.0.2";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long COMMAND_TIMEOUT_SECONDS = 30;
    private static final String SKIP_REASON = computeSkipReason();

    private final String netnsA;
    private final String netnsB;
    private final Thread cleanup;
    private boolean closed;

    private VethPair(String netnsA, String netnsB) {
        this.netnsA = netnsA;
        this.netnsB = netnsB;
        this.cleanup = new Thread(() -> deleteNamespaces(netnsA, netnsB), "veth-pair-cleanup");
    }

    /** True on Linux, as root, with {@code ip} installed. */
    public static boolean canRun() {
        return SKIP_REASON == null;
    }

    /** Why {@link #canRun()} is false, or null. */
    public static String skipReason() {
        return SKIP_REASON;
    }

    /** A fresh pair without IP addresses. */
    public static VethPair create() throws IOException {
        return create(false);
    }

    /** A fresh pair; with {@code withAddresses} the ends get 10.77.0.1/24 (A) and 10.77.0.2/24 (B). */
    public static VethPair create(boolean withAddresses) throws IOException {
        String prefix = uniquePrefix();
        VethPair pair = new VethPair(prefix + "-a", prefix + "-b");
        Runtime.getRuntime().addShutdownHook(pair.cleanup);
        boolean success = false;
        try {
            ip("netns", "add", pair.netnsA);
            ip("netns", "add", pair.netnsB);
            ip("link", "add", pair.interfaceA(), "netns", pair.netnsA, "type", "veth",
                    "peer", "name", pair.interfaceB(), "netns", pair.netnsB);
            ip("-n", pair.netnsA, "link", "set", pair.interfaceA(), "up");
            ip("-n", pair.netnsB, "link", "set", pair.interfaceB(), "up");
            if (withAddresses) {
                ip("-n", pair.netnsA, "addr", "add", ADDRESS_A + "/24", "dev", pair.interfaceA());
                ip("-n", pair.netnsB, "addr", "add", ADDRESS_B + "/24", "dev", pair.interfaceB());
                ip("-n", pair.netnsA, "link", "set", "lo", "up");
                ip("-n", pair.netnsB, "link", "set", "lo", "up");
            }
            success = true;
            return pair;
        } finally {
            if (!success) {
                pair.close();
            }
        }
    }

    public String netnsA() {
        return netnsA;
    }

    public String netnsB() {
        return netnsB;
    }

    /** The end in namespace A. Names are per namespace, so they need not be unique. */
    public String interfaceA() {
        return "pfs-va";
    }

    /** The end in namespace B. */
    public String interfaceB() {
        return "pfs-vb";
    }

    /** Sets the MTU of both ends. */
    public void setMtu(int mtu) throws IOException {
        ip("-n", netnsA, "link", "set", interfaceA(), "mtu", Integer.toString(mtu));
        ip("-n", netnsB, "link", "set", interfaceB(), "mtu", Integer.toString(mtu));
    }

    /** Deletes both namespaces (which removes the veth pair). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs anyway.
        }
        deleteNamespaces(netnsA, netnsB);
    }

    /** {@code pfs-t-<pid>-<n>}: unique per JVM and call. */
    static String uniquePrefix() {
        return "pfs-t-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    /** Deletes namespaces, ignoring the ones already gone. */
    static void deleteNamespaces(String... names) {
        for (String name : names) {
            if (Files.exists(Paths.get(PacketFsNetns.NETNS_DIRECTORY, name))) {
                try {
                    ip("netns", "delete", name);
                } catch (IOException e) {
                    System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
                }
            }
        }
    }

    /** Deletes link {@code name} in {@code netns} unless it is gone already. */
    static void deleteLinkIfPresent(String netns, String name) throws IOException {
        if (ip("-n", netns, "-o", "link", "show").contains(" " + name + "@") || ip("-n", netns, "-o", "link", "show")
                .contains(" " + name + ":")) {
            ip("-n", netns, "link", "delete", name);
        }
    }

    /** Runs {@code ip args...}; fails with its output unless it exits with 0 within 30 s. */
    static String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(Arrays.asList(args));
        return run(command);
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            process.getOutputStream().close();
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (InputStream in = process.getInputStream()) {
                in.transferTo(output);
            }
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT_SECONDS
                        + " s");
            }
            String text = output.toString(StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                        + text.trim());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String computeSkipReason() {
        String os = System.getProperty("os.name", "unknown");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "needs Linux (network namespaces, veth, AF_PACKET); this is " + os;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String effectiveUid = line.split("\\s+")[2];
                    if (!"0".equals(effectiveUid)) {
                        return "needs root (ip netns add, veth, AF_PACKET); effective uid is " + effectiveUid;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot tell whether this runs as root: " + e;
        }
        try {
            run(List.of("ip", "-V"));
        } catch (IOException e) {
            return "needs iproute2's `ip` command: " + e.getMessage();
        }
        return null;
    }
}
