package io.packetfs.transfer;

import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;
import io.packetfs.metrics.PacketFsMetrics;
import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsImpairment;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The settings of a file transfer, for both peers: a sender and a receiver built from equal settings agree on the
 * wire (docs/PROTOCOL.md 7). Immutable; made by {@link #builder()}, which checks every value.
 *
 * <pre>
 *   PacketFsTransferConfig config = PacketFsTransferConfig.builder()
 *           .peerTimeout(Duration.ofSeconds(10))
 *           .frameLength(PacketFsTransferConfig.frameLengthFor(endpoint, true))
 *           .build();
 * </pre>
 *
 * <p>What both peers must share is fixed here and not configurable: CRC16 on, windows of 4,096 references
 * ({@code window_pow2} 12, so that 16 windows in flight are at most 256 KiB of 32-bit references). What each peer
 * may choose alone: the frame length (a receiver takes the largest, {@link #MAX_FRAME_LENGTH}, since it cannot
 * know the sender's MTU), the peer timeout, the rate cap and the metrics.
 */
public final class PacketFsTransferConfig {

    /** The {@code window_pow2} of every transfer. */
    public static final int WINDOW_POW2 = 12;
    /**
     * The largest frame: a jumbo Ethernet payload less IPv4 and UDP headers. Larger interfaces (loopback's 64 KiB)
     * stay at this, so that a lost frame costs little and the frames held for repair stay within tens of megabytes.
     */
    public static final int MAX_FRAME_LENGTH = 9000 - 28;
    /** The smallest frame that still carries a COPY unit and a HELLO (IPv4's minimum datagram, less headers). */
    public static final int MIN_FRAME_LENGTH = 576 - 28;
    /** The frame length of a 1,500-byte MTU less IPv4 and UDP headers, and the default. */
    public static final int DEFAULT_FRAME_LENGTH = 1500 - 28;
    /**
     * Bytes that reliable delivery may have in flight beyond the newest frame received, at most (3 MiB: inside a
     * 4 MiB socket receive buffer).
     */
    public static final int MAX_IN_FLIGHT_BYTES = 3 << 20;

    /** The defaults: reliable, 10 s peer timeout, 1,472-byte frames, no rate cap, no metrics. */
    public static final PacketFsTransferConfig DEFAULT = builder().build();

    private static final PacketFsConfig CODEC = PacketFsConfig.builder().windowPow2(WINDOW_POW2).build();

    private final boolean reliable;
    private final Duration peerTimeout;
    private final int frameLength;
    private final long maxRate;
    private final PacketFsMetrics metrics;
    private final PacketFsImpairment.Settings impairment;

    private PacketFsTransferConfig(Builder b) {
        this.reliable = b.reliable;
        this.peerTimeout = b.peerTimeout;
        this.frameLength = b.frameLength;
        this.maxRate = b.maxRate;
        this.metrics = b.metrics;
        this.impairment = b.impairment;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder with these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.reliable = reliable;
        b.peerTimeout = peerTimeout;
        b.frameLength = frameLength;
        b.maxRate = maxRate;
        b.metrics = metrics;
        b.impairment = impairment;
        return b;
    }

    /** Reliable delivery (docs/PROTOCOL.md 9): lost frames are repaired. Unreliable: a lost frame ends it. */
    public boolean reliable() {
        return reliable;
    }

    /** How long a peer may say nothing before the transfer fails. */
    public Duration peerTimeout() {
        return peerTimeout;
    }

    /** Bytes of the largest frame this side sends or accepts (the UDP payload, or the Ethernet payload on L2). */
    public int frameLength() {
        return frameLength;
    }

    /** Wire bytes per second this side never exceeds, repairs included; 0: no cap. */
    public long maxRate() {
        return maxRate;
    }

    /** Where the pipeline's meters go, or null for none. */
    public PacketFsMetrics metrics() {
        return metrics;
    }

    /** What is done to frames this side receives (tests, {@code --simulate}), or null. */
    public PacketFsImpairment.Settings impairment() {
        return impairment;
    }

    /** The codec settings both peers use, with this side's frame length. */
    public PacketFsConfig codecConfig() {
        return CODEC.toBuilder().maxFrameLength(frameLength).build();
    }

    /**
     * The reliability settings: the defaults, with this peer timeout and rate cap, and the frames in flight beyond
     * the newest one the peer received bounded in bytes as well as in frames ({@link #MAX_IN_FLIGHT_BYTES}), so
     * that jumbo frames do not overflow a 4 MiB socket receive buffer. The receive window stays 4,096 frames: a
     * receiver cannot know the size of the frames it will get (with jumbo frames it may hold up to 36 MB for a gap).
     */
    public PacketFsReliabilityConfig reliabilityConfig() {
        PacketFsReliabilityConfig d = PacketFsReliabilityConfig.DEFAULT;
        int inFlight = Math.max(64, Math.min(d.maxInFlightFrames(), MAX_IN_FLIGHT_BYTES / frameLength));
        return d.toBuilder().peerTimeout(peerTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .maxInFlightFrames(inFlight).maxRate(maxRate).build();
    }

    /**
     * The frame length for {@code endpoint}, from the MTU of the interface the traffic leaves by (docs/PROTOCOL.md
     * 2): the MTU itself on Layer 2, the MTU less the IP and UDP headers in the UDP tunnel (so that no frame is
     * fragmented: one lost fragment loses the frame), within {@link #MIN_FRAME_LENGTH}..{@link #MAX_FRAME_LENGTH};
     * {@link #DEFAULT_FRAME_LENGTH} when the MTU cannot be read. A UDP receiver ({@code sending} false) takes the
     * largest frame: it cannot know the sender's MTU, and a datagram larger than its buffer would be cut.
     */
    public static int frameLengthFor(PacketFsEndpoint endpoint, boolean sending) {
        ObjectUtil.checkNotNull(endpoint, "endpoint");
        if (endpoint.kind() == PacketFsEndpoint.Kind.UDP && !sending) {
            return MAX_FRAME_LENGTH;
        }
        try {
            int mtu;
            int headers;
            if (endpoint.kind() == PacketFsEndpoint.Kind.L2) {
                headers = 0;
                Callable<Integer> read = () -> {
                    NetworkInterface ni = NetworkInterface.getByName(endpoint.iface());
                    return ni == null ? -1 : ni.getMTU();
                };
                mtu = endpoint.netns() == null ? read.call()
                        : io.packetfs.transport.PacketFsNetns.call(endpoint.netns(), read);
            } else {
                InetAddress peer = InetAddress.getByName(endpoint.host());
                headers = peer instanceof Inet6Address ? 48 : 28;
                mtu = routeMtu(peer, endpoint);
            }
            if (mtu <= 0) {
                return DEFAULT_FRAME_LENGTH;
            }
            return Math.max(MIN_FRAME_LENGTH, Math.min(MAX_FRAME_LENGTH, mtu - headers));
        } catch (Exception e) {
            return DEFAULT_FRAME_LENGTH; // the transport reports a bad endpoint itself, with a better message
        }
    }

    /** The MTU of the interface a datagram to {@code peer} leaves by (a connected socket's local address). */
    private static int routeMtu(InetAddress peer, PacketFsEndpoint endpoint) throws IOException {
        if (peer.isMulticastAddress()) {
            return DEFAULT_FRAME_LENGTH + 28; // a group's members may sit behind any MTU: the common one
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(peer, Math.max(1, endpoint.port()));
            NetworkInterface ni = NetworkInterface.getByInetAddress(probe.getLocalAddress());
            if (ni == null && peer.isLoopbackAddress()) {
                ni = NetworkInterface.getByInetAddress(peer);
            }
            return ni == null ? -1 : ni.getMTU();
        }
    }

    @Override
    public String toString() {
        return "PacketFsTransferConfig(" + (reliable ? "reliable" : "unreliable") + ", peer timeout " + peerTimeout
                + ", frames " + frameLength + " B" + (maxRate > 0 ? ", at most " + maxRate + " B/s" : "")
                + (metrics != null ? ", metrics" : "") + (impairment != null ? ", impaired " + impairment : "") + ")";
    }

    /** Builds a {@link PacketFsTransferConfig}; every setter checks its value and says what is allowed. */
    public static final class Builder {
        private boolean reliable = true;
        private Duration peerTimeout = Duration.ofSeconds(10);
        private int frameLength = DEFAULT_FRAME_LENGTH;
        private long maxRate;
        private PacketFsMetrics metrics;
        private PacketFsImpairment.Settings impairment;

        private Builder() {
        }

        /** Reliable delivery (default) or not. */
        public Builder reliable(boolean reliable) {
            this.reliable = reliable;
            return this;
        }

        /** How long a peer may say nothing before the transfer fails: 1 s to 1 hour (default 10 s). */
        public Builder peerTimeout(Duration timeout) {
            ObjectUtil.checkNotNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("peer timeout " + timeout + " is outside 1 s .. 1 h");
            }
            this.peerTimeout = timeout;
            return this;
        }

        /**
         * The largest frame, {@link #MIN_FRAME_LENGTH}..{@link #MAX_FRAME_LENGTH} bytes (default
         * {@link #DEFAULT_FRAME_LENGTH}); {@link #frameLengthFor} gives the one for a path.
         */
        public Builder frameLength(int bytes) {
            if (bytes < MIN_FRAME_LENGTH || bytes > MAX_FRAME_LENGTH) {
                throw new IllegalArgumentException("frame length " + bytes + " is outside " + MIN_FRAME_LENGTH
                        + ".." + MAX_FRAME_LENGTH + " bytes");
            }
            this.frameLength = bytes;
            return this;
        }

        /** Never more than {@code bytesPerSecond} wire bytes per second (0: no cap, the default; else >= 1,000). */
        public Builder maxRate(long bytesPerSecond) {
            if (bytesPerSecond != 0 && bytesPerSecond < 1000) {
                throw new IllegalArgumentException("rate " + bytesPerSecond + " B/s is below 1,000 B/s; PacketFS "
                        + "paces whole frames, so give at least 1,000 (or 0 for no cap)");
            }
            this.maxRate = bytesPerSecond;
            return this;
        }

        /** Meters for the pipeline (null: none, the default). */
        public Builder metrics(PacketFsMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Impairs what this side receives (null or inactive: none); for tests and demonstrations. */
        public Builder impairment(PacketFsImpairment.Settings impairment) {
            this.impairment = impairment != null && impairment.isActive() ? impairment : null;
            return this;
        }

        /** The settings; a rate cap needs reliable delivery (it paces the reliability layer). */
        public PacketFsTransferConfig build() {
            if (maxRate > 0 && !reliable) {
                throw new IllegalArgumentException("a rate cap paces reliable delivery; it does not work unreliable");
            }
            return new PacketFsTransferConfig(this);
        }
    }
}
