package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolDecoderHandler;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Runs every test vector of docs/PROTOCOL.md through the receiving pipeline (whole frames, and as a byte stream fed
 * byte by byte and split at every point) and, for {@code encode: yes} vectors, through the sending pipeline.
 */
class PacketFsProtocolVectorsTest {

    static List<ProtocolVectors.Vector> vectors() {
        return ProtocolVectors.load();
    }

    static List<ProtocolVectors.Vector> streamableVectors() {
        return vectors().stream().filter(ProtocolVectors.Vector::streamable).collect(Collectors.toList());
    }

    static List<ProtocolVectors.Vector> encodableVectors() {
        return vectors().stream().filter(v -> v.encode).collect(Collectors.toList());
    }

    @Test
    void documentHasTheVectorsTheIssueAsksFor() {
        List<ProtocolVectors.Vector> all = vectors();
        assertThat(all).hasSizeGreaterThanOrEqualTo(18);
        assertThat(all.stream().map(v -> v.id)).doesNotHaveDuplicates();
        List<String> expects = all.stream().flatMap(v -> v.expect.stream()).collect(Collectors.toList());
        for (String needed : new String[] {"REFS L1", "REFS L2", "REFS L3", "MISMATCH", "ERROR TRUNCATED", "SKIP",
                "ERROR CRC_MISMATCH", "SYNC FFFF", "SYNC 0000", "COPY "}) {
            assertThat(expects).anyMatch(e -> e.contains(needed));
        }
    }

    @ParameterizedTest(name = "{0} whole frames")
    @MethodSource("vectors")
    void decodesWholeFrames(ProtocolVectors.Vector v) {
        Receiver rx = new Receiver(v, false);
        List<ByteBuf> fed = new ArrayList<>();
        for (byte[] frame : v.frames) {
            ByteBuf buf = Unpooled.buffer(frame.length + 8).writerIndex(3).readerIndex(3).writeBytes(frame);
            fed.add(buf);
            rx.channel.writeInbound(buf);
        }
        rx.assertMatches(v);
        for (ByteBuf buf : fed) {
            assertEquals(0, buf.refCnt());
        }
    }

    @ParameterizedTest(name = "{0} byte by byte")
    @MethodSource("streamableVectors")
    void decodesByteByByte(ProtocolVectors.Vector v) {
        Receiver rx = new Receiver(v, true);
        List<ByteBuf> fed = new ArrayList<>();
        for (byte[] frame : v.frames) {
            for (byte b : frame) {
                ByteBuf one = Unpooled.buffer(1).writeByte(b);
                fed.add(one);
                rx.channel.writeInbound(one);
            }
        }
        rx.assertMatches(v);
        for (ByteBuf buf : fed) {
            assertEquals(0, buf.refCnt());
        }
    }

    @ParameterizedTest(name = "{0} split at every point")
    @MethodSource("streamableVectors")
    void decodesSplitAtEveryPoint(ProtocolVectors.Vector v) {
        byte[] all = concat(v.frames);
        for (int split = 1; split < all.length; split++) {
            Receiver rx = new Receiver(v, true);
            ByteBuf a = Unpooled.wrappedBuffer(all, 0, split);
            ByteBuf b = Unpooled.wrappedBuffer(all, split, all.length - split);
            rx.channel.writeInbound(a);
            rx.channel.writeInbound(b);
            rx.assertMatches(v);
            assertEquals(0, a.refCnt());
            assertEquals(0, b.refCnt());
        }
    }

    @ParameterizedTest(name = "{0} encodes to the same bytes")
    @MethodSource("encodableVectors")
    void encodesToTheDocumentedBytes(ProtocolVectors.Vector v) {
        assertEquals(1, v.frames.size(), "encode vectors hold one frame");
        byte[] expected = v.frames.get(0);
        int sequence = ((expected[4] & 0xFF) << 24) | ((expected[5] & 0xFF) << 16) | ((expected[6] & 0xFF) << 8)
                | (expected[7] & 0xFF);
        EmbeddedChannel tx = new EmbeddedChannel(new PacketFsTierEncoder(v.config, sequence),
                new PacketFsSyncInserter(v.config, v.firstWindow, null));
        for (String e : v.expect) {
            if (e.startsWith("REFS ")) {
                String[] t = e.split(" ");
                PacketFsTier tier = PacketFsTier.valueOf(t[1]);
                int[] refs = new int[t.length - 2];
                for (int i = 0; i < refs.length; i++) {
                    refs[i] = (int) Long.parseLong(t[i + 2], 16);
                }
                tx.write(PacketFsRefs.pack(tx.alloc(), tier, refs, 0, refs.length));
            } else if (e.startsWith("COPY ")) {
                tx.write(new PacketFsCopyUnit(Unpooled.wrappedBuffer(ProtocolVectors.hex(e.substring(5)))));
            } else if (e.startsWith("CODED ")) {
                tx.write(new PacketFsCopyUnit(Unpooled.wrappedBuffer(ProtocolVectors.hex(e.substring(6))), true));
            } else if (e.startsWith("CONTROL ")) {
                String[] t = e.split(" ", 3);
                byte[] body = t.length > 2 ? ProtocolVectors.hex(t[2]) : new byte[0];
                tx.write(new PacketFsControlUnit(Integer.parseInt(t[1], 16), Unpooled.wrappedBuffer(body)));
            }
        }
        tx.flushOutbound();
        ByteBuf frame = tx.readOutbound();
        try {
            assertEquals(ByteBufUtil.hexDump(expected), ByteBufUtil.hexDump(frame));
        } finally {
            frame.release();
        }
        assertEquals(0, frame.refCnt());
        assertNull(tx.readOutbound());
        assertFalse(tx.finish());
    }

