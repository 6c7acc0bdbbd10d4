/* SPDX-License-Identifier: MIT */
/* Feeds saved inputs to a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so that every target's regression inputs (fuzz/regressions/)
 * and seeds run as tests in any build, gcc included:
 *     replay_<target> PATH...      (files, or directories of files)
 * Each input is read into a buffer of exactly its size (no NUL after it), so
 * AddressSanitizer or valgrind catches a read past the end.  A target aborts
 * when a check fails; the driver fails when a path cannot be read or when it
 * ran no input at all. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint8_t *data;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    data = malloc(size ? (size_t)size : 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, (size_t)size);
    free(data);
    return 1;
}

/* The inputs at path (a file, or the files of a directory, dot files left
 * out): how many ran, or -1. */
static long run_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    long n = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    if (!(d = opendir(path)))
        return -1;
    while ((e = readdir(d)) != NULL) {
        char child[4096];
        int r;
        if (e->d_name[0] == '.')
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        if (stat(child, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((r = run_file(child)) < 0) {
            closedir(d);
            return -1;
        }
        n += r;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    long total = 0;
    for (int i = 1; i < argc; i++) {
        long n = run_path(argv[i]);
        if (n < 0)
            return 1;
        printf("replay: %s: %ld input(s)\n", argv[i], n);
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no input\n");
        return 1;
    }
    return 0;
}
