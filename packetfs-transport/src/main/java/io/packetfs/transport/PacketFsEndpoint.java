package io.packetfs.transport;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Where a PacketFS pipeline runs, parsed from {@code udp:HOST:PORT[,iface=NAME]} or
 * {@code l2:IFACE[,peer=MAC][,netns=NAME]}. For UDP, HOST:PORT is the address to listen on (server side) or to send
 * to (client side); a multicast HOST joins or targets that group (on {@code iface} when given). For L2, frames go
 * to {@code peer} (default: reply to the last sender, else ff:ff:ff:ff:ff:ff); {@code netns} opens the socket in
 * that network namespace (/var/run/netns/NAME).
 */
public final class PacketFsEndpoint {

    /** The two transports. */
    public enum Kind {
        /** UDP tunnel. */
        UDP,
        /** Raw Ethernet, EtherType 0x1337. */
        L2
    }

    private final Kind kind;
    private final String host;
    private final int port;
    private final String iface;
    private final PacketFsMacAddress peer;
    private final String netns;

    private PacketFsEndpoint(Kind kind, String host, int port, String iface, PacketFsMacAddress peer, String netns) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.iface = iface;
        this.peer = peer;
        this.netns = netns;
    }

    /** A UDP endpoint. */
    public static PacketFsEndpoint udp(String host, int port) {
        return new PacketFsEndpoint(Kind.UDP, host, checkPort(port, host + ":" + port), null, null, null);
    }

    /** An L2 endpoint on {@code iface}; {@code peer} and {@code netns} may be null. */
    public static PacketFsEndpoint l2(String iface, PacketFsMacAddress peer, String netns) {
        if (iface == null || iface.isEmpty()) {
            throw new IllegalArgumentException("l2 needs an interface name, e.g. l2:eth0");
        }
        return new PacketFsEndpoint(Kind.L2, null, 0, iface, peer, netns);
    }

    /** Parses {@code udp:HOST:PORT[,iface=NAME]} or {@code l2:IFACE[,peer=MAC][,netns=NAME]}. */
    public static PacketFsEndpoint parse(String spec) {
        String s = spec.trim();
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(usage(spec));
        }
        String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
        String[] parts = s.substring(colon + 1).split(",");
        String iface = null;
        PacketFsMacAddress peer = null;
        String netns = null;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException(usage(spec));
            }
            switch (kv[0]) {
                case "iface":
                    iface = kv[1];
                    break;
                case "peer":
                    peer = PacketFsMacAddress.parse(kv[1]);
                    break;
                case "netns":
                    netns = kv[1];
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + kv[0] + "' in '" + spec + "'; "
                            + usage(spec));
            }
        }
        if ("udp".equals(scheme) && peer != null) {
            throw new IllegalArgumentException("peer= is for l2 endpoints; a UDP peer is HOST:PORT (" + spec + ")");
        }
        if ("l2".equals(scheme) && iface != null) {
            throw new IllegalArgumentException("iface= is for UDP multicast; an l2 endpoint names its interface "
                    + "first, as l2:IFACE (" + spec + ")");
        }
        switch (scheme) {
            case "udp": {
                InetSocketAddress a = parseHostPort(parts[0]);
                PacketFsEndpoint e = udp(a.getHostString(), a.getPort());
                return new PacketFsEndpoint(Kind.UDP, e.host, e.port, iface, null, netns);
            }
            case "l2":
                return l2(parts[0], peer, netns);
            default:
                throw new IllegalArgumentException(usage(spec));
        }
    }

    /** Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6). */
    public static InetSocketAddress parseHostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (for example 127.0.0.1:9000)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT: the port is not a number");
        }
        return InetSocketAddress.createUnresolved(host, checkPort(port, text));
    }

    private static int checkPort(int port, String text) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " in '" + text + "' is outside 0..65535");
        }
        return port;
    }

    private static String usage(String spec) {
        return "'" + spec + "' is not a transport: use udp:HOST:PORT[,iface=NAME] or l2:IFACE[,peer=MAC][,netns=NAME]";
    }

    /** UDP or L2. */
    public Kind kind() {
        return kind;
    }

    /** UDP host (null for L2). */
    public String host() {
        return host;
    }

    /** UDP port (0 for L2). */
    public int port() {
        return port;
    }

    /** The network interface: L2's interface, or the UDP multicast interface (may be null for UDP). */
    public String iface() {
        return iface;
    }

    /** L2 peer MAC, or null. */
    public PacketFsMacAddress peer() {
        return peer;
    }

    /** Network namespace name, or null for the current one. */
    public String netns() {
        return netns;
    }

    @Override
    public String toString() {
        if (kind == Kind.UDP) {
            return "udp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                    + (iface != null ? ",iface=" + iface : "") + (netns != null ? ",netns=" + netns : "");
        }
        return "l2:" + iface + (peer != null ? ",peer=" + peer : "") + (netns != null ? ",netns=" + netns : "");
    }
}
