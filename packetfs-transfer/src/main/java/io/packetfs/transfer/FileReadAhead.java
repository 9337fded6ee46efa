package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the file to send, and hashes it (SHA-256), on a thread of its own, a few chunks ahead of the event loop, so
 * that the event loop only encodes: {@link #poll()} hands over the next chunk or null; {@link #onReady(Runnable)}
 * asks for a call when one is there. At most {@value #AHEAD} chunks wait (memory: AHEAD x the chunk size). The
 * chunks come in file order; after the last one {@link #poll()} returns {@link #END}, and {@link #digest()} is the
 * SHA-256 of everything read. Used by one consumer thread (the event loop).
 */
final class FileReadAhead implements AutoCloseable {

    /** Chunks read ahead, at most. */
    static final int AHEAD = 16;
    /** What {@link #poll()} returns after the last chunk (never released, never written). */
    static final ByteBuf END = io.netty.buffer.Unpooled.EMPTY_BUFFER;

    private final BlockingQueue<ByteBuf> ready = new ArrayBlockingQueue<>(AHEAD + 1);
    private final AtomicReference<Runnable> waiter = new AtomicReference<>();
    private final Thread reader;
    private volatile byte[] digest;
    private volatile IOException failure;
    private volatile boolean closed;

    FileReadAhead(FileChannel file, MessageDigest sha, ByteBufAllocator alloc, int chunk, String threadName) {
        reader = new Thread(() -> run(file, sha, alloc, chunk), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void run(FileChannel file, MessageDigest sha, ByteBufAllocator alloc, int chunk) {
        long position = 0;
        try {
            while (!closed) {
                // direct: the read system call fills it (a heap buffer gets a second copy, from a temporary direct
                // buffer of the JDK's)
                ByteBuf buf = alloc.directBuffer(chunk);
                int n;
                try {
                    n = buf.writeBytes(file, position, chunk);
                } catch (IOException | RuntimeException e) {
                    buf.release();
                    throw e;
                }
                if (n <= 0) {
                    buf.release();
                    digest = sha.digest();
                    hand(END);
                    return;
                }
                sha.update(buf.internalNioBuffer(buf.readerIndex(), n));
                position += n;
                hand(buf);
            }
        } catch (IOException e) {
            failure = e;
            wake();
        } catch (RuntimeException e) {
            failure = new IOException(e.toString(), e);
            wake();
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void hand(ByteBuf buf) throws InterruptedException {
        try {
            ready.put(buf);
        } catch (InterruptedException e) {
            buf.release();
            throw e;
        }
        if (closed) {
            drain();
            return;
        }
        wake();
    }

    private void wake() {
        Runnable w = waiter.getAndSet(null);
        if (w != null) {
            w.run();
        }
    }

    /** The next chunk (the caller owns it), {@link #END} after the last, or null when none is ready yet. */
    ByteBuf poll() throws IOException {
        ByteBuf b = ready.poll();
        if (b == null && failure != null) {
            throw failure;
        }
        return b;
    }

    /**
     * Runs {@code task} (on the reader thread: it should hand over to the event loop) when a chunk is ready; at once
     * if one already is.
     */
    void onReady(Runnable task) {
        waiter.set(task);
        if (!ready.isEmpty() || failure != null) {
            wake();
        }
    }

    /** The SHA-256 of the whole file, once {@link #poll()} returned {@link #END}. */
    byte[] digest() {
        return digest;
    }

    private void drain() {
        for (ByteBuf b; (b = ready.poll()) != null; ) {
            if (b != END) {
                b.release();
            }
        }
    }

    /** Stops the reader and releases what it read ahead. */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        drain();
    }
}
