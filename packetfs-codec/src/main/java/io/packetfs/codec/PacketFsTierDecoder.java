package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.internal.PacketFsBitReader;
import io.packetfs.codec.internal.PacketFsConstants;

import java.util.List;

import static io.packetfs.codec.internal.PacketFsConstants.FLAGS_MASK;
import static io.packetfs.codec.internal.PacketFsConstants.FLAGS_RESERVED_MASK;
import static io.packetfs.codec.internal.PacketFsConstants.FLAG_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.FLAG_RELIABLE;
import static io.packetfs.codec.internal.PacketFsConstants.FRAME_LENGTH_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_SYNC;
import static io.packetfs.codec.internal.PacketFsConstants.RUN_COUNT_BITS;
import static io.packetfs.codec.internal.PacketFsConstants.SEQUENCE_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.TIER_CODE_CONTROL;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION_FLAGS_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION_SHIFT;
import static io.packetfs.codec.internal.PacketFsConstants.WINDOW_POW2_OFFSET;

/**
 * Inbound: decodes one PacketFS frame per {@link ByteBuf} (a datagram or an Ethernet payload) into its units, in
 * order: {@link PacketFsRefs} runs and {@link PacketFsCopyUnit}s (slices of the frame, no copy),
 * {@link PacketFsSync} units and the assigned
 * length-prefixed control units as {@link PacketFsControlUnit}s; unassigned opcodes are skipped by their length
 * field and counted ({@link #unknownControlUnits()}).
 *
 * <pre>
 *   BEFORE: [ 10 10 00 0D 00 00 00 01 | 00 02 41 42 43 ]
 *   AFTER:  PacketFsRefs(L1 x3: 0x41 0x42 0x43)
 * </pre>
 *
 * A frame is checked whole before any unit is passed on: a bad frame yields no units, only a
 * {@link PacketFsException} naming the rule it broke, and is counted in {@link #framesDropped()}; the next frame
 * decodes normally. Bytes after the frame length are padding (short Ethernet payloads are padded) and are ignored.
 * Sequence numbers are tracked: gaps and late frames are counted, not thrown. For a byte stream, put a
 * {@link io.netty.handler.codec.LengthFieldBasedFrameDecoder} in front (see {@link #newStreamFramer(PacketFsConfig)}).
 * Not {@code @Sharable}.
 */
public class PacketFsTierDecoder extends MessageToMessageDecoder<ByteBuf> implements PacketFsMeterSource {

    private final PacketFsConfig config;
    private final PacketFsBitReader reader = new PacketFsBitReader();

    private boolean seenFrame;
    private int expectedSequence;
    private long framesDecoded;
    private long framesDropped;
    private long framesMissing;
    private long framesLate;
    private long refsDecoded;
    private final long[] refsByTier = new long[3];
    private long unknownControlUnits;
    private long copyUnitsDecoded;
    private long copyBodyBytesDecoded;

    /** A decoder that accepts frames built with {@code config}. */
    public PacketFsTierDecoder(PacketFsConfig config) {
        super(ByteBuf.class);
        this.config = ObjectUtil.checkNotNull(config, "config");
    }

