package io.packetfs.examples;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPool;
import io.packetfs.codec.PacketFsPoolDecoder;
import io.packetfs.codec.PacketFsPoolDecoderHandler;
import io.packetfs.codec.PacketFsPoolEncoder;
import io.packetfs.codec.PacketFsPoolEncoderHandler;
import io.packetfs.codec.PacketFsPoolGeometry;
import io.packetfs.codec.PacketFsPoolIndex;
import io.packetfs.codec.PacketFsReliability;
import io.packetfs.codec.PacketFsReliabilityConfig;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** The pipelines of a file transfer, and pool opening, shared by send, recv and demo. */
final class Transfers {

    /**
     * Frames of at most 1,500 bytes (every Ethernet MTU), CRC on, windows of 4,096 references: flow control counts
     * windows, so 16 windows in flight are at most 256 KiB of frames (L3), within a default 208 KiB..4 MiB socket
     * receive buffer.
     */
    static final PacketFsConfig CONFIG = PacketFsConfig.builder().windowPow2(12).build();

    /**
     * The largest frame a transfer uses: a jumbo Ethernet payload less IPv4 and UDP headers. Larger interfaces
     * (loopback's 64 KiB) stay at this, so that a lost frame costs little and the frames held for repair stay
     * within tens of megabytes.
     */
    static final int MAX_TRANSFER_FRAME = 9000 - 28;
    /**
     * Bytes of a codec frame that a COPY body leaves free: the frame header (8), the unit's opcode and length (3) and
     * a SYNC unit (5), so that a full unit and the SYNC that may close its window share one frame.
     */
    static final int COPY_BODY_HEADROOM = 8 + 3 + 5;
    /** Frame length when the interface's MTU cannot be read. */
    static final int FALLBACK_FRAME = 1500 - 28;
    /** The smallest frame that still carries a COPY unit and a HELLO (IPv4's minimum datagram, less headers). */
    static final int MIN_TRANSFER_FRAME = 576 - 28;
    /** Bytes that reliable delivery may have in flight beyond the newest frame received, at most (3 MiB: inside a
     * 4 MiB socket receive buffer). */
    static final int MAX_IN_FLIGHT_BYTES = 3 << 20;

    /** The codec settings of a transfer whose frames are at most {@code frameLength} bytes. */
    static PacketFsConfig config(int frameLength) {
        return CONFIG.toBuilder().maxFrameLength(frameLength).build();
    }

    /**
     * The frame length for {@code endpoint}, from the MTU of the interface the traffic leaves by (docs/PROTOCOL.md
     * 2): the MTU itself on Layer 2, the MTU less the IP and UDP headers in the UDP tunnel (so that no frame is
     * fragmented: one lost fragment loses the frame), within {@link #MIN_TRANSFER_FRAME}..{@link #MAX_TRANSFER_FRAME}.
     * A receiver takes the largest frame ({@code sending} false on UDP): it cannot know the sender's MTU, and a
     * datagram larger than its buffer would be cut.
     */
    static int frameLength(PacketFsEndpoint endpoint, boolean sending) {
        if (endpoint.kind() == PacketFsEndpoint.Kind.UDP && !sending) {
            return MAX_TRANSFER_FRAME;
        }
        try {
            int mtu;
            int headers;
            if (endpoint.kind() == PacketFsEndpoint.Kind.L2) {
                headers = 0;
                java.util.concurrent.Callable<Integer> read = () -> {
                    java.net.NetworkInterface ni = java.net.NetworkInterface.getByName(endpoint.iface());
                    return ni == null ? -1 : ni.getMTU();
                };
                mtu = endpoint.netns() == null ? read.call()
                        : io.packetfs.transport.PacketFsNetns.call(endpoint.netns(), read);
            } else {
                java.net.InetAddress peer = java.net.InetAddress.getByName(endpoint.host());
                headers = peer instanceof java.net.Inet6Address ? 48 : 28;
                mtu = routeMtu(peer, endpoint);
            }
            if (mtu <= 0) {
                return FALLBACK_FRAME;
            }
            return Math.max(MIN_TRANSFER_FRAME, Math.min(MAX_TRANSFER_FRAME, mtu - headers));
        } catch (Exception e) {
            return FALLBACK_FRAME; // the transport reports a bad endpoint itself, with a better message
        }
    }

