package io.packetfs.codec.pool;

import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsTier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A data pool that both peers hold: a file mapped read-only, or a synthetic pool generated from a seed. References
 * of {@link PacketFsTier} L2 and L3 name units of the pool as its {@link PacketFsPoolGeometry} defines them.
 *
 * <pre>
 *   pool bytes   0                 l2RegionBytes                                     size
 *                |--L2 units (u16)--|                                                 |
 *                |------------------- L3 units (u32) ---------------------|..tail..|
 *   a partial last unit (the tail) has no L3 (or L2) reference; its bytes go as L1 references.
 * </pre>
 *
 * <p>The pool is identified by {@link #fingerprint()}: SHA-256 over the ASCII domain string
 * {@code "PacketFS pool v1"} and a 0 byte, the geometry's 24-byte binary form, the size as a big-endian u64, and the
 * content. For a file pool the fingerprint is cached next to the file in {@code <file>.fingerprint}, keyed by size,
 * modification time and geometry (a stale or unreadable cache is recomputed; a directory that cannot be written
 * only loses the cache).
 *
 * <p>Synthetic pools ({@link #synthetic}, {@link #writeSynthetic}): 8-byte word {@code i} (bytes {@code 8i..8i+7},
 * little-endian) is {@code splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)}, where splitmix64 is
 * {@code z = (z ^ z >>> 30) * 0xBF58476D1CE4E5B9; z = (z ^ z >>> 27) * 0x94D049BB133111EB; z ^ z >>> 31}; a size that
 * is not a multiple of 8 ends with the first bytes of the next word.
 *
 * <p>Content is held in chunks of at most 1 GiB (mappings for files), so pools above 2 GiB work. Thread-safe: the
 * pool is read-only; encoders and decoders take their own buffer duplicates. {@link #close()} drops the mappings
 * (the JVM unmaps them when they are garbage-collected).
 */
public final class PacketFsPool implements AutoCloseable {

    /** Bytes per chunk (mapping) as a power of two: 1 GiB. */
    static final int CHUNK_SHIFT = 30;
    static final long CHUNK_MASK = (1L << CHUNK_SHIFT) - 1;

    static final String DOMAIN = "PacketFS pool v1";
    static final String FINGERPRINT_SUFFIX = ".fingerprint";
    static final String FINGERPRINT_CACHE_FORM = "packetfs-fingerprint v1";

    private static final long GOLDEN64 = 0x9E3779B97F4A7C15L;

    private final PacketFsPoolGeometry geometry;
    private final long size;
    private final Path file;
    private final long fileMtime;
    private volatile ByteBuffer[] chunks;
    private volatile byte[] fingerprint;
    private volatile PacketFsPoolAnchors anchors;
    private volatile PacketFsLiteralModel literalModel;
    private final long l3Units;
    private final int l2Units;

    private PacketFsPool(PacketFsPoolGeometry geometry, long size, ByteBuffer[] chunks, Path file, long fileMtime) {
        this.geometry = geometry;
        this.size = size;
        this.chunks = chunks;
        this.file = file;
        this.fileMtime = fileMtime;
        this.l3Units = Math.min(size / geometry.l3UnitBytes(), 1L << 32);
        this.l2Units = (int) (Math.min(size, geometry.l2RegionBytes()) / geometry.l2UnitBytes());
    }

    /** Maps {@code file} read-only (in chunks of at most 1 GiB). An empty file is an empty pool. */
    public static PacketFsPool open(Path file, PacketFsPoolGeometry g) throws IOException {
        ObjectUtil.checkNotNull(g, "geometry");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long mtime = Files.getLastModifiedTime(file).toMillis();
            ByteBuffer[] chunks = new ByteBuffer[chunkCount(size)];
            for (int i = 0; i < chunks.length; i++) {
                long at = (long) i << CHUNK_SHIFT;
                chunks[i] = ch.map(FileChannel.MapMode.READ_ONLY, at, Math.min(size - at, 1L << CHUNK_SHIFT));
            }
            return new PacketFsPool(g, size, chunks, file.toAbsolutePath(), mtime);
        }
    }

    /** A pool of {@code size} bytes generated from {@code seed} (see the class comment), held in direct memory. */
    public static PacketFsPool synthetic(long size, long seed, PacketFsPoolGeometry g) {
        ObjectUtil.checkNotNull(g, "geometry");
        ObjectUtil.checkPositiveOrZero(size, "size");
        ByteBuffer[] chunks = new ByteBuffer[chunkCount(size)];
        for (int i = 0; i < chunks.length; i++) {
            long at = (long) i << CHUNK_SHIFT;
            ByteBuffer c = ByteBuffer.allocateDirect((int) Math.min(size - at, 1L << CHUNK_SHIFT));
            fillSynthetic(c, at, seed);
            chunks[i] = c.asReadOnlyBuffer();
        }
        return new PacketFsPool(g, size, chunks, null, 0);
    }

    /** Writes the bytes of {@link #synthetic(long, long, PacketFsPoolGeometry)} to {@code file} (replacing it). */
    public static void writeSynthetic(Path file, long size, long seed) throws IOException {
        ObjectUtil.checkPositiveOrZero(size, "size");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), size - at));
                fillSynthetic(buf, at, seed);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Fills {@code c} from position 0 to its limit with synthetic bytes starting at pool offset {@code at % 8 == 0}. */
    private static void fillSynthetic(ByteBuffer c, long at, long seed) {
        ByteBuffer b = c.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(0);
        long word = at >>> 3;
        while (b.remaining() >= 8) {
            b.putLong(splitmix64(seed + (++word) * GOLDEN64));
        }
        long last = splitmix64(seed + (++word) * GOLDEN64);
        while (b.hasRemaining()) {
            b.put((byte) last);
            last >>>= 8;
        }
    }

    static long splitmix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int chunkCount(long size) {
        return (int) ((size + CHUNK_MASK) >>> CHUNK_SHIFT);
    }

    /** Bytes in the pool. */
    public long size() {
        return size;
    }

    /** The tier geometry. */
    public PacketFsPoolGeometry geometry() {
        return geometry;
    }

    /** Number of whole L3 units: valid L3 references are {@code 0 .. l3Units() - 1} (at most 2^32). */
    public long l3Units() {
        return l3Units;
    }

    /** Number of whole L2 units in the L2 region: valid L2 references are {@code 0 .. l2Units() - 1}. */
    public int l2Units() {
        return l2Units;
    }

    /** The file this pool maps, or null for a synthetic pool. */
    public Path file() {
        return file;
    }

    /** The 32-byte fingerprint (see the class comment); computed on first use. */
    public byte[] fingerprint() {
        byte[] fp = fingerprint;
        if (fp == null) {
            synchronized (this) {
                fp = fingerprint;
                if (fp == null) {
                    fp = file != null ? cachedFileFingerprint() : computeFingerprint();
                    fingerprint = fp;
                }
            }
        }
        return fp.clone();
    }

    /**
     * The pool's anchor table, from {@code cacheFile} if that holds it, else built and written there
     * ({@link PacketFsPoolAnchors#loadOrBuild}); a table this pool already has is returned as it is. Call it before
     * the first encoder, which otherwise builds the table on its event loop.
     */
    public PacketFsPoolAnchors anchors(java.nio.file.Path cacheFile) {
        synchronized (this) {
            if (anchors == null) {
                anchors = PacketFsPoolAnchors.loadOrBuild(this, cacheFile);
            }
            return anchors;
        }
    }

    /** The pool's anchor table for {@link PacketFsPoolEncoder}; built on first use, then shared. */
    public PacketFsPoolAnchors anchors() {
        PacketFsPoolAnchors a = anchors;
        if (a == null) {
            synchronized (this) {
                a = anchors;
                if (a == null) {
                    a = PacketFsPoolAnchors.build(this);
                    anchors = a;
                }
            }
        }
        return a;
    }

    /** The literal model of coded COPY units (docs/PROTOCOL.md 8.8); built on first use, then shared. */
    PacketFsLiteralModel literalModel() {
        PacketFsLiteralModel m = literalModel;
        if (m == null) {
            synchronized (this) {
                m = literalModel;
                if (m == null) {
                    m = PacketFsLiteralModel.build(this);
                    literalModel = m;
                }
            }
        }
        return m;
    }

    /** The fingerprint as 64 lower-case hex digits. */
    public String fingerprintHex() {
        return hex(fingerprint());
    }

    /** The byte at {@code offset} (for tests and tools; not a hot path). */
    public int byteAt(long offset) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException("offset " + offset + " of a pool of " + size + " bytes");
        }
        return chunks()[(int) (offset >>> CHUNK_SHIFT)].get((int) (offset & CHUNK_MASK)) & 0xFF;
    }

    /** Copies {@code dst.length} bytes from {@code offset} (for tests and tools; not a hot path). */
    public void getBytes(long offset, byte[] dst) {
        if (offset < 0 || offset > size - dst.length) {
            throw new IndexOutOfBoundsException(offset + "+" + dst.length + " of a pool of " + size + " bytes");
        }
        ByteBuffer[] cs = chunks();
        int done = 0;
        while (done < dst.length) {
            long at = offset + done;
            ByteBuffer c = cs[(int) (at >>> CHUNK_SHIFT)].duplicate();
            c.position((int) (at & CHUNK_MASK));
            int n = Math.min(dst.length - done, c.remaining());
            c.get(dst, done, n);
            done += n;
        }
    }

    /** Fresh duplicates of the chunks, for one encoder or decoder (each sets their position and limit freely). */
    ByteBuffer[] chunkDuplicates() {
        ByteBuffer[] cs = chunks();
        ByteBuffer[] d = new ByteBuffer[cs.length];
        for (int i = 0; i < cs.length; i++) {
            d[i] = cs[i].duplicate();
        }
        return d;
    }

    ByteBuffer[] chunks() {
        ByteBuffer[] cs = chunks;
        if (cs == null) {
            throw new IllegalStateException("pool closed");
        }
        return cs;
    }

    /** Drops this pool's mappings; encoders and decoders made earlier keep their own duplicates. */
    @Override
    public void close() {
        chunks = null;
    }

    @Override
    public String toString() {
        return "PacketFsPool(" + (file != null ? file.toString() : "synthetic") + ", " + size + " bytes, "
                + geometry + ')';
    }

    private byte[] computeFingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        sha.update(DOMAIN.getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) 0);
        sha.update(geometry.toBytes());
        sha.update(ByteBuffer.allocate(8).putLong(0, size));
        for (ByteBuffer c : chunks()) {
            ByteBuffer d = c.duplicate();
            d.clear();
            sha.update(d);
        }
        return sha.digest();
    }

    private byte[] cachedFileFingerprint() {
        Path cache = file.resolveSibling(file.getFileName() + FINGERPRINT_SUFFIX);
        String key = FINGERPRINT_CACHE_FORM + " size=" + size + " mtime=" + fileMtime + " geometry="
                + hex(geometry.toBytes()) + " sha256=";
        try {
            if (Files.isRegularFile(cache)) {
                List<String> lines = Files.readAllLines(cache, StandardCharsets.US_ASCII);
                if (!lines.isEmpty() && lines.get(0).startsWith(key) && lines.get(0).length() == key.length() + 64) {
                    return unhex(lines.get(0).substring(key.length()));
                }
            }
        } catch (IOException | IllegalArgumentException ignored) {
            // recompute below
        }
        byte[] fp = computeFingerprint();
        try {
            Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
            Files.write(tmp, (key + hex(fp) + "\n").getBytes(StandardCharsets.US_ASCII));
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) {
            // a read-only directory only loses the cache
        }
        return fp;
    }

    static String hex(byte[] a) {
        StringBuilder sb = new StringBuilder(a.length * 2);
        for (byte b : a) {
            sb.append(Character.forDigit((b >>> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    static byte[] unhex(String s) {
        if ((s.length() & 1) != 0) {
            throw new IllegalArgumentException("odd hex length");
        }
        byte[] a = new byte[s.length() / 2];
        for (int i = 0; i < a.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not hex: " + s);
            }
            a[i] = (byte) (hi << 4 | lo);
        }
        return a;
    }
}
