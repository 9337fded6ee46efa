package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.internal.PacketFsBitPacker;
import io.packetfs.codec.internal.PacketFsBitpackRequest;
import io.packetfs.codec.internal.PacketFsScalarBitPacker;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reference encode ({@link PacketFsBitPacker#pack}) and decode ({@link PacketFsBitPacker#unpack}) with
 * {@link PacketFsScalarBitPacker}, per tier and buffer kind, each beside a plain copy of the same bitstream bytes.
 *
 * <p>A frame carries {@value #FRAME_BYTES} bitstream bytes: the largest multiple of 4 that fits a 1,500-byte frame
 * after the 8-byte frame header and the 2-byte run header, so every tier fills the same bytes. One invocation
 * handles {@value #REFS_PER_INVOCATION} references, one {@code pack} or {@code unpack} call per frame:
 *
 * <pre>
 *   tier  refs/frame  frames/invocation  bitstream bytes/invocation
 *   L1       1,488           1                   1,488
 *   L2         744           2                   2,976
 *   L3         372           4                   5,952
 *
 *   L3:  +--- 372 x 4 B ---+--- 372 x 4 B ---+--- 372 x 4 B ---+--- 372 x 4 B ---+
 *        | frame 0 (pack)  | frame 1 (pack)  | frame 2 (pack)  | frame 3 (pack)  |
 *        +-----------------+-----------------+-----------------+-----------------+
 * </pre>
 *
 * <p>{@link OperationsPerInvocation} counts references, so every score is <b>references per second</b>; bitstream
 * bytes per second are {@code score * tier.bytes()} (1, 2 or 4). The baselines move the same bytes with the same
 * number of calls and report in the same unit, so {@code encode / encodeCopyBaseline} is the cost of packing over
 * a plain copy:
 * <ul>
 *   <li>{@code encodeCopyBaseline}: {@code ByteBuf.writeBytes(byte[], ...)} of the wire image of each frame into the
 *       buffer that {@code encode} fills ({@code System.arraycopy} for heap, a native memory copy for direct).</li>
 *   <li>{@code decodeCopyBaseline}: {@code ByteBuf.readBytes(byte[], ...)} of each frame from the buffer that
 *       {@code decode} reads.</li>
 * </ul>
 * References are seeded random values over the whole range of their tier (L3: every 32-bit value). Buffers, the
 * request and the output array are preallocated, so {@code -prof gc} should report 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BitPackBenchmark {

    /** Bitstream bytes per frame. */
    static final int FRAME_BYTES = 1488;
    /** References per invocation, whatever the tier: {@code tier.bytes()} frames of {@link #FRAME_BYTES}. */
    static final int REFS_PER_INVOCATION = FRAME_BYTES;

    private static final long SEED = 0x5EED_0001L;
    private static final PacketFsBitPacker PACKER = PacketFsScalarBitPacker.INSTANCE;

    /** Tier of every reference. */
    @Param({"L1", "L2", "L3"})
    public PacketFsTier tier;

    /** {@code heap} or {@code direct}. */
    @Param({BenchmarkBuffers.HEAP, BenchmarkBuffers.DIRECT})
    public String bufferKind;

    private final PacketFsBitpackRequest request = new PacketFsBitpackRequest();
    private int frames;
    private int refsPerFrame;
    private int[] refs;
    private int[] decoded;
    private byte[] wire;
    private byte[] copied;
    private ByteBuf encoded;
    private ByteBuf packed;

    /** Draws the references, packs them once for {@code decode} and checks the round trip. */
    @Setup(Level.Trial)
    public void setUp() {
        frames = tier.bytes();
        refsPerFrame = FRAME_BYTES / tier.bytes();
        int length = frames * FRAME_BYTES;
        refs = new int[REFS_PER_INVOCATION];
        decoded = new int[REFS_PER_INVOCATION];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < refs.length; i++) {
            refs[i] = tier == PacketFsTier.L3 ? random.nextInt() : random.nextInt((int) tier.maxRef() + 1);
        }
        encoded = BenchmarkBuffers.allocate(bufferKind, length);
        packed = BenchmarkBuffers.allocate(bufferKind, length);
        for (int f = 0; f < frames; f++) {
            PACKER.pack(request.set(refs, f * refsPerFrame, refsPerFrame, tier, packed));
        }
        if (packed.readableBytes() != length) {
            throw new IllegalStateException("packed " + packed.readableBytes() + " bytes, expected " + length);
        }
        wire = new byte[length];
        copied = new byte[length];
        packed.getBytes(packed.readerIndex(), wire);
        if (decode() != length || !Arrays.equals(refs, decoded)) {
            throw new IllegalStateException(tier + " " + bufferKind + ": decode does not return the references");
        }
        if (encode() != length || !Arrays.equals(wire, bytesOf(encoded))) {
            throw new IllegalStateException(tier + " " + bufferKind + ": encode does not reproduce the bitstream");
        }
        Arrays.fill(decoded, 0);
    }

    /** Releases the buffers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
        packed.release();
    }

    /** Packs every frame into a cleared buffer; returns the bytes written. */
    @Benchmark
    @OperationsPerInvocation(REFS_PER_INVOCATION)
    public int encode() {
        ByteBuf out = encoded;
        PacketFsBitpackRequest r = request;
        out.clear();
        for (int f = 0, off = 0; f < frames; f++, off += refsPerFrame) {
            PACKER.pack(r.set(refs, off, refsPerFrame, tier, out));
        }
        return out.writerIndex();
    }

    /** Baseline of {@link #encode()}: appends the wire image of every frame to the same cleared buffer. */
    @Benchmark
    @OperationsPerInvocation(REFS_PER_INVOCATION)
    public int encodeCopyBaseline() {
        ByteBuf out = encoded;
        out.clear();
        for (int f = 0, off = 0; f < frames; f++, off += FRAME_BYTES) {
            out.writeBytes(wire, off, FRAME_BYTES);
        }
        return out.writerIndex();
    }

    /** Unpacks every frame from the start of the packed buffer; returns the bytes read. */
    @Benchmark
    @OperationsPerInvocation(REFS_PER_INVOCATION)
    public int decode() {
        ByteBuf in = packed;
        PacketFsBitpackRequest r = request;
        in.readerIndex(0);
        for (int f = 0, off = 0; f < frames; f++, off += refsPerFrame) {
            PACKER.unpack(r.set(decoded, off, refsPerFrame, tier, in));
        }
        return in.readerIndex();
    }

    /** Baseline of {@link #decode()}: reads the bytes of every frame from the same buffer into an array. */
    @Benchmark
    @OperationsPerInvocation(REFS_PER_INVOCATION)
    public int decodeCopyBaseline() {
        ByteBuf in = packed;
        in.readerIndex(0);
        for (int f = 0, off = 0; f < frames; f++, off += FRAME_BYTES) {
            in.readBytes(copied, off, FRAME_BYTES);
        }
        return in.readerIndex();
    }

    private static byte[] bytesOf(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes;
    }
}
