/*
 * rtpgen: the load generator of bench/rtp-load. Plays N G.711-like calls through a relay, 50 packets/s per direction
 * (172-byte RTP packets), from two sockets (side A and side B of every call) using sendmmsg/recvmmsg, and measures
 * what comes back through the relay: loss per stream and one-way latency through the relay (send time is carried in
 * the payload).
 *
 * usage: rtpgen PORTFILE SECONDS
 *   PORTFILE: the first line "A_PORT B_PORT" (the generator's own two ports, already handed out in the SDPs), then one
 *   line per call "RELAY_PORT_FOR_A RELAY_PORT_FOR_B" (where side A sends, where side B sends).
 * prints one line: calls sent received lost loss_pct p50_us p99_us max_us
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PKT 172
#define BATCH 64
#define HIST_US 200000

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int bind_udp(int port) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 16 * 1024 * 1024;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); exit(1); }
    return s;
}

static uint32_t *hist;
static uint64_t received, late;
static uint32_t *recv_count;
static int ncalls;

static void drain(int s) {
    static struct mmsghdr m[BATCH];
    static struct iovec iov[BATCH];
    static unsigned char buf[BATCH][2048];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = buf[i]; iov[i].iov_len = sizeof buf[i];
            memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
            m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(s, m, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) return;
        uint64_t t = now_ns();
        for (int i = 0; i < n; i++) {
            if (m[i].msg_len < 20) continue;
            uint32_t ssrc; uint64_t sent;
            memcpy(&ssrc, buf[i] + 8, 4); ssrc = ntohl(ssrc);
            memcpy(&sent, buf[i] + 12, 8);
            if (ssrc < (uint32_t)ncalls * 2) recv_count[ssrc]++;
            uint64_t us = (t - sent) / 1000;
            if (us >= HIST_US) { late++; us = HIST_US - 1; }
            hist[us]++;
            received++;
        }
        if (n < BATCH) return;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: rtpgen PORTFILE SECONDS\n"); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror("portfile"); return 2; }
    int pa, pb;
    if (fscanf(f, "%d %d", &pa, &pb) != 2) return 2;
    int cap = 1024, n = 0;
    int *ra = malloc(cap * sizeof(int)), *rb = malloc(cap * sizeof(int));
    int x, y;
    while (fscanf(f, "%d %d", &x, &y) == 2) {
        if (n == cap) { cap *= 2; ra = realloc(ra, cap * sizeof(int)); rb = realloc(rb, cap * sizeof(int)); }
        ra[n] = x; rb[n] = y; n++;
    }
    fclose(f);
    ncalls = n;
    double seconds = atof(argv[2]);
    int sa = bind_udp(pa), sb = bind_udp(pb);
    hist = calloc(HIST_US, sizeof(uint32_t));
    recv_count = calloc((size_t)n * 2, sizeof(uint32_t));
    struct sockaddr_in *dst = calloc((size_t)n * 2, sizeof(struct sockaddr_in));
    uint16_t *seq = calloc((size_t)n * 2, sizeof(uint16_t));
    for (int i = 0; i < n; i++) {
        dst[2 * i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(ra[i]), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        dst[2 * i + 1] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(rb[i]), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sa };
    epoll_ctl(ep, EPOLL_CTL_ADD, sa, &ev);
    ev.data.fd = sb;
    epoll_ctl(ep, EPOLL_CTL_ADD, sb, &ev);

    /* A 1 ms timer: each tick sends the streams whose slot (stream % 20) is due, so every stream sends every 20 ms and
       the load is spread evenly; between ticks the generator sleeps in epoll and takes packets as they arrive. */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = { .it_interval = { 0, 1000000 }, .it_value = { 0, 1000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    ev.data.fd = tfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    static struct mmsghdr m[BATCH];
    static struct iovec iov[BATCH];
    static unsigned char pkts[BATCH][PKT];
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9);
    uint64_t sent = 0;
    int slot = 0;
    while (now_ns() < end) {
        struct epoll_event evs[3];
        int r = epoll_wait(ep, evs, 3, 100);
        for (int e = 0; e < r; e++) {
            if (evs[e].data.fd != tfd) { drain(evs[e].data.fd); continue; }
            uint64_t expirations;
            if (read(tfd, &expirations, 8) != 8) continue;
            for (uint64_t tick = 0; tick < expirations; tick++) {
                for (int side = 0; side < 2; side++) {
                    int sock = side == 0 ? sa : sb;
                    int k = 0;
                    for (int i = slot; i < n; i += 20) {
                        int s = 2 * i + side;
                        unsigned char *p = pkts[k];
                        memset(p, 0xd5, PKT);
                        p[0] = 0x80; p[1] = 8;
                        uint16_t sq = htons(seq[s]++);
                        memcpy(p + 2, &sq, 2);
                        uint32_t ts = htonl((uint32_t)seq[s] * 160u), ssrc = htonl((uint32_t)s);
                        memcpy(p + 4, &ts, 4);
                        memcpy(p + 8, &ssrc, 4);
                        uint64_t t = now_ns();
                        memcpy(p + 12, &t, 8);
                        iov[k].iov_base = p; iov[k].iov_len = PKT;
                        memset(&m[k].msg_hdr, 0, sizeof m[k].msg_hdr);
                        m[k].msg_hdr.msg_iov = &iov[k]; m[k].msg_hdr.msg_iovlen = 1;
                        m[k].msg_hdr.msg_name = &dst[s]; m[k].msg_hdr.msg_namelen = sizeof dst[s];
                        if (++k == BATCH) { int w = sendmmsg(sock, m, k, 0); if (w > 0) sent += w; k = 0; }
                    }
                    if (k > 0) { int w = sendmmsg(sock, m, k, 0); if (w > 0) sent += w; }
                }
                slot = (slot + 1) % 20;
            }
        }
    }
    /* Let what is in flight arrive. */
    uint64_t stop = now_ns() + 300000000ull;
    while (now_ns() < stop) {
        struct epoll_event evs[2];
        int r = epoll_wait(ep, evs, 2, 50);
        for (int i = 0; i < r; i++) drain(evs[i].data.fd);
    }
    uint64_t c = 0, p50 = 0, p99 = 0, max = 0;
    for (int us = 0; us < HIST_US; us++) {
        if (!hist[us]) continue;
        c += hist[us];
        if (!p50 && c * 2 >= received) p50 = us;
        if (!p99 && c * 100 >= received * 99) p99 = us;
        max = us;
    }
    uint64_t lost = sent > received ? sent - received : 0;
    printf("%d %llu %llu %llu %.4f %llu %llu %llu\n", n, (unsigned long long)sent, (unsigned long long)received, (unsigned long long)lost,
           sent ? 100.0 * (double)lost / (double)sent : 0.0, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max);
    return 0;
}
