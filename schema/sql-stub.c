/*
** sql-stub.c: placeholder until the SQL virtual tables exist.
*/
#include <sqlite3.h>
#include "schema/sql.h"

int trec_sql_register(sqlite3 *db){
  (void)db;
  return SQLITE_OK;
}
