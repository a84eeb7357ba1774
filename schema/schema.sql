-- schema.sql: the tables of a trace, format 1.x (doc/FORMAT.md section 3).
-- Embedded into the writer as schema/schema.inc; every column is described
-- here and in FORMAT.md. Blobs of codec-compressed data carry their codec
-- (0 raw, 1 LZ4 block, 2 LZ4HC block) and raw_len (bytes after
-- decompression); checksum is XXH32 (seed 0) of the stored blob.

-- Facts about the recording, one row per key. Values are TEXT or INTEGER.
CREATE TABLE meta(
  key TEXT PRIMARY KEY,      -- format_major, format_minor, status, start_ns, ...
  value                      -- TEXT, INTEGER or NULL
) WITHOUT ROWID;

-- Source files, as they were when recorded.
CREATE TABLE files(
  file_id INTEGER PRIMARY KEY,  -- > 0, referenced by code.file_id
  path TEXT NOT NULL,           -- co_filename as the code object names it
  hash TEXT NOT NULL,           -- 'xxh32:%08x' of the source bytes, '' if none
  size INTEGER NOT NULL,        -- source bytes, -1 when unavailable
  codec INTEGER,                -- codec of source, NULL when no source
  raw_len INTEGER,              -- source bytes after decompression
  source BLOB                   -- the source, compressed; NULL when unavailable
);

-- Code objects (functions, modules, class bodies, comprehensions).
CREATE TABLE code(
  code_id INTEGER PRIMARY KEY,  -- > 0, the code of events
  file_id INTEGER NOT NULL,     -- files.file_id
  name TEXT NOT NULL,           -- co_name
  qualname TEXT NOT NULL,       -- co_qualname
  firstlineno INTEGER NOT NULL, -- co_firstlineno
  flags INTEGER NOT NULL,       -- co_flags (CO_* bits)
  n_args INTEGER NOT NULL,      -- argcount + kwonly + (*args) + (**kwargs)
  names TEXT NOT NULL           -- slot names separated by single spaces;
                                -- payload slot i is the i-th name
);

-- Threads, numbered in order of their first event.
CREATE TABLE threads(
  thread_id INTEGER PRIMARY KEY, -- > 0, the thread of chunks
  ident INTEGER NOT NULL,        -- threading.get_ident()
  native_id INTEGER NOT NULL,    -- threading.get_native_id()
  name TEXT NOT NULL,            -- threading name
  first_seq INTEGER NOT NULL,    -- first event's seq; 0 until known
  last_seq INTEGER NOT NULL,     -- last event's seq; 0 until known
  n_events INTEGER NOT NULL      -- events of this thread; 0 until known
);

-- One row per chunk: a run of one thread's events (section 4).
CREATE TABLE chunks(
  chunk_id INTEGER PRIMARY KEY,  -- order of commit
  thread_id INTEGER NOT NULL,    -- threads.thread_id of every event
  first_seq INTEGER NOT NULL,    -- seq of the first event
  last_seq INTEGER NOT NULL,     -- seq of the last event
  n_events INTEGER NOT NULL,     -- > 0
  first_ts INTEGER,              -- first timestamp in the chunk, NULL if none
  last_ts INTEGER,               -- last timestamp in the chunk, NULL if none
  min_depth INTEGER NOT NULL,    -- least stack depth of an event (outermost 1)
  max_depth INTEGER NOT NULL,    -- greatest stack depth of an event
  start_depth INTEGER NOT NULL,  -- frames on the stack before the first event
  n_call INTEGER NOT NULL,       -- events of each kind
  n_line INTEGER NOT NULL,
  n_return INTEGER NOT NULL,
  n_exception INTEGER NOT NULL,
  n_opcode INTEGER NOT NULL,
  codec INTEGER NOT NULL,        -- codec of data
  raw_len INTEGER NOT NULL,      -- bytes of the raw chunk
  checksum INTEGER NOT NULL,     -- XXH32 of data
  data BLOB NOT NULL,            -- the chunk, compressed
  n_patch INTEGER NOT NULL DEFAULT 0  -- PATCH payload entries (2.0)
);
-- Covering index of the chunk index: readers load every column but data
-- at open, and the data blobs make the table's own pages many times larger.
CREATE INDEX chunks_first_seq ON chunks(first_seq, thread_id, last_seq,
  n_events, first_ts, last_ts, min_depth, max_depth, start_depth, n_call,
  n_line, n_return, n_exception, n_opcode, n_patch);

-- The thread's full stack with every variable's value before a chunk's
-- first event (section 5). One row per chunk.
CREATE TABLE keyframes(
  chunk_id INTEGER PRIMARY KEY,  -- chunks.chunk_id
  codec INTEGER NOT NULL,        -- codec of data
  raw_len INTEGER NOT NULL,      -- bytes of the raw keyframe
  checksum INTEGER NOT NULL,     -- XXH32 of data
  data BLOB NOT NULL             -- the keyframe, compressed
);

-- Postings (format 1.1): the code objects that ran in each chunk, with
-- their event counts, so a filter on a function decodes only the chunks
-- where it ran. Written with the chunk, in the same transaction. A trace
-- of format 1.0 has no such table: readers then decode every chunk.
CREATE TABLE chunk_code(
  code_id INTEGER NOT NULL,      -- code.code_id
  chunk_id INTEGER NOT NULL,     -- chunks.chunk_id
  n_events INTEGER NOT NULL,     -- > 0: events of that chunk with this code
  PRIMARY KEY(code_id, chunk_id)
) WITHOUT ROWID;
