package io.packetfs.transport;

import io.netty.channel.epoll.Epoll;
import io.packetfs.transport.internal.PacketFsEthernetConstants;
import io.packetfs.transport.internal.PacketFsLinux;
import io.packetfs.transport.internal.PacketFsPacketSocket;

import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Tells whether raw Ethernet ({@link PacketFsEthernetChannel}) can run here, in the manner of Netty's
 * {@code Epoll.isAvailable()} / {@code ensureAvailability()} / {@code unavailabilityCause()}.
 *
 * <p>It needs Linux, Netty's native epoll transport (netty-transport-native-epoll with the classifier of this
 * platform), JNA, and the right to open AF_PACKET sockets (CAP_NET_RAW, i.e. root or a capability granted to the
 * JVM). The check runs once, when this class is initialised. Whether one interface can be used (it exists, is up, is
 * Ethernet) depends on the interface: {@link #unavailabilityCause(String, String)} checks that too.
 */
public final class PacketFsEthernet {

    /** The EtherType of PacketFS frames. */
    public static final int ETHER_TYPE = PacketFsEthernetConstants.ETHER_TYPE;

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private PacketFsEthernet() {
    }

    /** True when raw Ethernet can run here: Linux, native epoll, JNA, and permission to open AF_PACKET sockets. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /**
     * Returns normally when {@link #isAvailable()}; otherwise throws an {@link UnsatisfiedLinkError} (not Linux, no
     * native epoll, no JNA) or an {@link IllegalStateException} (no permission), whose message says what to do and
     * whose cause is {@link #unavailabilityCause()}.
     */
    public static void ensureAvailability() {
        Throwable cause = UNAVAILABILITY_CAUSE;
        if (cause == null) {
            return;
        }
        String message = "PacketFS raw Ethernet is unavailable: " + cause.getMessage();
        if (cause instanceof LinkageError || cause instanceof UnsupportedOperationException) {
            throw (Error) new UnsatisfiedLinkError(message).initCause(cause);
        }
        throw new IllegalStateException(message, cause);
    }

    /** Null when {@link #isAvailable()}, else why not; its message says what to do. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /**
     * Null when a {@link PacketFsEthernetChannel} can be opened on {@code interfaceName} in {@code netns} (null: the
     * current namespace) right now, else why not: {@link #unavailabilityCause()}, or a missing, down or non-Ethernet
     * interface, or a missing namespace. It opens and closes a socket to find out.
     */
    public static Throwable unavailabilityCause(String interfaceName, String netns) {
        if (UNAVAILABILITY_CAUSE != null) {
            return UNAVAILABILITY_CAUSE;
        }
        try {
            PacketFsPacketSocket socket = PacketFsNetns.call(netns, () ->
                    PacketFsPacketSocket.open(interfaceName, ETHER_TYPE, netns));
            PacketFsLinux.closeQuietly(socket.fd());
            return null;
        } catch (UncheckedIOException e) {
            return e.getCause();
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static Throwable probe() {
        String os = System.getProperty("os.name", "unknown");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return new UnsupportedOperationException("raw Ethernet needs Linux (AF_PACKET sockets) and this JVM runs "
                    + "on " + os + ": use the UDP tunnel instead");
        }
        try {
            if (!Epoll.isAvailable()) {
                Throwable epoll = Epoll.unavailabilityCause();
                return new UnsatisfiedLinkError("Netty's native epoll transport did not load (" + epoll + "): put "
                        + "io.netty:netty-transport-native-epoll with the classifier of this platform (linux-x86_64 "
                        + "or linux-aarch_64) on the class path").initCause(epoll);
            }
        } catch (LinkageError e) {
            return new UnsatisfiedLinkError("Netty's epoll classes are missing (" + e + "): put "
                    + "io.netty:netty-transport-classes-epoll and netty-transport-native-epoll (with the classifier of "
                    + "this platform) on the class path").initCause(e);
        }
        Throwable jna;
        try {
            jna = PacketFsLinux.loadFailure();
        } catch (LinkageError e) {
            jna = e;
        }
        if (jna != null) {
            return new UnsatisfiedLinkError("JNA cannot call libc (" + jna + "): put net.java.dev.jna:jna on the "
                    + "class path and make sure its native part can be unpacked (jna.tmpdir)").initCause(jna);
        }
        return PacketFsPacketSocket.probe();
    }
}
