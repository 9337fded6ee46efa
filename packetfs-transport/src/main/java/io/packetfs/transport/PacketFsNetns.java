package io.packetfs.transport;

import io.netty.util.internal.ObjectUtil;
import io.packetfs.transport.internal.PacketFsErrnoException;
import io.packetfs.transport.internal.PacketFsLinux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs set-up code inside a Linux network namespace, such as the ones {@code ip netns add NAME} creates.
 *
 * <p>A socket belongs to the namespace its creating thread was in, and stays there whichever thread uses it later.
 * {@link #call(String, Callable)} therefore runs a task on a fresh, short-lived thread that has entered the namespace
 * ({@code setns(fd, CLONE_NEWNET)} through JNA) and returns the task's result: open sockets or channels there, then
 * register them on any event loop. The calling thread, and the JVM's other threads, never change namespace.
 *
 * <pre>
 * Channel ch = PacketFsNetns.call("blue", () -&gt; new EpollDatagramChannel());   // a UDP socket in netns "blue"
 * group.register(ch);
 * </pre>
 *
 * Entering a namespace needs CAP_SYS_ADMIN (root). Linux only.
 */
public final class PacketFsNetns {

    /** Where {@code ip netns} keeps the named namespaces. */
    public static final String NETNS_DIRECTORY = "/var/run/netns";

    private PacketFsNetns() {
    }

    /**
     * Runs {@code task} in network namespace {@code netns} and returns its result.
     *
     * @param netns a name under {@value #NETNS_DIRECTORY} ({@code ip netns add NAME}), an absolute path to a
     *              namespace file (such as {@code /proc/PID/ns/net}), or null to run {@code task} on the calling
     *              thread in the current namespace
     * @throws IllegalArgumentException if there is no such namespace
     * @throws IllegalStateException if the namespace cannot be entered (not root), or {@code task} threw a checked
     *                               exception other than an {@link IOException} (the cause)
     * @throws UncheckedIOException if {@code task} threw an {@link IOException} (the cause)
     */
    public static <T> T call(String netns, Callable<T> task) {
        ObjectUtil.checkNotNull(task, "task");
        if (netns == null) {
            try {
                return task.call();
            } catch (Exception e) {
                throw rethrow(e, "the current network namespace");
            }
        }
        String path = path(netns);
        int fd;
        try {
            fd = PacketFsLinux.open(path, PacketFsLinux.O_RDONLY | PacketFsLinux.O_CLOEXEC);
        } catch (PacketFsErrnoException e) {
            if (e.errno() == PacketFsLinux.ENOENT) {
                throw new IllegalArgumentException("no network namespace '" + netns + "' (" + path
                        + " does not exist): create it with `ip netns add " + netns + "`", e);
            }
            throw new IllegalStateException("cannot open network namespace '" + netns + "': " + e.getMessage()
                    + " (run as root)", e);
        }
        try {
            FutureTask<T> future = new FutureTask<>(() -> {
                try {
                    PacketFsLinux.setns(fd, PacketFsLinux.CLONE_NEWNET);
                } catch (PacketFsErrnoException e) {
                    throw new IllegalStateException("cannot enter network namespace '" + netns + "': "
                            + e.getMessage() + " (setns needs CAP_SYS_ADMIN: run as root)", e);
                }
                return task.call();
            });
            Thread thread = new Thread(future, "packetfs-netns-" + netns);
            thread.setDaemon(true);
            thread.start();
            return getUninterruptibly(future, netns);
        } finally {
            PacketFsLinux.closeQuietly(fd);
        }
    }

    private static String path(String netns) {
        if (netns.startsWith("/")) {
            return netns;
        }
        if (netns.isEmpty() || netns.indexOf('/') >= 0 || ".".equals(netns) || "..".equals(netns)) {
            throw new IllegalArgumentException("'" + netns + "' is not a network namespace name (see `ip netns list`)");
        }
        return NETNS_DIRECTORY + "/" + netns;
    }

    private static <T> T getUninterruptibly(FutureTask<T> future, String netns) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    // The task is short (set-up calls); finish it rather than leak what it opens.
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error) {
                        throw (Error) cause;
                    }
                    throw rethrow((Exception) cause, "network namespace '" + netns + "'");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrow(Exception e, String where) {
        if (e instanceof RuntimeException) {
            return (RuntimeException) e;
        }
        if (e instanceof IOException) {
            return new UncheckedIOException(e.getMessage(), (IOException) e);
        }
        return new IllegalStateException("task failed in " + where + ": " + e, e);
    }
}
