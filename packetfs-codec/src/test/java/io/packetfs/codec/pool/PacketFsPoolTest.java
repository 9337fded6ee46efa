package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.packetfs.codec.pool.PacketFsPoolTestSupport.SMALL;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.random;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.roundTrip;
import static io.packetfs.codec.pool.PacketFsPoolTestSupport.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** {@link PacketFsPool}, {@link PacketFsPoolGeometry} and {@link PacketFsPoolIndex}: content, identity, cache files. */
class PacketFsPoolTest {

    @TempDir
    Path dir;

    @Test
    void geometryBinaryFormRoundTripsAndIsDocumented() {
        ByteBuf b = Unpooled.buffer();
        SMALL.writeTo(b);
        assertEquals(PacketFsPoolGeometry.ENCODED_LENGTH, b.readableBytes());
        assertEquals("01000000" + "00005eed" + "00000010" + "0000000000001000" + "00000080",
                io.netty.buffer.ByteBufUtil.hexDump(b));
        assertEquals(SMALL, PacketFsPoolGeometry.readFrom(b));
        assertEquals(0, b.readableBytes());
        b.release();
        assertEquals("01000000" + "00000000" + "00000040" + "0000000000400000" + "00000400",
                PacketFsPool.hex(PacketFsPoolGeometry.DEFAULT.toBytes()));
        assertEquals(PacketFsPoolGeometry.DEFAULT,
                PacketFsPoolGeometry.readFrom(java.nio.ByteBuffer.wrap(PacketFsPoolGeometry.DEFAULT.toBytes())));
    }

    @Test
    void badGeometriesAreRefused() {
        assertThatThrownBy(() -> PacketFsPoolGeometry.builder().l3UnitBytes(1000).build())
                .hasMessageContaining("l3UnitBytes 1000");
        assertThatThrownBy(() -> PacketFsPoolGeometry.builder().l2RegionBytes(64L * 65_537).build())
                .hasMessageContaining("l2RegionBytes");
        byte[] form = PacketFsPoolGeometry.DEFAULT.toBytes();
        form[1] = 1; // reserved
        assertThatThrownBy(() -> PacketFsPoolGeometry.readFrom(java.nio.ByteBuffer.wrap(form)))
                .hasMessageContaining("reserved");
    }

    @Test
    void syntheticPoolsAreDeterministicAndWrittenIdentically() throws Exception {
        try (PacketFsPool a = PacketFsPool.synthetic(100_003, 7, SMALL);
             PacketFsPool b = PacketFsPool.synthetic(100_003, 7, SMALL);
             PacketFsPool c = PacketFsPool.synthetic(100_003, 8, SMALL)) {
            assertArrayEquals(slice(a, 0, 100_003), slice(b, 0, 100_003));
            assertThat(slice(a, 0, 64)).isNotEqualTo(slice(c, 0, 64));
            // word 0 is splitmix64(seed + 1 * golden), little-endian
            long w0 = PacketFsPool.splitmix64(7 + 0x9E3779B97F4A7C15L);
            assertEquals(w0 & 0xFF, a.byteAt(0));
            assertEquals((w0 >>> 56) & 0xFF, a.byteAt(7));
            assertEquals(a.fingerprintHex(), b.fingerprintHex());
            assertNotEquals(a.fingerprintHex(), c.fingerprintHex());

            Path f = dir.resolve("pool.bin");
            PacketFsPool.writeSynthetic(f, 100_003, 7);
            try (PacketFsPool m = PacketFsPool.open(f, SMALL)) {
                assertEquals(100_003, m.size());
                assertArrayEquals(slice(a, 0, 100_003), slice(m, 0, 100_003));
                assertEquals(a.fingerprintHex(), m.fingerprintHex());
                assertEquals(100_003 / 128, m.l3Units());
                assertEquals(256, m.l2Units());
            }
        }
    }

