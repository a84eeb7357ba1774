/*
** ext.c: the entry point of tracerec's SQLite loadable extension
** (tracerec.so), so that the stock shell answers the same SQL as
** `tracerec sql`:  sqlite3 run.trace -cmd '.load PATH' 'SELECT ... FROM events'
** (PATH from `tracerec sql --extension-path`). The tables themselves are the
** sql-*.c files, compiled a second time for this module with
** TREC_SQL_EXTENSION so that they call SQLite through the host's API table.
*/
#include "config.h"
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include "schema/sql.h"

int sqlite3_tracerec_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

int sqlite3_tracerec_init(sqlite3 *db, char **err, const sqlite3_api_routines *api){
  int rc;
  SQLITE_EXTENSION_INIT2(api);
  rc = trec_sql_register(db);
  if( rc!=SQLITE_OK && err )
    *err = sqlite3_mprintf("tracerec: cannot register the virtual tables: %s",
                           sqlite3_errstr(rc));
  return rc;
}
