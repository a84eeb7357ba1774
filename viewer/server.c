/*
** server.c: the web viewer's HTTP side (libmicrohttpd). It listens on
** 127.0.0.1 only and answers nothing without the per-run token, because a
** trace holds a program's values and any local user could otherwise read
** them; it also refuses Host headers other than 127.0.0.1/localhost, which
** defeats DNS rebinding. Requests are served one at a time by the daemon's
** single internal thread, so the replay session in api.c needs no locking.
** The page (viewer/page/) is compiled in through the generated assets.inc.
*/
#include "config.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "viewer/view.h"
#include "viewer/view_int.h"

struct view_asset { const char *path, *mime, *body; };
#include "viewer/assets.inc"

struct trec_view {
  struct trec_buf msg;       /* Owned: last error */
  trec_reader *r;            /* Owned */
  struct view_api *api;      /* Owned */
  struct MHD_Daemon *d;      /* Owned */
  uint16_t port;
  char token[33];
  char url[96];
  char host_ip[32], host_name[32];
};

static int view_random_token(char *out){
  unsigned char raw[16];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd>=0 ? read(fd, raw, sizeof(raw)) : -1;
  if( fd>=0 ) close(fd);
  if( got!=(ssize_t)sizeof(raw) ) return TREC_ERR_IO;
  for(size_t i=0; i<sizeof(raw); i++) snprintf(out+2*i, 3, "%02x", raw[i]);
  return TREC_OK;
}

/* Constant-time: the time taken must not tell how much of a guess matched. */
static int view_token_ok(const struct trec_view *v, const char *t){
  unsigned diff = 0;
  if( t==NULL || strlen(t)!=32 ) return 0;
  for(size_t i=0; i<32; i++) diff |= (unsigned)(t[i] ^ v->token[i]);
  return diff==0;
}