    @Test
    void theFingerprintCoversGeometryAndIsCachedNextToAFile() throws Exception {
        Path f = dir.resolve("pool.bin");
        Files.write(f, random(1, 5000));
        String fp;
        try (PacketFsPool p = PacketFsPool.open(f, SMALL)) {
            fp = p.fingerprintHex();
            assertThat(fp).hasSize(64);
        }
        Path cache = dir.resolve("pool.bin.fingerprint");
        assertThat(Files.readString(cache)).contains("sha256=" + fp);
        // a changed geometry changes the fingerprint (the cache is keyed by geometry)
        try (PacketFsPool p = PacketFsPool.open(f, SMALL.toBuilder().l1Key(1).build())) {
            assertNotEquals(fp, p.fingerprintHex());
        }
        // the cache is used: a forged cache line for this size, mtime and geometry is believed
        try (PacketFsPool p = PacketFsPool.open(f, SMALL)) {
            assertEquals(fp, p.fingerprintHex()); // recomputed (the cache held the other geometry) and cached
        }
        String line = Files.readString(cache).replace(fp, "00".repeat(32));
        Files.writeString(cache, line);
        try (PacketFsPool p = PacketFsPool.open(f, SMALL)) {
            assertEquals("00".repeat(32), p.fingerprintHex());
        }
        // content changed (new mtime): recomputed
        Files.write(f, random(2, 5000));
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(12_345_000L));
        try (PacketFsPool p = PacketFsPool.open(f, SMALL)) {
            assertThat(p.fingerprintHex()).isNotEqualTo(fp).isNotEqualTo("00".repeat(32));
        }
    }

    @Test
    void anEmptyFileIsAnEmptyPool() throws Exception {
        Path f = dir.resolve("empty.bin");
        Files.write(f, new byte[0]);
        try (PacketFsPool p = PacketFsPool.open(f, PacketFsPoolGeometry.DEFAULT)) {
            assertEquals(0, p.size());
            assertEquals(0, p.l3Units());
            byte[] in = random(3, 3000);
            assertArrayEquals(in, roundTrip(p, in, 1, 500).decoded);
        }
    }

    @Test
    void theIndexCacheIsReusedAndRebuiltForAnotherPool() throws Exception {
        Path cache = dir.resolve("pool.idx");
        try (PacketFsPool p = PacketFsPool.synthetic(300_000, 9, SMALL)) {
            PacketFsPoolIndex built = PacketFsPoolIndex.loadOrBuild(p, cache);
            long size = Files.size(cache);
            assertEquals(8 + 32 + 12 + built.tableBytes(), size);
            PacketFsPoolIndex loaded = PacketFsPoolIndex.loadOrBuild(p, cache);
            byte[] unit = slice(p, 128 * 77, 128);
            int h = PacketFsPoolIndex.hash(unit, 0, 128);
            assertEquals(77, built.findL3(h));
            assertEquals(77, loaded.findL3(h));
            // memory: 16..32 bytes per L3 unit plus the L2 table, and the filters (2..4 bytes per unit, min 128 B)
            long l3Units = p.l3Units();
            assertThat(built.memoryBytes()).isBetween(16 * l3Units, 36 * l3Units + 36L * 2 * 256 + 256);
        }
        try (PacketFsPool other = PacketFsPool.synthetic(300_000, 10, SMALL)) {
            PacketFsPoolIndex rebuilt = PacketFsPoolIndex.loadOrBuild(other, cache);
            byte[] unit = slice(other, 128 * 5, 128);
            assertEquals(5, rebuilt.findL3(PacketFsPoolIndex.hash(unit, 0, 128)));
        }
        // a truncated cache is rebuilt, not trusted
        try (PacketFsPool p = PacketFsPool.synthetic(300_000, 10, SMALL)) {
            byte[] bytes = Files.readAllBytes(cache);
            Files.write(cache, java.util.Arrays.copyOf(bytes, bytes.length - 4));
            PacketFsPoolIndex i = PacketFsPoolIndex.loadOrBuild(p, cache);
            byte[] unit = slice(p, 128 * 9, 128);
            assertEquals(9, i.findL3(PacketFsPoolIndex.hash(unit, 0, 128)));
            assertEquals(bytes.length, Files.size(cache));
        }
    }

    @Test
    void anIndexForAnotherGeometryIsRefused() {
        try (PacketFsPool a = PacketFsPool.synthetic(10_000, 1, SMALL);
             PacketFsPool b = PacketFsPool.synthetic(10_000, 1, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsPoolIndex ia = PacketFsPoolIndex.build(a);
            assertThat(ia.fits(b.geometry())).isFalse();
            assertThat(ia.fits(a.geometry())).isTrue();
        }
    }
}
