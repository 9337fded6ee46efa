package io.packetfs.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fixture the raw-channel tests share: an epoll event loop group and a {@link VethPair} per test class (skipped,
 * saying why, off Linux or without root), and the channels a test opened, closed after each test.
 */
abstract class VethEthernetTestBase {

    static EventLoopGroup group;
    static VethPair veth;

    /** Channels to close after the test. */
    final List<Channel> opened = new ArrayList<>();

    @BeforeAll
    static void setUpVeth() throws IOException {
        assumeTrue(VethPair.canRun(), VethPair::skipReason);
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        veth = VethPair.create();
    }

    @AfterAll
    static void tearDownVeth() {
        try {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            }
        } finally {
            group = null;
            if (veth != null) {
                veth.close();
                veth = null;
            }
        }
    }

    @AfterEach
    void closeChannels() {
        for (Channel ch : opened) {
            ch.close().syncUninterruptibly();
        }
        opened.clear();
    }
}
