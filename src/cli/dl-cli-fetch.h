/* dl-cli-fetch.h — `digitlab-cli fetch`: download and verify a data set into a data folder. */
#pragma once

G_BEGIN_DECLS

/* argv[0] is "digitlab-cli fetch"; returns the exit status. */
int dl_cli_fetch (int argc, char **argv);

G_END_DECLS
