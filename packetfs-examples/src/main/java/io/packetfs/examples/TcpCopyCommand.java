package io.packetfs.examples;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/**
 * {@code ./packetfs tcp-copy} (hidden): the plain TCP reference of {@code bench-path}, one blocking
 * {@link java.net.Socket} with 256 KiB reads and writes, like a {@code sendall}/{@code recv} loop.
 *
 * <pre>
 *   tcp-copy --listen HOST:PORT --out FILE      accepts one connection, writes what arrives to FILE, fsyncs it,
 *                                               then answers one byte and exits
 *   tcp-copy --connect HOST:PORT FILE           sends FILE, shuts its output down, waits for that byte; prints
 *                                               "tcp-copy: N bytes, S.SSS s" timed from before connect to the byte
 *   tcp-copy --connect HOST:PORT --seconds S    sends zeros for S seconds (a competing flow); no answer awaited
 * </pre>
 *
 * The sender's time thus covers the same span as {@code send}'s: from the first packet to the receiver's word that
 * the file is complete and synced.
 */
@Command(name = "tcp-copy", hidden = true, mixinStandardHelpOptions = true,
        description = {"Plain TCP copy of one file, the reference of bench-path (hidden):",
                "--listen HOST:PORT --out FILE on one side, --connect HOST:PORT FILE on the other.",
                "The sender prints bytes and seconds from before connect to the receiver's",
                "1-byte answer, which comes after the file is written and synced."})
final class TcpCopyCommand implements Callable<Integer> {

    /** Bytes per read and write, and the socket buffer sizes asked for. */
    static final int BUFFER_BYTES = 256 * 1024;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Role role;

    @Option(names = "--out", paramLabel = "FILE", description = "Listener: where the received bytes go.")
    Path out;

    @Option(names = "--seconds", paramLabel = "S",
            description = "Connector without FILE: send zeros for this many seconds.")
    double seconds;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "S",
            description = "Listener: seconds to wait for the connection and for each read (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--no-sync", description = "Listener: do not fsync FILE (a competing flow's sink).")
    boolean noSync;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Connector: the file to send.")
    Path input;

    static final class Role {
        @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Receive one copy.")
        String listen;

        @Option(names = "--connect", required = true, paramLabel = "HOST:PORT", description = "Send one copy.")
        String connect;
    }

    @Override
    public Integer call() throws Exception {
        if (role.listen != null) {
            if (out == null) {
                throw new IllegalArgumentException("--listen needs --out FILE");
            }
            return listen(address(role.listen));
        }
        if ((input == null) == (seconds <= 0)) {
            throw new IllegalArgumentException("--connect needs either FILE or --seconds S");
        }
        return connect(address(role.connect));
    }

    private int listen(InetSocketAddress address) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.setReceiveBufferSize(BUFFER_BYTES); // before bind: it sets the window scale
            server.bind(address, 1);
            server.setSoTimeout(timeout * 1000);
            System.err.println("tcp-copy: listening on " + server.getLocalSocketAddress());
            try (Socket s = server.accept();
                 FileChannel file = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                s.setSoTimeout(timeout * 1000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[BUFFER_BYTES];
                java.nio.ByteBuffer wrap = java.nio.ByteBuffer.wrap(buf);
                long total = 0;
                long first = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (total == 0) {
                        first = System.nanoTime();
                    }
                    wrap.clear().limit(n);
                    while (wrap.hasRemaining()) {
                        file.write(wrap);
                    }
                    total += n;
                }
                if (!noSync) {
                    file.force(false);
                }
                OutputStream o = s.getOutputStream();
                o.write(1);
                o.flush();
                System.out.printf("tcp-copy: received %d bytes, %.3f s from first byte to EOF and sync%n", total,
                        total == 0 ? 0.0 : (System.nanoTime() - first) / 1e9);
            }
        }
        return 0;
    }

    private int connect(InetSocketAddress address) throws IOException {
        byte[] buf = new byte[BUFFER_BYTES];
        long total = 0;
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setSendBufferSize(BUFFER_BYTES);
            s.setReceiveBufferSize(BUFFER_BYTES);
            s.connect(address, 10_000);
            OutputStream o = s.getOutputStream();
            if (input != null) {
                try (InputStream in = Files.newInputStream(input)) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        o.write(buf, 0, n);
                        total += n;
                    }
                }
                s.shutdownOutput();
                s.setSoTimeout(60_000);
                if (s.getInputStream().read() != 1) {
                    throw new IOException("the receiver closed without acknowledging the copy");
                }
            } else {
                long end = start + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    o.write(buf);
                    total += buf.length;
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("tcp-copy: %d bytes, %.3f s%n", total, secs);
        return 0;
    }

    /** {@code HOST:PORT}, the host possibly in brackets (IPv6). */
    static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(text.substring(colon + 1)));
    }
}
