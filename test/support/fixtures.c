/* SPDX-License-Identifier: MIT */
/* Fixture files and scratch directories for the tests. */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ENS_FIXTURES_DIR
#error "ENS_FIXTURES_DIR must name test/fixtures"
#endif

const char *ts_fixtures_dir(void)
{
    const char *d = getenv("ENS_FIXTURES");
    return d && *d ? d : ENS_FIXTURES_DIR;
}

void ts_fixture_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", ts_fixtures_dir(), name);
}

char *ts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t n = 0, cap = 0, got;
    if (!f)
        return NULL;
    do {
        if (n + 4096 + 1 > cap) {
            char *bigger;
            cap = cap ? cap * 2 : 8192;
            bigger = realloc(data, cap);
            if (!bigger) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
        }
        got = fread(data + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

char *ts_fixture_load(const char *name, size_t *len)
{
    char path[1024];
    char *data;
    ts_fixture_path(path, sizeof(path), name);
    data = ts_read_file(path, len);
    if (!data)
        fail_msg("cannot read the fixture %s: %s", path, strerror(errno));
    return data;
}

void ts_tmpdir(char *out, size_t size, const char *prefix)
{
    const char *t = getenv("TMPDIR");
    snprintf(out, size, "%s/%s-XXXXXX", t && *t ? t : "/tmp", prefix);
    if (!mkdtemp(out))
        fail_msg("cannot create a scratch directory %s: %s", out, strerror(errno));
}

int ts_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        fail_msg("cannot read the directory %s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

void ts_write_file(const char *path, const char *text)
{
    char dir[1024], *slash;
    size_t len = strlen(text);
    FILE *f;
    snprintf(dir, sizeof(dir), "%s", path);
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0700); /* most exist already */
        *slash = '/';
    }
    f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void ts_rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char child[1024];
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
            ts_rm_rf(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}
