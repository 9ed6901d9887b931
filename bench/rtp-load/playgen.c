/*
 * playgen: the load generator of bench/rtp-load for Anchor's own streams (the media engine playing to callers).
 * Each of N streams is a caller: the generator sends it a G.711 stream of 50 packets/s (172-byte RTP) from one socket,
 * and receives what Anchor plays back (50 packets/s of a prompt) on the same socket; streams are told apart by the
 * port Anchor sends from. Measured per received packet: the gap since the previous packet of its stream (p50/p99/max,
 * microseconds) and sequence gaps (loss).
 *
 * usage: playgen PORTFILE SECONDS
 *   PORTFILE: the first line "GEN_PORT" (already in the SDPs Anchor was given), then one line per stream "ANCHOR_PORT".
 * prints one line: streams sent received lost loss_pct gap_p50_us gap_p99_us gap_max_us
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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

static int *stream_of_port;           /* Anchor's port -> stream index, or -1 */
static uint64_t *last_arrival;        /* per stream, ns */
static uint16_t *last_seq;
static unsigned char *seen;
static uint32_t *gap_hist;
static uint64_t received, lost_packets, gaps;

static void drain(int s) {
    static struct mmsghdr m[BATCH];
    static struct iovec iov[BATCH];
    static struct sockaddr_in from[BATCH];
    static unsigned char buf[BATCH][2048];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = buf[i]; iov[i].iov_len = sizeof buf[i];
            memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
            m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1;
            m[i].msg_hdr.msg_name = &from[i]; m[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        int n = recvmmsg(s, m, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) return;
        uint64_t t = now_ns();
        for (int i = 0; i < n; i++) {
            if (m[i].msg_len < 12 || (buf[i][0] >> 6) != 2) continue;
            int k = stream_of_port[ntohs(from[i].sin_port)];
            if (k < 0) continue;
            uint16_t sq; memcpy(&sq, buf[i] + 2, 2); sq = ntohs(sq);
            if (seen[k]) {
                uint16_t d = (uint16_t)(sq - last_seq[k]);
                if (d > 1 && d < 3000) lost_packets += d - 1;
                uint64_t us = (t - last_arrival[k]) / 1000;
                if (us >= HIST_US) us = HIST_US - 1;
                gap_hist[us]++;
                gaps++;
            }
            seen[k] = 1; last_seq[k] = sq; last_arrival[k] = t;
            received++;
        }
        if (n < BATCH) return;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: playgen PORTFILE SECONDS\n"); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror("portfile"); return 2; }
    int gp;
    if (fscanf(f, "%d", &gp) != 1) return 2;
    int cap = 1024, n = 0, x;
    int *ports = malloc(cap * sizeof(int));
    while (fscanf(f, "%d", &x) == 1) {
        if (n == cap) { cap *= 2; ports = realloc(ports, cap * sizeof(int)); }
        ports[n++] = x;
    }
    fclose(f);
    double seconds = atof(argv[2]);
    stream_of_port = malloc(65536 * sizeof(int));
    for (int i = 0; i < 65536; i++) stream_of_port[i] = -1;
    for (int i = 0; i < n; i++) stream_of_port[ports[i]] = i;
    last_arrival = calloc(n, sizeof(uint64_t)); last_seq = calloc(n, sizeof(uint16_t)); seen = calloc(n, 1);
    gap_hist = calloc(HIST_US, sizeof(uint32_t));
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 16 * 1024 * 1024;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(gp), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    struct sockaddr_in *dst = calloc(n, sizeof(struct sockaddr_in));
    uint16_t *seq = calloc(n, sizeof(uint16_t));
    for (int i = 0; i < n; i++) dst[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(ports[i]), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = s };
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = { .it_interval = { 0, 1000000 }, .it_value = { 0, 1000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    ev.data.fd = tfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    static struct mmsghdr m[BATCH];
    static struct iovec iov[BATCH];
    static unsigned char pkts[BATCH][PKT];
    /* A warm-up second first (Anchor latches onto the generator, streams reach their pace), then the measurement. */
    uint64_t start = now_ns(), measure = start + 1000000000ull, end = measure + (uint64_t)(seconds * 1e9);
    uint64_t sent = 0;
    int slot = 0, measuring = 0;
    while (now_ns() < end) {
        if (!measuring && now_ns() >= measure) {
            measuring = 1; received = 0; lost_packets = 0; gaps = 0; sent = 0;
            memset(gap_hist, 0, HIST_US * sizeof(uint32_t));
        }
        struct epoll_event evs[2];
        int r = epoll_wait(ep, evs, 2, 100);
        for (int e = 0; e < r; e++) {
            if (evs[e].data.fd != tfd) { drain(s); continue; }
            uint64_t expirations;
            if (read(tfd, &expirations, 8) != 8) continue;
            for (uint64_t tick = 0; tick < expirations; tick++) {
                int k = 0;
                for (int i = slot; i < n; i += 20) {
                    unsigned char *p = pkts[k];
                    memset(p, 0xd5, PKT);
                    p[0] = 0x80; p[1] = 8;
                    uint16_t sq = htons(seq[i]++);
                    memcpy(p + 2, &sq, 2);
                    uint32_t ts = htonl((uint32_t)seq[i] * 160u), ssrc = htonl((uint32_t)i);
                    memcpy(p + 4, &ts, 4); memcpy(p + 8, &ssrc, 4);
                    iov[k].iov_base = p; iov[k].iov_len = PKT;
                    memset(&m[k].msg_hdr, 0, sizeof m[k].msg_hdr);
                    m[k].msg_hdr.msg_iov = &iov[k]; m[k].msg_hdr.msg_iovlen = 1;
                    m[k].msg_hdr.msg_name = &dst[i]; m[k].msg_hdr.msg_namelen = sizeof dst[i];
                    if (++k == BATCH) { int w = sendmmsg(s, m, k, 0); if (w > 0) sent += w; k = 0; }
                }
                if (k > 0) { int w = sendmmsg(s, m, k, 0); if (w > 0) sent += w; }
                slot = (slot + 1) % 20;
            }
        }
    }
    uint64_t c = 0, p50 = 0, p99 = 0, max = 0;
    for (int us = 0; us < HIST_US; us++) {
        if (!gap_hist[us]) continue;
        c += gap_hist[us];
        if (!p50 && c * 2 >= gaps) p50 = us;
        if (!p99 && c * 100 >= gaps * 99) p99 = us;
        max = us;
    }
    uint64_t expected = received + lost_packets;
    printf("%d %llu %llu %llu %.4f %llu %llu %llu\n", n, (unsigned long long)sent, (unsigned long long)received, (unsigned long long)lost_packets,
           expected ? 100.0 * (double)lost_packets / (double)expected : 0.0, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max);
    return 0;
}
