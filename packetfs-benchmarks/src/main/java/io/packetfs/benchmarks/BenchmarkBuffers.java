package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Allocates the buffers the benchmarks preallocate in their setup. Unpooled, with the leak detector off: with it on,
 * Netty wraps a sample of direct buffers in a leak-aware wrapper, so a fork would sometimes measure a different
 * buffer class (and a polluted type profile) than the one before it.
 */
final class BenchmarkBuffers {

    /** {@code @Param} value for a heap buffer: the codec takes its {@code hasArray()} path. */
    static final String HEAP = "heap";
    /** {@code @Param} value for a direct buffer: the codec takes its {@code ByteBuf} accessor path. */
    static final String DIRECT = "direct";

    /** {@code @Param} value for the pooled allocator, which PacketFS's transports give their channels. */
    static final String POOLED = "pooled";
    /** {@code @Param} value for Netty 4.2's default allocator, which a channel of your own gets unless you set one. */
    static final String ADAPTIVE = "adaptive";

    private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false, true);
    private static final ByteBufAllocator ADAPTIVE_ALLOCATOR = new AdaptiveByteBufAllocator();

    private BenchmarkBuffers() {
    }

    /** The channel allocator named {@code kind} ({@link #POOLED} or {@link #ADAPTIVE}). */
    static ByteBufAllocator channelAllocator(String kind) {
        switch (kind) {
            case POOLED:
                return PooledByteBufAllocator.DEFAULT;
            case ADAPTIVE:
                return ADAPTIVE_ALLOCATOR;
            default:
                throw new IllegalArgumentException(
                        "allocator " + kind + " (expected " + POOLED + " or " + ADAPTIVE + ")");
        }
    }

    /** A buffer of {@code kind} ({@link #HEAP} or {@link #DIRECT}) with a fixed capacity. */
    static ByteBuf allocate(String kind, int capacity) {
        switch (kind) {
            case HEAP:
                return ALLOCATOR.heapBuffer(capacity, capacity);
            case DIRECT:
                return ALLOCATOR.directBuffer(capacity, capacity);
            default:
                throw new IllegalArgumentException(
                        "buffer kind " + kind + " (expected " + HEAP + " or " + DIRECT + ")");
        }
    }
}
