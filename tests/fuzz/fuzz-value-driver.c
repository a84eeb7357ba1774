/*
** fuzz-value-driver.c: a main() for fuzz targets without libFuzzer, so make
** check replays the committed corpus. Each corpus file runs whole, then as
** every prefix (truncation is the commonest damage), then with 64 seeded
** byte mutations; one TAP line per file. A crash or abort() in the target
** fails the test run.
**
**   fuzz-value [DIR_OR_FILE...]     default: the corpus named at build time
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *slurp(const char *path, size_t *len){
  FILE *f = fopen(path, "rb");
  unsigned char *p = NULL;
  long n;
  if( !f ) return NULL;
  if( fseek(f, 0, SEEK_END)==0 && (n = ftell(f))>=0 && fseek(f, 0, SEEK_SET)==0 ){
    p = malloc((size_t)n + 1);
    if( p && fread(p, 1, (size_t)n, f)!=(size_t)n ){ free(p); p = NULL; }
    *len = (size_t)n;
  }
  fclose(f);
  return p;
}

static int run_file(const char *path, int num){
  size_t len = 0;
  unsigned char *p = slurp(path, &len), *m;
  uint32_t seed = 2166136261u;
  if( !p ){
    printf("not ok %d - %s (cannot read)\n", num, path);
    return 1;
  }
  LLVMFuzzerTestOneInput(p, len);
  for(size_t k=0; k<len; k++) LLVMFuzzerTestOneInput(p, k);
  m = malloc(len ? len : 1);
  for(int i=0; m && len && i<64; i++){
    memcpy(m, p, len);
    for(int j=0; j<1+i%3; j++){
      seed = seed*1103515245u + 12345u;
      m[(seed >> 8) % len] ^= (unsigned char)(1u << ((seed >> 4) % 8));
    }
    LLVMFuzzerTestOneInput(m, len);
  }
  free(m);
  free(p);
  printf("ok %d - %s\n", num, strrchr(path, '/') ? strrchr(path, '/')+1 : path);
  return 0;
}

static int cmp_str(const void *a, const void *b){
  return strcmp(*(char *const*)a, *(char *const*)b);
}

int main(int argc, char **argv){
  char *def[] = { CORPUS_DIR };
  char **args = argc>1 ? argv+1 : def;
  int nargs = argc>1 ? argc-1 : 1, num = 0, failed = 0;
  char **files = NULL;
  size_t n_files = 0;
  for(int i=0; i<nargs; i++){
    struct stat st;
    DIR *d;
    struct dirent *e;
    if( stat(args[i], &st)!=0 ){ fprintf(stderr, "%s: not found\n", args[i]); return 2; }
    if( !S_ISDIR(st.st_mode) ){
      files = realloc(files, (n_files+1) * sizeof *files);
      files[n_files++] = strdup(args[i]);
      continue;
    }
    if( !(d = opendir(args[i])) ) return 2;
    while( (e = readdir(d)) ){
      char path[4096];
      if( e->d_name[0]=='.' ) continue;
      snprintf(path, sizeof path, "%s/%s", args[i], e->d_name);
      files = realloc(files, (n_files+1) * sizeof *files);
      files[n_files++] = strdup(path);
    }
    closedir(d);
  }
  if( n_files ) qsort(files, n_files, sizeof *files, cmp_str);
  printf("1..%zu\n", n_files);
  for(size_t i=0; i<n_files; i++){
    failed |= run_file(files[i], ++num);
    free(files[i]);
  }
  free(files);
  return failed;
}
