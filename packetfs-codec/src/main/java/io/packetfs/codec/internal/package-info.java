/**
 * Internal helpers of the PacketFS codec: public so that {@link io.packetfs.codec} and {@link io.packetfs.codec.pool}
 * can share them, but <b>not API</b>. Anything here may change or disappear in any release without notice; do not
 * use it from outside the codec (as Netty's {@code io.netty.util.internal}). The wire format they implement is
 * defined in {@code docs/PROTOCOL.md}.
 */
package io.packetfs.codec.internal;
