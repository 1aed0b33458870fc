/*
 * A straight-line C decoder of Blood Pressure Measurement (0x2A35) frames: the baseline Helsebro's Swift decoder is
 * compared with (issue 7). It does what `helsebro bench decode --channel gatt/2a35` does without a profile: flags,
 * three SFLOATs kept as mantissa and exponent with their special values, the unit, the optional time stamp
 * (range-checked, turned into microseconds since 1970; none or zero means the receive time), pulse rate, user id and
 * measurement status, one reading record per value, and rejects a frame with bytes missing or left over. Reads a frames file (16-bit little-endian length, then the payload) and decodes it
 * PASSES times; prints payloads/s and ns/payload.
 *
 * Build: cc -O2 -o bp_decode bp_decode.c        Run: ./bp_decode FRAMES PASSES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One reading, as Helsebro's decoder produces it: metric, the SFLOAT kept as mantissa and exponent (or the kind of
 * special value), unit, time in microseconds since 1970, status bits and user. */
struct reading {
    uint8_t metric, unit, special, user;
    int16_t mantissa;
    int8_t exponent;
    int64_t time_us;
    uint64_t status[2];
};

static void sfloat(uint16_t raw, struct reading *r) {
    int mantissa = raw & 0x0FFF;
    int exponent = raw >> 12;
    if (exponent >= 8) exponent -= 16;
    r->special = (exponent == 0 && mantissa >= 0x07FE && mantissa <= 0x0802) ? (uint8_t)(mantissa - 0x07FD) : 0;
    if (mantissa >= 0x0800) mantissa -= 0x1000;
    r->mantissa = (int16_t)mantissa;
    r->exponent = (int8_t)exponent;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Appends the frame's readings to out; returns how many, or -1 if rejected. */
static int decode(const uint8_t *p, size_t n, int64_t receive_us, struct reading *out) {
    if (n < 7) return -1;
    uint8_t flags = p[0];
    size_t need = 7 + ((flags & 0x02) ? 7 : 0) + ((flags & 0x04) ? 2 : 0) + ((flags & 0x08) ? 1 : 0) + ((flags & 0x10) ? 2 : 0);
    if (n != need) return -1;
    uint64_t status = 0;
    int64_t time_us = receive_us;
    size_t i = 7;
    if (flags & 0x02) {
        int year = p[i] | p[i + 1] << 8, month = p[i + 2], day = p[i + 3], hour = p[i + 4], minute = p[i + 5], second = p[i + 6];
        if (year == 0 || month == 0 || day == 0) {
            status |= 1; /* time from receive time */
        } else {
            if (year < 1582 || year > 9999 || month > 12 || day > 31 || hour > 23 || minute > 59 || second > 59) return -1;
            time_us = ((days_from_civil(year, month, day) * 86400) + hour * 3600 + minute * 60 + second) * 1000000;
        }
        i += 7;
    } else {
        status |= 1;
    }
    uint8_t unit = (flags & 0x01) ? 2 : 1; /* kPa : mmHg */
    int count = 3;
    for (int k = 0; k < 3; k++) {
        out[k].metric = (uint8_t)k;
        out[k].unit = unit;
        sfloat((uint16_t)(p[1 + 2 * k] | p[2 + 2 * k] << 8), &out[k]);
    }
    if (flags & 0x04) {
        out[3].metric = 3;
        out[3].unit = 3; /* /min */
        sfloat((uint16_t)(p[i] | p[i + 1] << 8), &out[3]);
        count = 4;
        i += 2;
    }
    uint8_t user = 0xFF;
    if (flags & 0x08) {
        user = p[i++];
        if (user == 0xFF) status |= 2;
    }
    if (flags & 0x10) status |= (uint64_t)(p[i] | p[i + 1] << 8) << 8;
    for (int k = 0; k < count; k++) {
        out[k].time_us = time_us;
        out[k].status[0] = status;
        out[k].status[1] = 0;
        out[k].user = user;
    }
    return count;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s FRAMES PASSES\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(size);
    if (fread(data, 1, size, f) != (size_t)size) { perror("read"); return 2; }
    fclose(f);
    size_t count = 0, cap = 1024, *starts = malloc(cap * sizeof *starts), *lengths = malloc(cap * sizeof *lengths);
    for (long at = 0; at + 2 <= size;) {
        size_t len = data[at] | data[at + 1] << 8;
        if (count == cap) { cap *= 2; starts = realloc(starts, cap * sizeof *starts); lengths = realloc(lengths, cap * sizeof *lengths); }
        starts[count] = at + 2; lengths[count] = len; count++;
        at += 2 + len;
    }
    int passes = atoi(argv[2]);
    struct reading out[4];
    long decoded = 0, rejected = 0, readings = 0;
    double checksum = 0;
    int64_t receive_us = (int64_t)time(NULL) * 1000000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int pass = 0; pass < passes; pass++) {
        for (size_t k = 0; k < count; k++) {
            int n = decode(data + starts[k], lengths[k], receive_us, out);
            if (n < 0) { rejected++; continue; }
            decoded++;
            readings += n;
            checksum += out[0].mantissa + (double)(out[n - 1].time_us & 0xFF);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    long total = (long)count * passes;
    printf("payloads: %ld, decoded: %ld, rejected: %ld, readings: %ld (checksum %.1f)\n", total, decoded, rejected, readings,
           checksum);
    printf("payloads/s: %.0f\n", total / seconds);
    printf("ns/payload: %.1f\n", seconds * 1e9 / total);
    return 0;
}
