package io.packetfs.benchmarks;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A thread of the kind that runs Netty's event loops (a {@code FastThreadLocalThread}), for benchmarks of pipelines.
 * Netty's {@code Recycler} pools objects (outbound-buffer entries, the adaptive allocator's buffer objects) only on
 * such threads and allocates them afresh on any other, JMH's own threads included; a pipeline measured on a JMH
 * thread would be charged with allocations that an event loop does not make. A benchmark hands this loop a batch of
 * {@link #BATCH} operations per invocation ({@code @OperationsPerInvocation(BenchmarkLoop.BATCH)}); the hand-over
 * itself costs a few dozen bytes and about 10 us per invocation, a few hundredths of a byte and about 10 ns per
 * operation.
 */
final class BenchmarkLoop implements AutoCloseable {

    /** Operations per hand-over. */
    static final int BATCH = 1_024;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("bench-loop"));

    /** Runs {@code batch} (made by {@link #batchOf}) on the loop's thread and waits for it. */
    void runBatch(Runnable batch) throws Exception {
        thread.submit(batch).get();
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdown();
        thread.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** {@code operation}, {@link #BATCH} times in a row. */
    static Runnable batchOf(Runnable operation) {
        return () -> {
            for (int i = 0; i < BATCH; i++) {
                operation.run();
            }
        };
    }
}
