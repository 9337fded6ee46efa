package io.packetfs.codec;

import static io.packetfs.codec.internal.PacketFsConstants.DEFAULT_WINDOW_POW2;
import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.MAX_FRAME_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.MAX_WINDOW_POW2;
import static io.packetfs.codec.internal.PacketFsConstants.MIN_WINDOW_POW2;
import static io.packetfs.codec.internal.PacketFsConstants.SYNC_LENGTH_CRC;

/**
 * The settings both peers must share: window size, whether SYNC units carry a CRC16, and the largest frame. Every
 * frame header repeats the first two, and a decoder refuses frames that disagree with its own configuration
 * ({@link PacketFsException.Reason#CONFIG_MISMATCH}). Immutable; build with {@link #builder()}.
 */
public final class PacketFsConfig {

    /** The defaults: window_pow2 16 (65,536 references), CRC on, frames of at most 1,500 bytes. */
    public static final PacketFsConfig DEFAULT = builder().build();

    private final int windowPow2;
    private final boolean crcEnabled;
    private final int maxFrameLength;

    private PacketFsConfig(Builder b) {
        this.windowPow2 = b.windowPow2;
        this.crcEnabled = b.crcEnabled;
        this.maxFrameLength = b.maxFrameLength;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder().windowPow2(windowPow2).crcEnabled(crcEnabled).maxFrameLength(maxFrameLength);
    }

    /** Window size as a power of two: a window holds {@code 1 << windowPow2} references. */
    public int windowPow2() {
        return windowPow2;
    }

    /** References per window. */
    public int windowSize() {
        return 1 << windowPow2;
    }

    /** Whether SYNC units carry a CRC16 of their window's references. */
    public boolean crcEnabled() {
        return crcEnabled;
    }

    /** Largest frame (header included) that the encoder builds and the decoder accepts. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    public String toString() {
        return "window_pow2=" + windowPow2 + " crc=" + (crcEnabled ? "on" : "off") + " max_frame=" + maxFrameLength;
    }

    /** Builds a {@link PacketFsConfig}; {@link #build()} validates. */
    public static final class Builder {
        /** Default window_pow2: 16, so 65,536 references per window (the seed's default). */
        private int windowPow2 = DEFAULT_WINDOW_POW2;
        /** Default: SYNC units carry a CRC16. */
        private boolean crcEnabled = true;
        /** Default largest frame: 1,500 bytes, an Ethernet payload at the standard MTU. */
        private int maxFrameLength = 1500;

        private Builder() {
        }

        /** Window size as a power of two, 0..24. */
        public Builder windowPow2(int windowPow2) {
            this.windowPow2 = windowPow2;
            return this;
        }

        /** Whether SYNC units carry a CRC16. */
        public Builder crcEnabled(boolean crcEnabled) {
            this.crcEnabled = crcEnabled;
            return this;
        }

        /** Largest frame in bytes, header included: 16..65,535. */
        public Builder maxFrameLength(int maxFrameLength) {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        /** Validates and builds. */
        public PacketFsConfig build() {
            if (windowPow2 < MIN_WINDOW_POW2 || windowPow2 > MAX_WINDOW_POW2) {
                throw new IllegalArgumentException("windowPow2 " + windowPow2 + " (expected "
                        + MIN_WINDOW_POW2 + ".." + MAX_WINDOW_POW2 + ")");
            }
            int min = HEADER_LENGTH + SYNC_LENGTH_CRC + 3;
            if (maxFrameLength < min || maxFrameLength > MAX_FRAME_LENGTH) {
                throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " (expected "
                        + min + ".." + MAX_FRAME_LENGTH + ")");
            }
            return new PacketFsConfig(this);
        }
    }
}
