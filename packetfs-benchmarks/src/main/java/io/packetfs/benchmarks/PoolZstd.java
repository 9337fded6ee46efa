package io.packetfs.benchmarks;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import com.github.luben.zstd.ZstdDictDecompress;

/**
 * zstd-jni with the pool as a raw-content dictionary, the "both sides share the pool" peer of the pool codec. The
 * dictionary is loaded once into the compression context with hashLog {@value #HASH_LOG} (zstd-jni exposes no
 * CDict with custom parameters; the loaded dictionary stays digested across calls); the window is widened to 2^27 so that matches may reach
 * anywhere in a 64 MiB pool (the level's default window, 2^19..2^21, would only reach the pool's tail). zstd-jni
 * 1.5.7-28 has no refPrefix; {@link #rawCompress} ({@code loadDict(byte[])}, the dictionary digested on every call)
 * is the prefix-like mode, reported for ratio only.
 *
 * <p>Pools above 16 MiB: at levels 1 and 3 (strategies fast and dfast) zstd keeps only the <b>last 2^24 - 2 bytes</b>
 * of a dictionary. Those strategies tag the low 8 bits of each dictionary hash-table entry ("short cache",
 * {@code ZSTD_SHORT_CACHE_TAG_BITS}), so the dictionary loader truncates the content to the suffix whose indices fit
 * in the remaining 24 bits. Measured here (zstd-jni 1.5.7-28, level 1, 1 MB slices of a 64 MiB synthetic pool):
 * 1,000,033 bytes for a slice 61.8 MB before the pool's end (no match), 107 bytes for one 16.7 MB before the end,
 * 100,112 bytes for one that starts 100 KB before the 16 MiB boundary. So zstd-1/-3 with a 64 MiB pool find nothing
 * in {@link PoolInputs}' slice (at 5.3 MB); the comparison is made with a 16 MiB pool, where all of it is usable.
 */
final class PoolZstd implements AutoCloseable {

    static final int WINDOW_LOG = 27;
    static final int HASH_LOG = 25;

    private final byte[] pool;
    private final int level;
    private final ZstdDictDecompress ddict;
    private final ZstdCompressCtx cctx = new ZstdCompressCtx();
    private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();

    private final boolean ldm;

    PoolZstd(byte[] pool, int level, boolean ldm) {
        this.pool = pool;
        this.level = level;
        this.ldm = ldm;
        this.ddict = new ZstdDictDecompress(pool, 0, pool.length, ZstdDictContentType.RAW_CONTENT);
        // hashLog 25: zstd only digests the last 2^(hashLog + 3) bytes of a dictionary; the level's default hashLog
        // (14..17) would leave all but the pool's last 1 MiB unused. The dictionary stays loaded across calls.
        cctx.setLevel(level).setWindowLog(WINDOW_LOG).setHashLog(HASH_LOG).setChecksum(false);
        if (ldm) {
            cctx.setLong(WINDOW_LOG);
        }
        cctx.loadDict(pool, ZstdDictContentType.RAW_CONTENT);
        dctx.setLongMax(WINDOW_LOG).loadDict(ddict);
    }

    int compress(byte[] src, byte[] dst) {
        return cctx.compressByteArray(dst, 0, dst.length, src, 0, src.length);
    }

    int decompress(byte[] src, int len, byte[] dst) {
        return dctx.decompressByteArray(dst, 0, dst.length, src, 0, len);
    }

    /** Prefix-like: the raw pool loaded into a fresh context for this one call. */
    int rawCompress(byte[] src, byte[] dst) {
        try (ZstdCompressCtx c = new ZstdCompressCtx()) {
            c.setLevel(level).setWindowLog(WINDOW_LOG).setHashLog(HASH_LOG);
            if (ldm) {
                c.setLong(WINDOW_LOG);
            }
            c.loadDict(pool, ZstdDictContentType.RAW_CONTENT);
            return c.compressByteArray(dst, 0, dst.length, src, 0, src.length);
        }
    }

    @Override
    public void close() {
        cctx.close();
        dctx.close();
        ddict.close();
    }
}
