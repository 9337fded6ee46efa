package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.PromiseNotifier;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.internal.PacketFsBitWriter;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import static io.packetfs.codec.internal.PacketFsConstants.FLAG_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.FRAME_LENGTH_OFFSET;
import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.MAX_RUN_COUNT;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_SYNC;
import static io.packetfs.codec.internal.PacketFsConstants.RUN_COUNT_BITS;
import static io.packetfs.codec.internal.PacketFsConstants.RUN_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.SYNC_LENGTH_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.SYNC_LENGTH_NO_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.TLV_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION;
import static io.packetfs.codec.internal.PacketFsConstants.VERSION_SHIFT;

/**
 * Outbound: packs {@link PacketFsRefs} runs and {@link PacketFsSync} units into PacketFS frames of at most
 * {@link PacketFsConfig#maxFrameLength()} bytes. A frame is written downstream when the next unit does not fit, and
 * on {@code flush()}. A run longer than the room left is split across frames (each part gets its own run header).
 *
 * <pre>
 *   write(PacketFsRefs L3 x3) write(PacketFsSync 7) flush()
 *     =&gt; one ByteBuf:  [ header: 0x18 0x10 len seq ] [ 0x80 0x02 | 3 x 4 bytes ] [ 0xF0 0x0007 crc ]
 * </pre>
 *
 * {@link PacketFsCopyUnit}s and {@link PacketFsControlUnit}s are written as length-prefixed control units; a unit
 * that does not fit a frame fails its write's promise.
 *
 * <p>A write's promise completes when the frame holding the write's last unit is written. Other messages pass through
 * untouched. Not {@code @Sharable}: it holds the open frame and the sequence number.
 */
public class PacketFsTierEncoder extends ChannelOutboundHandlerAdapter implements PacketFsMeterSource {

    private final PacketFsConfig config;
    private final PacketFsBitWriter bits = new PacketFsBitWriter();
    private final List<ChannelPromise> pending = new ArrayList<>(4);
    private ByteBuf frame;
    private int sequence;
    private long framesEncoded;
    private long refsEncoded;
    private long copyUnitsEncoded;
    private long copyBodyBytesEncoded;
    private final long[] refsByTier = new long[3];

    /** An encoder for {@code config}; frame sequence numbers start at 0. */
    public PacketFsTierEncoder(PacketFsConfig config) {
        this(config, 0);
    }

    /** An encoder for {@code config} whose first frame carries {@code firstSequence}. */
    public PacketFsTierEncoder(PacketFsConfig config, int firstSequence) {
        this.config = ObjectUtil.checkNotNull(config, "config");
        this.sequence = firstSequence;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof PacketFsRefs) {
            PacketFsRefs refs = (PacketFsRefs) msg;
            try {
                appendRefs(ctx, refs);
            } catch (Throwable t) {
                promise.tryFailure(t);
                return;
            } finally {
                refs.release();
            }
            addPending(promise);
        } else if (msg instanceof PacketFsSync) {
            try {
                appendSync(ctx, (PacketFsSync) msg);
            } catch (Throwable t) {
                promise.tryFailure(t);
                return;
            }
            addPending(promise);
        } else if (msg instanceof PacketFsCopyUnit) {
            PacketFsCopyUnit unit = (PacketFsCopyUnit) msg;
            try {
                int bodyBytes = unit.content().readableBytes();
                appendTlv(ctx, unit.opcode(), unit.content());
                copyUnitsEncoded++;
                copyBodyBytesEncoded += bodyBytes;
            } catch (Throwable t) {
                promise.tryFailure(t);
                return;
            } finally {
                unit.release();
            }
            addPending(promise);
        } else if (msg instanceof PacketFsControlUnit) {
            PacketFsControlUnit unit = (PacketFsControlUnit) msg;
            try {
                appendTlv(ctx, unit.opcode(), unit.content());
            } catch (Throwable t) {
                promise.tryFailure(t);
                return;
            } finally {
                unit.release();
            }
            addPending(promise);
        } else if (msg instanceof PacketFsCloseWindow) {
            promise.trySuccess();
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (frame != null && frame.readableBytes() > HEADER_LENGTH) {
            emitFrame(ctx);
        }
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (frame != null) {
            frame.release();
            frame = null;
        }
        if (!pending.isEmpty()) {
            ClosedChannelException cause = new ClosedChannelException();
            for (ChannelPromise p : pending) {
                p.tryFailure(cause);
            }
            pending.clear();
        }
    }

    /** Frames written downstream so far. */
    public long framesEncoded() {
        return framesEncoded;
    }

    /** References packed so far. */
    public long refsEncoded() {
        return refsEncoded;
    }

