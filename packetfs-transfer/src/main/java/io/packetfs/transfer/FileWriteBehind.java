package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Writes a received file and hashes it on a thread of its own, so that the event loop only decodes: it copies each
 * small piece of data (a frame's literals) into a staging buffer ({@value #BUFFER_BYTES} bytes), and every full
 * buffer is hashed (SHA-256) and written in order by the writer thread, with one system call per buffer instead of
 * one per frame; a piece of at least {@value #HANDOFF_BYTES} bytes (pool content) is not copied: the writer takes a
 * reference to it, and hashes, writes and releases it in its turn. There are {@value #BUFFERS} staging buffers and
 * at most {@value #HANDOFFS} pieces handed over: when the writer falls that far behind, {@link #write} waits (the
 * sender is then slowed by the reliability window, as by a slow disk). A write error is reported by the next
 * {@link #write} or by
 * {@link #finish()}. Not thread-safe: {@link #write} and {@link #finish} belong to one thread (the event loop).
 */
final class FileWriteBehind implements AutoCloseable {

    static final int BUFFER_BYTES = 1 << 20;
    static final int BUFFERS = 4;
    /** Pieces at least this large are handed to the writer instead of copied. */
    static final int HANDOFF_BYTES = 64 * 1024;
    /** Pieces handed to the writer and not yet written, at most. */
    static final int HANDOFFS = 16;

    private final FileChannel file;
    private final MessageDigest sha;
    private final ExecutorService writer;
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Semaphore handoffs = new Semaphore(HANDOFFS);
    private ByteBuffer current;
    private long position;
    private volatile IOException failure;

    FileWriteBehind(FileChannel file, MessageDigest sha, String threadName) {
        this.file = file;
        this.sha = sha;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < BUFFERS; i++) {
            // direct: the write system call copies from it as it is (a heap buffer is first copied into a temporary
            // direct one by the JDK), and the digest reads it through a small array of its own
            free.add(ByteBuffer.allocateDirect(BUFFER_BYTES));
        }
    }

    /**
     * Takes the readable bytes of {@code data} for writing: copies them, or keeps a reference to a large piece (the
     * caller keeps its own; the indexes do not move).
     */
    void write(ByteBuf data) throws IOException {
        checkFailure();
        if (data.readableBytes() >= HANDOFF_BYTES && data.nioBufferCount() == 1) {
            handOff(data);
            return;
        }
        int at = data.readerIndex();
        int end = data.writerIndex();
        while (at < end) {
            if (current == null) {
                try {
                    current = free.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the file writer");
                }
                checkFailure();
            }
            int n = Math.min(end - at, current.remaining());
            int limit = current.limit();
            current.limit(current.position() + n);
            data.getBytes(at, current); // moves current's position by n
            current.limit(limit);
            at += n;
            if (!current.hasRemaining()) {
                submit();
            }
        }
    }

    /** Writes what is left; completes with the SHA-256 of everything written, or the first write error. */
    CompletableFuture<byte[]> finish() {
        if (current != null && current.position() > 0) {
            submit();
        }
        CompletableFuture<byte[]> digest = new CompletableFuture<>();
        writer.execute(() -> {
            if (failure != null) {
                digest.completeExceptionally(failure);
            } else {
                digest.complete(sha.digest());
            }
        });
        return digest;
    }

    private void submit() {
        ByteBuffer buf = current;
        current = null;
        buf.flip();
        long at = position;
        position += buf.remaining();
        writer.execute(() -> {
            try {
                hashAndWrite(buf, at);
            } finally {
                buf.clear();
                free.add(buf);
            }
        });
    }

    private void handOff(ByteBuf data) throws IOException {
        if (current != null && current.position() > 0) {
            submit(); // what was staged before it comes first
        }
        try {
            handoffs.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the file writer");
        }
        ByteBuf piece = data.retainedSlice();
        long at = position;
        position += piece.readableBytes();
        try {
            writer.execute(() -> {
                try {
                    hashAndWrite(piece.nioBuffer(), at);
                } finally {
                    piece.release();
                    handoffs.release();
                }
            });
        } catch (RuntimeException e) { // a writer shut down by close()
            piece.release();
            handoffs.release();
            throw e;
        }
    }

    /** On the writer thread: hashes {@code buf} and writes it at {@code at}, unless an earlier write failed. */
    private void hashAndWrite(ByteBuffer buf, long at) {
        try {
            if (failure == null) {
                sha.update(buf.duplicate());
                writeFully(buf, at);
            }
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            // a channel not open for writing, for one: never let the bytes go unwritten silently
            failure = new IOException(e.toString(), e);
        }
    }

    private void writeFully(ByteBuffer buf, long at) throws IOException {
        long p = at;
        while (buf.hasRemaining()) {
            p += file.write(buf, p);
        }
    }

    private void checkFailure() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw e;
        }
    }

    /** Stops the writer thread (after what was submitted, which a closed file fails quietly). */
    @Override
    public void close() {
        writer.shutdown();
    }
}
