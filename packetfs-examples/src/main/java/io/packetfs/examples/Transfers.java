package io.packetfs.examples;

import io.netty.channel.Channel;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.transfer.PacketFsTransferConfig;
import io.packetfs.transfer.PacketFsTransferListener;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What send, recv, demo and the benchmarks share around the transfer library ({@code io.packetfs.transfer}): pool
 * opening with the CLI's messages, the transfer settings from command-line options, progress bars, size and rate
 * parsing.
 */
final class Transfers {

    /** The codec settings of every transfer (tests that build a transfer's codec by hand use them). */
    static final PacketFsConfig CONFIG = PacketFsTransferConfig.DEFAULT.codecConfig();

    private Transfers() {
    }

    /** Opens a pool file with the default geometry; a clear error when it is missing. */
    static PacketFsPool openPool(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("pool file " + file + " does not exist; create one with "
                    + "'packetfs pool create --size SIZE FILE' and copy it to both hosts");
        }
        return PacketFsPool.open(file, PacketFsPoolGeometry.DEFAULT);
    }

    /**
     * Gives a pool file its anchor table for the sender's encoder before the transfer starts, from its cache next to
     * the file ({@code FILE.pfsanc}: 2 to 4 bytes per 64 pool bytes; reading it back is about a tenth of building
     * it), so that the encoder does not build it on the event loop.
     */
    static void prepareSender(PacketFsPool pool, Path poolFile) {
        pool.anchors(poolFile.resolveSibling(poolFile.getFileName() + ".pfsanc"));
    }

    /**
     * The settings of a transfer from the command's options: frames of {@code frameLength}, the peer timeout, the
     * delivery mode, a rate cap (0: none), an impairment of what this side receives (null: none), and the metrics
     * that {@code --metrics-port} serves, if any.
     */
    static PacketFsTransferConfig config(int timeoutSeconds, boolean reliable, int frameLength, long maxRate,
                                         PacketFsImpairment.Settings impair) {
        CliMetrics m = CliMetrics.current();
        return PacketFsTransferConfig.builder().reliable(reliable)
                .peerTimeout(Duration.ofSeconds(timeoutSeconds)).frameLength(frameLength).maxRate(maxRate)
                .impairment(impair).metrics(m == null ? null : m.metrics).build();
    }

    /** A progress bar that a transfer's listener drives; opened at the first report, closed by {@link #close}. */
    static final class Progress implements PacketFsTransferListener, AutoCloseable {
        private final String task;
        private me.tongfei.progressbar.ProgressBar bar;

        Progress(String task) {
            this.task = task;
        }

        @Override
        public void onProgress(long done, long total) {
            if (bar == null && total >= 0) {
                bar = progressBar(task, total);
            }
            if (bar != null) {
                bar.stepTo(done);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /**
     * A progress bar on standard error: redrawn in place on a terminal, otherwise a plain line every 5 seconds (so
     * logs of long transfers show progress without control characters).
     */
    static me.tongfei.progressbar.ProgressBar progressBar(String task, long max) {
        me.tongfei.progressbar.ProgressBarBuilder b = new me.tongfei.progressbar.ProgressBarBuilder()
                .setTaskName(task).setInitialMax(max).setUnit("MiB", 1 << 20).showSpeed();
        if (System.console() == null) {
            b.setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII).setUpdateIntervalMillis(5000)
                    .setConsumer(new me.tongfei.progressbar.DelegatingProgressBarConsumer(System.err::println));
        } else {
            b.setUpdateIntervalMillis(250);
        }
        return b.build();
    }

    /** Copies {@code len} pool bytes from {@code offset} into {@code dst} at {@code off} (tools and tests). */
    static void read(PacketFsPool pool, long offset, byte[] dst, int off, int len) {
        byte[] tmp = new byte[len];
        pool.getBytes(offset, tmp);
        System.arraycopy(tmp, 0, dst, off, len);
    }

    /**
     * Parses a rate: bytes per second with an optional decimal k, M or G ({@code 12.5M}), or bits per second as kbit,
     * mbit or gbit ({@code 100mbit} = 12,500,000 bytes per second); 0 means no cap.
     */
    static long parseRate(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        double unit = 1;
        String[][] units = {{"gbit", "125000000"}, {"mbit", "125000"}, {"kbit", "125"}, {"bit", "0.125"},
                {"g", "1e9"}, {"m", "1e6"}, {"k", "1e3"}, {"b", "1"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                unit = Double.parseDouble(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (!(v >= 0) || Double.isInfinite(v) || v * unit > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            long rate = Math.round(v * unit);
            if (v > 0 && rate < 1000) {
                throw new IllegalArgumentException("rate '" + text + "' is below 1 kB/s; PacketFS paces whole frames "
                        + "of up to 1,508 bytes, so give at least 1k");
            }
            return rate;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a rate (examples: 12.5M = bytes per second, "
                    + "100mbit, 1gbit, 0 = no cap)");
        }
    }

    /** Parses sizes like 64M, 1G, 4096, 512K (binary units). */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase();
        long unit = 1;
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        } else if (t.endsWith("G")) {
            unit = 1L << 30;
        } else if (t.endsWith("T")) {
            unit = 1L << 40;
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4096, 512K, 64M, 2G)");
        }
    }

    /**
     * Sends {@code input} to a receiver started in this JVM on a free UDP loopback port, writing {@code output}, and
     * returns {sender's result, receiver's result}: the demo, bench-goodput and the transfer tests all run this.
     * Either side may be impaired ({@code null}: not); only the sender shows progress, when asked.
     */
    static TransferResult[] overLoopback(PacketFsPool senderPool,
                                         PacketFsPool receiverPool, Path input, Path output, int timeoutSeconds,
                                         boolean reliable, boolean progress, PacketFsImpairment.Settings senderSide,
                                         PacketFsImpairment.Settings receiverSide) throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(receiverPool,
                    PacketFsEndpoint.udp("127.0.0.1", 0), output, false, timeoutSeconds, reliable, receiverSide, ready));
            int port = ((InetSocketAddress) ready.get(30, TimeUnit.SECONDS).localAddress()).getPort();
            TransferResult tx = SendCommand.send(senderPool, PacketFsEndpoint.udp("127.0.0.1", port),
                    input, timeoutSeconds, progress, reliable, senderSide);
            // the sender is done: the receiver ends within its own timeout (plus its 2 s linger)
            return new TransferResult[] {tx, rx.get(timeoutSeconds + 60L, TimeUnit.SECONDS)};
        } finally {
            exec.shutdownNow();
        }
    }
}
