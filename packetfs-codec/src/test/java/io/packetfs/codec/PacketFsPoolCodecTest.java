package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

import static io.packetfs.codec.PacketFsPoolTestSupport.SMALL;
import static io.packetfs.codec.PacketFsPoolTestSupport.edit;
import static io.packetfs.codec.PacketFsPoolTestSupport.random;
import static io.packetfs.codec.PacketFsPoolTestSupport.roundTrip;
import static io.packetfs.codec.PacketFsPoolTestSupport.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PacketFsPoolEncoder} and {@link PacketFsPoolDecoder}: seeded round trips of random data, data wholly in the
 * pool (unaligned), an edited pool slice, an empty input and an input larger than the pool, fed whole and in random
 * chunks; the references do not depend on the chunking; a reference outside the pool is rejected and counted.
 */
class PacketFsPoolCodecTest {

    /** 256 KiB pool: 2,048 L3 units of 128 B; L2: 256 units of 16 B in the first 4 KiB. */
    static PacketFsPool pool;
    static PacketFsPoolIndex index;

    @BeforeAll
    static void setUp() {
        pool = PacketFsPool.synthetic(256 * 1024 + 77, 42, SMALL);
        index = PacketFsPoolIndex.build(pool);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {1, 2, 3})
    void randomDataRoundTripsAsLiterals(long seed) {
        byte[] in = random(seed, 50_000);
        for (int maxChunk : new int[] {0, 1, 97, 4096}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, index, in, seed, maxChunk);
            assertArrayEquals(in, t.decoded);
            assertEquals(in.length, t.encoder.refsOut(PacketFsTier.L1));
            // at most 2 % expansion on the wire (frame + run headers + SYNC)
            assertThat(t.meter.wireBytes()).isLessThanOrEqualTo((long) (in.length * 1.02));
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {4, 5, 6})
    void dataWhollyInThePoolBecomesL3References(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int n = 100_000;
        long from = 4096 + r.nextInt(100_000) | 1; // unaligned, outside the L2 region
        byte[] in = slice(pool, from, n);
        PacketFsPoolTestSupport.Trip whole = roundTrip(pool, index, in, seed, 0);
        assertArrayEquals(in, whole.decoded);
        // every byte after the first and before the last whole unit is covered by L3
        assertThat(whole.encoder.bytesMatched(PacketFsTier.L3)).isGreaterThanOrEqualTo(n - 2L * 128);
        assertThat(whole.encoder.refsOut(PacketFsTier.L1)).isLessThan(2 * 128);
        PacketFsPoolTestSupport.Trip chunked = roundTrip(pool, index, in, seed, 300);
        assertArrayEquals(in, chunked.decoded);
        assertEquals(whole.encoder.refsOut(PacketFsTier.L3), chunked.encoder.refsOut(PacketFsTier.L3));
    }

    @Test
    void dataInTheL2RegionBecomesL2References() {
        byte[] in = slice(pool, 33, 3000); // inside the first 4 KiB, unaligned to 16 B
        PacketFsPoolTestSupport.Trip t = roundTrip(pool, index, in, 9, 0);
        assertArrayEquals(in, t.decoded);
        assertThat(t.encoder.bytesMatched(PacketFsTier.L2) + t.encoder.bytesMatched(PacketFsTier.L3))
                .isGreaterThanOrEqualTo(3000 - 2 * 16);
        assertThat(t.encoder.refsOut(PacketFsTier.L2)).isPositive();
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {7, 8, 9, 10})
    void anEditedPoolSliceRoundTripsAndStaysMostlyL3(long seed) {
        byte[] original = slice(pool, 10_000 + seed * 13, 120_000);
        byte[] in = edit(original, seed, 20, 40); // insertions, deletions, replacements at random (unaligned) points
        for (int maxChunk : new int[] {0, 1000}) {
            PacketFsPoolTestSupport.Trip t = roundTrip(pool, index, in, seed, maxChunk);
            assertArrayEquals(in, t.decoded);
            // each edit costs at most about two units of literals
            assertThat(t.encoder.bytesMatched(PacketFsTier.L3)).isGreaterThan(in.length - 20 * 3 * 128L - 256);
        }
    }