    /**
     * Reference bits of {@code tier} packed so far, for metrics: run references at the tier's width, and the bodies
     * of COPY units under L3 (byte-granular references into the whole pool, L3's address space).
     */
    public long bitsEncoded(PacketFsTier tier) {
        return refsByTier[tier.index()] * tier.bits() + (tier == PacketFsTier.L3 ? copyBodyBytesEncoded * 8 : 0);
    }

    /** COPY units packed so far. */
    public long copyUnitsEncoded() {
        return copyUnitsEncoded;
    }

    /** References of {@code tier} packed so far (their sum is {@link #refsEncoded()}). */
    public long refsEncoded(PacketFsTier tier) {
        return refsByTier[tier.index()];
    }

    /** Binds {@link #bitsEncoded(PacketFsTier)} of each tier to {@code packetfs_bits_packed_total{tier}}. */
    @Override
    public void bindMeters(PacketFsMeterBinder binder) {
        for (PacketFsTier t : PacketFsTier.values()) {
            binder.counter(PacketFsMetricNames.BITS_PACKED, () -> bitsEncoded(t), "tier", Integer.toString(t.index()));
        }
    }

    private void appendRefs(ChannelHandlerContext ctx, PacketFsRefs refs) {
        PacketFsTier tier = refs.tier();
        int width = tier.bytes();
        ByteBuf content = refs.content();
        int index = content.readerIndex();
        int left = refs.count();
        while (left > 0) {
            int room = openFrame(ctx, RUN_HEADER_LENGTH + width);
            int n = Math.min(Math.min(left, (room - RUN_HEADER_LENGTH) / width), MAX_RUN_COUNT);
            bits.reset(frame);
            bits.writeBits(tier.code(), 2);
            bits.writeBits(n - 1, RUN_COUNT_BITS);
            bits.flush();
            frame.writeBytes(content, index, n * width);
            index += n * width;
            left -= n;
            refsEncoded += n;
            refsByTier[tier.index()] += n;
        }
    }

    private void appendSync(ChannelHandlerContext ctx, PacketFsSync sync) {
        boolean crc = config.crcEnabled();
        if (sync.hasCrc() != crc) {
            throw new IllegalArgumentException(sync + " does not match this encoder's configuration (" + config
                    + "); build SYNC units with PacketFsSyncInserter on the same configuration");
        }
        openFrame(ctx, crc ? SYNC_LENGTH_CRC : SYNC_LENGTH_NO_CRC);
        frame.writeByte(OPCODE_SYNC);
        frame.writeShort(sync.windowId());
        if (crc) {
            frame.writeShort(sync.crc());
        }
    }

    private void appendTlv(ChannelHandlerContext ctx, int opcode, ByteBuf body) {
        int length = TLV_HEADER_LENGTH + body.readableBytes();
        if (length > config.maxFrameLength() - HEADER_LENGTH) {
            throw new IllegalArgumentException("control unit of " + length + " bytes does not fit a frame of "
                    + config.maxFrameLength() + " bytes");
        }
        openFrame(ctx, length);
        frame.writeByte(opcode);
        frame.writeShort(body.readableBytes());
        frame.writeBytes(body, body.readerIndex(), body.readableBytes());
    }

    /** Makes sure an open frame has {@code need} bytes of room; returns the room. */
    private int openFrame(ChannelHandlerContext ctx, int need) {
        int max = config.maxFrameLength();
        if (frame != null && max - frame.readableBytes() < need) {
            emitFrame(ctx);
        }
        if (frame == null) {
            frame = ctx.alloc().ioBuffer(max);
            int flags = config.crcEnabled() ? FLAG_CRC : 0;
            frame.writeByte(VERSION << VERSION_SHIFT | flags);
            frame.writeByte(config.windowPow2());
            frame.writeShort(0); // frame length, set when the frame is emitted
            frame.writeInt(sequence++);
        }
        return max - frame.readableBytes();
    }

    private void addPending(ChannelPromise promise) {
        if (promise.isVoid()) {
            return;
        }
        if (frame == null) {
            promise.trySuccess(); // nothing was added (an empty run)
        } else {
            pending.add(promise);
        }
    }

    private void emitFrame(ChannelHandlerContext ctx) {
        ByteBuf f = frame;
        frame = null;
        f.setShort(f.readerIndex() + FRAME_LENGTH_OFFSET, f.readableBytes());
        framesEncoded++;
        ChannelPromise promise;
        if (pending.isEmpty()) {
            promise = ctx.voidPromise();
        } else if (pending.size() == 1) {
            promise = pending.get(0);
        } else {
            promise = ctx.newPromise();
            promise.addListener(new PromiseNotifier<>(false, pending.toArray(new ChannelPromise[0])));
        }
        pending.clear();
        ctx.write(f, promise);
    }
}
