/*
** values.c: recorded values as JSON trees for the page. Each node is
** {"r": repr text, "t": type name} plus, for containers and objects with
** recorded items, "c": [{"k": key repr or field name, "v": node}, ...] and
** "n"/"total" (items stored / the original count), so the page can show a
** one-line repr and expand it in place. Bounded (children per node, nodes
** per tree) so that one huge recorded list cannot make a huge response;
** what is left out shows as "more".
**
** Children are walked over the encoding directly (they lie one after the
** other from v.items; dict items as key then value, object fields as a name
** then a value) because a node's repr needs its encoded bytes.
*/
#include "config.h"
#include <jansson.h>
#include "viewer/view_int.h"

#define VALUES_MAX_CHILDREN 200
#define VALUES_MAX_NODES    3000
#define VALUES_REPR_LEN     160

static json_t *values_node(const unsigned char *p, const unsigned char *end,
                           size_t *budget);

static int values_is_container(enum trec_vtag t){
  return t==TREC_V_TUPLE || t==TREC_V_LIST || t==TREC_V_SET
      || t==TREC_V_FROZENSET || t==TREC_V_DICT || t==TREC_V_OBJECT
      || t==TREC_V_TYPED;
}

static int values_children(const struct trec_value *v, const unsigned char *end,
                           json_t *kids, size_t *budget){
  const unsigned char *p = v->items;
  uint64_t shown = v->n < VALUES_MAX_CHILDREN ? v->n : VALUES_MAX_CHILDREN;
  for(uint64_t i=0; i<shown; i++){
    json_t *kid = json_object(), *key = NULL;
    struct trec_value item;
    if( kid==NULL ) return TREC_ERR_NOMEM;
    if( v->tag==TREC_V_DICT ){
      struct trec_value k;
      if( trec_value_read(p, end, &k)!=TREC_OK ){ json_decref(kid); return TREC_ERR_CORRUPT; }
      key = view_json_render(p, k.end, VALUES_REPR_LEN);
      p = k.end;
    }else if( v->tag==TREC_V_OBJECT || v->tag==TREC_V_TYPED ){
      uint64_t n;
      if( trec_get_varint(&p, end, &n) || n>(uint64_t)(end-p) ){
        json_decref(kid);
        return TREC_ERR_CORRUPT;
      }
      key = view_json_string((const char *)p, (size_t)n);
      p += n;
    }else{
      key = json_integer((json_int_t)i);
    }
    if( trec_value_read(p, end, &item)!=TREC_OK ){
      json_decref(key);
      json_decref(kid);
      return TREC_ERR_CORRUPT;
    }
    json_object_set_new(kid, "k", key);
    json_object_set_new(kid, "v", values_node(p, item.end, budget));
    json_array_append_new(kids, kid);
    p = item.end;
  }
  return TREC_OK;
}

static json_t *values_node(const unsigned char *p, const unsigned char *end,
                           size_t *budget){
  struct trec_value v;
  json_t *o = json_object();
  const char *type;
  size_t tlen;
  if( o==NULL ) return NULL;
  if( trec_value_read(p, end, &v)!=TREC_OK ){
    json_object_set_new(o, "r", json_string("<corrupt value>"));
    return o;
  }
  type = trec_value_typename(&v, &tlen);
  json_object_set_new(o, "r", view_json_render(p, v.end, VALUES_REPR_LEN));
  json_object_set_new(o, "t", view_json_string(type, tlen));
  if( *budget ) (*budget)--;
  if( v.tag==TREC_V_REF || v.tag==TREC_V_TRUNC || values_is_container(v.tag)
      || v.tag==TREC_V_EXC )
    json_object_set_new(o, "id", json_integer((json_int_t)v.id));
  if( v.tag==TREC_V_TYPED ){
    /* a Counter opens as its dict, a deque as its list, a plain Enum
    ** member as its OBJECT; a namedtuple or an int enum member as its
    ** fields */
    struct trec_value c;
    if( (v.form & TREC_FORM_SHAPE)!=TREC_FORM_NAMED
     && trec_value_content(&v, &c)==TREC_OK && c.tag>=TREC_V_TUPLE
     && c.tag<=TREC_V_OBJECT )
      v = c;
  }
  if( values_is_container(v.tag) ){
    json_object_set_new(o, "n", json_integer((json_int_t)v.n));
    json_object_set_new(o, "total", json_integer((json_int_t)v.total));
    if( v.n>0 && *budget>0 ){
      json_t *kids = json_array();
      if( kids && values_children(&v, v.end, kids, budget)==TREC_OK ){
        json_object_set_new(o, "c", kids);
        if( v.n>VALUES_MAX_CHILDREN )
          json_object_set_new(o, "more", json_integer((json_int_t)(v.n - VALUES_MAX_CHILDREN)));
      }else{
        json_decref(kids);
      }
    }
  }
  return o;
}

json_t *view_json_value(const unsigned char *p, const unsigned char *end){
  size_t budget = VALUES_MAX_NODES;
  return values_node(p, end, &budget);
}