    @Test
    void anEmptyInputGivesNoRuns() {
        PacketFsPoolTestSupport.Trip t = roundTrip(pool, index, new byte[0], 1, 0);
        assertEquals(0, t.decoded.length);
        assertEquals(0, t.encoder.runsOut());
        assertEquals(0, t.meter.wireBytes());
        PacketFsPoolEncoder e = new PacketFsPoolEncoder(pool, index);
        ByteBuf empty = Unpooled.EMPTY_BUFFER;
        e.encode(empty, run -> {
            run.release();
            throw new AssertionError("no run expected");
        });
        e.finish(run -> {
            run.release();
            throw new AssertionError("no run expected");
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
        PacketFsPoolTestSupport.Trip t = roundTrip(pool, index, in, 12, 65_536);
        assertArrayEquals(in, t.decoded);
        assertEquals(2 * pool.l3Units(), t.encoder.refsOut(PacketFsTier.L3));
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {13, 14})
    void referencesDoNotDependOnChunking(long seed) {
        byte[] in = edit(slice(pool, 777, 60_000), seed, 30, 10);
        PacketFsPoolTestSupport.Trip whole = roundTrip(pool, index, in, seed, 0);
        PacketFsPoolTestSupport.Trip bytes = roundTrip(pool, index, in, seed, 1);
        PacketFsPoolTestSupport.Trip mixed = roundTrip(pool, index, in, seed, 5000);
        assertEquals(whole.runs, bytes.runs);
        assertEquals(whole.runs, mixed.runs);
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
    void aReferenceOutsideThePoolIsRejectedAndCounted() {
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer();
        int[] l3 = {0, (int) pool.l3Units(), 5, -1};
        PacketFsRefs bad3 = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L3, l3, 0, l3.length);
        assertThatThrownBy(() -> decoder.decode(bad3, out)).isInstanceOfSatisfying(PacketFsPoolException.class, e -> {
            assertEquals(PacketFsTier.L3, e.tier());
            assertEquals(pool.l3Units(), e.ref());
            assertEquals(pool.l3Units(), e.limit());
            assertEquals(2, e.rejected());
            assertEquals(PacketFsException.Reason.REF_OUT_OF_POOL, e.reason());
            assertThat(e.getMessage()).contains("REF_OUT_OF_POOL", "L3", "2048", "0..2047");
        });
        bad3.release();
        assertEquals(0, out.readableBytes());
        assertEquals(2, decoder.refsRejected());

        int[] l2 = {pool.l2Units()};
        PacketFsRefs bad2 = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L2, l2, 0, 1);
        assertThatThrownBy(() -> decoder.decode(bad2, out)).isInstanceOf(PacketFsPoolException.class)
                .hasMessageContaining("L2 reference 256");
        bad2.release();
        assertEquals(3, decoder.refsRejected());
        assertEquals(0, out.readableBytes());

        // the next valid run decodes
        int[] ok = {pool.l2Units() - 1};
        PacketFsRefs good = PacketFsRefs.pack(Unpooled.buffer().alloc(), PacketFsTier.L2, ok, 0, 1);
        decoder.decode(good, out);
        good.release();
        byte[] expected = slice(pool, 255 * 16, 16);
        byte[] got = new byte[out.readableBytes()];
        out.readBytes(got);
        out.release();
        assertArrayEquals(expected, got);
    }

    @Test
    void aPoolWithoutL2RegionUsesL3AndL1Only() {
        PacketFsPoolGeometry g = SMALL.toBuilder().l2RegionBytes(0).build();
        try (PacketFsPool p = PacketFsPool.synthetic(64 * 1024, 3, g)) {
            PacketFsPoolIndex i = PacketFsPoolIndex.build(p);
            byte[] in = edit(slice(p, 5, 30_000), 3, 5, 20);
            PacketFsPoolTestSupport.Trip t = roundTrip(p, i, in, 3, 999);
            assertArrayEquals(in, t.decoded);
            assertEquals(0, t.encoder.refsOut(PacketFsTier.L2));
        }
    }

    @Test
    void aPoolSmallerThanOneUnitIsAllLiterals() {
        try (PacketFsPool p = PacketFsPool.synthetic(10, 3, SMALL)) {
            PacketFsPoolIndex i = PacketFsPoolIndex.build(p);
            byte[] in = random(5, 1000);
            PacketFsPoolTestSupport.Trip t = roundTrip(p, i, in, 3, 100);
            assertArrayEquals(in, t.decoded);
            assertEquals(1000, t.encoder.refsOut(PacketFsTier.L1));
        }
    }
}

/** Shared helpers of the pool tests (kept in this file): a small geometry, pools, inputs, and an encode / decode round trip. */
final class PacketFsPoolTestSupport {

