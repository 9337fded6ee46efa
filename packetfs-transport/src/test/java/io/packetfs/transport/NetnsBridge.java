package io.packetfs.transport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: one Ethernet segment with several stations. A hub namespace holds bridge {@code br0}; each station
 * is a namespace of its own, joined to the bridge by a veth pair ({@link #interfaceName(int)} on the station side).
 * Made with {@code ip}, removed by {@link #close()} (and by a shutdown hook if the run dies first). Same
 * requirements as {@link VethPair}: see {@link VethPair#canRun()}.
 */
final class NetnsBridge implements AutoCloseable {

    private final String hub;
    private final List<String> stations = new ArrayList<>();
    private final Thread cleanup;
    private boolean closed;

    private NetnsBridge(String prefix, int count) {
        this.hub = prefix + "-hub";
        for (int i = 0; i < count; i++) {
            stations.add(prefix + "-s" + i);
        }
        this.cleanup = new Thread(this::deleteAll, "netns-bridge-cleanup");
    }

    /** A segment of {@code count} stations, every interface up. */
    static NetnsBridge create(int count) throws IOException {
        NetnsBridge bridge = new NetnsBridge(VethPair.uniquePrefix(), count);
        Runtime.getRuntime().addShutdownHook(bridge.cleanup);
        boolean success = false;
        try {
            VethPair.ip("netns", "add", bridge.hub);
            VethPair.ip("-n", bridge.hub, "link", "add", "br0", "type", "bridge");
            VethPair.ip("-n", bridge.hub, "link", "set", "br0", "up");
            for (int i = 0; i < count; i++) {
                String station = bridge.stations.get(i);
                String port = "pfs-p" + i;
                VethPair.ip("netns", "add", station);
                VethPair.ip("link", "add", bridge.interfaceName(i), "netns", station, "type", "veth",
                        "peer", "name", port, "netns", bridge.hub);
                VethPair.ip("-n", bridge.hub, "link", "set", port, "master", "br0");
                VethPair.ip("-n", bridge.hub, "link", "set", port, "up");
                VethPair.ip("-n", station, "link", "set", bridge.interfaceName(i), "up");
            }
            success = true;
            return bridge;
        } finally {
            if (!success) {
                bridge.close();
            }
        }
    }

    /** The namespace of station {@code i}. */
    String netns(int i) {
        return stations.get(i);
    }

    /** The interface of station {@code i}, in {@link #netns(int)}. */
    String interfaceName(int i) {
        return "pfs-s" + i;
    }

    /** Deletes every namespace (which removes the bridge and the veth pairs). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs anyway.
        }
        deleteAll();
    }

    private void deleteAll() {
        List<String> all = new ArrayList<>(stations);
        all.add(hub);
        VethPair.deleteNamespaces(all.toArray(new String[0]));
    }
}
