package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsProtocolDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Coded COPY units (docs/PROTOCOL.md 8.8): models, round trips over seeded edits, damaged and hostile bodies. */
class PacketFsCopyCoderTest {

    private static Path textFile;
    /** 512 KiB of seeded "text": words of a small vocabulary, so that the pool's order-1 model has contexts. */
    private static PacketFsPool textPool;
    private static PacketFsPool randomPool;

    @BeforeAll
    static void pools() throws IOException {
        textFile = Files.createTempFile("packetfs-text-pool", ".txt");
        Files.write(textFile, text(1, 512 * 1024));
        textPool = PacketFsPool.open(textFile, PacketFsPoolGeometry.DEFAULT);
        randomPool = PacketFsPool.synthetic(1 << 20, 3, PacketFsPoolGeometry.DEFAULT);
    }

    @AfterAll
    static void close() throws IOException {
        textPool.close();
        randomPool.close();
        Files.deleteIfExists(textFile);
    }

    static byte[] text(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = new String[400];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 1 + r.nextInt(9); k > 0; k--) {
                w.append((char) ('a' + r.nextInt(26)));
            }
            words[i] = w.toString();
        }
        StringBuilder s = new StringBuilder(n + 16);
        while (s.length() < n) {
            s.append(words[(int) Math.min(words.length - 1, -Math.log(r.nextDouble()) * 60)]);
            s.append(r.nextInt(12) == 0 ? ".\n" : " ");
        }
        return s.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void tablesAreTheDocumentsTables() throws IOException {
        String doc = Files.readString(PacketFsProtocolDocument.path());
        int[][] code = {PacketFsCopyTables.TOKEN, PacketFsCopyTables.COUNT, PacketFsCopyTables.DELTA,
            PacketFsCopyTables.LENGTH, PacketFsCopyTables.SOURCE, PacketFsCopyTables.DISTANCE};
        String[] names = {"token", "count", "delta", "length", "source", "distance"};
        for (int i = 0; i < names.length; i++) {
            Matcher m = Pattern.compile("```table " + names[i] + "\\n(.*?)```", Pattern.DOTALL).matcher(doc);
            assertTrue(m.find(), "docs/PROTOCOL.md 8.8 has no table " + names[i]);
            String[] cells = m.group(1).trim().split("\\s+");
            int[] documented = new int[cells.length];
            for (int k = 0; k < cells.length; k++) {
                documented[k] = Integer.parseInt(cells[k]);
            }
            assertArrayEquals(code[i], documented, names[i]);
            int sum = 0;
            for (int f : code[i]) {
                assertTrue(f >= 1);
                sum += f;
            }
            assertEquals(PacketFsCopyModel.TOTAL, sum, names[i]);
        }
    }

    @Test
    void normalizedModelsKeepEverySymbolAndSumToTheScale() {
        SplittableRandom r = new SplittableRandom(9);
        for (int round = 0; round < 200; round++) {
            long[] counts = new long[round % 2 == 0 ? 256 : 64];
            for (int s = 0; s < counts.length; s++) {
                counts[s] = r.nextInt(4) == 0 ? 0 : r.nextLong(1L << (1 + r.nextInt(40)));
            }
            counts[r.nextInt(counts.length)]++;
            PacketFsCopyModel m = PacketFsCopyModel.normalized(counts);
            int sum = 0;
            for (int s = 0; s < counts.length; s++) {
                assertTrue(m.freq[s] >= 1);
                assertEquals(sum, m.start[s]);
                sum += m.freq[s];
            }
            assertEquals(PacketFsCopyModel.TOTAL, sum);
        }
        assertThat(textPool.literalModel().ownContexts).isGreaterThan(20);
        assertEquals(0, PacketFsPool.synthetic(256, 7, PacketFsPoolGeometry.DEFAULT).literalModel().ownContexts);
    }

    /** Seeded edits of pool content: substitutions, insertions, deletions and block moves. */
    static byte[] edited(PacketFsPool pool, long seed, int n, int edits) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] src = PacketFsPoolTestSupport.slice(pool, r.nextLong(pool.size() - n), n);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + n / 8);
        int at = 0;
        while (at < n) {
            int run = Math.min(n - at, 1 + r.nextInt(Math.max(1, 2 * n / Math.max(1, edits))));
            out.write(src, at, run);
            at += run;
            switch (r.nextInt(5)) {
                case 0: // substitution
                    out.write(r.nextInt(256));
                    at++;
                    break;
                case 1: // insertion of words or bytes
                    byte[] ins = r.nextBoolean() ? text(r.nextLong(), 1 + r.nextInt(40))
                            : PacketFsPoolTestSupport.random(r.nextLong(), 1 + r.nextInt(40));
                    out.writeBytes(ins);
                    break;
                case 2: // deletion
                    at += 1 + r.nextInt(30);
                    break;
                case 3: // a block moved here from elsewhere in the pool
                    out.writeBytes(PacketFsPoolTestSupport.slice(pool, r.nextLong(pool.size() - 600),
                            64 + r.nextInt(512)));
                    break;
                default:
                    break;
            }
        }
        return out.toByteArray();
    }

    static List<PacketFsCopyUnit> encode(PacketFsPool pool, byte[] in, boolean coded, int maxBody) {
        List<PacketFsCopyUnit> units = new ArrayList<>();
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT, maxBody, coded);
        e.encode(Unpooled.wrappedBuffer(in), units::add);
        e.finish(units::add);
        return units;
    }

    static byte[] decode(PacketFsPool pool, List<PacketFsCopyUnit> units) {
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        try {
            for (PacketFsCopyUnit u : units) {
                d.decode(u, out);
                assertEquals(1, u.refCnt());
            }
            byte[] b = new byte[out.readableBytes()];
            out.readBytes(b);
            return b;
        } finally {
            out.release();
        }
    }

    static long bodyBytes(List<PacketFsCopyUnit> units) {
        long n = 0;
        for (PacketFsCopyUnit u : units) {
            n += u.bodyLength();
        }
        return n;
    }

    static void release(List<PacketFsCopyUnit> units) {
        for (PacketFsCopyUnit u : units) {
            assertTrue(u.release());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void seededEditsDecodeToTheInputAndCodeSmaller(long seed) {
        for (PacketFsPool pool : new PacketFsPool[] {textPool, randomPool}) {
            int edits = (int) (seed * 40);
            byte[] in = edited(pool, seed, 40_000 + (int) seed * 1_000, edits);
            int maxBody = seed % 3 == 0 ? PacketFsPoolEncoder.MIN_CODED_BODY : PacketFsPoolEncoder.DEFAULT_MAX_BODY;
            List<PacketFsCopyUnit> coded = encode(pool, in, true, maxBody);
            List<PacketFsCopyUnit> plain = encode(pool, in, false, maxBody);
            try {
                assertArrayEquals(in, decode(pool, coded));
                assertArrayEquals(in, decode(pool, plain));
                assertThat(coded).anyMatch(PacketFsCopyUnit::coded);
                assertThat(plain).noneMatch(PacketFsCopyUnit::coded);
                assertThat(bodyBytes(coded)).isLessThan(bodyBytes(plain));
                for (PacketFsCopyUnit u : coded) {
                    assertThat(u.bodyLength()).isLessThanOrEqualTo(maxBody);
                }
            } finally {
                release(coded);
                release(plain);
            }
        }
    }

    @Test
    void anEncoderReusedAfterFinishSendsWhatANewOneSends() {
        // noise makes the pool's literal model lose, which the coder remembers for a few units: not across streams
        ByteArrayOutputStream mixed = new ByteArrayOutputStream();
        mixed.writeBytes(edited(textPool, 51, 20_000, 100));
        mixed.writeBytes(PacketFsPoolTestSupport.random(52, 8_000));
        mixed.writeBytes(text(53, 6_000));
        byte[] in = mixed.toByteArray();
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(textPool, UnpooledByteBufAllocator.DEFAULT,
                PacketFsPoolEncoder.DEFAULT_MAX_BODY, true);
        List<List<PacketFsCopyUnit>> runs = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            List<PacketFsCopyUnit> units = new ArrayList<>();
            e.encode(Unpooled.wrappedBuffer(in), units::add);
            e.finish(units::add);
            runs.add(units);
        }
        runs.add(encode(textPool, in, true, PacketFsPoolEncoder.DEFAULT_MAX_BODY)); // a new encoder
        try {
            List<String> first = hex(runs.get(0));
            assertThat(runs.get(0)).anyMatch(u -> u.coded() && u.content().getByte(0) == PacketFsCopyCoder.MODE_STORED);
            for (int run = 1; run < runs.size(); run++) {
                assertEquals(first, hex(runs.get(run)), "run " + run);
            }
            assertArrayEquals(in, decode(textPool, runs.get(0)));
        } finally {
            runs.forEach(PacketFsCopyCoderTest::release);
        }
    }

    private static List<String> hex(List<PacketFsCopyUnit> units) {
        List<String> h = new ArrayList<>();
        for (PacketFsCopyUnit u : units) {
            h.add((u.coded() ? "coded " : "copy ") + io.netty.buffer.ByteBufUtil.hexDump(u.content()));
        }
        return h;
    }

    @Test
    void smallBodiesStayPlain() {
        byte[] in = edited(textPool, 41, 20_000, 200);
        List<PacketFsCopyUnit> units = encode(textPool, in, true, PacketFsPoolEncoder.MIN_CODED_BODY - 1);
        try {
            assertThat(units).noneMatch(PacketFsCopyUnit::coded);
            assertArrayEquals(in, decode(textPool, units));
        } finally {
            release(units);
        }
    }

    @Test
    void bothLiteralModesOccurAndTextLiteralsUseThePoolModel() {
        byte[] words = text(77, 30_000); // not in the pool: words of another vocabulary, mostly literals
        byte[] noise = PacketFsPoolTestSupport.random(78, 30_000);
        List<PacketFsCopyUnit> t = encode(textPool, words, true, PacketFsPoolEncoder.DEFAULT_MAX_BODY);
        List<PacketFsCopyUnit> n = encode(textPool, noise, true, PacketFsPoolEncoder.DEFAULT_MAX_BODY);
        try {
            assertArrayEquals(words, decode(textPool, t));
            assertArrayEquals(noise, decode(textPool, n));
            assertThat(t).anyMatch(u -> u.coded() && u.content().getByte(0) == PacketFsCopyCoder.MODE_POOL);
            assertThat(bodyBytes(t)).isLessThan(words.length * 3L / 4);
            // random bytes: stored literals or plain units, never more than the plain form's 1.1 %
            assertThat(n).noneMatch(u -> u.coded() && u.content().getByte(0) == PacketFsCopyCoder.MODE_POOL);
            assertThat(bodyBytes(n)).isLessThan(noise.length + noise.length / 90);
        } finally {
            release(t);
            release(n);
        }
    }

    @Test
    void decodesInPiecesOfAnySize() {
        byte[] in = edited(textPool, 21, 60_000, 400);
        List<PacketFsCopyUnit> units = encode(textPool, in, true, PacketFsPoolEncoder.DEFAULT_MAX_BODY);
        try {
            for (int piece : new int[] {1, 7, 100, 4096}) {
                PacketFsPoolDecoder d = new PacketFsPoolDecoder(textPool);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (PacketFsCopyUnit u : units) {
                    d.decode(u, piece, UnpooledByteBufAllocator.DEFAULT, b -> {
                        assertThat(b.readableBytes()).isLessThanOrEqualTo(piece);
                        byte[] a = new byte[b.readableBytes()];
                        b.readBytes(a);
                        got.writeBytes(a);
                        assertTrue(b.release());
                    });
                }
                assertArrayEquals(in, got.toByteArray(), "pieces of " + piece);
            }
        } finally {
            release(units);
        }
    }

    private static final EnumSet<PacketFsException.Reason> CODING_ERRORS = EnumSet.of(
            PacketFsException.Reason.TRUNCATED, PacketFsException.Reason.BAD_CODING,
            PacketFsException.Reason.REF_OUT_OF_POOL, PacketFsException.Reason.HISTORY_UNAVAILABLE);

    @Test
    void damagedOrCutUnitsAreRefusedWithNothingAppendedAndTheNextUnitDecodes() {
        byte[] in = edited(textPool, 31, 30_000, 300);
        List<PacketFsCopyUnit> units = encode(textPool, in, true, PacketFsPoolEncoder.DEFAULT_MAX_BODY);
        SplittableRandom r = new SplittableRandom(5);
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(textPool);
        ByteBuf out = Unpooled.buffer();
        int refused = 0;
        int historyRefused = 0;
        try {
            for (int i = 0; i < units.size() - 1; i++) {
                PacketFsCopyUnit u = units.get(i);
                if (!u.coded()) {
                    continue;
                }
                byte[] body = new byte[u.bodyLength()];
                u.content().getBytes(u.content().readerIndex(), body);
                List<byte[]> bad = new ArrayList<>();
                for (int k = 0; k < 40; k++) {
                    byte[] b = body.clone();
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    bad.add(b);
                }
                for (int cut = 0; cut < body.length; cut += 1 + body.length / 50) {
                    bad.add(java.util.Arrays.copyOf(body, cut));
                }
                for (byte[] b : bad) {
                    // not wrappedBuffer: an empty one is the shared EMPTY_BUFFER, which release() never frees
                    PacketFsCopyUnit damaged = new PacketFsCopyUnit(Unpooled.buffer(b.length).writeBytes(b), true);
                    int before = out.writerIndex();
                    try {
                        d.decode(damaged, out);
                    } catch (PacketFsException e) {
                        assertThat(CODING_ERRORS).contains(e.reason());
                        assertThat(e.getMessage()).contains("unit dropped");
                        assertEquals(before, out.writerIndex(), "a refused unit appended bytes");
                        refused++;
                    } finally {
                        assertTrue(damaged.release());
                    }
                }
                // the next unit decodes, unless it copies from the stream's earlier output, which the decoder no
                // longer trusts after a refused unit: then it is refused as such, nothing appended
                PacketFsCopyUnit next = units.get(i + 1);
                out.clear();
                try {
                    d.decode(next, out);
                    assertEquals(d.decodedLength(next), out.readableBytes());
                } catch (PacketFsException e) {
                    assertEquals(PacketFsException.Reason.HISTORY_UNAVAILABLE, e.reason(), e.getMessage());
                    assertEquals(0, out.readableBytes());
                    historyRefused++;
                }
                out.clear();
            }
            assertThat(refused).isGreaterThan(0);
            assertThat(d.copyUnitsRejected()).isEqualTo(refused + historyRefused);
        } finally {
            out.release();
            release(units);
        }
    }

    @Test
    void hostileHeadersAreRefused() {
        assertRefused(PacketFsException.Reason.TRUNCATED);
        assertRefused(PacketFsException.Reason.BAD_CODING, 2, 5, 0, 0, 0x80, 0);
        assertRefused(PacketFsException.Reason.BAD_CODING, 0, 0, 0, 0, 0x80, 0);
        assertRefused(PacketFsException.Reason.BAD_CODING, 0, 0x80, 0x80, 0x04, 0, 0, 0x80, 0);
        assertRefused(PacketFsException.Reason.BAD_CODING, 0, 0x81, 0x80, 0x80, 0x00, 0, 0, 0x80, 0);
        assertRefused(PacketFsException.Reason.TRUNCATED, 0, 5, 0, 0);
        assertRefused(PacketFsException.Reason.BAD_CODING, 0, 5, 0xFF, 0xFF, 0x7F, 0); // state below 2^23
        assertRefused(PacketFsException.Reason.BAD_CODING, 0, 5, 0, 0, 0, 0x80); // state at 2^31
        assertRefused(PacketFsException.Reason.BAD_CODING, 1, 5, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x80, 0); // 6 > 5
        assertRefused(PacketFsException.Reason.TRUNCATED, 1, 5, 4, 1, 2, 3); // the literals run past the body
        // the largest plain length with a state that decodes to few symbols: runs out of stream, never hangs
        PacketFsException e = assertThrows(PacketFsException.class,
                () -> decodedLength(0, 0xFF, 0xFF, 0x03, 0, 0, 0x80, 0));
        assertThat(CODING_ERRORS).contains(e.reason());
    }

    private static void assertRefused(PacketFsException.Reason reason, int... body) {
        PacketFsException e = assertThrows(PacketFsException.class, () -> decodedLength(body));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    private static long decodedLength(int... body) {
        byte[] b = new byte[body.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) body[i];
        }
        PacketFsCopyUnit u = new PacketFsCopyUnit(Unpooled.wrappedBuffer(b), true);
        try {
            return new PacketFsPoolDecoder(textPool).decodedLength(u);
        } finally {
            u.release();
        }
    }
}
