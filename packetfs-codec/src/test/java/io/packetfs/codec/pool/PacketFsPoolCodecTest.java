package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.packetfs.codec.pool.PacketFsPoolTestSupport.SMALL;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.edit;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.editPerByte;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.random;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.roundTrip;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PacketFsPoolEncoder} and {@link PacketFsPoolDecoder} with COPY units: seeded round trips of random data,
 * data wholly in the pool (unaligned), the pool edited byte by byte (substitutions, insertions, deletions, each and
 * mixed, at several rates), an empty input and an input larger than the pool, fed whole, byte by byte and in random
 * chunks; the units do not depend on the chunking; bad COPY bodies are refused and counted, nothing appended; runs
 * of references (L1/L2/L3) still decode.
 */
class PacketFsPoolCodecTest {

    /** 256 KiB + 77 B pool. */
    static PacketFsPool pool;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(256 * 1024 + 77, 42, SMALL);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {1, 2, 3})
    void randomDataRoundTripsAsLiteralsWithinTwoPercent(long seed) {
        byte[] in = random(seed, 50_000);
        for (int maxChunk : new int[] {0, 1, 97, 4096}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, in, seed, maxChunk);
            assertArrayEquals(in, t.decoded);
            assertEquals(in.length, t.encoder.literalBytes());
            assertEquals(0, t.encoder.bytesCopied());
            // at most 2 % expansion on the wire (frame headers, COPY headers and commands, SYNC)
            assertThat(t.meter.wireBytes()).isLessThanOrEqualTo((long) (in.length * 1.02));
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {4, 5, 6})
    void dataWhollyInThePoolIsOneCopy(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 100_000;
        long from = 4096 + r.nextInt(100_000) | 1; // unaligned
        byte[] in = slice(pool, from, n);
        for (int maxChunk : new int[] {0, 1, 300}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, in, seed, maxChunk);
            assertArrayEquals(in, t.decoded);
            assertEquals(n, t.encoder.bytesCopied());
            assertEquals(1, t.encoder.commandsOut());
            assertEquals(1, t.encoder.unitsOut());
            // base 0, one GEN command: token, count 0, delta (3 bytes), length (3 bytes)
            assertThat(t.encoder.bodyBytesOut()).isLessThanOrEqualTo(1 + 1 + 1 + 3 + 3);
        }
    }

    @ParameterizedTest(name = "rate={0} kinds={1}")
    @CsvSource({"0.0001,7", "0.001,7", "0.01,7", "0.03,7", "0.01,1", "0.01,2", "0.01,4"})
    void thePoolEditedByteByByteRoundTripsAtAFewBytesPerEdit(double rate, int kinds) {
        byte[] original = slice(pool, 1234, 200_000);
        int[] edits = new int[1];
        byte[] in = editPerByte(original, rate, 99, kinds, edits);
        for (int maxChunk : new int[] {0, 1, 1000}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, in, 17, maxChunk);
            assertArrayEquals(in, t.decoded);
            // a substitution, insertion or deletion costs a token, its literal and the next copy's length: under
            // 4 bytes each on average, plus the frame, COPY and SYNC headers (under 1 % of the body bytes)
            long body = t.encoder.bodyBytesOut();
            assertThat(body).isLessThanOrEqualTo(4L * edits[0] + 16);
            assertThat(t.meter.wireBytes()).isLessThanOrEqualTo(body + body / 50 + 64);
        }
    }

    /**
     * The pool holds a file and, after a unique header, a look-alike of it (the same bytes with one deleted every 63,
     * as a bundle that holds the same code indented differently). The input is the header followed by the file with
     * substitutions: the copy of the header runs on into the look-alike, where every 62 bytes an insertion near the
     * cursor would keep it. Every 8th such edit the encoder weighs the table's candidates, and a probe meets an
     * anchor of the file at one input position in 8 (the small pool's stride), so after about 64 edits it moves to
     * the file and stays there, one SUB per substitution.
     */
    @Test
    void aCopyLeavesALookAlikeForTheSourceThatGoesOnFurther(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] file = random(21, 60_000);
        byte[] header = random(22, 1_000);
        ByteArrayOutputStream pool = new ByteArrayOutputStream();
        pool.writeBytes(file);
        pool.writeBytes(header);
        for (int i = 0; i < file.length; i += 63) {
            pool.write(file, i, Math.min(62, file.length - i));
        }
        java.nio.file.Path poolFile = dir.resolve("pool.bin");
        java.nio.file.Files.write(poolFile, pool.toByteArray());
        byte[] edited = file.clone();
        SplittableRandom r = new SplittableRandom(5);
        int edits = 0;
        for (int at = 5_000; at < edited.length; at += 300 + r.nextInt(300)) {
            edited[at] ^= 0x5A;
            edits++;
        }
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes(header);
        in.writeBytes(edited);
        byte[] input = in.toByteArray();
        try (PacketFsPool twoFiles = PacketFsPool.open(poolFile, SMALL)) {
            for (int maxChunk : new int[] {0, 1, 777}) {
                PacketFsPoolTestSupport.Trip t = roundTrip(twoFiles, input, 3, maxChunk);
                assertArrayEquals(input, t.decoded);
                // staying on the look-alike would cost an insertion per 62 bytes: about 960 commands; leaving it
                // within 16 probes, at most 128 of them
                long allowed = edits + 2 + 16L * PacketFsPoolEncoder.EDITS_PER_PROBE;
                assertThat(t.encoder.commandsOut()).isLessThanOrEqualTo(allowed);
                assertThat(t.encoder.literalBytes()).isLessThanOrEqualTo(allowed);
            }
        }
    }

    /**
     * The first 12 bytes of a 1,000-byte stretch of the pool also stand in 6 other places, which crowd the stretch out
     * of its anchor's bucket: the first candidate is a 12-byte copy from one of them, but the lazy look finds the
     * stretch's own anchor 8 bytes on and extends it back, so the stretch is one copy with no literals.
     */
    @Test
    void aShortFarCopyGivesWayToALongOneThatStartsAFewBytesOn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] bytes = random(31, 64 * 1024);
        int stretch = 8_000;
        for (int k = 0; k < 6; k++) {
            System.arraycopy(bytes, stretch, bytes, 20_000 + 1_000 * k, 12);
        }
        java.nio.file.Path poolFile = dir.resolve("pool.bin");
        java.nio.file.Files.write(poolFile, bytes);
        byte[] in = Arrays.copyOfRange(bytes, stretch, stretch + 1_000);
        try (PacketFsPool crowded = PacketFsPool.open(poolFile, SMALL)) {
            for (int maxChunk : new int[] {0, 1, 333}) {
                PacketFsPoolTestSupport.Trip t = roundTrip(crowded, in, 2, maxChunk);
                assertArrayEquals(in, t.decoded);
                assertEquals(1, t.encoder.commandsOut());
                assertEquals(0, t.encoder.literalBytes());
            }
        }
    }

    /**
     * Pieces of 24 bytes from anywhere in the pool, 4 unrelated bytes between them, and blocks of the pool moved
     * about: every piece and block is found (each piece holds two 8-byte anchors at the small pool's 8-byte stride),
     * so only the unrelated bytes (and a few at piece edges) are literals.
     */
    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {7, 8, 9})
    void shortPiecesAndMovedBlocksAreFoundWhereverTheyAre(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int unrelated = 0;
        for (int i = 0; i < 1_000; i++) {
            b.writeBytes(slice(pool, r.nextInt((int) pool.size() - 24), 24));
            b.writeBytes(random(r.nextLong(), 4));
            unrelated += 4;
        }
        for (int i = 0; i < 20; i++) { // block moves: 2-4 KiB blocks of the pool in a random order
            b.writeBytes(slice(pool, r.nextInt((int) pool.size() - 4096), 2048 + r.nextInt(2048)));
        }
        byte[] in = b.toByteArray();
        for (int maxChunk : new int[] {0, 1, 501}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, in, seed, maxChunk);
            assertArrayEquals(in, t.decoded);
            assertThat(t.encoder.literalBytes()).isLessThanOrEqualTo(unrelated + unrelated / 4);
        }
    }

    @Test
    void oneSubstitutionInsertionAndDeletionAreOneTokenEach() {
        byte[] original = slice(pool, 1000, 400);
        // substitution at 100, insertion before 200, deletion of 300
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(original, 0, 100);
        b.write(original[100] ^ 0x55);
        b.write(original, 101, 99);
        b.write(0x5A);
        b.write(original, 200, 100);
        b.write(original, 301, 99);
        byte[] in = b.toByteArray();
        List<String> units = roundTrip(pool, in, 1, 0).units;
        assertThat(units).singleElement();
        // base 0 | GEN count 0 delta +1000 length 100 | SUB x length 99 | INS 5A length 100 | DEL length 99
        String hex = String.format("00 ff00a01f25 3f%02x24 7f5a25 bf24", (original[100] ^ 0x55) & 0xFF);
        assertEquals(hex.replace(" ", ""), units.get(0));
    }

    @Test
    void anEmptyInputGivesNoUnits() {
        PacketFsPoolTestSupport.Trip t = roundTrip(pool, new byte[0], 1, 0);
        assertEquals(0, t.decoded.length);
        assertEquals(0, t.encoder.unitsOut());
        assertEquals(0, t.meter.wireBytes());
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool);
        e.encode(Unpooled.EMPTY_BUFFER, u -> {
            u.release();
            throw new AssertionError("no unit expected");
        });
        e.flush(u -> {
            u.release();
            throw new AssertionError("no unit expected");
        });
        e.finish(u -> {
            u.release();
            throw new AssertionError("no unit expected");
        });
    }

    @Test
    void anInputLargerThanThePoolRoundTrips() {
        // the whole pool twice, a random block between: 2.3 times the pool
        byte[] p = slice(pool, 0, (int) pool.size());
        byte[] noise = random(11, 70_000);
        byte[] in = new byte[p.length * 2 + noise.length];
        System.arraycopy(p, 0, in, 0, p.length);
        System.arraycopy(noise, 0, in, p.length, noise.length);
        System.arraycopy(p, 0, in, p.length + noise.length, p.length);
        for (int maxChunk : new int[] {0, 65_536}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, in, 12, maxChunk);
            assertArrayEquals(in, t.decoded);
            // after 70,000 random bytes the search skips (odd steps up to MAX_STEP): the second copy may be found
            // up to 64 probes late, and what went out as literals meanwhile stays literals (PROTOCOL.md 8.5)
            assertThat(t.encoder.bytesCopied()).isBetween(2 * pool.size() - 64L * PacketFsPoolEncoder.MAX_STEP,
                    2 * pool.size());
        }
    }

    @Test
    void aCopyLongerThanTheUnitBoundGoesOnInTheNextUnit() {
        try (PacketFsPool big = PacketFsPool.synthetic((PacketFsCopyUnit.MAX_OUTPUT + 300_000), 5, SMALL)) {
            byte[] in = slice(big, 3, PacketFsCopyUnit.MAX_OUTPUT + 100_000);
            PacketFsPoolTestSupport.Trip t = roundTrip(big, in, 1, 3_000_000);
            assertArrayEquals(in, t.decoded);
            assertEquals(2, t.encoder.unitsOut());
            assertEquals(in.length, t.encoder.bytesCopied());
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {13, 14})
    void unitsDoNotDependOnChunking(long seed) {
        byte[] in = edit(editPerByte(slice(pool, 777, 60_000), 0.005, seed, 7, new int[1]), seed, 30, 10);
        PacketFsPoolTestSupport.Trip whole = roundTrip(pool, in, seed, 0);
        PacketFsPoolTestSupport.Trip bytes = roundTrip(pool, in, seed, 1);
        PacketFsPoolTestSupport.Trip mixed = roundTrip(pool, in, seed, 5000);
        assertEquals(whole.units, bytes.units);
        assertEquals(whole.units, mixed.units);
    }

    @Test
    void bodiesRespectTheLimitAndFlushEmitsEverythingDecided() {
        byte[] in = editPerByte(slice(pool, 50, 30_000), 0.02, 3, 7, new int[1]);
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool, Unpooled.buffer().alloc(), PacketFsPoolEncoder.MIN_MAX_BODY);
        PacketFsPoolDecoder d = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        List<Integer> sizes = new ArrayList<>();
        PacketFsPoolCopySink sink = u -> {
            try {
                sizes.add(u.bodyLength());
                d.decode(u, out);
            } finally {
                u.release();
            }
        };
        ByteBuf half = Unpooled.wrappedBuffer(in, 0, 15_000);
        e.encode(half, sink);
        e.flush(sink);
        assertEquals(0, half.refCnt() > 0 ? half.readableBytes() : 0);
        half.release();
        // everything but the last bytes (fewer than 8) is out after a flush, and it is a prefix of the input
        assertThat(out.readableBytes()).isBetween(15_000 - 7, 15_000);
        assertEquals(Unpooled.wrappedBuffer(in, 0, out.readableBytes()), out);
        e.encode(Unpooled.wrappedBuffer(in, 15_000, in.length - 15_000), sink);
        e.finish(sink);
        assertArrayEquals(in, ByteBufUtil.getBytes(out));
        out.release();
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(1, PacketFsPoolEncoder.MIN_MAX_BODY));
        assertThat(sizes.size()).isGreaterThan(10);
    }

    @Test
    void badCopyBodiesAreRefusedCountedAndAppendNothing() {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        long size = pool.size();
        String[][] cases = {
            {"", "TRUNCATED", "empty body"},
            {"80", "TRUNCATED", "varint runs past"},
            {"ffffffffffffffffff01", "TRUNCATED", "longer than 9 bytes"},
            {uv(size + 1), "REF_OUT_OF_POOL", "base offset"},
            {"00 c0 05 0102", "TRUNCATED", "5 literal bytes"},
            {"00 00", "TRUNCATED", "literal byte is missing"},
            {"00 c0 00 02", "REF_OUT_OF_POOL", "by -1"},
            {uv(size - 10) + " 8a", "REF_OUT_OF_POOL", "past the pool's end"},
            {"00 ff 00 00", "TRUNCATED", "varint runs past"},
            {uv(size) + " 3f 00 00", "REF_OUT_OF_POOL", "moves the cursor"},
            {"00 3f ffffffffffffffff7f", "REF_OUT_OF_POOL", "more than a unit's"}, // 63 + 2^63 - 1 overflows
        };
        int n = 0;
        for (String[] c : cases) {
            PacketFsCopyUnit unit = unit(c[0]);
            assertThatThrownBy(() -> decoder.decode(unit, out)).isInstanceOfSatisfying(PacketFsException.class, e -> {
                assertEquals(PacketFsException.Reason.valueOf(c[1]), e.reason(), e.getMessage());
                assertThat(e.getMessage()).contains(c[2]);
            });
            unit.release();
            assertEquals(0, unit.refCnt());
            assertEquals(0, out.readableBytes());
            assertEquals(++n, decoder.copyUnitsRejected());
        }
        // more than 16 MiB of output: 65 copies of the whole pool, each going back to 0
        StringBuilder many = new StringBuilder("00");
        for (int i = 0; i < 65; i++) {
            many.append(" ff 00 ").append(uv(i == 0 ? 0 : 4 * size - 2)).append(uv(size - 63));
        }
        PacketFsCopyUnit huge = unit(many.toString());
        assertThatThrownBy(() -> decoder.decode(huge, out)).isInstanceOfSatisfying(PacketFsException.class, e -> {
            assertEquals(PacketFsException.Reason.REF_OUT_OF_POOL, e.reason());
            assertThat(e.getMessage()).contains("more than 16777216 bytes");
        });
        huge.release();
        assertEquals(0, out.readableBytes());
        // the next valid unit decodes: base 5, DEL (cursor 6) length 10
        PacketFsCopyUnit good = unit("05 8a");
        assertEquals(10, decoder.decodedLength(good));
        decoder.decode(good, out);
        good.release();
        assertArrayEquals(slice(pool, 6, 10), ByteBufUtil.getBytes(out));
        out.release();
    }

    @Test
    void literalsAndACopyEndingAtThePoolsEndDecode() {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        long size = pool.size();
        // base size-3 | GEN 2 literals AA BB, delta 0, length 3 (to the last byte) | INS CC length 0 (cursor = end)
        PacketFsCopyUnit u = unit(uv(size - 3) + " c3 02 aabb 00 40 cc");
        ByteBuf out = Unpooled.buffer();
        decoder.decode(u, out);
        u.release();
        byte[] tail = slice(pool, size - 3, 3);
        assertArrayEquals(new byte[] {(byte) 0xAA, (byte) 0xBB, tail[0], tail[1], tail[2], (byte) 0xCC},
                ByteBufUtil.getBytes(out));
        out.release();
    }

    @Test
    void runsOfReferencesStillDecodeAndOutOfPoolRunsAreRejected() {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        int[] l3 = {0, (int) pool.l3Units(), 5, -1};
        PacketFsRefs bad3 = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L3, l3, 0, l3.length);
        assertThatThrownBy(() -> decoder.decode(bad3, out)).isInstanceOfSatisfying(PacketFsPoolException.class, e -> {
            assertEquals(PacketFsTier.L3, e.tier());
            assertEquals(pool.l3Units(), e.ref());
            assertEquals(2, e.rejected());
            assertEquals(PacketFsException.Reason.REF_OUT_OF_POOL, e.reason());
        });
        bad3.release();
        assertEquals(0, out.readableBytes());
        assertEquals(2, decoder.refsRejected());
        int[] ok = {pool.l2Units() - 1};
        PacketFsRefs good = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L2, ok, 0, 1);
        decoder.decode(good, out);
        good.release();
        assertArrayEquals(slice(pool, 255 * 16, 16), ByteBufUtil.getBytes(out));
        int[] lits = {SMALL.l1Ref((byte) 7)};
        PacketFsRefs l1 = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L1, lits, 0, 1);
        out.clear();
        decoder.decode(l1, out);
        l1.release();
        assertEquals(7, out.readByte());
        out.release();
    }

    @Test
    void theL1TableIsAKeyedPermutation() {
        byte[] t = SMALL.l1Table();
        boolean[] seen = new boolean[256];
        for (int r = 0; r < 256; r++) {
            seen[t[r] & 0xFF] = true;
            assertEquals(r, SMALL.l1Ref(SMALL.l1Byte(r)));
        }
        for (boolean s : seen) {
            assertThat(s).isTrue();
        }
        assertThat(PacketFsPoolGeometry.DEFAULT.l1Table()).isNotEqualTo(t);
        // the first bytes of the default (key 0) table, as docs/PROTOCOL.md section 8.1 states them
        assertArrayEquals(new byte[] {0x79, 0x78, 0x7B, 0x7A, 0x7D, 0x7C, 0x7F, 0x7E},
                Arrays.copyOf(PacketFsPoolGeometry.DEFAULT.l1Table(), 8));
    }

    @Test
    void tinyAndEmptyPoolsAreAllLiterals() {
        for (long size : new long[] {0, 3, 10}) {
            try (PacketFsPool p = PacketFsPool.synthetic(size, 3, SMALL)) {
                byte[] in = random(5, 1000);
                PacketFsPoolTestSupport.Trip t = roundTrip(p, in, 3, 100);
                assertArrayEquals(in, t.decoded);
                assertEquals(1000, t.encoder.literalBytes());
            }
        }
    }

    /** A COPY unit with the body {@code hex} (spaces ignored). */
    static PacketFsCopyUnit unit(String hex) {
        byte[] body = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        return new PacketFsCopyUnit(Unpooled.buffer(body.length).writeBytes(body));
    }

    /** {@code v} as a uvarint in hex. */
    static String uv(long v) {
        byte[] b = new byte[10];
        int n = PacketFsPoolEncoder.putUvarint(b, 0, v);
        return ByteBufUtil.hexDump(b, 0, n);
    }
}
