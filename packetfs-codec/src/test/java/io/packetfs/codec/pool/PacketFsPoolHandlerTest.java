package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsCrcWindowChecker;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsSyncValidator;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierDecoder;
import io.packetfs.codec.PacketFsTierEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.packetfs.codec.pool.PacketFsPoolTestSupport.SMALL;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.edit;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketFsPoolEncoderHandler} and {@link PacketFsPoolDecoderHandler} in the full pipelines (SYNC inserter,
 * tier encoder; tier decoder, CRC checker, window validator): bytes in, the same bytes out, every buffer released;
 * {@link PacketFsPoolWireMeter} counts exactly the frame bytes the real encoder produces.
 */
class PacketFsPoolHandlerTest {

    static PacketFsPool pool;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(200_000, 77, SMALL);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {1, 2, 3})
    void bytesCrossThePipelinesAndTheMeterMatchesTheFrames(long seed) {
        PacketFsConfig config = PacketFsConfig.builder().windowPow2(10).build();
        byte[] in = edit(slice(pool, 3 + seed, 150_000), seed, 25, 50);

        PacketFsPoolEncoderHandler encoder = new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool));
        PacketFsSyncInserter inserter = new PacketFsSyncInserter(config);
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(config), inserter, encoder);
        SplittableRandom r = new SplittableRandom(seed);
        List<ChannelFuture> writes = new ArrayList<>();
        List<ByteBuf> inputs = new ArrayList<>();
        for (int at = 0; at < in.length; ) {
            int n = Math.min(in.length - at, 1 + r.nextInt(20_000));
            ByteBuf chunk = Unpooled.copiedBuffer(in, at, n);
            inputs.add(chunk);
            writes.add(tx.write(chunk));
            at += n;
        }
        writes.add(tx.write(PacketFsCloseWindow.INSTANCE));
        tx.flush();
        for (ChannelFuture f : writes) {
            assertTrue(f.isSuccess(), String.valueOf(f.cause()));
        }
        for (ByteBuf b : inputs) {
            assertEquals(0, b.refCnt());
        }
        List<ByteBuf> frames = new ArrayList<>();
        for (ByteBuf b; (b = tx.readOutbound()) != null; ) {
            frames.add(b);
        }
        assertFalse(tx.finish());

        // the same input through the encoder core and the meter gives the same number of wire bytes
        PacketFsPoolWireMeter meter = new PacketFsPoolWireMeter(config);
        PacketFsPoolEncoder core = new PacketFsPoolEncoder(pool);
        ByteBuf whole = Unpooled.wrappedBuffer(in);
        core.encode(whole, meter);
        core.finish(meter);
        meter.closeWindow();
        whole.release();
        long wire = 0;
        for (ByteBuf f : frames) {
            wire += f.readableBytes();
        }
        assertEquals(meter.wireBytes(), wire, meter.toString());
        assertEquals(meter.frames(), frames.size());
        assertEquals(meter.syncs(), inserter.syncsEmitted());

        PacketFsPoolDecoderHandler decoder = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool));
        Collector sink = new Collector();
        PacketFsSyncValidator validator = new PacketFsSyncValidator(config);
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(config), new PacketFsCrcWindowChecker(),
                validator, decoder, sink);
        for (ByteBuf f : frames) {
            rx.writeInbound(f);
            assertEquals(0, f.refCnt());
        }
        assertThat(sink.errors).isEmpty();
        assertArrayEquals(in, sink.bytes.toByteArray());
        assertEquals(inserter.syncsEmitted(), sink.syncs);
        assertEquals(inserter.syncsEmitted(), validator.windowsValid());
        assertNull(rx.readInbound());
        assertFalse(rx.finish());
    }

    @Test
    void anOutOfPoolRunIsReportedAndTheNextRunDecodes() {
        PacketFsPoolDecoderHandler decoder = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool));
        Collector sink = new Collector();
        EmbeddedChannel rx = new EmbeddedChannel(decoder, sink);
        PacketFsRefs bad = PacketFsRefs.pack(rx.alloc(), PacketFsTier.L3, new int[] {1, 1 << 20}, 0, 2);
        rx.writeInbound(bad);
        assertEquals(0, bad.refCnt());
        assertThat(sink.errors).singleElement().isInstanceOf(PacketFsPoolException.class);
        assertEquals(1, decoder.errors());
        assertEquals(1, decoder.decoder().refsRejected());
        assertEquals(0, sink.bytes.size());
        PacketFsRefs good = PacketFsRefs.pack(rx.alloc(), PacketFsTier.L3, new int[] {1}, 0, 1);
        rx.writeInbound(good);
        assertArrayEquals(slice(pool, 128, 128), sink.bytes.toByteArray());
        rx.writeInbound(PacketFsSync.withCrc(3, 0x1234));
        assertEquals(1, sink.syncs);
        assertFalse(rx.finish());
    }

    @Test
    void aBadCopyUnitIsReportedAndTheNextUnitDecodes() {
        PacketFsPoolDecoderHandler decoder = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool));
        Collector sink = new Collector();
        EmbeddedChannel rx = new EmbeddedChannel(decoder, sink);
        PacketFsCopyUnit bad = PacketFsPoolCodecTest.unit("00 ff 00 " + PacketFsPoolCodecTest.uv(4 * 190_000)
                + PacketFsPoolCodecTest.uv(20_000 - 63)); // 20,000 bytes from 190,000: past the 200,000-byte pool
        rx.writeInbound(bad);
        assertEquals(0, bad.refCnt());
        assertThat(sink.errors).singleElement().isInstanceOfSatisfying(PacketFsException.class,
                e -> assertEquals(PacketFsException.Reason.REF_OUT_OF_POOL, e.reason()));
        assertEquals(1, decoder.errors());
        assertEquals(1, decoder.decoder().copyUnitsRejected());
        PacketFsCopyUnit cut = PacketFsPoolCodecTest.unit("00 c0 09 01");
        rx.writeInbound(cut);
        assertEquals(0, cut.refCnt());
        assertThat(sink.errors).hasSize(2).last().isInstanceOfSatisfying(PacketFsException.class,
                e -> assertEquals(PacketFsException.Reason.TRUNCATED, e.reason()));
        assertEquals(0, sink.bytes.size());
        PacketFsCopyUnit good = PacketFsPoolCodecTest.unit("00 ff 00 " + PacketFsPoolCodecTest.uv(4 * 1000) + "25");
        rx.writeInbound(good);
        assertEquals(0, good.refCnt());
        assertArrayEquals(slice(pool, 1000, 100), sink.bytes.toByteArray());
        assertEquals(1, decoder.copyUnitsDecoded());
        assertFalse(rx.finish());
    }

    @ParameterizedTest(name = "piece={0}")
    @ValueSource(ints = {1, 7, 100, 4096, 65_536})
    void aCopyUnitDecodedInPiecesGivesTheSameBytesInBuffersOfAtMostThePieceSize(int piece) {
        byte[] input = edit(slice(pool, 5_000, 150_000), 41, 30, 40);
        List<PacketFsCopyUnit> units = new ArrayList<>();
        PacketFsPoolEncoder encoder = new PacketFsPoolEncoder(pool);
        ByteBuf chunk = Unpooled.wrappedBuffer(input);
        encoder.encode(chunk, units::add);
        encoder.finish(units::add);
        chunk.release();
        PacketFsPoolDecoderHandler decoder = new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool), piece);
        Collector sink = new Collector();
        List<Integer> sizes = sink.sizes;
        EmbeddedChannel rx = new EmbeddedChannel(decoder, sink);
        for (PacketFsCopyUnit unit : units) {
            rx.writeInbound(unit);
            assertEquals(0, unit.refCnt());
        }
        assertArrayEquals(input, sink.bytes.toByteArray());
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(1, piece));
        assertEquals(units.size(), decoder.copyUnitsDecoded());
        assertEquals(input.length, decoder.decoder().bytesOut());
        // a bad unit hands over no piece at all: the whole body is checked first
        PacketFsCopyUnit bad = PacketFsPoolCodecTest.unit("00 ff 00 " + PacketFsPoolCodecTest.uv(4 * 190_000)
                + PacketFsPoolCodecTest.uv(20_000 - 63));
        int before = sizes.size();
        rx.writeInbound(bad);
        assertEquals(0, bad.refCnt());
        assertEquals(before, sizes.size());
        assertThat(sink.errors).singleElement().isInstanceOf(PacketFsException.class);
        assertFalse(rx.finish());
    }

    @Test
    void theLibraryCallDecodesInPiecesToo() {
        PacketFsCopyUnit unit = PacketFsPoolCodecTest.unit("00 ff 00 " + PacketFsPoolCodecTest.uv(4 * 1000)
                + PacketFsPoolCodecTest.uv(1000 - 63)); // 1,000 bytes from 1,000
        List<ByteBuf> pieces = new ArrayList<>();
        new PacketFsPoolDecoder(pool).decode(unit, 300, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, pieces::add);
        assertThat(pieces).extracting(ByteBuf::readableBytes).containsExactly(300, 300, 300, 100);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuf b : pieces) {
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            all.writeBytes(a);
            assertTrue(b.release());
        }
        assertArrayEquals(slice(pool, 1000, 1000), all.toByteArray());
        assertTrue(unit.release());
    }

    @Test
    void otherOutboundMessagesPassAndTheOpenCopyWaitsForFlushOrCloseWindow() {
        PacketFsPoolEncoderHandler encoder = new PacketFsPoolEncoderHandler(new PacketFsPoolEncoder(pool));
        EmbeddedChannel tx = new EmbeddedChannel(encoder);
        ByteBuf part = Unpooled.copiedBuffer(slice(pool, 1000, 100));
        ChannelFuture first = tx.write(part.retain());
        assertEquals(1, part.refCnt()); // the handler released its reference
        part.release();
        assertTrue(first.isSuccess()); // it only extended the open copy
        tx.write("other");
        tx.write(Unpooled.copiedBuffer(slice(pool, 1100, 100)));
        tx.writeOutbound(PacketFsCloseWindow.INSTANCE);
        assertEquals("other", tx.readOutbound()); // passed while the copy stayed open
        PacketFsCopyUnit unit = tx.readOutbound();
        // base 0 | GEN count 0 delta +1000 length 200: one command for both writes
        assertEquals("00ff00a01f89" + "01", io.netty.buffer.ByteBufUtil.hexDump(unit.content()));
        unit.release();
        assertEquals(PacketFsCloseWindow.INSTANCE, tx.readOutbound());
        assertNull(tx.readOutbound());
        assertFalse(tx.finish());
    }

    /** Collects decoded bytes and SYNC units; releases everything. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Throwable> errors = new ArrayList<>();
        final List<Integer> sizes = new ArrayList<>();
        int syncs;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf) {
                ByteBuf b = (ByteBuf) msg;
                sizes.add(b.readableBytes());
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                bytes.writeBytes(a);
            } else if (msg instanceof PacketFsSync) {
                syncs++;
            }
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }
}