    /**
     * A framer that cuts a byte stream into PacketFS frames by their Frame Length field, for stream transports and
     * tests; datagram and Ethernet transports deliver whole frames and need none.
     */
    public static io.netty.handler.codec.LengthFieldBasedFrameDecoder newStreamFramer(PacketFsConfig config) {
        return new io.netty.handler.codec.LengthFieldBasedFrameDecoder(
                config.maxFrameLength(), FRAME_LENGTH_OFFSET, 2, -(FRAME_LENGTH_OFFSET + 2), 0);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        try {
            int end = start + checkHeader(in, start);
            walk(in, start + HEADER_LENGTH, end, null);
            walk(in, start + HEADER_LENGTH, end, out);
            trackSequence(ctx, in.getInt(start + SEQUENCE_OFFSET));
            framesDecoded++;
        } catch (PacketFsException e) {
            framesDropped++;
            throw e;
        } finally {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Validates the 8-byte header; returns the frame length. */
    private int checkHeader(ByteBuf in, int start) {
        int readable = in.readableBytes();
        if (readable < HEADER_LENGTH) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "frame of " + readable + " bytes is shorter than the " + HEADER_LENGTH + "-byte header");
        }
        int versionFlags = in.getUnsignedByte(start + VERSION_FLAGS_OFFSET);
        int version = versionFlags >>> VERSION_SHIFT;
        if (version != VERSION) {
            throw new PacketFsException(PacketFsException.Reason.UNSUPPORTED_VERSION,
                    "frame version " + version + ", this decoder speaks version " + VERSION
                            + " (docs/PROTOCOL.md); is the sender a PacketFS peer of the same release?");
        }
        int flags = versionFlags & FLAGS_MASK;
        if ((flags & FLAG_RELIABLE) != 0) {
            throw new PacketFsException(PacketFsException.Reason.RESERVED_FLAGS, String.format(
                    "flag R (reliable delivery, flags 0x%X) is set but no PacketFsReliability handler sits below "
                            + "this decoder: run both peers in the same delivery mode (docs/PROTOCOL.md section 9)",
                    flags));
        }
        if ((flags & FLAGS_RESERVED_MASK) != 0) {
            throw new PacketFsException(PacketFsException.Reason.RESERVED_FLAGS,
                    String.format("reserved flag bits 0x%X are set (flags 0x%X)", flags & FLAGS_RESERVED_MASK, flags));
        }
        boolean crc = (flags & FLAG_CRC) != 0;
        int windowPow2 = in.getUnsignedByte(start + WINDOW_POW2_OFFSET);
        if (crc != config.crcEnabled() || windowPow2 != config.windowPow2()) {
            throw new PacketFsException(PacketFsException.Reason.CONFIG_MISMATCH,
                    "frame was sent with window_pow2=" + windowPow2 + " crc=" + (crc ? "on" : "off")
                            + ", this receiver has " + config + "; configure both peers alike");
        }
        int length = in.getUnsignedShort(start + FRAME_LENGTH_OFFSET);
        if (length < HEADER_LENGTH || length > config.maxFrameLength()) {
            throw new PacketFsException(PacketFsException.Reason.BAD_FRAME_LENGTH,
                    "frame length " + length + " is outside " + HEADER_LENGTH + ".." + config.maxFrameLength());
        }
        if (length > readable) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "frame length says " + length + " bytes, " + readable + " arrived");
        }
        return length;
    }

    /** Walks the units of {@code [from, end)}; with {@code out == null} it only validates. */
    private void walk(ByteBuf in, int from, int end, List<Object> out) {
        boolean crc = config.crcEnabled();
        PacketFsBitReader r = reader.reset(in, from, end - from);
        while (r.bitsRemaining() > 0) {
            int unitStart = r.byteIndex();
            int code = r.readBits(2);
            if (code != TIER_CODE_CONTROL) {
                PacketFsTier tier = PacketFsTier.fromCode(code);
                int count = r.readBits(RUN_COUNT_BITS) + 1;
                int at = r.byteIndex();
                int length = count * tier.bytes();
                if (length > end - at) {
                    throw new PacketFsException(PacketFsException.Reason.TRUNCATED, "run of " + count + " " + tier
                            + " references at offset " + (unitStart - from + HEADER_LENGTH) + " needs " + length
                            + " bytes, the frame has " + (end - at) + " left");
                }
                r.skipBytes(length);
                if (out != null) {
                    out.add(PacketFsRefs.wrap(tier, in.retainedSlice(at, length)));
                    refsDecoded += count;
                    refsByTier[code] += count;
                }
            } else {
                int opcode = TIER_CODE_CONTROL << 6 | r.readBits(6);
                if (opcode == OPCODE_SYNC) {
                    int needed = crc ? 4 : 2;
                    if (r.bitsRemaining() < needed * 8) {
                        throw new PacketFsException(PacketFsException.Reason.TRUNCATED, "SYNC unit at offset "
                                + (unitStart - from + HEADER_LENGTH) + " needs " + needed + " more bytes, the frame has "
                                + (r.bitsRemaining() >>> 3));
                    }
                    int windowId = r.readBits(16);
                    int crc16 = crc ? r.readBits(16) : 0;
                    if (out != null) {
                        out.add(crc ? PacketFsSync.withCrc(windowId, crc16) : PacketFsSync.withoutCrc(windowId));
                    }
                } else {
                    if (r.bitsRemaining() < 16) {
                        throw new PacketFsException(PacketFsException.Reason.TRUNCATED, String.format(
                                "control unit 0x%02X at offset %d has no length field", opcode,
                                unitStart - from + HEADER_LENGTH));
                    }
                    int bodyLength = r.readBits(16);
                    if (bodyLength > end - r.byteIndex()) {
                        throw new PacketFsException(PacketFsException.Reason.TRUNCATED, String.format(
                                "control unit 0x%02X at offset %d declares %d body bytes, the frame has %d", opcode,
                                unitStart - from + HEADER_LENGTH, bodyLength, end - r.byteIndex()));
                    }
                    int bodyAt = r.byteIndex();
                    r.skipBytes(bodyLength);
                    if (out != null) {
                        if (opcode == PacketFsConstants.OPCODE_COPY || opcode == PacketFsConstants.OPCODE_CODED_COPY) {
                            out.add(new PacketFsCopyUnit(in.retainedSlice(bodyAt, bodyLength),
                                    opcode == PacketFsConstants.OPCODE_CODED_COPY));
                            copyUnitsDecoded++;
                            copyBodyBytesDecoded += bodyLength;
                        } else if (PacketFsControlUnit.isAssigned(opcode)) {
                            out.add(new PacketFsControlUnit(opcode, in.retainedSlice(bodyAt, bodyLength)));
                        } else {
                            unknownControlUnits++;
                        }
                    }
                }
            }
        }
    }

    private void trackSequence(ChannelHandlerContext ctx, int sequence) {
        if (seenFrame) {
            int delta = sequence - expectedSequence;
            if (delta != 0) {
                ctx.fireUserEventTriggered(PacketFsStreamGap.INSTANCE); // before this frame's units
            }
            if (delta < 0) {
                framesLate++;
                return;
            }
            framesMissing += delta;
        }
        seenFrame = true;
        expectedSequence = sequence + 1;
    }

    /** Frames decoded whole. */
    public long framesDecoded() {
        return framesDecoded;
    }

    /** Frames refused with a {@link PacketFsException}. */
    public long framesDropped() {
        return framesDropped;
    }

    /** Frames that the sequence numbers say never arrived (so far: a late one is counted in {@link #framesLate()}). */
    public long framesMissing() {
        return framesMissing;
    }

    /** Frames that arrived after a later one (reordered or duplicated). */
    public long framesLate() {
        return framesLate;
    }

    /** References passed on. */
    public long refsDecoded() {
        return refsDecoded;
    }

    /** Reference bits of {@code tier} passed on, for metrics (as {@link PacketFsTierEncoder#bitsEncoded}). */
    public long bitsDecoded(PacketFsTier tier) {
        return refsByTier[tier.index()] * tier.bits() + (tier == PacketFsTier.L3 ? copyBodyBytesDecoded * 8 : 0);
    }

    /** COPY units passed on. */
    public long copyUnitsDecoded() {
        return copyUnitsDecoded;
    }

    /** References of {@code tier} passed on (their sum is {@link #refsDecoded()}). */
    public long refsDecoded(PacketFsTier tier) {
        return refsByTier[tier.index()];
    }

    /**
     * Binds {@link #bitsDecoded(PacketFsTier)} of each tier to {@code packetfs_bits_unpacked_total{tier}},
     * {@link #framesDropped()} to {@code packetfs_drops_total{source="decoder"}}, and {@link #framesMissing()} and
     * {@link #framesLate()} to {@code packetfs_sequence_errors_total{kind="missing|late"}}.
     */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        for (PacketFsTier t : PacketFsTier.values()) {
            binder.counter(PacketFsMetricNames.BITS_UNPACKED, () -> bitsDecoded(t), "tier",
                    Integer.toString(t.index()));
        }
        binder.counter(PacketFsMetricNames.DROPS, this::framesDropped, "source", "decoder");
        binder.counter(PacketFsMetricNames.SEQUENCE_ERRORS, this::framesMissing, "kind", "missing");
        binder.counter(PacketFsMetricNames.SEQUENCE_ERRORS, this::framesLate, "kind", "late");
    }

    /** Control units skipped because this decoder does not know their opcode (docs/PROTOCOL.md, "Control units"). */
    public long unknownControlUnits() {
        return unknownControlUnits;
    }
}