    static List<ProtocolVectors.Vector> poolVectors() {
        return vectors().stream().filter(v -> v.poolSize >= 0).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0} decodes against its pool")
    @MethodSource("poolVectors")
    void decodesAgainstThePool(ProtocolVectors.Vector v) throws java.io.IOException {
        assertThat(v.decoded).isNotEmpty();
        try (PacketFsPool pool = openPool(v)) {
            EventRecorder recorder = new EventRecorder();
            EmbeddedChannel rx = new EmbeddedChannel(new PacketFsTierDecoder(v.config), new PacketFsCrcWindowChecker(),
                    new PacketFsSyncValidator(v.config, v.firstWindow, null),
                    new PacketFsPoolDecoderHandler(new PacketFsPoolDecoder(pool)), recorder);
            for (byte[] frame : v.frames) {
                ByteBuf buf = Unpooled.wrappedBuffer(frame);
                rx.writeInbound(buf);
                assertEquals(0, buf.refCnt());
            }
            List<String> got = recorder.events.stream().filter(e -> e.startsWith("BYTES ") || e.startsWith("ERROR "))
                    .collect(Collectors.toList());
            assertEquals(v.decoded, got, v.toString());
            assertNull(rx.readInbound());
            assertFalse(rx.finish());
        }
    }

    static List<ProtocolVectors.Vector> poolEncodedVectors() {
        return vectors().stream().filter(v -> v.poolSize >= 0 && v.encode && v.decoded.size() == 1
                && v.decoded.get(0).startsWith("BYTES ")).collect(Collectors.toList());
    }

    /** The vectors that say "this is what PacketFsPoolEncoder sends": its units for the decoded bytes are theirs. */
    @ParameterizedTest(name = "{0} is what the pool encoder sends")
    @MethodSource("poolEncodedVectors")
    void poolEncoderSendsTheDocumentedUnits(ProtocolVectors.Vector v) throws java.io.IOException {
        byte[] input = ProtocolVectors.hex(v.decoded.get(0).substring(6));
        List<String> expected = v.expect.stream().filter(e -> e.startsWith("COPY ") || e.startsWith("CODED "))
                .collect(Collectors.toList());
        try (PacketFsPool pool = openPool(v)) {
            List<String> got = new ArrayList<>();
            io.packetfs.codec.pool.PacketFsPoolEncoder encoder = new io.packetfs.codec.pool.PacketFsPoolEncoder(pool);
            io.packetfs.codec.pool.PacketFsPoolCopySink sink = unit -> {
                got.add((unit.coded() ? "CODED " : "COPY ")
                        + io.netty.buffer.ByteBufUtil.hexDump(unit.content()).toUpperCase());
                unit.release();
            };
            encoder.encode(Unpooled.wrappedBuffer(input), sink);
            encoder.finish(sink);
            assertEquals(expected, got, v.toString());
        }
    }

    /** The vector's pool: synthetic, or its bytes written to a temporary file (deleted on exit). */
    static PacketFsPool openPool(ProtocolVectors.Vector v) throws java.io.IOException {
        if (v.poolBytes == null) {
            return PacketFsPool.synthetic(v.poolSize, v.poolSeed, PacketFsPoolGeometry.DEFAULT);
        }
        java.nio.file.Path f = java.nio.file.Files.createTempFile("packetfs-vector-pool", ".bin");
        f.toFile().deleteOnExit();
        java.nio.file.Files.write(f, v.poolBytes);
        return PacketFsPool.open(f, PacketFsPoolGeometry.DEFAULT);
    }

    private static byte[] concat(List<byte[]> frames) {
        int n = 0;
        for (byte[] f : frames) {
            n += f.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] f : frames) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        return all;
    }

    /** The receiving pipeline: [stream framer] tier decoder, CRC checker, window validator, recorder. */
    private static final class Receiver {
        final PacketFsTierDecoder decoder;
        final EventRecorder recorder = new EventRecorder();
        final EmbeddedChannel channel;

        Receiver(ProtocolVectors.Vector v, boolean stream) {
            decoder = new PacketFsTierDecoder(v.config);
            channel = new EmbeddedChannel();
            if (stream) {
                channel.pipeline().addLast(PacketFsTierDecoder.newStreamFramer(v.config));
            }
            channel.pipeline().addLast(decoder, new PacketFsCrcWindowChecker(),
                    new PacketFsSyncValidator(v.config, v.firstWindow, null), recorder);
        }

        void assertMatches(ProtocolVectors.Vector v) {
            List<String> expected = v.expect.stream().filter(e -> !e.startsWith("SKIP"))
                    .collect(Collectors.toList());
            long skips = v.expect.stream().filter(e -> e.startsWith("SKIP")).count();
            assertEquals(expected, recorder.events, v.toString());
            assertEquals(skips, decoder.unknownControlUnits(), "unknown control units skipped");
            for (Throwable t : recorder.errors) {
                assertThat(t).isInstanceOf(PacketFsException.class);
            }
            assertNull(channel.readInbound());
            assertFalse(channel.finish());
        }
    }
}
