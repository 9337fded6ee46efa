package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.packetfs.codec.pool.PacketFsPoolCodecTest.unit;
import static io.packetfs.codec.pool.PacketFsPoolCodecTest.uv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Copies from the stream's earlier output (docs/PROTOCOL.md 8.7, odd GEN sources and the history cursor): round
 * trips of content that repeats but is not in the pool, whole, byte by byte and in pieces, plain and coded; the
 * receiver's 64 KiB and its breaks; hostile history references.
 */
class PacketFsHistoryCopyTest {

    private static PacketFsPool pool;

    @BeforeAll
    static void openPool() {
        pool = PacketFsPool.synthetic(1 << 20, 11, PacketFsPoolGeometry.DEFAULT);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    /**
     * Seeded input that repeats itself but not the pool: blocks of new bytes, each repeated later (within 64 KiB,
     * sometimes edited), runs of one byte and short periods (copies longer than their distance), pool data between.
     */
    static byte[] repetitive(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 1024);
        List<byte[]> recent = new ArrayList<>();
        while (out.size() < n) {
            switch (r.nextInt(6)) {
                case 0: { // new bytes, remembered
                    byte[] b = PacketFsPoolTestSupport.random(r.nextLong(), 16 + r.nextInt(2000));
                    recent.add(b);
                    if (recent.size() > 8) {
                        recent.remove(0);
                    }
                    out.writeBytes(b);
                    break;
                }
                case 1: // a recent block again, perhaps edited
                case 2: {
                    if (recent.isEmpty()) {
                        break;
                    }
                    byte[] b = recent.get(r.nextInt(recent.size())).clone();
                    for (int k = r.nextInt(3); k > 0; k--) {
                        b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                    }
                    out.writeBytes(b);
                    break;
                }
                case 3: { // a run of one byte, or a short period repeated
                    int period = r.nextBoolean() ? 1 : 2 + r.nextInt(40);
                    byte[] p = PacketFsPoolTestSupport.random(r.nextLong(), period);
                    for (int i = 0, len = 20 + r.nextInt(3000); i < len; i++) {
                        out.write(p[i % period]);
                    }
                    break;
                }
                default: // pool data
                    out.writeBytes(PacketFsPoolTestSupport.slice(pool, r.nextLong(pool.size() - 5000),
                            100 + r.nextInt(4000)));
                    break;
            }
        }
        return out.toByteArray();
    }

