package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FileReadAhead}: chunks in file order, then END and the file's SHA-256; a waiting consumer is called. */
class FileReadAheadTest {

    @TempDir
    Path dir;

    @Test
    void chunksComeInOrderThenEndAndTheDigest() throws Exception {
        byte[] data = new byte[10 * 4096 + 123];
        new SplittableRandom(4).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (FileChannel file = FileChannel.open(in, StandardOpenOption.READ);
             FileReadAhead ahead = new FileReadAhead(file, MessageDigest.getInstance("SHA-256"),
                     ByteBufAllocator.DEFAULT, 4096, "test-reader")) {
            for (;;) {
                ByteBuf chunk = ahead.poll();
                if (chunk == null) {
                    CountDownLatch ready = new CountDownLatch(1);
                    ahead.onReady(ready::countDown); // the consumer waits as the event loop would
                    assertTrue(ready.await(10, TimeUnit.SECONDS), "the reader never called back");
                    continue;
                }
                if (chunk == FileReadAhead.END) {
                    break;
                }
                byte[] b = new byte[chunk.readableBytes()];
                chunk.readBytes(b);
                assertEquals(1, chunk.refCnt());
                chunk.release();
                got.write(b);
            }
            assertArrayEquals(data, got.toByteArray());
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), ahead.digest());
            assertSame(null, ahead.poll()); // nothing after END
        }
    }
}