static enum MHD_Result view_send(struct MHD_Connection *c, unsigned status,
                                 const char *mime, void *body, size_t len,
                                 enum MHD_ResponseMemoryMode mode){
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
  enum MHD_Result ret;
  if( resp==NULL ){
    if( mode==MHD_RESPMEM_MUST_FREE ) free(body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", mime);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Content-Security-Policy",
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'");
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result view_error(struct MHD_Connection *c, unsigned status,
                                  const char *text){
  return view_send(c, status, "text/plain; charset=utf-8", (void *)text,
                   strlen(text), MHD_RESPMEM_PERSISTENT);
}

/* index.html names its scripts with the token so that they, too, pass. */
static enum MHD_Result view_index(struct trec_view *v, struct MHD_Connection *c,
                                  const struct view_asset *a){
  struct trec_buf b = TREC_BUF_INIT;
  const char *p = a->body, *hit;
  size_t len;
  while( (hit = strstr(p, "__TOKEN__"))!=NULL ){
    trec_buf_put(&b, p, (size_t)(hit-p));
    trec_buf_puts(&b, v->token);
    p = hit + 9;
  }
  trec_buf_puts(&b, p);
  if( b.oom ){ trec_buf_release(&b); return MHD_NO; }
  len = b.len;
  return view_send(c, MHD_HTTP_OK, a->mime, trec_buf_detach(&b, &len), len,
                   MHD_RESPMEM_MUST_FREE);
}

static const char *view_arg(void *ctx, const char *key){
  return MHD_lookup_connection_value((struct MHD_Connection *)ctx,
                                     MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result view_handle(void *cls, struct MHD_Connection *c,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_len, void **state){
  static int first_call_seen;
  struct trec_view *v = cls;
  const char *host, *token;
  int post = !strcmp(method, "POST");
  (void)version; (void)upload;
  /* libmicrohttpd calls once with the headers, then per body piece. */
  if( *state==NULL ){ *state = &first_call_seen; return MHD_YES; }
  if( *upload_len ){ *upload_len = 0; return MHD_YES; }

  host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  if( host==NULL || (strcmp(host, v->host_ip) && strcmp(host, v->host_name)) )
    return view_error(c, MHD_HTTP_FORBIDDEN, "wrong Host\n");
  token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
  if( token==NULL ) token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Trec-Token");
  if( !view_token_ok(v, token) )
    return view_error(c, MHD_HTTP_FORBIDDEN,
                      "this tracerec viewer needs the token printed with its URL\n");
  if( !post && strcmp(method, "GET") && strcmp(method, "HEAD") )
    return view_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");

  if( !strncmp(url, "/api/", 5) ){
    char *body = NULL;
    size_t len = 0;
    unsigned status = (unsigned)view_api_handle(v->api, url+5, post, view_arg, c,
                                                &body, &len);
    if( body==NULL ) return MHD_NO;
    return view_send(c, status, "application/json", body, len, MHD_RESPMEM_MUST_FREE);
  }
  if( !strcmp(url, "/") ) url = "/index.html";
  for(size_t i=0; i<sizeof(view_assets)/sizeof(view_assets[0]); i++){
    const struct view_asset *a = &view_assets[i];
    if( strcmp(url, a->path) ) continue;
    if( !strcmp(a->path, "/index.html") ) return view_index(v, c, a);
    return view_send(c, MHD_HTTP_OK, a->mime, (void *)a->body, strlen(a->body),
                     MHD_RESPMEM_PERSISTENT);
  }
  return view_error(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* libmicrohttpd reports through a callback; keep it quiet (we never print). */
static void view_mhd_log(void *cls, const char *fmt, va_list ap){
  (void)cls; (void)fmt; (void)ap;
}

int trec_view_open(const struct trec_view_options *opt, trec_view **out){
  struct trec_view *v = calloc(1, sizeof(*v));
  struct sockaddr_in sin;
  const union MHD_DaemonInfo *info;
  int rc;
  *out = v;
  if( v==NULL ) return TREC_ERR_NOMEM;
  trec_buf_init(&v->msg);
  rc = trec_reader_open(opt->trace, 0, &v->r);
  if( rc!=TREC_OK ){
    trec_buf_printf(&v->msg, "%s", v->r ? trec_reader_errmsg(v->r) : trec_strerror(rc));
    goto out;
  }
  if( (rc = view_api_new(v->r, &v->api, &v->msg))!=TREC_OK ) goto out;
  if( (rc = view_random_token(v->token))!=TREC_OK ){
    trec_buf_printf(&v->msg, "cannot read /dev/urandom for the access token");
    goto out;
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons(opt->port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  v->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                          opt->port, NULL, NULL, view_handle, v,
                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                          MHD_OPTION_EXTERNAL_LOGGER, view_mhd_log, NULL,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                          MHD_OPTION_END);
  if( v->d==NULL ){
    rc = TREC_ERR_IO;
    if( opt->port ) trec_buf_printf(&v->msg, "cannot listen on 127.0.0.1:%u (in use?)", opt->port);
    else trec_buf_printf(&v->msg, "cannot listen on 127.0.0.1");
    goto out;
  }
  info = MHD_get_daemon_info(v->d, MHD_DAEMON_INFO_BIND_PORT);
  v->port = info ? info->port : opt->port;
  snprintf(v->host_ip, sizeof(v->host_ip), "127.0.0.1:%u", v->port);
  snprintf(v->host_name, sizeof(v->host_name), "localhost:%u", v->port);
  snprintf(v->url, sizeof(v->url), "http://127.0.0.1:%u/?token=%s", v->port, v->token);
  rc = TREC_OK;
out:
  return rc;
}

const char *trec_view_errmsg(trec_view *v){
  if( v==NULL ) return trec_strerror(TREC_ERR_NOMEM);
  return trec_buf_cstr(&v->msg);
}
const char *trec_view_url(trec_view *v){ return v->url; }
uint16_t trec_view_port(trec_view *v){ return v->port; }

void trec_view_close(trec_view *v){
  if( v==NULL ) return;
  if( v->d ) MHD_stop_daemon(v->d);
  view_api_free(v->api);
  trec_reader_close(v->r);
  trec_buf_release(&v->msg);
  free(v);
}
