package io.packetfs.examples;

import io.packetfs.transport.PacketFsEndpoint;
import io.packetfs.transport.PacketFsMacAddress;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The {@code --udp HOST:PORT | --l2 IFACE [--peer MAC] [--netns NAME]} options shared by the commands. */
final class TransportOptions {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    @Option(names = "--peer", paramLabel = "MAC",
            description = "L2 only: destination MAC (default: reply to the last sender, else ff:ff:ff:ff:ff:ff).")
    String peer;

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Open the socket in network namespace NAME (/var/run/netns/NAME).")
    String netns;

    static final class Choice {
        @Option(names = "--udp", paramLabel = "HOST:PORT", required = true,
                description = "UDP tunnel: the address to listen on (servers) or to send to (clients); "
                        + "a multicast address joins/targets the group.")
        String udp;

        @Option(names = "--l2", paramLabel = "IFACE", required = true,
                description = "Raw Ethernet (EtherType 0x1337) on interface IFACE (Linux, root or CAP_NET_RAW).")
        String l2;
    }

    PacketFsEndpoint endpoint() {
        if (choice.udp != null) {
            if (peer != null) {
                throw new IllegalArgumentException("--peer is for --l2; with --udp the peer is HOST:PORT");
            }
            String spec = "udp:" + choice.udp + (netns != null ? ",netns=" + netns : "");
            return PacketFsEndpoint.parse(spec);
        }
        return PacketFsEndpoint.l2(choice.l2, peer != null ? PacketFsMacAddress.parse(peer) : null, netns);
    }
}
