package io.packetfs.transfer;

import java.io.IOException;

/**
 * A transfer that did not end with a verified file: the pools differ, the peer went silent, data was lost or
 * corrupt, the file could not be read or written, or a side gave up. The message says which and what to do;
 * {@link #result()} has the figures up to then.
 */
public final class PacketFsTransferException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient PacketFsTransferResult result;

    PacketFsTransferException(PacketFsTransferResult result) {
        super(result.message());
        this.result = result;
    }

    /** The figures of the failed transfer (its {@code ok} is false). */
    public PacketFsTransferResult result() {
        return result;
    }
}