    /** Small units so that small pools exercise every tier: L2 16 B units of the first 4 KiB, L3 128 B units. */
    static final PacketFsPoolGeometry SMALL = PacketFsPoolGeometry.builder().l1Key(0x5EED).l2UnitBytes(16)
            .l2RegionBytes(4096).l3UnitBytes(128).build();

    private PacketFsPoolTestSupport() {
    }

    static byte[] random(long seed, int n) {
        byte[] a = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            a[i] = (byte) r.nextInt(256);
        }
        return a;
    }

    static byte[] slice(PacketFsPool pool, long from, int n) {
        byte[] a = new byte[n];
        pool.getBytes(from, a);
        return a;
    }

    /** {@code src} with {@code edits} random insertions, deletions and replacements of 1..maxLen bytes. */
    static byte[] edit(byte[] src, long seed, int edits, int maxLen) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] at = new int[edits];
        for (int i = 0; i < edits; i++) {
            at[i] = r.nextInt(src.length);
        }
        Arrays.sort(at);
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length + edits * maxLen);
        int from = 0;
        for (int p : at) {
            if (p < from) {
                continue;
            }
            out.write(src, from, p - from);
            int len = 1 + r.nextInt(maxLen);
            switch (r.nextInt(3)) {
                case 0: // insertion
                    out.writeBytes(random(r.nextLong(), len));
                    from = p;
                    break;
                case 1: // deletion
                    from = Math.min(src.length, p + len);
                    break;
                default: // replacement
                    out.writeBytes(random(r.nextLong(), len));
                    from = Math.min(src.length, p + len);
                    break;
            }
        }
        out.write(src, from, src.length - from);
        return out.toByteArray();
    }

    /** Result of {@link #roundTrip}. */
    static final class Trip {
        byte[] decoded;
        PacketFsPoolEncoder encoder;
        PacketFsPoolWireMeter meter;
        java.util.List<String> runs = new java.util.ArrayList<>();
    }

    /**
     * Encodes {@code input} cut at seeded random points (1..maxChunk bytes per chunk; 0 = whole), decodes every run
     * as it comes, and meters the wire bytes.
     */
    static Trip roundTrip(PacketFsPool pool, PacketFsPoolIndex index, byte[] input, long seed, int maxChunk) {
        Trip t = new Trip();
        t.encoder = new PacketFsPoolEncoder(pool, index);
        t.meter = new PacketFsPoolWireMeter(PacketFsConfig.DEFAULT);
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer(input.length + 16);
        PacketFsPoolRunSink sink = run -> {
            try {
                t.runs.add(run.tier() + " " + run.count() + " " + io.netty.buffer.ByteBufUtil.hexDump(run.content()));
                decoder.decode(run, out);
                t.meter.add(run.tier(), run.count());
            } finally {
                run.release();
            }
        };
        SplittableRandom r = new SplittableRandom(seed);
        int at = 0;
        while (at < input.length) {
            int n = maxChunk == 0 ? input.length : Math.min(input.length - at, 1 + r.nextInt(maxChunk));
            ByteBuf chunk = Unpooled.wrappedBuffer(input, at, n);
            t.encoder.encode(chunk, sink);
            if (chunk.isReadable()) {
                throw new AssertionError("encode left " + chunk.readableBytes() + " bytes unread");
            }
            chunk.release();
            at += n;
        }
        t.encoder.finish(sink);
        t.meter.closeWindow();
        t.decoded = new byte[out.readableBytes()];
        out.readBytes(t.decoded);
        out.release();
        return t;
    }
}