    /** The MTU of the interface a datagram to {@code peer} leaves by (a connected socket's local address). */
    private static int routeMtu(java.net.InetAddress peer, PacketFsEndpoint endpoint) throws IOException {
        if (peer.isMulticastAddress()) {
            return FALLBACK_FRAME + 28; // a group's members may sit behind any MTU: the common one
        }
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket()) {
            probe.connect(peer, Math.max(1, endpoint.port()));
            java.net.NetworkInterface ni = java.net.NetworkInterface.getByInetAddress(probe.getLocalAddress());
            if (ni == null && peer.isLoopbackAddress()) {
                ni = java.net.NetworkInterface.getByInetAddress(peer);
            }
            return ni == null ? -1 : ni.getMTU();
        }
    }
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

    /** The index of a pool file, cached next to it ({@code FILE.pfsidx}). */
    static PacketFsPoolIndex index(PacketFsPool pool, Path poolFile) throws IOException {
        return poolFile == null ? PacketFsPoolIndex.build(pool)
                : PacketFsPoolIndex.loadOrBuild(pool, poolFile.resolveSibling(poolFile.getFileName() + ".pfsidx"));
    }

    /**
     * Reliable delivery for a transfer of frames of {@code frameLength} whose peers give up after
     * {@code timeoutSeconds} of silence, never faster than {@code maxRate} (0: no cap): the defaults, with the frames
     * in flight beyond the newest one the peer received bounded in bytes as well as in frames
     * ({@link #MAX_IN_FLIGHT_BYTES}), so jumbo frames do not overflow a 4 MiB socket receive buffer. The receive window
     * stays 4,096 frames: a receiver cannot know the size of the frames it will get (with jumbo frames it may hold up
     * to 36 MB for a gap).
     */
    static PacketFsReliabilityConfig reliability(int timeoutSeconds, int frameLength, long maxRate) {
        PacketFsReliabilityConfig d = PacketFsReliabilityConfig.DEFAULT;
        int inFlight = Math.max(64, Math.min(d.maxInFlightFrames(), MAX_IN_FLIGHT_BYTES / frameLength));
        return d.toBuilder().peerTimeout(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)
                .maxInFlightFrames(inFlight).maxRate(maxRate).build();
    }

    private static void addCodec(Channel ch, boolean reliable, int timeoutSeconds, long maxRate, int frameLength) {
        PacketFsConfig config = config(frameLength);
        if (reliable) {
            CliMetrics.addReliableCodec(ch.pipeline(), config, reliability(timeoutSeconds, frameLength, maxRate));
        } else {
            CliMetrics.addCodec(ch.pipeline(), config);
        }
    }

    /** Impairs what the channel receives, right above the transport adapter (--simulate). */
    private static void addImpairment(Channel ch, PacketFsImpairment.Settings impair) {
        if (impair != null && impair.isActive()) {
            ch.pipeline().addLast(new PacketFsImpairment(impair));
        }
    }

    /**
     * How long the peer of {@code ch} has said nothing: since {@code lastHeardNanos} ({@link System#nanoTime()}, when
     * something last reached the transfer handler), or, in reliable mode, since the reliability handler last heard
     * a valid frame, if that is later: its STATUS and NACK frames stop there and never reach the handler above.
     */
    static long silentNanos(Channel ch, long lastHeardNanos) {
        long silent = System.nanoTime() - lastHeardNanos;
        PacketFsReliability reliability = reliabilityOf(ch);
        return reliability == null ? silent : Math.min(silent, reliability.silentNanos());
    }

    /** The reliability handler of a transfer channel, or null in unreliable mode. */
    static PacketFsReliability reliabilityOf(Channel ch) {
        return ch.pipeline().get(PacketFsReliability.class);
    }

    static ChannelInitializer<Channel> sender(PacketFsPool pool, PacketFsPoolIndex index, WireMeter meter,
                                              FileSender sender, PacketFsImpairment.Settings impair,
                                              int frameLength) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                addImpairment(ch, impair);
                ch.pipeline().addLast(meter);
                addCodec(ch, sender.reliable(), sender.timeoutSeconds(), sender.maxRate(), frameLength);
                // COPY bodies fill the codec's frame, with room for a SYNC unit
                int codecFrame = sender.reliable() ? frameLength - PacketFsReliabilityConfig.TRAILER_LENGTH : frameLength;
                ch.pipeline().addLast(new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool,
                        io.netty.buffer.ByteBufAllocator.DEFAULT, codecFrame - COPY_BODY_HEADROOM)));
                ch.pipeline().addLast(new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool)));
                ch.pipeline().addLast(sender);
            }
        };
    }

    static ChannelInitializer<Channel> receiver(PacketFsPool pool, WireMeter meter, FileReceiver receiver,
                                                PacketFsImpairment.Settings impair, int frameLength) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                addImpairment(ch, impair);
                ch.pipeline().addLast(meter);
                addCodec(ch, receiver.reliable(), receiver.timeoutSeconds(), 0, frameLength);
                ch.pipeline().addLast(new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool)));
                ch.pipeline().addLast(receiver);
            }
        };
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
    static TransferResult[] overLoopback(PacketFsPool senderPool, PacketFsPoolIndex senderIndex,
                                         PacketFsPool receiverPool, Path input, Path output, int timeoutSeconds,
                                         boolean reliable, boolean progress, PacketFsImpairment.Settings senderSide,
                                         PacketFsImpairment.Settings receiverSide) throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Channel> ready = new CompletableFuture<>();
            Future<TransferResult> rx = exec.submit(() -> RecvCommand.receive(receiverPool,
                    PacketFsEndpoint.udp("127.0.0.1", 0), output, false, timeoutSeconds, reliable, receiverSide, ready));
            int port = ((InetSocketAddress) ready.get(30, TimeUnit.SECONDS).localAddress()).getPort();
            TransferResult tx = SendCommand.send(senderPool, senderIndex, PacketFsEndpoint.udp("127.0.0.1", port),
                    input, timeoutSeconds, progress, reliable, senderSide);
            // the sender is done: the receiver ends within its own timeout (plus its 2 s linger)
            return new TransferResult[] {tx, rx.get(timeoutSeconds + 60L, TimeUnit.SECONDS)};
        } finally {
            exec.shutdownNow();
        }
    }
}
