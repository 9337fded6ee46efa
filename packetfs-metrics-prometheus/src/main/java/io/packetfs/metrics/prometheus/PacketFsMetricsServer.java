package io.packetfs.metrics.prometheus;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.internal.ObjectUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code GET /metrics}: the meters of a {@link PrometheusMeterRegistry} in the Prometheus text format
 * (version 0.0.4), over Netty's own HTTP codec on one daemon event-loop thread of its own (so a scrape never runs on
 * a data-path event loop). Any other path is 404; any other method on {@code /metrics} is 405 with
 * {@code Allow: GET}; a request that does not parse is 400. Keep-alive is honoured.
 *
 * <pre>
 *   try (PacketFsMetricsServer server = PacketFsMetricsServer.start(registry, new InetSocketAddress(9100))) {
 *       System.out.println(server.url());   // http://localhost:9100/metrics
 *       ...
 *   }
 * </pre>
 */
public final class PacketFsMetricsServer implements AutoCloseable {

    /** The one path served. */
    public static final String PATH = "/metrics";
    /** Content type of the Prometheus text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final int MAX_REQUEST_BYTES = 16 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private PacketFsMetricsServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds {@code address} (port 0: an ephemeral port) and serves {@code registry}.
     *
     * @throws IllegalStateException if the address cannot be bound (the message names it and why)
     */
    public static PacketFsMetricsServer start(PrometheusMeterRegistry registry, InetSocketAddress address)
            throws InterruptedException {
        ObjectUtil.checkNotNull(registry, "registry");
        ObjectUtil.checkNotNull(address, "address");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("packetfs-metrics", true), NioIoHandler.newFactory());
        boolean success = false;
        try {
            ScrapeHandler scrape = new ScrapeHandler(registry);
            Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(scrape);
                        }
                    })
                    .bind(address).await().channel();
            if (!ch.isActive()) {
                throw new IllegalStateException("cannot serve metrics on " + address + ": "
                        + ch.closeFuture().cause() + "; is the port in use? choose another port");
            }
            success = true;
            return new PacketFsMetricsServer(group, ch);
        } finally {
            if (!success) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The URL to scrape; a wildcard bind is shown as localhost. */
    public String url() {
        InetSocketAddress a = localAddress();
        InetAddress ip = a.getAddress();
        String host = ip.isAnyLocalAddress() ? "localhost"
                : ip instanceof java.net.Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
        return "http://" + host + ":" + a.getPort() + PATH;
    }

    /** Stops serving and releases the port. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers each request; stateless, so one instance serves every connection. */
    @ChannelHandler.Sharable
    private static final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PrometheusMeterRegistry registry;

        ScrapeHandler(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request: " + request.decoderResult().cause()
                        + "\n", false);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (!PATH.equals(path)) {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, "no such path: " + path + "; metrics are at "
                        + PATH + "\n", HttpUtil.isKeepAlive(request));
            } else if (!HttpMethod.GET.equals(request.method())) {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, request.method() + " is not allowed on "
                        + PATH + "; use GET\n", HttpUtil.isKeepAlive(request));
            } else {
                respond(ctx, request, HttpResponseStatus.OK, registry.scrape(), HttpUtil.isKeepAlive(request));
            }
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                    String body, boolean keepAlive) {
            ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, status == HttpResponseStatus.OK ? CONTENT_TYPE
                    : "text/plain; charset=utf-8");
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
                response.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
            }
            if (keepAlive) {
                if (!request.protocolVersion().isKeepAliveDefault()) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ctx.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a broken connection: the scraper retries
        }
    }
}
