package io.packetfs.codec.reliability;

import io.packetfs.codec.internal.PacketFsConstants;

import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link PacketFsReliability} handler (docs/PROTOCOL.md section 9). Every property has a name, a
 * default and a line of javadoc next to each other; {@link #builder()} validates them together.
 */
public final class PacketFsReliabilityConfig {

    /** Bytes that reliable delivery adds to every frame: Session ID (4) and CRC32C (4). */
    public static final int TRAILER_LENGTH = PacketFsConstants.RELIABLE_TRAILER_LENGTH;

    /** The default settings. */
    public static final PacketFsReliabilityConfig DEFAULT = builder().build();

    private final int receiveWindowFrames;
    private final int sendBufferFrames;
    private final int maxInFlightFrames;
    private final int statusEveryFrames;
    private final int writeHighWaterFrames;
    private final int writeLowWaterFrames;
    private final int reorderThreshold;
    private final long nackDelayNanos;
    private final long retransmitTimeoutNanos;
    private final long maxRetransmitTimeoutNanos;
    private final long minRetransmitTimeoutNanos;
    private final int retransmitBurst;
    private final long statusIntervalNanos;
    private final long tickNanos;
    private final long peerTimeoutNanos;
    private final PacketFsCongestionControl.Factory congestionControl;
    private final long maxRateBytesPerSecond;
    private final long pacingBurstNanos;

    private PacketFsReliabilityConfig(Builder b) {
        receiveWindowFrames = b.receiveWindowFrames;
        sendBufferFrames = b.sendBufferFrames;
        maxInFlightFrames = b.maxInFlightFrames;
        statusEveryFrames = b.statusEveryFrames;
        writeHighWaterFrames = b.writeHighWaterFrames;
        writeLowWaterFrames = b.writeLowWaterFrames;
        reorderThreshold = b.reorderThreshold;
        nackDelayNanos = b.nackDelayNanos;
        retransmitTimeoutNanos = b.retransmitTimeoutNanos;
        maxRetransmitTimeoutNanos = b.maxRetransmitTimeoutNanos;
        minRetransmitTimeoutNanos = b.minRetransmitTimeoutNanos;
        retransmitBurst = b.retransmitBurst;
        statusIntervalNanos = b.statusIntervalNanos;
        tickNanos = b.tickNanos;
        peerTimeoutNanos = b.peerTimeoutNanos;
        congestionControl = b.congestionControl;
        maxRateBytesPerSecond = b.maxRateBytesPerSecond;
        pacingBurstNanos = b.pacingBurstNanos;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.receiveWindowFrames = receiveWindowFrames;
        b.sendBufferFrames = sendBufferFrames;
        b.maxInFlightFrames = maxInFlightFrames;
        b.statusEveryFrames = statusEveryFrames;
        b.writeHighWaterFrames = writeHighWaterFrames;
        b.writeLowWaterFrames = writeLowWaterFrames;
        b.reorderThreshold = reorderThreshold;
        b.nackDelayNanos = nackDelayNanos;
        b.retransmitTimeoutNanos = retransmitTimeoutNanos;
        b.maxRetransmitTimeoutNanos = maxRetransmitTimeoutNanos;
        b.minRetransmitTimeoutNanos = minRetransmitTimeoutNanos;
        b.retransmitBurst = retransmitBurst;
        b.statusIntervalNanos = statusIntervalNanos;
        b.tickNanos = tickNanos;
        b.peerTimeoutNanos = peerTimeoutNanos;
        b.congestionControl = congestionControl;
        b.maxRateBytesPerSecond = maxRateBytesPerSecond;
        b.pacingBurstNanos = pacingBurstNanos;
        return b;
    }

    /** Frames this side buffers out of order, and advertises to the peer as its window. */
    public int receiveWindowFrames() {
        return receiveWindowFrames;
    }

    /** Frames this side keeps for retransmission (sent but unacknowledged, plus not yet sent), at most. */
    public int sendBufferFrames() {
        return sendBufferFrames;
    }

    /**
     * Frames sent that the peer has not yet reported received (its STATUS names the highest frame it received), at
     * most. The peer's window bounds what it must hold; this bounds what waits in the path, mostly in the peer's
     * socket receive buffer, so that a repair does not queue behind thousands of frames (docs/PROTOCOL.md 9.2).
     */
    public int maxInFlightFrames() {
        return maxInFlightFrames;
    }

    /** The receiver of data sends a STATUS every time this many more frames arrived, or were delivered. */
    public int statusEveryFrames() {
        return statusEveryFrames;
    }

    /** Frames waiting for the peer's window at which the channel becomes unwritable. */
    public int writeHighWaterFrames() {
        return writeHighWaterFrames;
    }

    /** Frames waiting for the peer's window at which the channel becomes writable again. */
    public int writeLowWaterFrames() {
        return writeLowWaterFrames;
    }

    /** A gap is requested at once when this many later frames have arrived (reordering tolerated below it). */
    public int reorderThreshold() {
        return reorderThreshold;
    }

    /** A gap is requested after it has been open this long, whatever arrived after it. */
    public long nackDelayNanos() {
        return nackDelayNanos;
    }

    /**
     * Retransmission timeout before any round trip was measured (for frames nobody asked for, and before a gap is
     * requested again); afterwards the timeout follows the measured round trip (RFC 6298), within
     * {@link #minRetransmitTimeoutNanos()} and {@link #maxRetransmitTimeoutNanos()}.
     */
    public long retransmitTimeoutNanos() {
        return retransmitTimeoutNanos;
    }

    /** The measured retransmission timeout never goes below this. */
    public long minRetransmitTimeoutNanos() {
        return minRetransmitTimeoutNanos;
    }

    /** The timeout doubles on every expiry without progress, up to this. */
    public long maxRetransmitTimeoutNanos() {
        return maxRetransmitTimeoutNanos;
    }

    /**
     * Frames sent again when the retransmission timeout expires: the oldest unacknowledged ones and the newest (which
     * shows the peer every lost frame before it, so that it asks for them); default 2.
     */
    public int retransmitBurst() {
        return retransmitBurst;
    }

    /** A STATUS goes out at least this often while anything changed, and as a keep-alive every 10 intervals. */
    public long statusIntervalNanos() {
        return statusIntervalNanos;
    }

    /** Period of the timer that sends NACK and STATUS units and checks timeouts. */
    public long tickNanos() {
        return tickNanos;
    }

    /** Nothing valid from the peer for this long while frames are unacknowledged fails the channel (0: never). */
    public long peerTimeoutNanos() {
        return peerTimeoutNanos;
    }

    /**
     * Makes the congestion controller of each session (docs/PROTOCOL.md 9.5); {@link PacketFsCubic} by default,
     * {@link PacketFsCongestionControl#unlimited()} for none.
     */
    public PacketFsCongestionControl.Factory congestionControl() {
        return congestionControl;
    }

    /**
     * The sender never sends faster than this many wire bytes per second, repairs included, whatever the congestion
     * controller allows (as rsync's {@code --bwlimit}); 0: no cap.
     */
    public long maxRateBytesPerSecond() {
        return maxRateBytesPerSecond;
    }

    /**
     * At most this much time's worth of frames at the pacing rate leaves at once (at least two frames): the event
     * loop's timer wakes the pacer this often, not once per frame, and a bottleneck's queue absorbs the burst.
     */
    public long pacingBurstNanos() {
        return pacingBurstNanos;
    }

    @Override
    public String toString() {
        return "receive_window=" + receiveWindowFrames + " send_buffer=" + sendBufferFrames + " in_flight="
                + maxInFlightFrames + " rto="
                + TimeUnit.NANOSECONDS.toMicros(retransmitTimeoutNanos) + "us peer_timeout="
                + TimeUnit.NANOSECONDS.toMillis(peerTimeoutNanos) + "ms congestion_control=" + congestionControl
                + " max_rate=" + maxRateBytesPerSecond + "B/s pacing_burst="
                + TimeUnit.NANOSECONDS.toMicros(pacingBurstNanos) + "us";
    }

    /** Builds a {@link PacketFsReliabilityConfig}; {@link #build()} checks the values together. */
    public static final class Builder {
        private int receiveWindowFrames = 4096;
        private int sendBufferFrames = 8192;
        private int maxInFlightFrames = 1024;
        private int statusEveryFrames = 256;
        private int writeHighWaterFrames = 512;
        private int writeLowWaterFrames = 128;
        private int reorderThreshold = 8;
        private long nackDelayNanos = TimeUnit.MILLISECONDS.toNanos(2);
        private long retransmitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(200);
        private long maxRetransmitTimeoutNanos = TimeUnit.SECONDS.toNanos(2);
        private long minRetransmitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(5);
        private int retransmitBurst = 2;
        private long statusIntervalNanos = TimeUnit.MILLISECONDS.toNanos(2);
        private long tickNanos = TimeUnit.MILLISECONDS.toNanos(1);
        private long peerTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
        private PacketFsCongestionControl.Factory congestionControl = PacketFsCubic.factory();
        private long maxRateBytesPerSecond;
        private long pacingBurstNanos = TimeUnit.MICROSECONDS.toNanos(250);

        private Builder() {
        }

        /** See {@link PacketFsReliabilityConfig#receiveWindowFrames()}; 1..32,768. */
        public Builder receiveWindowFrames(int frames) {
            receiveWindowFrames = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#sendBufferFrames()}; a power of two, 2..65,536. */
        public Builder sendBufferFrames(int frames) {
            sendBufferFrames = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#maxInFlightFrames()}; 1 or more (the send buffer also bounds it). */
        public Builder maxInFlightFrames(int frames) {
            maxInFlightFrames = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#statusEveryFrames()}; 1 or more. */
        public Builder statusEveryFrames(int frames) {
            statusEveryFrames = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#writeHighWaterFrames()} and the low water mark. */
        public Builder writeWaterMarks(int lowFrames, int highFrames) {
            writeLowWaterFrames = lowFrames;
            writeHighWaterFrames = highFrames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#reorderThreshold()}; 1 or more. */
        public Builder reorderThreshold(int frames) {
            reorderThreshold = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#nackDelayNanos()}. */
        public Builder nackDelay(long time, TimeUnit unit) {
            nackDelayNanos = unit.toNanos(time);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#retransmitTimeoutNanos()} and the maximum it backs off to. */
        public Builder retransmitTimeout(long initial, long max, TimeUnit unit) {
            retransmitTimeoutNanos = unit.toNanos(initial);
            maxRetransmitTimeoutNanos = unit.toNanos(max);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#minRetransmitTimeoutNanos()}. */
        public Builder minRetransmitTimeout(long time, TimeUnit unit) {
            minRetransmitTimeoutNanos = unit.toNanos(time);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#retransmitBurst()}; 1 or more. */
        public Builder retransmitBurst(int frames) {
            retransmitBurst = frames;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#statusIntervalNanos()}. */
        public Builder statusInterval(long time, TimeUnit unit) {
            statusIntervalNanos = unit.toNanos(time);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#tickNanos()}. */
        public Builder tick(long time, TimeUnit unit) {
            tickNanos = unit.toNanos(time);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#peerTimeoutNanos()}; 0 turns the check off. */
        public Builder peerTimeout(long time, TimeUnit unit) {
            peerTimeoutNanos = unit.toNanos(time);
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#congestionControl()}. */
        public Builder congestionControl(PacketFsCongestionControl.Factory factory) {
            congestionControl = java.util.Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#maxRateBytesPerSecond()}; 0 removes the cap. */
        public Builder maxRate(long bytesPerSecond) {
            maxRateBytesPerSecond = bytesPerSecond;
            return this;
        }

        /** See {@link PacketFsReliabilityConfig#pacingBurstNanos()}. */
        public Builder pacingBurst(long time, TimeUnit unit) {
            pacingBurstNanos = unit.toNanos(time);
            return this;
        }

        /** Checks the values together and builds the settings. */
        public PacketFsReliabilityConfig build() {
            if (receiveWindowFrames < 1 || receiveWindowFrames > 32768) {
                throw new IllegalArgumentException("receiveWindowFrames " + receiveWindowFrames
                        + " (expected 1..32768)");
            }
            if (sendBufferFrames < 2 || sendBufferFrames > 65536 || Integer.bitCount(sendBufferFrames) != 1) {
                throw new IllegalArgumentException("sendBufferFrames " + sendBufferFrames
                        + " (expected a power of two, 2..65536)");
            }
            if (maxInFlightFrames < 1 || statusEveryFrames < 1) {
                throw new IllegalArgumentException("maxInFlightFrames " + maxInFlightFrames + " and statusEveryFrames "
                        + statusEveryFrames + " must be 1 or more");
            }
            if (writeLowWaterFrames < 0 || writeHighWaterFrames <= writeLowWaterFrames
                    || writeHighWaterFrames >= sendBufferFrames) {
                throw new IllegalArgumentException("write water marks " + writeLowWaterFrames + ".."
                        + writeHighWaterFrames + " (expected 0 <= low < high < sendBufferFrames "
                        + sendBufferFrames + ")");
            }
            if (reorderThreshold < 1 || retransmitBurst < 1) {
                throw new IllegalArgumentException("reorderThreshold " + reorderThreshold + " and retransmitBurst "
                        + retransmitBurst + " must be 1 or more");
            }
            if (nackDelayNanos < 0 || retransmitTimeoutNanos <= 0 || maxRetransmitTimeoutNanos < retransmitTimeoutNanos
                    || minRetransmitTimeoutNanos <= 0 || minRetransmitTimeoutNanos > maxRetransmitTimeoutNanos
                    || statusIntervalNanos <= 0 || tickNanos <= 0 || peerTimeoutNanos < 0) {
                throw new IllegalArgumentException("times must be positive (nack delay and peer timeout may be 0), "
                        + "and the maximum retransmission timeout at least the initial one");
            }
            if (maxRateBytesPerSecond < 0 || pacingBurstNanos < 0) {
                throw new IllegalArgumentException("maxRate " + maxRateBytesPerSecond + " B/s and pacing burst "
                        + pacingBurstNanos + " ns must not be negative");
            }
            return new PacketFsReliabilityConfig(this);
        }
    }
}
