/*
 * A straight-line C decoder of Blood Pressure Measurement (0x2A35) frames: the baseline Helsebro's Swift decoder is
 * compared with (issue 7). It does what `helsebro bench decode --channel gatt/2a35` does without a profile: flags,
 * three SFLOATs with their special values (NaN, NRes, +/-INFINITY, reserved), the unit (kPa converted to mmHg), the
 * optional time stamp (range-checked), pulse rate, user id and measurement status, and rejects a frame with bytes
 * missing or left over. Reads a frames file (16-bit little-endian length, then the payload) and decodes it
 * PASSES times; prints payloads/s and ns/payload.
 *
 * Build: cc -O2 -o bp_decode bp_decode.c -lm        Run: ./bp_decode FRAMES PASSES
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct reading {
    double systolic, diastolic, map, pulse;
    int absent; /* bit per field: value is a special (NaN, NRes, ...) */
    int year, month, day, hour, minute, second;
    int user, status, has_time, has_pulse;
};

static double sfloat(uint16_t raw, int *special) {
    int mantissa = raw & 0x0FFF;
    int exponent = raw >> 12;
    if (exponent >= 8) exponent -= 16;
    if (exponent == 0 && mantissa >= 0x07FE && mantissa <= 0x0802) { *special = 1; return NAN; }
    if (mantissa >= 0x0800) mantissa -= 0x1000;
    *special = 0;
    static const double pow10[] = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
    return mantissa * pow10[exponent + 8];
}

/* 0 on success, 1 if rejected. */
static int decode(const uint8_t *p, size_t n, struct reading *r) {
    if (n < 7) return 1;
    uint8_t flags = p[0];
    size_t need = 7 + ((flags & 0x02) ? 7 : 0) + ((flags & 0x04) ? 2 : 0) + ((flags & 0x08) ? 1 : 0) + ((flags & 0x10) ? 2 : 0);
    if (n != need) return 1;
    int s0, s1, s2;
    double scale = (flags & 0x01) ? 7.50062 : 1.0;
    r->systolic = sfloat((uint16_t)(p[1] | p[2] << 8), &s0) * scale;
    r->diastolic = sfloat((uint16_t)(p[3] | p[4] << 8), &s1) * scale;
    r->map = sfloat((uint16_t)(p[5] | p[6] << 8), &s2) * scale;
    r->absent = s0 | s1 << 1 | s2 << 2;
    size_t i = 7;
    r->has_time = (flags & 0x02) != 0;
    if (r->has_time) {
        r->year = p[i] | p[i + 1] << 8; r->month = p[i + 2]; r->day = p[i + 3];
        r->hour = p[i + 4]; r->minute = p[i + 5]; r->second = p[i + 6];
        if (r->year != 0 && (r->year < 1582 || r->year > 9999 || r->month > 12 || r->day > 31 || r->hour > 23 ||
                             r->minute > 59 || r->second > 59)) return 1;
        i += 7;
    }
    r->has_pulse = (flags & 0x04) != 0;
    if (r->has_pulse) { int s; r->pulse = sfloat((uint16_t)(p[i] | p[i + 1] << 8), &s); r->absent |= s << 3; i += 2; }
    r->user = (flags & 0x08) ? p[i++] : -1;
    r->status = (flags & 0x10) ? (p[i] | p[i + 1] << 8) : 0;
    return 0;
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
    struct reading r;
    long decoded = 0, rejected = 0;
    double checksum = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int pass = 0; pass < passes; pass++) {
        for (size_t k = 0; k < count; k++) {
            if (decode(data + starts[k], lengths[k], &r) == 0) { decoded++; checksum += r.systolic + r.status; }
            else rejected++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    long total = (long)count * passes;
    printf("payloads: %ld, decoded: %ld, rejected: %ld (checksum %.1f)\n", total, decoded, rejected, checksum);
    printf("payloads/s: %.0f\n", total / seconds);
    printf("ns/payload: %.1f\n", seconds * 1e9 / total);
    return 0;
}
