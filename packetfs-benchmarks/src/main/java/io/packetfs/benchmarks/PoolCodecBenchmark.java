package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolCopySink;
import io.packetfs.codec.pool.PacketFsPoolDecoder;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import io.packetfs.codec.pool.PacketFsPoolWireMeter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pool codec ({@link PacketFsPoolEncoder} / {@link PacketFsPoolDecoder}, default geometry) beside zstd-jni with
 * the same pool as its dictionary at levels 1 and 3 ({@link PoolZstd}), on the same inputs ({@link PoolInputs}):
 * synthetic pools of 16 and 64 MiB, inputs of about 8 MiB. One operation is one whole input, so
 * <b>MB/s = score x input MB</b> (8.39 MB; the edited input is printed at setup). Wire bytes / input bytes are
 * printed at setup ({@code [wire]} lines); {@link PoolWireReport} prints the whole table with its own timing. The
 * pool codec's wire bytes are counted by {@link PacketFsPoolWireMeter} (COPY units in frames of 1,500 bytes, 8-byte
 * headers, SYNC with CRC per window), zstd's are its frame bytes. Run with {@code -prof gc}: the encoder allocates
 * one body buffer and one unit object per COPY unit (1,480 body bytes), nothing per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dio.netty.leakDetection.level=disabled"})
public class PoolCodecBenchmark {

    /** Which input. */
    @Param({"inPool", "edited1pct", "random"})
    public String scenario;

    /** zstd with long-distance matching (window 2^27), as {@code zstd --long --patch-from}; off: level defaults. */
    @Param({"false"})
    public boolean ldm;

    /** Pool size in MiB (zstd levels 1 and 3 use only a dictionary's last 16 MiB: see {@link PoolZstd}). */
    @Param({"16", "64"})
    public int poolMiB;

    private PacketFsPool pool;
    private PacketFsPoolEncoder encoder;
    private PacketFsPoolDecoder decoder;
    private PoolZstd zstd1;
    private PoolZstd zstd3;
    private byte[] input;
    private ByteBuf inputBuf;
    private ByteBuf decoded;
    private final List<PacketFsCopyUnit> units = new ArrayList<>();
    private byte[] zBuf;
    private byte[] z1;
    private int z1Len;
    private byte[] z3;
    private int z3Len;
    private byte[] plain;
    private long sinkBytes;
    private final PacketFsPoolCopySink releasingSink = unit -> {
        sinkBytes += unit.bodyLength();
        unit.release();
    };

    /** Builds the pool, its index, the zstd dictionaries and the encoded forms; checks every round trip. */
    @Setup(Level.Trial)
    public void setUp() {
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        pool = PacketFsPool.synthetic((long) poolMiB << 20, PoolInputs.POOL_SEED, PacketFsPoolGeometry.DEFAULT);
        encoder = new PacketFsPoolEncoder(pool, alloc, PacketFsPoolEncoder.DEFAULT_MAX_BODY);
        decoder = new PacketFsPoolDecoder(pool);
        input = PoolInputs.input(pool, scenario, poolMiB);
        inputBuf = Unpooled.directBuffer(input.length).writeBytes(input);
        decoded = Unpooled.directBuffer(input.length + 4096);

        PacketFsPoolWireMeter meter = PoolWireReport.encodeAll(encoder, inputBuf, units);
        decodePfs();
        if (!decoded.equals(inputBuf)) {
            throw new IllegalStateException(scenario + ": the pool codec does not round-trip");
        }

        byte[] poolBytes = new byte[(int) pool.size()];
        pool.getBytes(0, poolBytes);
        zstd1 = new PoolZstd(poolBytes, 1, ldm);
        zstd3 = new PoolZstd(poolBytes, 3, ldm);
        zBuf = new byte[input.length + input.length / 100 + 4096];
        z1 = Arrays.copyOf(zBuf, zstd1.compress(input, zBuf));
        z1Len = z1.length;
        z3 = Arrays.copyOf(zBuf, zstd3.compress(input, zBuf));
        z3Len = z3.length;
        plain = new byte[input.length];
        if (zstd1.decompress(z1, z1Len, plain) != input.length || !Arrays.equals(plain, input)
                || zstd3.decompress(z3, z3Len, plain) != input.length || !Arrays.equals(plain, input)) {
            throw new IllegalStateException(scenario + ": zstd does not round-trip");
        }
        System.out.printf("%n[wire] %s pool %d MiB: input %d B (%.2f MB); pfs %d B = %.5f (%s); zstd-1 %d B = %.5f; "
                        + "zstd-3 %d B = %.5f; anchors %d B%n", scenario, poolMiB, input.length, input.length / 1e6,
                meter.wireBytes(), (double) meter.wireBytes() / input.length, meter, z1Len,
                (double) z1Len / input.length, z3Len, (double) z3Len / input.length, pool.anchors().memoryBytes());
    }

    /** Releases the runs and buffers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        units.forEach(PacketFsCopyUnit::release);
        units.clear();
        inputBuf.release();
        decoded.release();
        zstd1.close();
        zstd3.close();
        pool.close();
    }

    /** Pool codec: the input to COPY units (allocated, counted and released). */
    @Benchmark
    public long pfsEncode() {
        encoder.encode(inputBuf.duplicate(), releasingSink);
        encoder.finish(releasingSink);
        return sinkBytes;
    }

    /** Pool codec: every unit checked and back to bytes, into one preallocated direct buffer. */
    @Benchmark
    public int pfsDecode() {
        return decodePfs();
    }

    private int decodePfs() {
        ByteBuf out = decoded;
        out.clear();
        List<PacketFsCopyUnit> us = units;
        for (int i = 0, n = us.size(); i < n; i++) {
            decoder.decode(us.get(i), out);
        }
        return out.writerIndex();
    }

    /** zstd level 1 with the pool as dictionary. */
    @Benchmark
    public int zstd1Compress() {
        return zstd1.compress(input, zBuf);
    }

    /** zstd level 3 with the pool as dictionary. */
    @Benchmark
    public int zstd3Compress() {
        return zstd3.compress(input, zBuf);
    }

    /** zstd level 1 decompression. */
    @Benchmark
    public int zstd1Decompress() {
        return zstd1.decompress(z1, z1Len, plain);
    }

    /** zstd level 3 decompression. */
    @Benchmark
    public int zstd3Decompress() {
        return zstd3.decompress(z3, z3Len, plain);
    }
}
