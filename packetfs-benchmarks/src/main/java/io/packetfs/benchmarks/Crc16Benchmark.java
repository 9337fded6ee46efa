package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsCrc16;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * {@link PacketFsCrc16#update(int, ByteBuf, int, int)} over a buffer of {@code size} bytes, beside a plain copy of
 * the same bytes and, for scale only, the JDK's {@link CRC32}.
 *
 * <p>One invocation feeds {@value #BYTES_PER_INVOCATION} bytes (the least common multiple of the sizes, 93 * 64 KiB)
 * as {@code BYTES_PER_INVOCATION / size} calls over the same {@code size} bytes, each call continuing the register
 * of the one before (as a window's CRC runs across frames). {@link OperationsPerInvocation} counts bytes, so every
 * score is <b>bytes per second</b>, and the small sizes include the per-call cost:
 *
 * <pre>
 *   size     calls/invocation   what it stands for
 *   64           95,232         a minimum-size Ethernet payload
 *   1,488         4,096         the bitstream of a 1,500-byte frame
 *   65,536           93         a large datagram / a window flushed at once
 * </pre>
 *
 * <ul>
 *   <li>{@code crc16}: the PacketFS CRC16 (heap: the {@code byte[]} path through {@code hasArray()}; direct: the
 *       {@code ByteBuf.getLong} path).</li>
 *   <li>{@code crc16CopyBaseline}: {@code ByteBuf.getBytes(index, byte[], 0, size)} of the same bytes, the same
 *       number of calls.</li>
 *   <li>{@code crc32Reference}: {@link CRC32#update(ByteBuffer)} of the same bytes. A different checksum, with a
 *       hardware-assisted JDK intrinsic: a reference point, not a PacketFS figure.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Crc16Benchmark {

    /** Bytes per invocation: lcm(64, 1488, 65536), so every size divides it. */
    static final int BYTES_PER_INVOCATION = 6_094_848;

    private static final long SEED = 0x5EED_0002L;

    /** Bytes per call. */
    @Param({"64", "1488", "65536"})
    public int size;

    /** {@code heap} or {@code direct}. */
    @Param({BenchmarkBuffers.HEAP, BenchmarkBuffers.DIRECT})
    public String bufferKind;

    private final CRC32 crc32 = new CRC32();
    private int calls;
    private ByteBuf buffer;
    private ByteBuffer nioView;
    private byte[] copied;

    /** Fills the buffer with seeded random bytes. */
    @Setup(Level.Trial)
    public void setUp() {
        if (size <= 0 || BYTES_PER_INVOCATION % size != 0) {
            throw new IllegalArgumentException("size " + size + " does not divide " + BYTES_PER_INVOCATION);
        }
        calls = BYTES_PER_INVOCATION / size;
        byte[] bytes = new byte[size];
        new SplittableRandom(SEED).nextBytes(bytes);
        buffer = BenchmarkBuffers.allocate(bufferKind, size);
        buffer.writeBytes(bytes);
        nioView = buffer.nioBuffer(buffer.readerIndex(), size);
        copied = new byte[size];
        if (PacketFsCrc16.update(PacketFsCrc16.INITIAL, buffer, buffer.readerIndex(), size)
                != PacketFsCrc16.update(PacketFsCrc16.INITIAL, bytes, 0, size)) {
            throw new IllegalStateException(bufferKind + ": ByteBuf and byte[] paths disagree");
        }
    }

    /** Releases the buffer. */
    @TearDown(Level.Trial)
    public void tearDown() {
        buffer.release();
    }

    /** The PacketFS CRC16; returns the register. */
    @Benchmark
    @OperationsPerInvocation(BYTES_PER_INVOCATION)
    public int crc16() {
        ByteBuf buf = buffer;
        int index = buf.readerIndex();
        int n = size;
        int crc = PacketFsCrc16.INITIAL;
        for (int i = calls; i > 0; i--) {
            crc = PacketFsCrc16.update(crc, buf, index, n);
        }
        return crc;
    }

    /** Baseline: copies the same bytes out of the same buffer, call for call. */
    @Benchmark
    @OperationsPerInvocation(BYTES_PER_INVOCATION)
    public byte[] crc16CopyBaseline() {
        ByteBuf buf = buffer;
        int index = buf.readerIndex();
        int n = size;
        byte[] dst = copied;
        for (int i = calls; i > 0; i--) {
            buf.getBytes(index, dst, 0, n);
        }
        return dst;
    }

    /** Reference only: the JDK's CRC32 (another checksum) over the same bytes, call for call. */
    @Benchmark
    @OperationsPerInvocation(BYTES_PER_INVOCATION)
    public long crc32Reference() {
        CRC32 crc = crc32;
        ByteBuffer view = nioView;
        crc.reset();
        for (int i = calls; i > 0; i--) {
            view.rewind();
            crc.update(view);
        }
        return crc.getValue();
    }
}
