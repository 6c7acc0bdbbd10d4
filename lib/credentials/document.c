/* Credentials from the values of a document: the JSON credentials document
 * of the metadata service and of a credentials URI, and the values the file
 * providers found.  Calls credentials.c only. */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "credentials/internal.h"
#include "util/error.h"
#include "util/utctime.h"

ens_status ens__cred_new_checked(ens_credentials **out, const char *id, const char *secret,
                                 const char *token, time_t expiration, const char *where,
                                 ens_error *err)
{
    ens_status st = ens_credentials_new(out, id, secret, token, expiration);
    if (st == ENS_EINVAL)
        return ENS__CRED_FAIL(err, "%s: a credentials value holds a line break", where);
    if (st != ENS_OK)
        return ens__error_set(err, st, "credentials unavailable: %s", ens_strerror(st));
    return ENS_OK;
}

void ens__cred_json_wipe(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    if (!j)
        return;
    switch (json_typeof(j)) {
    case JSON_STRING:
        sodium_memzero((char *)json_string_value(j), json_string_length(j));
        break;
    case JSON_OBJECT:
        json_object_foreach(j, key, v) ens__cred_json_wipe(v);
        break;
    case JSON_ARRAY:
        json_array_foreach(j, i, v) ens__cred_json_wipe(v);
        break;
    default:
        break;
    }
}

static const char *json_str_member(json_t *root, const char *name, bool *wrong_type)
{
    json_t *v = json_object_get(root, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *wrong_type = true;
        return NULL;
    }
    return json_string_length(v) ? json_string_value(v) : NULL;
}

ens_status ens__cred_from_json(const char *body, size_t len, bool require_sts, const char *source,
                               ens_credentials **out, ens_error *err)
{
    json_error_t jerr;
    json_t *root;
    const char *id, *secret, *token, *exp, *code, *missing = NULL;
    bool wrong = false;
    time_t expiration = 0;
    ens_status st;

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        /* jerr.text may quote the document: give the position only */
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: %s: response is not valid JSON (line %d, column %d)",
                              source, jerr.line, jerr.column);
    if (!json_is_object(root)) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: response is not a JSON object", source);
        goto done;
    }
    code = json_str_member(root, "Code", &wrong);
    if (wrong) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: member Code is not a string", source);
        goto done;
    }
    if ((code || require_sts) && (!code || strcmp(code, "Success") != 0)) {
        /* the Code of a failure is not secret, but keep it short and printable */
        char shown[64];
        size_t i;
        ens__strlcpy(shown, sizeof(shown), code ? code : "(none)");
        for (i = 0; shown[i]; i++)
            if ((unsigned char)shown[i] < 0x20 || (unsigned char)shown[i] >= 0x7f)
                shown[i] = '?';
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: Code is '%s', not 'Success'", source, shown);
        goto done;
    }
    id = json_str_member(root, "AccessKeyId", &wrong);
    secret = json_str_member(root, "AccessKeySecret", &wrong);
    token = json_str_member(root, "SecurityToken", &wrong);
    exp = json_str_member(root, "Expiration", &wrong);
    if (wrong) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: a credentials member is not a string", source);
        goto done;
    }
    if (!id)
        missing = "AccessKeyId";
    else if (!secret)
        missing = "AccessKeySecret";
    else if (require_sts && !token)
        missing = "SecurityToken";
    else if (require_sts && !exp)
        missing = "Expiration";
    if (missing) {
        st = ens__error_set(err, ENS_ECREDENTIALS, "credentials unavailable: %s: %s is missing or empty",
                            source, missing);
        goto done;
    }
    if (exp && ens__utc_time_parse(exp, &expiration) != 0) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: Expiration is not a time like "
                            "2026-11-25T12:00:00Z",
                            source);
        goto done;
    }
    st = ens__cred_new_checked(out, id, secret, token, expiration, source, err);
done:
    ens__cred_json_wipe(root);
    json_decref(root);
    return st;
}
