package io.packetfs.codec.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.packetfs.codec.pool.PacketFsPoolTestSupport.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketFsPoolAnchors#loadOrBuild}: the cached table is the built one, slot for slot; a cache of another
 * pool, a cut or a damaged header is rebuilt and replaced; a cache that cannot be written costs nothing but time.
 */
class PacketFsPoolAnchorsTest {

    @TempDir
    Path dir;

    @Test
    void aSmallPoolHasAnAnchorEvery8BytesAndABucketKeepsTheFourNewestOfEqualAnchors() throws Exception {
        byte[] bytes = PacketFsPoolTestSupport.random(11, 4096);
        byte[] same = "ABCDEFGH".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // the last five anchors, so that no later anchor shares their bucket
        for (int at : new int[] {4056, 4064, 4072, 4080, 4088}) {
            System.arraycopy(same, 0, bytes, at, same.length);
        }
        Path file = dir.resolve("pool.bin");
        Files.write(file, bytes);
        try (PacketFsPool pool = PacketFsPool.open(file, SMALL)) {
            PacketFsPoolAnchors anchors = PacketFsPoolAnchors.build(pool);
            assertEquals(8, anchors.stride());
            long[] found = new long[PacketFsPoolAnchors.WAYS];
            long word = java.nio.ByteBuffer.wrap(same).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(4, anchors.find(word, found));
            assertArrayEquals(new long[] {4088, 4080, 4072, 4064}, found);
            long other = java.nio.ByteBuffer.wrap(bytes, 1000, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(1, anchors.find(other, found));
            assertEquals(1000, found[0]);
        }
        assertEquals(8, stride(32L << 20));
        assertEquals(16, stride(64L << 20));
        assertEquals(64, stride(256L << 20));
        assertEquals(64, stride(1000L << 20));
        assertEquals(128, stride(1500L << 20)); // at most 2^24 - 1 anchors
    }

    private static int stride(long size) {
        try {
            java.lang.reflect.Method m = PacketFsPoolAnchors.class.getDeclaredMethod("strideShift", long.class);
            m.setAccessible(true);
            return 1 << (int) m.invoke(null, size);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theCachedTableIsTheBuiltOneAndTheNextOpenReadsIt() throws Exception {
        Path cache = dir.resolve("pool.pfsanc");
        try (PacketFsPool pool = PacketFsPool.synthetic(300_007, 5, SMALL)) {
            PacketFsPoolAnchors built = PacketFsPoolAnchors.build(pool);
            PacketFsPoolAnchors first = PacketFsPoolAnchors.loadOrBuild(pool, cache);
            assertTrue(Files.isRegularFile(cache));
            assertEquals(8 + 32 + 4 + 4 + 8 + built.memoryBytes(), Files.size(cache));
            assertTrue(first.sameTable(built));
            byte[] written = Files.readAllBytes(cache);
            PacketFsPoolAnchors second = PacketFsPoolAnchors.loadOrBuild(pool, cache);
            assertTrue(second.sameTable(built));
            assertArrayEquals(written, Files.readAllBytes(cache), "a good cache is read, not rewritten");
            // the pool keeps the table it was given
            assertSame(pool.anchors(cache), pool.anchors());
            assertTrue(pool.anchors().sameTable(built));
        }
    }

    @Test
    void aCacheOfAnotherPoolIsRebuiltAndReplaced() throws Exception {
        Path cache = dir.resolve("pool.pfsanc");
        try (PacketFsPool other = PacketFsPool.synthetic(300_007, 6, SMALL);
             PacketFsPool pool = PacketFsPool.synthetic(300_007, 5, SMALL)) {
            PacketFsPoolAnchors.loadOrBuild(other, cache); // same size, other content: same geometry, other bytes
            PacketFsPoolAnchors got = PacketFsPoolAnchors.loadOrBuild(pool, cache);
            assertTrue(got.sameTable(PacketFsPoolAnchors.build(pool)));
            assertFalse(got.sameTable(PacketFsPoolAnchors.build(other)));
            assertTrue(PacketFsPoolAnchors.loadOrBuild(pool, cache).sameTable(got), "the replacement is this pool's");
        }
    }

    @Test
    void aCutOrDamagedCacheIsRebuilt() throws Exception {
        Path cache = dir.resolve("pool.pfsanc");
        try (PacketFsPool pool = PacketFsPool.synthetic(300_007, 5, SMALL)) {
            PacketFsPoolAnchors built = PacketFsPoolAnchors.build(pool);
            PacketFsPoolAnchors.loadOrBuild(pool, cache);
            long full = Files.size(cache);
            try (RandomAccessFile f = new RandomAccessFile(cache.toFile(), "rw")) {
                f.setLength(full - 100); // cut
            }
            assertTrue(PacketFsPoolAnchors.loadOrBuild(pool, cache).sameTable(built));
            assertEquals(full, Files.size(cache));
            try (RandomAccessFile f = new RandomAccessFile(cache.toFile(), "rw")) {
                f.seek(8 + 32 + 4);
                f.writeInt(3); // table bits that do not fit the pool
            }
            assertTrue(PacketFsPoolAnchors.loadOrBuild(pool, cache).sameTable(built));
            Files.write(cache, new byte[10]); // shorter than the header
            assertTrue(PacketFsPoolAnchors.loadOrBuild(pool, cache).sameTable(built));
            assertEquals(full, Files.size(cache));
        }
    }

    @Test
    void aCacheThatCannotBeWrittenIsSkipped() throws Exception {
        Path cache = dir.resolve("no-such-dir").resolve("pool.pfsanc");
        try (PacketFsPool pool = PacketFsPool.synthetic(300_007, 5, SMALL)) {
            assertTrue(PacketFsPoolAnchors.loadOrBuild(pool, cache).sameTable(PacketFsPoolAnchors.build(pool)));
            assertFalse(Files.exists(cache));
        }
    }
}
