package io.packetfs.transport.internal;

import java.io.IOException;

/** A failed libc call made through JNA during set-up, with its errno. */
public final class PacketFsErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /** {@code message} says what failed and what to do; {@code errno} is the positive C errno. */
    public PacketFsErrnoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** {@code message} says what failed and what to do; the errno is taken from {@code cause}. */
    public PacketFsErrnoException(String message, PacketFsErrnoException cause) {
        super(message, cause);
        this.errno = cause.errno;
    }

    /** The positive C errno (EPERM = 1, ENODEV = 19, ...). */
    public int errno() {
        return errno;
    }
}
