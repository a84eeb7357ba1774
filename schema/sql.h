/*
** sql.h: the SQL face of a trace: virtual tables registered on a SQLite
** connection (also the entry point of the loadable extension).
*/
#ifndef TREC_SQL_H
#define TREC_SQL_H
struct sqlite3;
/*! trec_sql_register() : add tracerec's virtual tables to db.
 *  @return an SQLite result code. */
int trec_sql_register(struct sqlite3 *db);
#endif