    static List<PacketFsCopyUnit> encode(byte[] in, boolean coded, int writeSize) {
        List<PacketFsCopyUnit> units = new ArrayList<>();
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT,
                PacketFsPoolEncoder.DEFAULT_MAX_BODY, coded);
        for (int at = 0; at < in.length; at += writeSize) {
            ByteBuf chunk = Unpooled.wrappedBuffer(in, at, Math.min(writeSize, in.length - at));
            e.encode(chunk, units::add);
            assertEquals(0, chunk.readableBytes());
        }
        e.finish(units::add);
        assertThat(e.historyBytes()).as("bytes copied from the history").isGreaterThan(in.length / 4);
        return units;
    }

    static byte[] bodies(List<PacketFsCopyUnit> units) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (PacketFsCopyUnit u : units) {
            all.write(u.coded() ? 1 : 0);
            byte[] b = new byte[u.bodyLength()];
            u.content().getBytes(u.content().readerIndex(), b);
            all.writeBytes(b);
        }
        return all.toByteArray();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void repeatedContentIsCopiedFromTheHistoryAndDecodesWholeByteByByteAndInPieces(long seed) {
        byte[] in = repetitive(seed, 80_000 + (int) seed * 7_000); // past 64 KiB: the ring wraps
        for (boolean coded : new boolean[] {true, false}) {
            List<PacketFsCopyUnit> whole = encode(in, coded, in.length);
            List<PacketFsCopyUnit> bytewise = encode(in, coded, 1);
            List<PacketFsCopyUnit> chunked = encode(in, coded, 4093);
            try {
                // the units do not depend on how the input was cut
                assertArrayEquals(bodies(whole), bodies(bytewise));
                assertArrayEquals(bodies(whole), bodies(chunked));
                assertArrayEquals(in, PacketFsCopyCoderTest.decode(pool, whole));
                if (coded) {
                    assertThat(whole).anyMatch(PacketFsCopyUnit::coded);
                }
                // the repeats cost far less than their bytes
                assertThat(PacketFsCopyCoderTest.bodyBytes(whole)).isLessThan(in.length / 2);
                // pieces of 1 byte are slow under paranoid leak detection: one seed is enough
                for (int piece : seed == 1 ? new int[] {1, 7, 4096} : new int[] {7, 4096}) {
                    PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    for (PacketFsCopyUnit u : whole) {
                        d.decode(u, piece, UnpooledByteBufAllocator.DEFAULT, b -> {
                            assertThat(b.readableBytes()).isBetween(1, piece);
                            byte[] a = new byte[b.readableBytes()];
                            b.readBytes(a);
                            got.writeBytes(a);
                            assertTrue(b.release());
                        });
                        assertEquals(1, u.refCnt());
                    }
                    assertArrayEquals(in, got.toByteArray(), "pieces of " + piece);
                }
            } finally {
                PacketFsCopyCoderTest.release(whole);
                PacketFsCopyCoderTest.release(bytewise);
                PacketFsCopyCoderTest.release(chunked);
            }
        }
    }

    @Test
    void theHistoryReachesBack64KiBAndNoFurther() {
        // a block, 70,000 bytes of pool data, the block again: too far back for the history, so literals again
        byte[] block = PacketFsPoolTestSupport.random(5, 3000);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(block);
        s.writeBytes(PacketFsPoolTestSupport.slice(pool, 1000, 70_000));
        s.writeBytes(block);
        byte[] in = s.toByteArray();
        List<PacketFsCopyUnit> units = new ArrayList<>();
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool);
        e.encode(Unpooled.wrappedBuffer(in), units::add);
        e.finish(units::add);
        try {
            assertEquals(0, e.historyBytes());
            assertEquals(2 * block.length, e.literalBytes());
            assertArrayEquals(in, PacketFsCopyCoderTest.decode(pool, units));
        } finally {
            PacketFsCopyCoderTest.release(units);
        }
    }

    /** {@code ABCD}, then V40's second unit: a copy longer than its distance, a SUB in the history, the pool. */
    private static final String FIRST = "00 c0 04 41424344 00";
    private static final String SECOND = "00 c8 00 07 03 78 c4 00 " + uv(128 << 1);

    @Test
    void historyCopiesRepeatContinueAndReturnToThePool() {
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        PacketFsCopyUnit a = unit(FIRST);
        PacketFsCopyUnit b = unit(SECOND);
        try {
            d.decode(a, out);
            d.decode(b, out);
            byte[] got = new byte[out.readableBytes()];
            out.readBytes(got);
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            want.writeBytes("ABCDABCDABCDxBCD".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            want.writeBytes(PacketFsPoolTestSupport.slice(pool, 64, 4));
            assertArrayEquals(want.toByteArray(), got);
        } finally {
            assertTrue(a.release());
            assertTrue(b.release());
            out.release();
        }
    }

    @Test
    void aRefusedUnitOrAnUpstreamErrorBreaksTheHistory() {
        PacketFsPoolDecoderHandler handler = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool));
        List<Throwable> errors = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EmbeddedChannel rx = new EmbeddedChannel(handler, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                bytes.writeBytes(a);
                b.release();
            }

            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
            }
        });
        rx.writeInbound(unit(FIRST));
        rx.writeInbound(unit(SECOND));
        assertEquals(20, bytes.size());
        assertThat(errors).isEmpty();
        // a refused unit: the next history copy is refused too, nothing appended
        rx.writeInbound(unit("00 c0 05 41"));
        rx.writeInbound(unit(SECOND));
        assertEquals(20, bytes.size());
        assertThat(errors).hasSize(2);
        assertThat(errors.get(1)).isInstanceOfSatisfying(PacketFsException.class, e -> {
            assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason());
            assertThat(e.getMessage()).contains("holds only 0 bytes");
        });
        // the stream goes on: new output is history again
        rx.writeInbound(unit(FIRST));
        rx.writeInbound(unit(SECOND));
        assertEquals(40, bytes.size());
        assertThat(errors).hasSize(2);
        // an error reported upstream (a lost window) breaks it as well, and passes on
        PacketFsException lost = new PacketFsException(PacketFsException.Reason.MISSING_WINDOW, "window 7 lost");
        rx.pipeline().fireExceptionCaught(lost);
        assertThat(errors).hasSize(3).last().isSameAs(lost);
        rx.writeInbound(unit(SECOND));
        assertEquals(40, bytes.size());
        assertThat(errors).hasSize(4).last().isInstanceOfSatisfying(PacketFsException.class,
                e -> assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason()));
        assertEquals(3, handler.errors());
        assertEquals(false, rx.finish());
    }

    /**
     * A run of literals that nearly fills a unit, then a history copy (found a few bytes late by the lazy step): the
     * copy's source and length must still fit the unit (they overflowed its body once, plain bodies of 64 and 1,480).
     */
    @ParameterizedTest(name = "maxBody {0}")
    @ValueSource(ints = {64, 256, 1480})
    void aCopyAfterALongLiteralRunStillFitsItsUnit(int maxBody) {
        SplittableRandom r = new SplittableRandom(1);
        byte[] p = PacketFsPoolTestSupport.random(r.nextLong(), 10);
        byte[] q = PacketFsPoolTestSupport.random(r.nextLong(), 300);
        PacketFsPoolEncoder[] encoders = {
            new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT, maxBody, false),
            new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT, maxBody, true)};
        // (it overflowed at 22 literals and a gap of 6 for 64 bytes, at 1,143 literals for 1,480)
        int from = maxBody == 1480 ? 1100 : 0;
        for (int run = from; run < from + 200; run++) {
            for (int gap = 1; gap < 16; gap++) {
                ByteArrayOutputStream s = new ByteArrayOutputStream();
                s.writeBytes(p);
                s.writeBytes(q);
                s.writeBytes(PacketFsPoolTestSupport.random(run * 31L + gap, run));
                s.writeBytes(p);
                s.writeBytes(PacketFsPoolTestSupport.random(run * 37L + gap, gap));
                s.writeBytes(q);
                byte[] in = s.toByteArray();
                for (PacketFsPoolEncoder e : encoders) {
                    List<PacketFsCopyUnit> units = new ArrayList<>();
                    e.encode(Unpooled.wrappedBuffer(in), units::add);
                    e.finish(units::add);
                    try {
                        assertThat(units).allSatisfy(u -> assertThat(u.bodyLength()).isLessThanOrEqualTo(maxBody));
                        assertArrayEquals(in, PacketFsCopyCoderTest.decode(pool, units), "run " + run + " gap " + gap);
                    } finally {
                        PacketFsCopyCoderTest.release(units);
                    }
                }
            }
        }
    }

    @Test
    void aGapInTheFramesBreaksTheHistory() {
        // frames 0 and 1 carry V40's units; frame 3 (2 was lost) carries the second one again: refused
        PacketFsPoolDecoderHandler handler = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool));
        List<Object> events = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel rx = new EmbeddedChannel(new io.packetfs.codec.PacketFsTierDecoder(
                io.packetfs.codec.PacketFsConfig.builder().crcEnabled(false).build()), handler,
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        events.add(((ByteBuf) msg).readableBytes());
                        ((ByteBuf) msg).release();
                    }

                    @Override
                    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                        events.add(evt);
                    }

                    @Override
                    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                    }
                });
        rx.writeInbound(frame(0, FIRST));
        rx.writeInbound(frame(1, SECOND));
        assertEquals(List.of(4, 16), events);
        rx.writeInbound(frame(3, SECOND));
        assertEquals(List.of(4, 16, io.packetfs.codec.PacketFsStreamGap.INSTANCE), events);
        assertThat(errors).singleElement().isInstanceOfSatisfying(PacketFsException.class,
                e -> assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason()));
        rx.writeInbound(frame(4, FIRST));
        rx.writeInbound(frame(5, SECOND));
        assertEquals(List.of(4, 16, io.packetfs.codec.PacketFsStreamGap.INSTANCE, 4, 16), events);
        assertEquals(false, rx.finish());
    }

    /** A frame (docs/PROTOCOL.md 3) of one COPY unit with {@code body}, at Sequence Number {@code sequence}. */
    private static ByteBuf frame(int sequence, String body) {
        byte[] b = io.netty.buffer.ByteBufUtil.decodeHexDump(body.replace(" ", ""));
        ByteBuf f = Unpooled.buffer();
        f.writeByte(0x10).writeByte(16).writeShort(8 + 3 + b.length).writeInt(sequence);
        f.writeByte(0xF8).writeShort(b.length).writeBytes(b);
        return f;
    }

    @Test
    void aUnitAcceptedButNotAppendedBreaksTheHistory() {
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        ByteBuf small = Unpooled.buffer(0, 2);
        PacketFsCopyUnit a = unit(FIRST);
        PacketFsCopyUnit b = unit(FIRST);
        PacketFsCopyUnit c = unit(SECOND);
        try {
            d.decode(a, out);
            // the second ABCD does not fit its output: nothing appended, and the history knows it
            assertThatThrownBy(() -> d.decode(b, small)).isInstanceOf(IndexOutOfBoundsException.class);
            assertEquals(0, small.readableBytes());
            assertThatThrownBy(() -> d.decode(c, out)).isInstanceOfSatisfying(PacketFsException.class,
                    e -> assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason()));
            assertEquals(4, out.readableBytes());
        } finally {
            assertTrue(a.release());
            assertTrue(b.release());
            assertTrue(c.release());
            out.release();
            small.release();
        }
    }

    @Test
    void hostileHistoryReferencesAreRefusedAndAppendNothing() {
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        String[][] cases = {
            // 5 literals, then a copy from 6 back: before the stream began
            {"00 c5 05 4142434445 0b", "holds only 5 bytes"},
            // the distance 65,537: more than a receiver keeps
            {"00 c5 05 4142434445 " + uv(65_536L << 1 | 1), "more than the 65536"},
            // a copy from 1 back, then DEL: its copy would start at the output's end
            {"00 c1 01 41 01 81", "past the output's end"},
        };
        try {
            for (String[] c : cases) {
                PacketFsCopyUnit u = unit(c[0]);
                assertThatThrownBy(() -> d.decode(u, out)).isInstanceOfSatisfying(PacketFsException.class, e -> {
                    assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason(), e.getMessage());
                    assertThat(e.getMessage()).contains(c[1]).contains("unit dropped");
                });
                assertTrue(u.release());
                assertEquals(0, out.readableBytes());
            }
            // one literal repeated to the 16 MiB bound by a copy from 1 back: allowed, exactly that long
            PacketFsCopyUnit run = unit("00 ff 01 5a 01 " + uv(PacketFsCopyUnit.MAX_OUTPUT - 1 - 63));
            assertEquals(PacketFsCopyUnit.MAX_OUTPUT, d.decodedLength(run));
            d.decode(run, out);
            assertEquals(PacketFsCopyUnit.MAX_OUTPUT, out.readableBytes());
            assertEquals(0x5A, out.getByte(PacketFsCopyUnit.MAX_OUTPUT - 1));
            assertTrue(run.release());
            PacketFsCopyUnit more = unit("00 ff 01 5a 01 " + uv(PacketFsCopyUnit.MAX_OUTPUT - 63));
            assertThatThrownBy(() -> d.decodedLength(more)).isInstanceOfSatisfying(PacketFsException.class,
                    e -> assertEquals(PacketFsException.Reason.REF_OUT_OF_POOL, e.reason()));
            assertTrue(more.release());
        } finally {
            out.release();
        }
    }
}
