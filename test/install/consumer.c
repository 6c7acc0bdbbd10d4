/* An out-of-tree consumer: built only with pkg-config's flags after an install. */
#include <ensclient/ensclient.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    ens_client *client = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    if (strcmp(ens_version(), ENS_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s but library %s\n", ENS_VERSION_STRING, ens_version());
        return 1;
    }
    req.page_size = 5; /* invalid on purpose: validated without any network */
    if (ens_describe_request_validate(&req, &err) != ENS_EINVAL || !strstr(err.description, "PageSize")) {
        fprintf(stderr, "validation did not reject PageSize 5\n");
        return 1;
    }
    if (ens_client_new(&client, NULL, &err) != ENS_OK) {
        fprintf(stderr, "ens_client_new: %s\n", err.description);
        return 1;
    }
    ens_client_free(client);
    printf("consumer OK with libensclient %s\n", ens_version());
    return 0;
}
