package io.packetfs.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolDecoderHandler;
import io.packetfs.codec.pool.PacketFsPoolGeometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jazzer fuzz targets for every inbound decoder: {@link PacketFsTierDecoder}, {@link PacketFsCrcWindowChecker},
 * {@link PacketFsSyncValidator}, {@link PacketFsPoolDecoderHandler}, the stream framer
 * ({@link PacketFsTierDecoder#newStreamFramer}) and the pool geometry ({@link PacketFsPoolGeometry#readFrom(ByteBuf)});
 * the session units' bodies are fuzzed in packetfs-transfer.
 *
 * <p>Under plain {@code mvn test} each target runs in regression mode over its seed corpus,
 * {@code src/test/resources/io/packetfs/codec/PacketFsDecoderFuzzTestInputs/<method>/} (the frames of the
 * docs/PROTOCOL.md vectors V1..V19 and V30..V42, {@code v1}..{@code v42}; COPY bodies for {@code copyBodies}, coded
 * ones for {@code codedCopyBodies}). With {@code JAZZER_FUZZ=1} one target at a time is
 * fuzzed ({@code -Dtest=PacketFsDecoderFuzzTest#wholePipeline}).
 *
 * <p>What every input must satisfy:
 * <ul>
 *   <li>Errors: frame pipelines report only {@link PacketFsException} and its subclasses; the stream framer adds
 *       Netty's {@link TooLongFrameException} (Frame Length above the configured maximum) and
 *       {@link CorruptedFrameException} (Frame Length below 4, the end of the length field);
 *       {@link PacketFsPoolGeometry#readFrom(ByteBuf)} only
 *       {@link IllegalArgumentException}. Anything else (an {@link IndexOutOfBoundsException}, an
 *       {@link ArithmeticException}, an {@link OutOfMemoryError}) fails the input.</li>
 *   <li>Buffers: every buffer fed has {@code refCnt() == 0} afterwards and every message that reaches the tail is
 *       released by it; paranoid leak detection and {@link LeakFailureExtension} catch the rest.</li>
 *   <li>Recovery: a valid frame fed after the fuzzed ones still decodes to its bytes.</li>
 *   <li>Allocation bound: the bytes the pool decoder allocates and emits for one frame of {@code L} bytes are at
 *       most {@code (L - 8) * max(l3_unit / 4, max(pool_size, 16 MiB) + 1)}. Runs: the most expensive reference,
 *       an L3 reference, takes 4 wire bytes and names {@code l3_unit} bytes (L2: 2 wire bytes for
 *       {@code l2_unit <= l3_unit}, L1: 1 for 1); with the default geometry that is 256 output bytes per wire
 *       byte. COPY units (docs/PROTOCOL.md 8.7): a command of {@code w >= 1} body bytes appends at most {@code w}
 *       literals and one copy of at most {@code pool_size} bytes from the pool or 16 MiB from the history (a copy
 *       longer than its distance repeats). And every emitted buffer, one per run or COPY
 *       unit, is sized exactly and holds at most 16 MiB. Checked per frame on the emitted bytes and on the
 *       capacity of the emitted buffers.</li>
 *   <li>Loops: each input is a bounded amount of work (every unit advances by at least one byte); in fuzzing mode
 *       a hang shows up as a libFuzzer timeout.</li>
 * </ul>
 */
class PacketFsDecoderFuzzTest {

    /** 64 KiB synthetic pool, default geometry: 64 L3 units, 1,024 L2 units, so both in- and out-of-pool refs. */
    private static final PacketFsPool POOL = PacketFsPool.synthetic(64 * 1024, 5, PacketFsPoolGeometry.DEFAULT);
    private static final int L3_UNIT = PacketFsPoolGeometry.DEFAULT.l3UnitBytes();
    private static final int[] MAX_FRAME_LENGTHS = {1500, 9000, 65535};

    /** The units of the recovery frame: an L1 run of 41 42 43. */
    private static final byte[] RECOVERY_UNITS = {0x00, 0x02, 0x41, 0x42, 0x43};
    private static final byte[] RECOVERY_BYTES;

    static {
        ByteBuf out = Unpooled.buffer();
        PacketFsRefs run = PacketFsRefs.wrap(PacketFsTier.L1, Unpooled.wrappedBuffer(new byte[] {0x41, 0x42, 0x43}));
        try {
            new PacketFsPoolDecoder(POOL).decode(run, out);
            RECOVERY_BYTES = new byte[out.readableBytes()];
            out.readBytes(RECOVERY_BYTES);
        } finally {
            run.release();
            out.release();
        }
    }

    /**
     * Raw bytes, all inbound frame handlers. The configuration comes from the input's own first two bytes (flag C of
     * byte 0, Window Pow2 = byte 1 mod 25), so a frame header usually matches and the fuzzer reaches the units.
     * The input is fed whole as one frame, then cut into frames at each Frame Length that fits (the rest as the
     * last frame), then a valid frame that must decode.
     */
    @FuzzTest(maxDuration = "2m")
    void wholePipeline(byte[] input) {
        PacketFsConfig config = configFromHeader(input, 1500);
        Pipeline p = new Pipeline(config, false);
        p.feedFrame(input);
        for (int at = 0; at < input.length; ) {
            int n = input.length - at;
            if (n >= 4) {
                int length = (input[at + 2] & 0xFF) << 8 | input[at + 3] & 0xFF;
                if (length >= 1 && length < n) {
                    n = length;
                }
            }
            p.feedFrame(Arrays.copyOfRange(input, at, at + n));
            at += n;
        }
        p.finish();
    }

    /**
     * Frames whose headers are built from fuzzed fields: a fuzzed configuration (window_pow2 0..24, CRC on or off,
     * maximum frame length 1,500 / 9,000 / 65,535), up to 8 frames with a matching header (or, now and then, a
     * corrupted version, flags, window, length or raw header), fuzzed unit bytes and optional padding.
     */
    @FuzzTest(maxDuration = "2m")
    void structuredFrames(FuzzedDataProvider data) {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(data.consumeInt(0, 24))
                .crcEnabled(data.consumeBoolean())
                .maxFrameLength(MAX_FRAME_LENGTHS[data.consumeInt(0, MAX_FRAME_LENGTHS.length - 1)]).build();
        Pipeline p = new Pipeline(config, false);
        int frames = data.consumeInt(1, 8);
        for (int i = 0; i < frames && data.remainingBytes() > 0; i++) {
            int mode = data.consumeInt(0, 15);
            int seq = data.consumeInt();
            int padding = data.consumeBoolean() ? data.consumeInt(0, 64) : 0;
            byte[] units = data.consumeBytes(data.consumeInt(0, config.maxFrameLength() - 8));
            int version = mode == 1 ? data.consumeInt(0, 15) : 1;
            int flags = mode == 2 ? data.consumeInt(0, 15) : config.crcEnabled() ? 0b1000 : 0;
            int window = mode == 3 ? data.consumeInt(0, 255) : config.windowPow2();
            int length = mode == 4 ? data.consumeInt(0, 65535) : 8 + units.length;
            ByteBuf frame = Unpooled.buffer(8 + units.length + padding);
            frame.writeByte(version << 4 | flags).writeByte(window).writeShort(length).writeInt(seq);
            if (mode == 5) {
                frame.setBytes(0, Arrays.copyOf(data.consumeBytes(8), 8));
            }
            frame.writeBytes(units).writeZero(padding);
            p.feed(frame, 8 + units.length + padding);
        }
        p.finish();
    }

    /**
     * The stream framer in front of the same handlers, the input cut into chunks of 1..64 bytes (sizes drawn from a
     * seed that is the input's hash, so a finding replays). A byte stream has no resynchronisation point, so
     * recovery is not asserted here; the framer's own exceptions are allowed.
     */
    @FuzzTest(maxDuration = "2m")
    void streamFraming(byte[] input) {
        PacketFsConfig config = configFromHeader(input, 1500);
        Pipeline p = new Pipeline(config, true);
        SplittableRandom r = new SplittableRandom(Arrays.hashCode(input));
        for (int at = 0; at < input.length; ) {
            int n = Math.min(input.length - at, 1 + r.nextInt(64));
            p.feed(Unpooled.copiedBuffer(input, at, n), -1);
            at += n;
        }
        p.finishStream();
    }

    /**
     * The pool geometry's binary form (the tail of a HELLO body) on fuzzed bytes: only
     * {@link IllegalArgumentException}; the body's reference count is untouched. The session bodies are fuzzed in
     * packetfs-transfer ({@code PacketFsTransferUnitsFuzzTest}), where they live.
     */
    @FuzzTest(maxDuration = "2m")
    void poolGeometry(byte[] bytes) {
        ByteBuf body = Unpooled.wrappedBuffer(bytes);
        try {
            PacketFsPoolGeometry.readFrom(body);
        } catch (IllegalArgumentException expected) {
            // documented
        } finally {
            assertEquals(1, body.refCnt());
            body.release();
        }
    }

    /**
     * A COPY unit body of fuzzed bytes straight into {@link PacketFsPoolDecoder}, twice (the second time with the
     * first's output as history): only {@link PacketFsException} (TRUNCATED, REF_OUT_OF_POOL or
     * HISTORY_UNAVAILABLE) may come out, and then nothing is appended; otherwise exactly
     * {@link PacketFsPoolDecoder#decodedLength(PacketFsCopyUnit)} bytes are appended, at most 16 MiB; the unit's
     * reference count is untouched.
     */
    @FuzzTest(maxDuration = "2m")
    void copyBodies(byte[] body) {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(POOL);
        PacketFsCopyUnit unit = new PacketFsCopyUnit(Unpooled.buffer(body.length).writeBytes(body));
        ByteBuf out = Unpooled.buffer(0);
        try {
            for (int round = 0; round < 2; round++) {
                long n;
                try {
                    n = decoder.decodedLength(unit);
                } catch (PacketFsException e) {
                    assertTrue(e.reason() == PacketFsException.Reason.TRUNCATED
                            || e.reason() == PacketFsException.Reason.REF_OUT_OF_POOL
                            || e.reason() == PacketFsException.Reason.HISTORY_UNAVAILABLE, e.toString());
                    continue;
                }
                assertTrue(n <= PacketFsCopyUnit.MAX_OUTPUT, "decoded length " + n + " above 16 MiB");
                out.clear();
                decoder.decode(unit, out);
                assertEquals(n, out.readableBytes());
            }
        } finally {
            assertEquals(1, unit.refCnt());
            unit.release();
            out.release();
        }
    }

    /**
     * A CODED COPY unit body (docs/PROTOCOL.md 8.8) of fuzzed bytes: only {@link PacketFsException} (TRUNCATED,
     * BAD_CODING, REF_OUT_OF_POOL or HISTORY_UNAVAILABLE) may come out, and then nothing is appended; otherwise exactly
     * {@link PacketFsPoolDecoder#decodedLength(PacketFsCopyUnit)} bytes are appended, at most 16 MiB, and a plain
     * unit sent after it still decodes. Seeds: coded units of this pool and the bodies of V36-V39 and V42
     * ({@code codedCopyBodies/}).
     */
    @FuzzTest(maxDuration = "2m")
    void codedCopyBodies(byte[] body) {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(POOL);
        PacketFsCopyUnit unit = new PacketFsCopyUnit(Unpooled.buffer(body.length).writeBytes(body), true);
        ByteBuf out = Unpooled.buffer(0);
        try {
            long n = -1;
            try {
                n = decoder.decodedLength(unit);
            } catch (PacketFsException e) {
                assertTrue(e.reason() == PacketFsException.Reason.TRUNCATED
                        || e.reason() == PacketFsException.Reason.BAD_CODING
                        || e.reason() == PacketFsException.Reason.REF_OUT_OF_POOL
                        || e.reason() == PacketFsException.Reason.HISTORY_UNAVAILABLE, e.toString());
            }
            if (n >= 0) {
                assertTrue(n <= PacketFsCopyUnit.MAX_OUTPUT, "decoded length " + n);
                decoder.decode(unit, out);
                assertEquals(n, out.readableBytes());
            }
            PacketFsCopyUnit valid = new PacketFsCopyUnit(Unpooled.wrappedBuffer(new byte[] {0, (byte) 0xC8, 0, 0}));
            out.clear();
            decoder.decode(valid, out);
            assertEquals(8, out.readableBytes());
            valid.release();
        } finally {
            assertEquals(1, unit.refCnt());
            unit.release();
            out.release();
        }
    }

    private static PacketFsConfig configFromHeader(byte[] input, int maxFrameLength) {
        boolean crc = input.length < 1 || (input[0] & 0b1000) != 0;
        int windowPow2 = input.length < 2 ? 16 : (input[1] & 0xFF) % 25;
        return PacketFsConfig.builder().crcEnabled(crc).windowPow2(windowPow2).maxFrameLength(maxFrameLength).build();
    }

    /** The inbound pipeline of a receiver, with a tail that releases everything and records what arrives. */
    private static final class Pipeline {
        private final PacketFsConfig config;
        private final boolean stream;
        private final EmbeddedChannel ch;
        private final Tail tail = new Tail();
        private final List<ByteBuf> fed = new ArrayList<>();

        Pipeline(PacketFsConfig config, boolean stream) {
            this.config = config;
            this.stream = stream;
            ChannelHandler[] handlers = {
                new PacketFsTierDecoder(config), new PacketFsCrcWindowChecker(), new PacketFsSyncValidator(config),
                new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(POOL)), tail};
            ch = new EmbeddedChannel(handlers);
            if (stream) {
                ch.pipeline().addFirst(PacketFsTierDecoder.newStreamFramer(config));
            }
        }

        void feedFrame(byte[] frame) {
            // Not Unpooled.copiedBuffer: it returns the shared, never-released EMPTY_BUFFER for an empty frame.
            feed(Unpooled.buffer(frame.length).writeBytes(frame), frame.length);
        }

        /** Feeds one buffer; for a whole frame ({@code frameLength >= 0}) checks the output bound of that frame. */
        void feed(ByteBuf buf, int frameLength) {
            fed.add(buf);
            tail.outBytes = 0;
            tail.outCapacity = 0;
            ch.writeInbound(buf);
            if (frameLength >= 0) {
                long bound = (long) Math.max(0, Math.min(frameLength, 65535) - 8)
                        * Math.max(L3_UNIT / 4, Math.max(POOL.size(), PacketFsCopyUnit.MAX_OUTPUT) + 1);
                if (tail.outBytes > bound || tail.outCapacity > bound) {
                    fail("a frame of " + frameLength + " bytes decoded to " + tail.outBytes + " bytes in buffers of "
                            + tail.outCapacity + " bytes, above the bound " + bound);
                }
                if (tail.maxCapacity > PacketFsCopyUnit.MAX_OUTPUT) {
                    fail("an emitted buffer of " + tail.maxCapacity + " bytes is above 16 MiB");
                }
            }
            tail.checkErrors(stream);
        }

        /** Feeds a valid frame, asserts it decodes, and closes the channel. */
        void finish() {
            tail.lastOut = null;
            ByteBuf valid = Unpooled.buffer(8 + RECOVERY_UNITS.length);
            valid.writeByte(0x10 | (config.crcEnabled() ? 0b1000 : 0)).writeByte(config.windowPow2())
                    .writeShort(8 + RECOVERY_UNITS.length).writeInt(0).writeBytes(RECOVERY_UNITS);
            feed(valid, valid.readableBytes());
            assertArrayEquals(RECOVERY_BYTES, tail.lastOut, "the decoder did not recover");
            finishStream();
        }

        void finishStream() {
            ch.finishAndReleaseAll();
            tail.checkErrors(stream);
            for (ByteBuf b : fed) {
                assertEquals(0, b.refCnt(), "a fed buffer was not released");
            }
        }
    }

    /** Releases every message, keeps the last decoded bytes, records every exception. */
    private static final class Tail extends ChannelInboundHandlerAdapter {
        final List<Throwable> errors = new ArrayList<>();
        long outBytes;
        long outCapacity;
        long maxCapacity;
        byte[] lastOut;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf) {
                    ByteBuf b = (ByteBuf) msg;
                    outBytes += b.readableBytes();
                    outCapacity += b.capacity();
                    maxCapacity = Math.max(maxCapacity, b.capacity());
                    lastOut = new byte[b.readableBytes()];
                    b.getBytes(b.readerIndex(), lastOut);
                } else if (!(msg instanceof PacketFsSync) && !(msg instanceof PacketFsControlUnit)) {
                    errors.add(new AssertionError("unexpected message " + msg));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        void checkErrors(boolean stream) {
            for (Throwable t : errors) {
                boolean allowed = t instanceof PacketFsException
                        || stream && (t instanceof TooLongFrameException || t instanceof CorruptedFrameException);
                if (!allowed) {
                    throw new AssertionError("undocumented exception: " + t, t);
                }
            }
            errors.clear();
        }
    }
}
